"""Several annotators' judgments merged into one record per item (merged.jsonl), and read back.

Per annotator and item the latest judgment counts (by its time; at equal times the later line,
files in the order given). Each merged item keeps every annotator's judgment and the majority
label; when the top labels tie the majority is null and `tie` is true (the item counts as
unresolved where a single label is needed). Pairwise labels are stored relative to the item's
systems in sorted order (`system_a` < `system_b`), whatever order each annotator saw: an "A"
always means `system_a`; each judgment keeps the order it was shown in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.analysis.annotations.records import (
    CATEGORIES,
    INDEXED,
    KINDS,
    LABELS,
    Annotation,
    Fields,
    Item,
    item_fields,
)
from harness.analysis.meta_eval.judgments import RecordProblem
from harness.records import Problems, Skipped, jsonl_records

MERGED_SCHEMA = "harness.annotations.merged/1"


@dataclass(frozen=True)
class Judgment:
    """One annotator's latest judgment of an item (pairwise `label` relative to the sorted pair)."""

    label: str
    category: str | None = None
    time: str = ""
    shown: tuple[str, ...] = ()


@dataclass
class MergedItem:
    kind: str
    doc_id: str
    systems: tuple[str, ...]  # (system,) or the pair, sorted
    index: int | None
    text: str | None
    sources: list[str] = field(default_factory=list)
    judgments: dict[str, Judgment] = field(default_factory=dict)  # annotator -> judgment

    @property
    def key(self) -> Item:
        return (self.kind, self.doc_id, self.systems, self.index)

    def majority(self) -> tuple[str | None, bool]:
        """(the most frequent label, False), or (None, True) when the top labels tie."""
        return _majority([j.label for j in self.judgments.values()])

    def majority_category(self) -> str | None:
        """The most frequent category among judgments of an unsupported bullet (None on a tie)."""
        return _majority([j.category for j in self.judgments.values() if j.label == "unsupported" and j.category])[0]

    def disagrees(self) -> bool:
        """Two annotators gave different labels (or, for an unsupported bullet, different categories)."""
        labels = {j.label for j in self.judgments.values()}
        categories = {j.category for j in self.judgments.values() if j.label == "unsupported"}
        return len(labels) > 1 or len(categories) > 1


def _majority(values: Sequence[str]) -> tuple[str | None, bool]:
    counts = Counter(values).most_common()
    if not counts:
        return None, False
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return None, True
    return counts[0][0], False


@dataclass
class Merged:
    items: list[MergedItem]  # sorted by kind, document, systems, index
    annotators: list[str]  # in order of first appearance
    replaced: Counter[str]  # annotator -> judgments replaced by a later one of the same item
    text_conflicts: list[str]  # items whose bullet or fact text differs between annotators


def merge(annotations: Sequence[Annotation]) -> Merged:
    """Latest judgment per annotator and item (time, then reading order), grouped by item."""
    latest: dict[tuple[str, Item], Annotation] = {}
    replaced: Counter[str] = Counter()
    for a in sorted(annotations, key=lambda a: a.time):  # stable: reading order breaks equal times
        key = (a.annotator, a.item)
        if key in latest:
            replaced[a.annotator] += 1
        latest[key] = a
    items: dict[Item, MergedItem] = {}
    conflicts: list[str] = []
    for a in latest.values():
        merged = items.setdefault(a.item, MergedItem(a.kind, a.doc_id, a.systems, a.index, a.text))
        if a.text is not None and a.text != merged.text and len(conflicts) < 1000:
            conflicts.append(f"{a.file}:{a.line}: {a.kind} text differs from another annotator's for the same item")
        if a.source not in merged.sources:
            merged.sources.append(a.source)
        merged.judgments[a.annotator] = Judgment(a.value, a.category, a.time_text, a.shown)
    annotators = list(dict.fromkeys(a.annotator for a in annotations))
    for merged in items.values():
        merged.judgments = dict(sorted(merged.judgments.items()))
    ordered = sorted(items.values(), key=lambda m: (KINDS.index(m.kind), m.doc_id, m.systems, m.index or 0))
    return Merged(ordered, annotators, replaced, conflicts)


# ---- merged.jsonl ----


def to_record(item: MergedItem) -> dict[str, Any]:
    label, tie = item.majority()
    record: dict[str, Any] = {"schema": MERGED_SCHEMA, "kind": item.kind, "doc_id": item.doc_id}
    if item.kind == "pairwise":
        record["system_a"], record["system_b"] = item.systems
    else:
        index_field, text_field = INDEXED[item.kind]
        record.update({"system": item.systems[0], index_field: item.index, text_field: item.text})
    record.update({"label": label, "tie": tie})
    if item.kind == "bullet":
        record["category"] = item.majority_category()
    record["sources"] = item.sources
    record["judgments"] = {
        name: {
            "label": j.label,
            **({"category": j.category} if item.kind == "bullet" else {}),
            **({"shown": list(j.shown)} if item.kind == "pairwise" else {}),
            "time": j.time,
        }
        for name, j in item.judgments.items()
    }
    return record


def from_record(record: dict[str, Any]) -> MergedItem:
    """A merged.jsonl record back as a MergedItem; RecordProblem names the first bad field."""
    fields = Fields(record)
    schema = fields.get("schema")
    if schema != MERGED_SCHEMA:
        hint = " (an annotator's file: merge the files with `harness annotations` first)" if schema else ""
        raise RecordProblem("schema", f"{schema!r} is not {MERGED_SCHEMA!r}{hint}")
    kind = str(fields.choice("kind", KINDS))
    doc_id = fields.text("doc_id")
    shown, index, text = item_fields(fields, kind)
    judgments = fields.get("judgments")
    if not isinstance(judgments, dict) or not judgments:
        raise RecordProblem("judgments", "expected an object of annotator -> judgment")
    item = MergedItem(kind, doc_id, tuple(sorted(shown)), index, text)
    for name, value in judgments.items():
        if not isinstance(value, dict):
            raise RecordProblem(f"judgments.{name}", "expected an object")
        one = Fields(value)
        try:
            label = str(one.choice("label", LABELS[kind]))
            category = one.choice("category", CATEGORIES, null=True) if "category" in value else None
        except RecordProblem as e:
            raise RecordProblem(f"judgments.{name}.{e.field}", e.reason) from None
        item.judgments[str(name)] = Judgment(label, category)
    if shown != item.systems:
        raise RecordProblem("system_b", "a merged pair is stored sorted (system_a < system_b)")
    return item


def read_merged(paths: Sequence[str | Path], problems: Problems) -> list[MergedItem]:
    """The items of merged.jsonl files; a bad line is skipped and counted (an error if strict),
    an item in two files is an error (which would count?)."""
    items: list[MergedItem] = []
    seen: dict[Item, str] = {}
    for path in map(str, paths):
        for number, record, problem in jsonl_records(Path(path)):
            if record is None:
                problems.skip(Skipped(path, number, None, problem or "unreadable"))
                continue
            try:
                item = from_record(record)
                if item.key in seen:
                    raise RecordProblem("doc_id", f"the same item as {seen[item.key]}")
            except RecordProblem as e:
                problems.skip(Skipped(path, number, e.field, e.reason))
                continue
            seen[item.key] = f"{path}:{number}"
            items.append(item)
    return items
