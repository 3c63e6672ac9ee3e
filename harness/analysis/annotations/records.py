"""Annotation records (`harness.annotation/1`, one judgment per JSONL line) read and checked.

The report's annotation mode writes them; the schema is in docs/annotations.md. Common keys:
schema, annotator, time (ISO 8601 with its offset, compared in UTC), kind, doc_id, source; then
per kind: bullet (system, bullet_index, bullet, label supported|unsupported, category), fact
(system, fact_index, fact, label stated|not_stated), pairwise (system_a, system_b as shown,
label A|B|tie). Other keys are allowed (later versions of the page may add some).

A bad line is reported with file, line and field and skipped (counted), or is an error with
`strict`, as every JSONL input of the harness. Text of any field is kept as data: printers escape it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness.analysis.meta_eval.judgments import RecordProblem
from harness.judge.prompts import CATEGORIES
from harness.records import Problems, Skipped, json_type, jsonl_records

SCHEMA = "harness.annotation/1"
KINDS = ("bullet", "fact", "pairwise")
# Labels in their order (pairwise: A < tie < B, the ordinal scale of the agreement).
LABELS = {"bullet": ("supported", "unsupported"), "fact": ("stated", "not_stated"), "pairwise": ("A", "tie", "B")}
# kind -> (field of the item's index, field of its text)
INDEXED = {"bullet": ("bullet_index", "bullet"), "fact": ("fact_index", "fact")}
SWAPPED = {"A": "B", "B": "A", "tie": "tie"}

Item = tuple[str, str, tuple[str, ...], int | None]  # kind, doc_id, systems (a pair sorted), index


@dataclass(frozen=True)
class Annotation:
    """One judgment of one annotator, where it was read, and its item."""

    annotator: str
    time: datetime  # UTC
    time_text: str  # as written
    kind: str
    doc_id: str
    source: str
    shown: tuple[str, ...]  # (system,) or (system_a, system_b) in the order shown
    index: int | None  # bullet_index or fact_index
    text: str | None  # the bullet or fact
    label: str  # as given (pairwise: relative to `shown`)
    category: str | None
    file: str
    line: int

    @property
    def systems(self) -> tuple[str, ...]:
        """The item's systems: a pair in sorted order, whatever order it was shown in."""
        return tuple(sorted(self.shown))

    @property
    def item(self) -> Item:
        return (self.kind, self.doc_id, self.systems, self.index)

    @property
    def value(self) -> str:
        """The label relative to `systems`: a pairwise A means the first of the sorted pair."""
        return SWAPPED[self.label] if self.kind == "pairwise" and self.shown != self.systems else self.label


class Fields:
    """A record's fields, each checked; a problem raises RecordProblem naming the field."""

    def __init__(self, record: dict[str, Any]):
        self.record = record

    def get(self, name: str) -> Any:
        if name not in self.record:
            raise RecordProblem(name, f"missing (fields here: {', '.join(sorted(map(str, self.record)))})")
        return self.record[name]

    def text(self, name: str, empty: bool = False) -> str:
        value = self.get(name)
        if not isinstance(value, str):
            raise RecordProblem(name, f"expected text, got {json_type(value)}")
        if not empty and not value.strip():
            raise RecordProblem(name, "empty")
        return value

    def index(self, name: str) -> int:
        value = self.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RecordProblem(name, f"expected a whole number from 0, got {value!r}")
        return value

    def choice(self, name: str, allowed: Sequence[str], null: bool = False) -> str | None:
        value = self.get(name)
        if value is None and null:
            return None
        if value not in allowed:
            raise RecordProblem(name, f"{value!r} is not one of {', '.join(allowed)}" + (" or null" if null else ""))
        return str(value)

    def time(self, name: str) -> tuple[datetime, str]:
        text = self.text(name)
        try:  # a trailing Z (JavaScript's toISOString) is read by fromisoformat only from Python 3.11
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "Zz" else text)
        except ValueError:
            raise RecordProblem(name, f"{text!r} is not an ISO 8601 time (2026-01-31T09:15:00Z)") from None
        if moment.tzinfo is None:
            raise RecordProblem(name, f"{text!r} has no time zone; write UTC as ...Z")
        return moment.astimezone(timezone.utc), text


def item_fields(fields: Fields, kind: str) -> tuple[tuple[str, ...], int | None, str | None]:
    """(systems as written, index, text) of a record of `kind`: the fields that name its item."""
    if kind == "pairwise":
        shown = (fields.text("system_a"), fields.text("system_b"))
        if shown[0] == shown[1]:
            raise RecordProblem("system_b", f"the same system as system_a ({shown[0]!r})")
        return shown, None, None
    index_field, text_field = INDEXED[kind]
    return (fields.text("system"),), fields.index(index_field), fields.text(text_field, empty=True)


def parse(record: dict[str, Any], file: str, line: int) -> Annotation:
    """One record as an Annotation; RecordProblem names the first bad field."""
    fields = Fields(record)
    schema = fields.get("schema")
    if schema != SCHEMA:
        raise RecordProblem("schema", f"{schema!r} is not {SCHEMA!r} (an annotation record of the report)")
    annotator = fields.text("annotator")
    moment, time_text = fields.time("time")
    kind = str(fields.choice("kind", KINDS))
    doc_id = fields.text("doc_id")
    source = fields.text("source", empty=True)
    shown, index, text = item_fields(fields, kind)
    label = str(fields.choice("label", LABELS[kind]))
    category = None
    if kind == "bullet":
        category = fields.choice("category", CATEGORIES, null=True) if "category" in record else None
    return Annotation(
        annotator, moment, time_text, kind, doc_id, source, shown, index, text, label, category, file, line
    )


@dataclass
class FileRead:
    path: str
    records: int  # lines read as annotations
    skipped: int  # bad lines (left out, reported)


def read_annotations(
    paths: Sequence[str | Path], strict: bool = False, problems: Problems | None = None
) -> tuple[list[Annotation], list[FileRead], Problems]:
    """Every usable record of the files, in file and line order, and what was skipped."""
    problems = problems or Problems(strict=strict)
    out: list[Annotation] = []
    files = []
    for path in map(str, paths):
        before, read = len(problems.skipped), 0
        for number, record, problem in jsonl_records(Path(path)):
            if record is None:
                problems.skip(Skipped(path, number, None, problem or "unreadable"))
                continue
            try:
                out.append(parse(record, path, number))
            except RecordProblem as e:
                problems.skip(Skipped(path, number, e.field, e.reason))
                continue
            read += 1
        files.append(FileRead(path, read, len(problems.skipped) - before))
    return out, files, problems
