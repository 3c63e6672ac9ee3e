"""Read a meta-evaluation file: one JSON line per (document, system) with a summary, the texts a
metric compares it against, and human scores at dotted paths (`expert_scores.consistency`).

Every record becomes an `Example` + `Summary` pair that the harness's metrics score unchanged.
`against` decides what a reference-based metric compares with, by filling `Example.references`:
  reference  -> (reference,)          the single reference field
  references -> tuple(references)     all alternative references (e.g. SummEval's 11)
  source     -> (source,)             the article itself (QAGS has no references)
so no metric needs a meta-evaluation option. References are read only when a metric needs them.

Bad records are handled as `harness run` handles them: a record with a missing or null id,
system, summary, source or reference (or a null parent of a dotted field), a wrong type, or a
duplicate (document, system) is skipped and reported with file, line and field; `strict` makes
the first one an error. A null or absent human score leaves that record out of that human
field's correlations only, and is counted per field (strict: an absent field is an error).
`where` keeps only records whose dotted field equals one of the given values.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.data import jsonl_records
from harness.errors import ConfigError, InputError
from harness.records import Example, Problems, Skipped, Summary
from harness.registry import suggest
from harness.text.bullets import parse_bullets
from harness.text.tokens import split_sentences

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
    """Parallel lists, one entry per kept record, plus the file's identity and what was left out."""

    path: str
    sha256: str
    doc_ids: list[str]
    system_ids: list[str]
    examples: list[Example]
    summaries: list[Summary]
    human: dict[str, list[float]]  # human field -> value per record (NaN when null or absent)
    lines: list[int] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)
    missing_human: dict[str, list[Skipped]] = field(default_factory=dict)  # field -> records without a score
    filtered: int = 0  # records not matching --where
    total: int = 0  # records read


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
    """`record["a"]["b"]` for "a.b"; _MISSING when a step is absent; None when a step is null."""
    value: Any = record
    for step in path.split("."):
        if value is None:
            return None
        if not isinstance(value, dict) or step not in value:
            return _MISSING
        value = value[step]
    return value


class RecordProblem(Exception):
    """A record that cannot be used, with the field and reason (becomes a Skipped)."""

    def __init__(self, field_name: str | None, reason: str):
        super().__init__(reason)
        self.field, self.reason = field_name, reason


class _Line:
    """One parsed record; each accessor raises RecordProblem naming the field."""

    def __init__(self, path: str, number: int, record: dict[str, Any]):
        self.path, self.number, self.record = path, number, record

    def get(self, name: str) -> Any:
        value = get_path(self.record, name)
        if value is _MISSING:
            raise RecordProblem(name, f"missing (top-level fields: {', '.join(sorted(self.record))})")
        if value is None:
            raise RecordProblem(name, null_reason(self.record, name))
        return value

    def text(self, name: str) -> str:
        value = self.get(name)
        if not isinstance(value, str):
            raise RecordProblem(name, f"expected text, got {type(value).__name__}")
        return value

    def identifier(self, name: str) -> str:
        value = self.get(name)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise RecordProblem(name, f"expected a string or integer id, got {value!r}")
        return str(value)

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.get(name)
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or not value:
            raise RecordProblem(name, "expected a non-empty list of texts")
        return tuple(value)

    def score(self, name: str) -> float | None:
        """The human score; None when null or absent (the caller counts it)."""
        value = get_path(self.record, name)
        if value is None or value is _MISSING:
            return None
        if isinstance(value, bool):
            return float(value)
        if not isinstance(value, (int, float)) or math.isinf(value) or math.isnan(value):
            raise RecordProblem(name, f"expected a number (or null), got {value!r}")
        return float(value)


def null_reason(record: dict[str, Any], path: str) -> str:
    """ "null", or which parent of a dotted path is null."""
    steps = path.split(".")
    for end in range(1, len(steps)):
        if get_path(record, ".".join(steps[:end])) is None:
            return f"null (its parent '{'.'.join(steps[:end])}' is null)"
    return "null"


def parse_where(conditions: Sequence[str]) -> dict[str, list[str]]:
    """["system_id=M0", "system_id=M1", "dataset=cnndm"] -> {field: [values]}; values of one
    field are alternatives, different fields must all match."""
    out: dict[str, list[str]] = {}
    for text in conditions:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise ConfigError(
                f"--where {text!r}: expected FIELD=VALUE, e.g. system_id=M0 or expert_scores.consistency=5"
            )
        out.setdefault(name.strip(), []).append(value)
    return out


def check_where_fields(path: str, conditions: dict[str, list[str]], records: list[dict[str, Any]]) -> None:
    """A --where field that no record has is a typo, not a filter that excludes everything."""
    for name in conditions:
        if not any(get_path(r, name) is not _MISSING for r in records):
            known = sorted({p for r in records[:100] if isinstance(r, dict) for p in field_paths(r)})
            listed = f" Fields: {', '.join(known)}." if len(known) <= 30 else ""
            raise ConfigError(
                f"--where {name}=...: no record of {path} has a field '{name}'.{listed}" + suggest(name, known)
            )


def field_paths(record: dict[str, Any], prefix: str = "") -> list[str]:
    """Every dotted field path of a record: 'system_id', 'scores', 'scores.quality', ..."""
    out = []
    for key, value in record.items():
        path = f"{prefix}{key}"
        out.append(path)
        if isinstance(value, dict):
            out += field_paths(value, f"{path}.")
    return out


def _matches(value: Any, wanted: list[str]) -> bool:
    """A record value equals a --where value when their texts agree (numbers by value: 5 == 5.0,
    booleans as true/false, null as null)."""
    if value is _MISSING:
        return False
    for text in wanted:
        if value is None:
            if text in ("null", "None"):
                return True
        elif isinstance(value, bool):
            if text.lower() == str(value).lower():
                return True
        elif isinstance(value, (int, float)):
            try:
                if float(text) == float(value):
                    return True
            except ValueError:
                pass
        elif str(value) == text:
            return True
    return False


def _read_lines(path: str, problems: Problems) -> tuple[bytes, list[_Line]]:
    lines = []
    for number, record, problem in jsonl_records(Path(path)):
        if record is None:
            problems.skip(Skipped(path, number, None, problem or "unreadable"))
            continue
        lines.append(_Line(path, number, record))
    return Path(path).read_bytes(), lines


def _texts(line: _Line, against: Against, names: FieldNames, needs: frozenset[str], has_source: bool):
    """(source, references, facts) of one record, each checked (every record, not only a
    document's first: a record with a null source is skipped even if its document has one)."""
    source = line.text(names.source) if has_source else ""
    references: tuple[str, ...] = ()
    if "references" in needs:
        if against == "reference":
            references = (line.text(names.reference),)
        elif against == "references":
            references = line.texts(names.references)
        else:
            references = (source,)
    facts = line.texts(names.facts) if names.facts and "facts" in needs else ()
    return source, references, facts


def _example(doc_id: str, source: str, references: tuple[str, ...], facts: tuple[str, ...]) -> Example:
    return Example(doc_id, source, tuple(one_sentence_per_line(r) for r in references), facts)


def load(
    path: str,
    human_fields: list[str],
    against: Against = "reference",
    names: FieldNames = FieldNames(),
    strict: bool = False,
    where: Sequence[str] = (),
    needs: frozenset[str] = frozenset({"references", "facts"}),
) -> MetaData:
    """Read the file; one Example per document (from its first usable record), one Summary per
    kept record. `needs` says what the chosen metrics read ("references", "facts"): fields a
    metric does not read are not required."""
    conditions = parse_where(where)
    problems = Problems(strict=strict)
    raw, lines = _read_lines(path, problems)
    check_where_fields(path, conditions, [line.record for line in lines])
    # A file without any source field is reference-only; otherwise each record needs its source.
    has_source = against == "source" or any(get_path(line.record, names.source) is not _MISSING for line in lines)
    data = MetaData(
        path,
        hashlib.sha256(raw).hexdigest(),
        [],
        [],
        [],
        [],
        {h: [] for h in human_fields},
        problems=problems,
        missing_human={h: [] for h in human_fields},
        total=len(lines) + len(problems.skipped),
    )
    examples_by_doc: dict[str, Example] = {}
    seen: dict[tuple[str, str], int] = {}
    for line in lines:
        if conditions and not all(_matches(get_path(line.record, f), v) for f, v in conditions.items()):
            data.filtered += 1
            continue
        try:
            doc_id, system_id = line.identifier(names.doc_id), line.identifier(names.system_id)
            if (doc_id, system_id) in seen:
                raise RecordProblem(
                    names.system_id,
                    f"duplicate (document, system) ({doc_id}, {system_id}); first on line {seen[doc_id, system_id]}",
                )
            text = line.text(names.summary)
            texts = _texts(line, against, names, needs, has_source)
            scores = {h: line.score(h) for h in human_fields}
        except RecordProblem as problem:
            problems.skip(Skipped(path, line.number, problem.field, problem.reason))
            continue
        for human, value in scores.items():
            if value is None:
                absent = get_path(line.record, human) is _MISSING
                if absent and strict:
                    raise InputError(
                        Skipped(
                            path, line.number, human, f"missing (top-level fields: {', '.join(sorted(line.record))})"
                        ).message()
                    )
                reason = "absent" if absent else null_reason(line.record, human)
                data.missing_human[human].append(Skipped(path, line.number, human, reason))
            data.human[human].append(math.nan if value is None else value)
        seen[doc_id, system_id] = line.number
        if doc_id not in examples_by_doc:
            examples_by_doc[doc_id] = _example(doc_id, *texts)
        example = examples_by_doc[doc_id]
        data.doc_ids.append(doc_id)
        data.system_ids.append(system_id)
        data.lines.append(line.number)
        data.examples.append(example)
        data.summaries.append(to_summary(doc_id, text))
    problems.skipped.sort(key=lambda s: s.line or 0)
    if not data.doc_ids:
        reasons = "; ".join(s.message() for s in problems.skipped[:3])
        kept = f" ({data.filtered} of {data.total} records excluded by --where)" if data.filtered else ""
        raise InputError(f"{path}: no usable records{kept}" + (f" ({reasons})" if reasons else ""))
    for human, values in data.human.items():
        if all(math.isnan(v) for v in values):
            first = data.missing_human[human][0]
            raise InputError(
                f"{path}: field '{human}': no record has a human score "
                f"(line {first.line}: {first.reason}; top-level fields: {', '.join(sorted(lines[0].record))})"
            )
    return data
