"""Load examples through `datasets`: local JSONL/JSON/CSV/Parquet with a field mapping, or the hub.

Bad records never stop a run and are never dropped silently: each is reported (file, line,
field, reason) and counted; `strict` turns the first one into an error.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator

from harness.config import DatasetConfig
from harness.errors import ConfigError, InputError
from harness.records import Example, Problems, Skipped

FORMATS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet"}


@dataclass
class LoadedData:
    examples: list[Example]
    problems: Problems
    fingerprint: str
    origin: str  # file path or hub id, for messages and run.json


def builtin_path(name: str) -> str:
    """Path of a data file shipped in the package (so the demo runs from any directory)."""
    return str(resources.files("harness") / "resources" / name)


def load_examples(cfg: DatasetConfig, strict: bool = False) -> LoadedData:
    from harness.registry import DATASET_LOADERS

    if cfg.limit is not None and cfg.limit < 1:
        raise ConfigError(f"dataset.limit: must be at least 1 (or null for all), got {cfg.limit}")
    problems = Problems(strict=strict)
    rows, origin, line_of = DATASET_LOADERS.get(cfg.loader)(cfg, problems)
    examples = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        if cfg.limit is not None and len(examples) >= cfg.limit:
            break
        example = to_example(row, index, cfg, origin, line_of(index), problems)
        if example is None:
            continue
        if example.doc_id in seen:
            problems.skip(Skipped(origin, line_of(index), cfg.id_field, f"duplicate id '{example.doc_id}'", example.doc_id))
            continue
        seen.add(example.doc_id)
        examples.append(example)
    problems.skipped.sort(key=lambda s: (s.file, s.line or 0))  # reading order, not detection order
    if not examples:
        reasons = "; ".join(s.message() for s in problems.skipped[:3])
        raise InputError(f"{origin}: no usable examples" + (f" ({reasons})" if reasons else ""))
    return LoadedData(examples, problems, fingerprint(examples), origin)


def fingerprint(examples: Iterable[Example]) -> str:
    """Hash of the examples' content: two runs scored the same data iff fingerprints match."""
    h = hashlib.sha256()
    for e in examples:
        h.update(json.dumps([e.doc_id, e.source, e.references, e.facts], ensure_ascii=False).encode())
    return h.hexdigest()[:16]


# ---- loaders: return (rows, origin, line_of(index) -> file line number or None) ----


def load_local(cfg: DatasetConfig, problems: Problems):
    if not cfg.path:
        raise ConfigError(f"dataset '{cfg.name}': set dataset.path to a .jsonl, .json, .csv or .parquet file")
    path = Path(os.path.expanduser(cfg.path))
    if not path.is_file():
        raise InputError(f"dataset '{cfg.name}': file not found: {path}")
    fmt = cfg.format or FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(f"{path}: unknown format; set dataset.format to one of json, csv, parquet")
    import datasets

    datasets.disable_progress_bars()
    if fmt == "json" and path.suffix.lower() == ".jsonl":
        # Read line by line ourselves so one malformed line is reported and skipped, not fatal.
        records, lines = read_jsonl(path, problems)
        return as_dataset(records), str(path), lambda i: lines[i]
    try:
        ds = datasets.load_dataset(fmt, data_files=str(path), split="train")
    except Exception as e:  # datasets wraps parser errors in several types
        raise InputError(f"{path}: could not be read as {fmt}: {e}") from e
    header = 2 if fmt == "csv" else 1  # CSV: line 1 is the header
    return ds, str(path), (lambda i: i + header) if fmt == "csv" else (lambda i: None)


def jsonl_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, record, None) for each JSON-object line, or (line number, None, problem).

    One reader for every JSONL input (datasets, precomputed outputs, meta-evaluation data), so
    a bad line is described the same way everywhere; callers decide whether it is fatal.
    """
    try:
        handle = open(path, "rb")
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield number, None, f"not valid UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1})"
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as e:
                yield number, None, f"malformed JSON: {e.msg} (column {e.colno})"
                continue
            if not isinstance(record, dict):
                yield number, None, "a line must be a JSON object"
                continue
            yield number, record, None


def read_jsonl(path: Path, problems: Problems) -> tuple[list[dict[str, Any]], list[int]]:
    records, lines = [], []
    for number, record, problem in jsonl_records(path):
        if record is None:
            problems.skip(Skipped(str(path), number, None, problem or "unreadable"))
            continue
        records.append(record)
        lines.append(number)
    # datasets needs one schema: every record gets every key (missing ones as None)
    return _uniform(records), lines


def as_dataset(records: list[dict[str, Any]]):
    """A `datasets.Dataset` of the records; rows whose types Arrow cannot unify stay plain dicts."""
    import datasets

    if not records:
        return []
    try:
        return datasets.Dataset.from_list(records)
    except (TypeError, ValueError, ImportError) as e:  # pyarrow errors subclass these
        import logging

        logging.getLogger(__name__).warning("fields with mixed types; reading rows without Arrow (%s)", e)
        return records


def _uniform(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = {k for r in records for k in r}
    return [{k: r.get(k) for k in keys} for r in records]


def load_hub(cfg: DatasetConfig, problems: Problems):
    if not cfg.hub_id:
        raise ConfigError(f"dataset '{cfg.name}': set dataset.hub_id for loader 'hub'")
    import datasets

    try:
        ds = datasets.load_dataset(cfg.hub_id, cfg.hub_config, split=cfg.split)
    except Exception as e:
        raise InputError(
            f"dataset '{cfg.name}': could not load '{cfg.hub_id}'"
            + (f" ({cfg.hub_config})" if cfg.hub_config else "")
            + f" split '{cfg.split}' from the Hugging Face hub: {type(e).__name__}: {str(e)[:300]}\n"
            "Without network, save a copy elsewhere (e.g. ds.to_json('test.jsonl')) and point at it:\n"
            f"  harness run dataset={cfg.name} dataset.loader=local dataset.path=/path/to/test.jsonl"
        ) from e
    return ds, f"{cfg.hub_id}:{cfg.split}", lambda i: None


# ---- one row -> Example ----


def to_example(row: dict[str, Any], index: int, cfg: DatasetConfig, origin: str, line: int | None, problems: Problems) -> Example | None:
    def skip(field: str | None, reason: str, doc_id: str | None = None) -> None:
        problems.skip(Skipped(origin, line, field, reason, doc_id))

    doc_id = str(index) if cfg.id_field is None else row.get(cfg.id_field)
    if doc_id is None or str(doc_id).strip() == "":
        skip(cfg.id_field, f"is missing (set dataset.id_field to the id column, or null to number the rows; fields here: {', '.join(sorted(row))})")
        return None
    doc_id = str(doc_id)
    if cfg.source_field not in row:
        skip(cfg.source_field, f"is missing (set dataset.source_field; fields here: {', '.join(sorted(row))})", doc_id)
        return None
    source = row.get(cfg.source_field)
    if not isinstance(source, str) or not source.strip():
        skip(cfg.source_field, "is empty", doc_id)
        return None
    if len(source) > cfg.max_source_chars:
        skip(cfg.source_field, f"source has {len(source):,} characters, above dataset.max_source_chars={cfg.max_source_chars:,}", doc_id)
        return None
    references: tuple[str, ...] = ()
    if cfg.reference_field is not None:
        references = read_references(row.get(cfg.reference_field), cfg)
        if not references:
            skip(cfg.reference_field, "is empty or missing", doc_id)
            return None
    facts: tuple[str, ...] = ()
    if cfg.facts_field is not None:
        value = row.get(cfg.facts_field)
        if not isinstance(value, list) or not all(isinstance(f, str) for f in value):
            skip(cfg.facts_field, "facts must be a list of strings", doc_id)
            return None
        facts = tuple(f.strip() for f in value if f.strip())
    return Example(doc_id, source, references, facts)


def read_references(value: Any, cfg: DatasetConfig) -> tuple[str, ...]:
    """A reference is one text with its bullets on separate lines; a list holds alternatives
    (each a string or a list of bullets) unless `reference_list: bullets` says it is one reference."""

    def one(v: Any) -> str:
        if isinstance(v, list):
            return "\n".join(str(b).strip() for b in v if str(b).strip())
        if not isinstance(v, str):
            return ""
        if cfg.reference_separator:
            return "\n".join(b.strip() for b in v.split(cfg.reference_separator) if b.strip())
        return v.strip()

    if isinstance(value, list):
        if cfg.reference_list == "bullets":
            text = one(value)
            return (text,) if text else ()
        return tuple(t for t in (one(v) for v in value) if t)
    text = one(value)
    return (text,) if text else ()
