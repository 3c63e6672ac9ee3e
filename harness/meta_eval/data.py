"""Read a meta-evaluation file: one JSON line per (document, system) with a summary, the texts a
metric compares it against, and human scores at dotted paths (`expert_scores.consistency`).

Every record becomes an `Example` + `Summary` pair that the harness's metrics score unchanged.
`against` decides what a reference-based metric compares with, by filling `Example.references`:
  reference  -> (reference,)          the single reference field
  references -> tuple(references)     all alternative references (e.g. SummEval's 11)
  source     -> (source,)             the article itself (QAGS has no references)
so no metric needs a meta-evaluation option. A bad record is an error naming file, line and
field: silently dropping summaries would bias the correlations.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.bullets import parse_bullets
from harness.data import jsonl_records
from harness.errors import InputError
from harness.records import Example, Summary
from harness.text import split_sentences

Against = Literal["reference", "references", "source"]
AGAINST_CHOICES = ("reference", "references", "source")
_MISSING = object()


@dataclass(frozen=True)
class FieldNames:
    """Which record fields hold what (dotted paths allowed)."""

    doc_id: str = "doc_id"
    system_id: str = "system_id"
    summary: str = "summary"
    source: str = "source"
    reference: str = "reference"
    references: str = "references"
    facts: str | None = None


@dataclass
class MetaData:
    """Parallel lists, one entry per record, plus the file's identity for the protocol."""

    path: str
    sha256: str
    doc_ids: list[str]
    system_ids: list[str]
    examples: list[Example]
    summaries: list[Summary]
    human: dict[str, list[float]]  # human field -> value per record (NaN when null)
    lines: list[int] = field(default_factory=list)


def to_summary(doc_id: str, text: str) -> Summary:
    """One bullet per line when the text has line breaks (list markers and chatter stripped by the
    harness's bullet parser), else one bullet per sentence (the harness's sentence splitter)."""
    if "\n" in text.strip():
        parsed = parse_bullets(text)
        return Summary(doc_id, text, parsed.bullets, parsed.preamble)
    return Summary(doc_id, text, tuple(split_sentences(text)))


def one_sentence_per_line(text: str) -> str:
    """A reference as ROUGE-Lsum reads it (sentences on separate lines); other metrics ignore it."""
    return to_summary("", text).text


def get_path(record: dict[str, Any], path: str) -> Any:
    """`record["a"]["b"]` for "a.b"; _MISSING when a step is absent."""
    value: Any = record
    for step in path.split("."):
        if not isinstance(value, dict) or step not in value:
            return _MISSING
        value = value[step]
    return value


class _Line:
    """One parsed record with error messages that name the file, line and field."""

    def __init__(self, path: str, number: int, record: dict[str, Any]):
        self.path, self.number, self.record = path, number, record

    def error(self, name: str, reason: str) -> InputError:
        return InputError(f"{self.path}:{self.number}: field '{name}': {reason}")

    def get(self, name: str) -> Any:
        value = get_path(self.record, name)
        if value is _MISSING:
            raise self.error(name, f"missing (top-level fields: {', '.join(sorted(self.record))})")
        return value

    def text(self, name: str) -> str:
        value = self.get(name)
        if not isinstance(value, str):
            raise self.error(name, f"expected text, got {type(value).__name__}")
        return value

    def identifier(self, name: str) -> str:
        value = self.get(name)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.error(name, f"expected a string or integer id, got {value!r}")
        return str(value)

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.get(name)
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or not value:
            raise self.error(name, "expected a non-empty list of texts")
        return tuple(value)

    def score(self, name: str) -> float:
        value = self.get(name)
        if value is None:
            return math.nan
        if isinstance(value, bool):
            return float(value)
        if not isinstance(value, (int, float)) or math.isinf(value):
            raise self.error(name, f"expected a number (or null), got {value!r}")
        return float(value)


def _read_lines(path: str) -> tuple[bytes, list[_Line]]:
    lines = []
    for number, record, problem in jsonl_records(Path(path)):
        if record is None:
            raise InputError(f"{path}:{number}: {problem}")
        lines.append(_Line(path, number, record))
    if not lines:
        raise InputError(f"{path}: no records")
    return Path(path).read_bytes(), lines


def _example(line: _Line, doc_id: str, against: Against, names: FieldNames) -> Example:
    if against == "reference":
        references = (line.text(names.reference),)
    elif against == "references":
        references = line.texts(names.references)
    else:
        references = (line.text(names.source),)
    source_value = get_path(line.record, names.source)
    source = line.text(names.source) if source_value is not _MISSING else ""
    facts = line.texts(names.facts) if names.facts else ()
    return Example(doc_id, source, tuple(one_sentence_per_line(r) for r in references), facts)


def load(path: str, human_fields: list[str], against: Against = "reference", names: FieldNames = FieldNames()) -> MetaData:
    """Read the file; one Example per document (from its first record), one Summary per record."""
    raw, lines = _read_lines(path)
    examples_by_doc: dict[str, Example] = {}
    seen: dict[tuple[str, str], int] = {}
    data = MetaData(path, hashlib.sha256(raw).hexdigest(), [], [], [], [], {h: [] for h in human_fields})
    for line in lines:
        doc_id, system_id = line.identifier(names.doc_id), line.identifier(names.system_id)
        if (doc_id, system_id) in seen:
            raise line.error(names.system_id, f"duplicate (document, system) ({doc_id}, {system_id}); first on line {seen[doc_id, system_id]}")
        seen[doc_id, system_id] = line.number
        if doc_id not in examples_by_doc:
            examples_by_doc[doc_id] = _example(line, doc_id, against, names)
        text = line.text(names.summary)
        data.doc_ids.append(doc_id)
        data.system_ids.append(system_id)
        data.lines.append(line.number)
        data.examples.append(examples_by_doc[doc_id])
        data.summaries.append(to_summary(doc_id, text))
        for human in human_fields:
            data.human[human].append(line.score(human))
    for human, values in data.human.items():
        if all(math.isnan(v) for v in values):
            raise InputError(f"{path}: field '{human}': no record has a human score")
    return data
