"""The run folder as typed records: one reader (`read_run`) and one writer per file.

A run folder holds run.json (`RunInfo`), metrics.json (`MetricsFile`: a `FieldEntry` per metric
field), generations.jsonl (`GenerationRow`) and scores.jsonl (`ScoreRow`); `RunRecord` is all of
them. Each record types the keys the harness reads and keeps every other key as written, with the
order of the keys, so that a record read and written again gives the same bytes: a file written
by an older or newer harness loses nothing on its way through. A key of the wrong type is an
InputError naming file, line and field.

Keys a record types may be absent from a file (an older run): the attribute is then None (or
False/()), and `order` (the keys as the file had them) keeps the key absent when written again.
A record made in code (`stamped`) carries today's SCHEMA_VERSION and the keys in the order given.

run.json is written whole, stage by stage, by `RunFolder.update` (harness/run/folder.py); the
other files by `write_generations`, `write_scores` and `write_metrics` here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from harness.errors import InputError
from harness.fileio import atomic_write_json, atomic_write_jsonl
from harness.records import json_type, jsonl_records
from harness.run.folder import GENERATIONS, METRICS, RUN, SCHEMA_VERSION, SCORES, RunFolder, read_json_file
from harness.run.scores import numbered_rows, read_scores

VERSION = "schema_version"
DETAILS = "details"  # a score row's per-metric details (verdicts, evidence, facts)


# ---- checked values ----


def _where(where: str, key: str) -> str:
    return f"{where}: field '{key}'"


def _str(where: str, key: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InputError(f"{_where(where, key)} must be a string or null, not {json_type(value)}")


def _doc_id(where: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    raise InputError(f"{_where(where, 'doc_id')} must be a string, not {json_type(value)}")


def _bool(where: str, key: str, value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise InputError(f"{_where(where, key)} must be true, false or null, not {json_type(value)}")


def _int(where: str, key: str, value: Any) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    what = repr(value) if isinstance(value, float) else json_type(value)  # "not 5.5", not "not a number"
    raise InputError(f"{_where(where, key)} must be a whole number or null, not {what}")


def _number(where: str, key: str, value: Any) -> float | None:
    """A number as written (an int stays an int, so it is written back the same), NaN allowed."""
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    raise InputError(f"{_where(where, key)} must be a number or null, not {json_type(value)}")


def _strings(where: str, key: str, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise InputError(f"{_where(where, key)} must be a list of strings, not {json_type(value)}")


def _pair(where: str, key: str, value: Any) -> tuple[float | None, float | None] | None:
    """[low, high] (either may be null), as `range` and `ci95` are written."""
    if value is None:
        return None
    if isinstance(value, list) and len(value) == 2:
        return (_number(where, f"{key}[0]", value[0]), _number(where, f"{key}[1]", value[1]))
    shown = f"a list of {len(value)}" if isinstance(value, list) else json_type(value)
    raise InputError(f"{_where(where, key)} must be [low, high] (numbers or nulls), not {shown}")


def _object(where: str, key: str, value: Any) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    raise InputError(f"{_where(where, key)} must be an object, not {json_type(value)}")


def _version(where: str, value: Any) -> int | None:
    return _int(where, VERSION, value)


def _ordered(
    version: int | None, known: dict[str, Any], rest: Mapping[str, Any], order: tuple[str, ...]
) -> dict[str, Any]:
    """A record's JSON object: schema_version first (when it has one), then the keys in `order`
    (the file's), or for a record made in code every typed key and then the rest."""
    values = {**known, **rest}
    head: dict[str, Any] = {} if version is None else {VERSION: version}
    if not order:
        return {**head, **values}
    return {**head, **{k: values[k] for k in order if k in values}}


def _rest(row: Mapping[str, Any], typed: Iterable[str]) -> dict[str, Any]:
    skip = {VERSION, *typed}
    return {k: v for k, v in row.items() if k not in skip}


def _order(row: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(k for k in row if k != VERSION)


# ---- generations.jsonl ----

GENERATION_KEYS = ("doc_id", "cached", "raw", "bullets", "error")  # the typed keys, in the order written


R = TypeVar("R", bound="_Stamped")


class _Stamped:
    """`stamped`: a record made by this harness now (the pipeline's dict), with today's schema_version."""

    NEW: ClassVar[str]  # what a made record is called in an error ("a new scores.jsonl row")

    @classmethod
    def from_json(cls: type[R], row: Mapping[str, Any], where: str) -> R:
        raise NotImplementedError

    @classmethod
    def stamped(cls: type[R], row: Mapping[str, Any]) -> R:
        return cls.from_json({VERSION: SCHEMA_VERSION, **row}, cls.NEW)


@dataclass(frozen=True)
class GenerationRow(_Stamped):
    """One line of generations.jsonl: a document's reply, its bullets and how it was made. Typed:
    what readers use; the rest (key, style, set-aside text, tokens, latency, finish reason,
    top_logprobs, ...) kept as written."""

    NEW: ClassVar[str] = "a new generations.jsonl row"

    doc_id: str
    cached: bool | None = None  # found in the generation cache (None: not recorded)
    raw: str | None = None  # the reply as kept (cut at max_reply_chars); None: generation failed
    bullets: tuple[str, ...] | None = None
    error: str | None = None  # why generation failed
    rest: Mapping[str, Any] = field(default_factory=dict)
    order: tuple[str, ...] = ()  # the keys as the line had them; (): every key
    schema_version: int | None = SCHEMA_VERSION

    @classmethod
    def from_json(cls, row: Mapping[str, Any], where: str) -> GenerationRow:
        """A line read back; `where` (file:line) names it in errors."""
        doc_id = _doc_id(where, row.get("doc_id"))
        raw, bullets, error = (
            _str(where, "raw", row.get("raw")),
            _strings(where, "bullets", row.get("bullets")),
            _str(where, "error", row.get("error")),
        )
        if bullets is None and raw is not None and error is None:  # a reply is always written with its bullets
            given = "null" if "bullets" in row else "missing"
            raise InputError(f"{_where(where, 'bullets')} must be a list of strings for a reply, not {given}")
        return cls(
            doc_id,
            _bool(where, "cached", row.get("cached")),
            raw,
            bullets,
            error,
            _rest(row, GENERATION_KEYS),
            _order(row),
            _version(where, row.get(VERSION)),
        )

    def to_json(self) -> dict[str, Any]:
        bullets = None if self.bullets is None else list(self.bullets)
        known = {"doc_id": self.doc_id, "cached": self.cached, "raw": self.raw, "bullets": bullets, "error": self.error}
        return _ordered(self.schema_version, known, self.rest, self.order)


# ---- scores.jsonl ----


@dataclass(frozen=True)
class ScoreRow(_Stamped):
    """One line of scores.jsonl: a document's value of every metric field ("family/name": a
    number, null or NaN when not computable) and the metrics' details."""

    NEW: ClassVar[str] = "a new scores.jsonl row"

    doc_id: str
    values: Mapping[str, float | None] = field(default_factory=dict)
    details: Mapping[str, Any] | None = None  # metric name -> what it recorded (None: no details)
    rest: Mapping[str, Any] = field(default_factory=dict)  # keys that are neither (kept as written)
    order: tuple[str, ...] = ()
    schema_version: int | None = SCHEMA_VERSION

    @classmethod
    def from_json(cls, row: Mapping[str, Any], where: str) -> ScoreRow:
        doc_id = _doc_id(where, row.get("doc_id"))
        values = {k: _number(where, k, v) for k, v in row.items() if "/" in k}
        return cls(
            doc_id,
            values,
            _object(where, DETAILS, row.get(DETAILS)),
            _rest(row, ["doc_id", DETAILS, *values]),
            _order(row),
            _version(where, row.get(VERSION)),
        )

    def to_json(self) -> dict[str, Any]:
        known: dict[str, Any] = {"doc_id": self.doc_id, **self.values}
        if self.details is not None or DETAILS in self.order:
            known[DETAILS] = self.details
        return _ordered(self.schema_version, known, self.rest, self.order)


# ---- metrics.json ----

FIELD_KEYS = ("mean", "ci95", "n", "missing", "higher_is_better", "headline", "signature", "range")


@dataclass(frozen=True)
class FieldEntry:
    """One metric field of metrics.json: its mean and 95% CI over the documents with a value, how
    many had one (`n`) and how many not (`missing`), and how to read it (direction, headline,
    signature, range); the rest (method, not_applicable, ...) kept as written."""

    mean: float | None = None
    ci95: tuple[float | None, float | None] | None = None
    n: int | None = None
    missing: int | None = None
    higher_is_better: bool | None = None
    headline: bool | None = None
    signature: str | None = None
    range: tuple[float | None, float | None] | None = None
    rest: Mapping[str, Any] = field(default_factory=dict)
    order: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, entry: Any, where: str, name: str) -> FieldEntry:
        """metrics.json's entry of field `name`; `where` (the file) names it in errors."""
        at = f"fields.{name}"
        if not isinstance(entry, dict):
            raise InputError(f"{_where(where, at)} must be an object, not {json_type(entry)}")
        return cls(
            _number(where, f"{at}.mean", entry.get("mean")),
            _pair(where, f"{at}.ci95", entry.get("ci95")),
            _int(where, f"{at}.n", entry.get("n")),
            _int(where, f"{at}.missing", entry.get("missing")),
            _bool(where, f"{at}.higher_is_better", entry.get("higher_is_better")),
            _bool(where, f"{at}.headline", entry.get("headline")),
            _str(where, f"{at}.signature", entry.get("signature")),
            _pair(where, f"{at}.range", entry.get("range")),
            _rest(entry, FIELD_KEYS),
            tuple(entry),
        )

    def to_json(self) -> dict[str, Any]:
        def pair(value: tuple[float | None, float | None] | None) -> list[float | None] | None:
            return None if value is None else list(value)

        known = {
            "mean": self.mean,
            "ci95": pair(self.ci95),
            "n": self.n,
            "missing": self.missing,
            "higher_is_better": self.higher_is_better,
            "headline": self.headline,
            "signature": self.signature,
            "range": pair(self.range),
        }
        return _ordered(None, known, self.rest, self.order)


@dataclass(frozen=True)
class MetricsFile(_Stamped):
    """metrics.json: the fields, the metrics not applicable to the run and why (`skipped`), the
    bootstrap's settings; the rest kept as written."""

    NEW: ClassVar[str] = f"a new {METRICS}"

    fields: Mapping[str, FieldEntry] = field(default_factory=dict)
    skipped: Mapping[str, Any] | None = None
    bootstrap: Mapping[str, Any] | None = None
    rest: Mapping[str, Any] = field(default_factory=dict)
    order: tuple[str, ...] = ()
    schema_version: int | None = SCHEMA_VERSION

    @classmethod
    def from_json(cls, value: Any, path: Path | str) -> MetricsFile:
        if not isinstance(value, dict):
            raise InputError(f"{path}: not a JSON object ({type(value).__name__}); the file is damaged")
        fields = value.get("fields", {})
        if not isinstance(fields, dict) or not all(isinstance(f, dict) for f in fields.values()):
            raise InputError(f"{path}: field 'fields' must be an object of objects (one per metric field)")
        entries = {k: FieldEntry.from_json(v, str(path), k) for k, v in fields.items()}
        return cls(
            entries,
            _object(str(path), "skipped", value.get("skipped")),
            _object(str(path), "bootstrap", value.get("bootstrap")),
            _rest(value, ("fields", "skipped", "bootstrap")),
            _order(value),
            _version(str(path), value.get(VERSION)),
        )

    def field_json(self) -> dict[str, dict[str, Any]]:
        """The fields as plain objects (key -> its entry as written), as analysis reads them."""
        return {k: v.to_json() for k, v in self.fields.items()}

    def to_json(self) -> dict[str, Any]:
        known: dict[str, Any] = {"fields": self.field_json()}
        for key, value in (("skipped", self.skipped), ("bootstrap", self.bootstrap)):
            if value is not None or key in self.order:
                known[key] = value
        return _ordered(self.schema_version, known, self.rest, self.order)


# ---- run.json ----

INFO_KEYS = ("status", "label", "error", "overrides")


@dataclass(frozen=True)
class RunInfo:
    """run.json: what ran and how it ended. Typed: the keys every reader needs; the rest (model,
    backend, dataset, prompt, versions, generation, judge, timings, shard, ...) kept as written,
    each read by its own module (e.g. analysis/cost.py `generation`, analysis/judge_usage.py `judge`)."""

    status: str | None = None  # starting, running, scoring, done, failed, interrupted; None: before statuses
    label: str | None = None
    error: str | None = None  # why the run failed or stopped
    overrides: tuple[str, ...] | None = None  # the command line's overrides
    rest: Mapping[str, Any] = field(default_factory=dict)
    order: tuple[str, ...] = ()
    schema_version: int | None = SCHEMA_VERSION

    @classmethod
    def from_json(cls, value: Any, path: Path | str) -> RunInfo:
        if not isinstance(value, dict):
            raise InputError(f"{path}: not a JSON object ({type(value).__name__}); the file is damaged")
        where = str(path)
        return cls(
            _str(where, "status", value.get("status")),
            _str(where, "label", value.get("label")),
            _str(where, "error", value.get("error")),
            _strings(where, "overrides", value.get("overrides")),
            _rest(value, INFO_KEYS),
            _order(value),
            _version(where, value.get(VERSION)),
        )

    def to_json(self) -> dict[str, Any]:
        overrides = None if self.overrides is None else list(self.overrides)
        known = {"status": self.status, "label": self.label, "error": self.error, "overrides": overrides}
        return _ordered(self.schema_version, known, self.rest, self.order)


# ---- the folder ----


@dataclass(frozen=True)
class RunRecord:
    """A finished run folder: run.json, metrics.json, generations.jsonl and the checked scores.jsonl."""

    path: Path
    info: RunInfo
    metrics: MetricsFile
    generations: tuple[GenerationRow, ...]
    scores: tuple[ScoreRow, ...]

    @property
    def fields(self) -> Mapping[str, FieldEntry]:
        return self.metrics.fields


def read_info(path: Path) -> RunInfo:
    """run.json (`path`), checked: an object whose typed keys have their types."""
    return RunInfo.from_json(read_json_file(path), path)


def open_folder(path: Path) -> RunFolder:
    """A finished or stopped run folder to work on again (re-scored, merged): its run.json read by
    `read_info`, as the dict `RunFolder.update` writes back stage by stage (schema_version aside)."""
    folder = RunFolder(Path(path))
    if not folder.file(RUN).exists() and not folder.file(RUN).is_symlink():
        raise InputError(f"{folder.file(RUN)}: missing; is {folder.path} a run folder?")
    folder.info = {k: v for k, v in read_info(folder.file(RUN)).to_json().items() if k != VERSION}
    return folder


def read_metrics(path: Path) -> MetricsFile:
    return MetricsFile.from_json(read_json_file(path), path)


def read_generations(path: Path) -> tuple[GenerationRow, ...]:
    """generations.jsonl's rows (a missing file: none); a bad line names file, line and field."""
    return _read_rows(path, GenerationRow.from_json)


def read_score_rows(path: Path) -> tuple[ScoreRow, ...]:
    """scores.jsonl's rows as written, unchecked against metrics.json: a re-score's earlier rows,
    whose other metrics' values it keeps (`read_run` reads a finished run's through `read_scores`)."""
    return _read_rows(path, ScoreRow.from_json)


Row = TypeVar("Row", GenerationRow, ScoreRow)


def _read_rows(path: Path, make: Callable[[Mapping[str, Any], str], Row]) -> tuple[Row, ...]:
    return tuple(make(row, f"{path}:{number}") for number, row in numbered_rows(path))


def read_run(path: Path) -> RunRecord:
    """The one reader of a finished run folder: run.json and metrics.json (read_json_file),
    generations.jsonl, and scores.jsonl through the one checked reader of score files
    (harness/run/scores.py `read_scores`: ranges, counts, every document generated)."""
    path = Path(path)
    info = read_info(path / RUN)
    metrics = read_metrics(path / METRICS)
    generations = read_generations(path / GENERATIONS)
    rows = read_scores(path / SCORES, metrics.field_json(), path / GENERATIONS)
    scores = []
    for doc_id, row in rows.items():
        try:
            scores.append(ScoreRow.from_json(row, str(path / SCORES)))
        except InputError:  # read_scores keeps no line numbers: a row refused here (a hand edit) is found again
            scores.append(ScoreRow.from_json(row, f"{path / SCORES}:{_line_of(path / SCORES, doc_id)}"))
    return RunRecord(path, info, metrics, generations, tuple(scores))


def _line_of(path: Path, doc_id: str) -> int | None:
    return next(
        (number for number, row, _ in jsonl_records(path) if row is not None and row.get("doc_id") == doc_id), None
    )


# ---- the writers ----


def write_generations(path: Path, rows: Iterable[GenerationRow]) -> None:
    """generations.jsonl, atomically: one JSON object a line, as the rows hold them."""
    atomic_write_jsonl(path, (r.to_json() for r in rows))


def write_scores(path: Path, rows: Iterable[ScoreRow]) -> None:
    """scores.jsonl, atomically: one JSON object a line, as the rows hold them."""
    atomic_write_jsonl(path, (r.to_json() for r in rows))


def write_metrics(path: Path, metrics: MetricsFile) -> None:
    """metrics.json, atomically (indented, as every JSON file of a run folder)."""
    atomic_write_json(path, metrics.to_json())
