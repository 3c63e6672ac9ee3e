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
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from harness.errors import InputError
from harness.records import Example, Summary

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


def _shared_splitters() -> tuple[Callable[[str], list[str]] | None, Callable[[str], Any] | None]:
    """The harness's own sentence splitter and bullet parser, when this checkout has them."""
    try:
        from harness.text import split_sentences
    except ImportError:
        split_sentences = None
    try:
        from harness.bullets import parse_bullets
    except ImportError:
        parse_bullets = None
    return split_sentences, parse_bullets


_SPLIT_SENTENCES, _PARSE_BULLETS = _shared_splitters()
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")


def split_sentences(text: str) -> list[str]:
    if _SPLIT_SENTENCES is not None:
        return [s for s in _SPLIT_SENTENCES(text) if s.strip()]
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def to_bullets(text: str) -> tuple[str, ...]:
    """One bullet per line when the text has line breaks (markers stripped), else one per sentence."""
    if "\n" in text.strip():
        if _PARSE_BULLETS is not None:
            parsed = _PARSE_BULLETS(text)
            bullets = getattr(parsed, "bullets", parsed)
            return tuple(bullets)
        return tuple(line.strip() for line in text.splitlines() if line.strip())
    return tuple(split_sentences(text))


def one_sentence_per_line(text: str) -> str:
    """A reference as ROUGE-Lsum reads it (sentences on separate lines); other metrics ignore it."""
    return "\n".join(to_bullets(text))


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
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    lines = []
    for number, text in enumerate(raw.decode("utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}:{number}: not valid JSON ({e.msg})") from None
        if not isinstance(record, dict):
            raise InputError(f"{path}:{number}: expected a JSON object, got {type(record).__name__}")
        lines.append(_Line(path, number, record))
    if not lines:
        raise InputError(f"{path}: no records")
    return raw, lines


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
        data.summaries.append(Summary(doc_id, text, to_bullets(text)))
        for human in human_fields:
            data.human[human].append(line.score(human))
    for human, values in data.human.items():
        if all(math.isnan(v) for v in values):
            raise InputError(f"{path}: field '{human}': no record has a human score")
    return data
