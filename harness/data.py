"""Load examples through `datasets`: local JSONL/JSON/CSV/Parquet with a field mapping, or the hub.

Bad records never stop a run and are never dropped silently: each is reported (file, line,
field, reason) and counted; `strict` turns the first one into an error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import json
import os
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from harness.config.schema import DatasetConfig
from harness.errors import ConfigError, InputError
from harness.records import (  # noqa: F401 (re-exported)
    BOM,
    Example,
    Problems,
    Skipped,
    input_file_problem,
    json_type,
    jsonl_records,
)

FORMATS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet"}


@dataclass
class LoadedData:
    examples: list[Example]
    problems: Problems
    fingerprint: str
    origin: str  # file path or hub id, for messages and run.json
    reference_reading: dict[str, Any] | None = None  # how list references were read, and why (run.json)


def builtin_path(name: str) -> str:
    """Path of a data file shipped in the package (so the demo runs from any directory)."""
    return str(resources.files("harness") / "resources" / name)


def load_examples(cfg: DatasetConfig, strict: bool = False) -> LoadedData:
    """The usable examples of a dataset, read as a stream: with `limit`, reading stops at the
    N-th usable record, so a small subset of a huge file costs little time or memory."""
    from harness.registry import DATASET_LOADERS

    if cfg.limit is not None and cfg.limit < 1:
        raise ConfigError(f"dataset.limit: must be at least 1 (or null for all), got {cfg.limit}")
    problems = Problems(strict=strict)
    records, origin = DATASET_LOADERS.get(cfg.loader)(cfg, problems)
    examples = []
    seen: set[str] = set()
    with contextlib.closing(records):  # stopping early at `limit` closes the file at once
        # the records a reading of list references is inferred from (never past `limit`: reading stops there)
        first = list(itertools.islice(records, PEEK if cfg.limit is None else min(PEEK, cfg.limit)))
        reading = reference_reading(cfg, [row for _, row in first])
        if reading is not None:
            cfg = dataclasses.replace(cfg, reference_list=reading["reading"])
        for index, (line, row) in enumerate(itertools.chain(first, records)):
            example = to_example(row, index, cfg, origin, line, problems)
            if example is None:
                continue
            if example.doc_id in seen:
                problems.skip(Skipped(origin, line, cfg.id_field, f"duplicate id '{example.doc_id}'", example.doc_id))
                continue
            seen.add(example.doc_id)
            examples.append(example)
            if cfg.limit is not None and len(examples) >= cfg.limit:
                break
    problems.skipped.sort(key=lambda s: (s.file, s.line or 0))  # reading order, not detection order
    if not examples:
        reasons = "; ".join(s.message() for s in problems.skipped[:3])
        raise InputError(f"{origin}: no usable examples" + (f" ({reasons})" if reasons else ""))
    return LoadedData(examples, problems, fingerprint(examples), origin, reading)


PEEK = 100  # records looked at to infer how list references read


def reference_reading(cfg: DatasetConfig, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """How a list in the reference field is read (None when no record has one): as configured, or,
    with `reference_list: auto`, bullets of one reference when every item of every flat list is a
    single sentence, else alternative references; the reason says how to choose the other."""
    from harness.text.tokens import split_sentences

    if cfg.reference_field is None:
        return None
    values = [row.get(cfg.reference_field) for row in rows if isinstance(row, dict)]
    lists: list[list[Any]] = [v for v in values if isinstance(v, list) and v]
    if not lists:
        return None
    if cfg.reference_list != "auto":
        return {"reading": cfg.reference_list, "inferred": False, "reason": "dataset.reference_list"}
    flat = [v for v in lists if all(isinstance(item, str) for item in v)]
    field = f"'{cfg.reference_field}'"
    if not flat:
        return {
            "reading": "alternatives",
            "inferred": True,
            "reason": f"{field} holds lists of lists: each inner list read as the bullets of one alternative reference",
        }
    single = all(len(split_sentences(item)) <= 1 for v in flat for item in v)
    if single and len(flat) == len(lists):
        return {
            "reading": "bullets",
            "inferred": True,
            "reason": f"{field} holds lists whose items are each a single sentence (first {len(rows)} records): "
            "read as the bullets of one reference; set dataset.reference_list=alternatives if each item "
            "is a whole alternative reference",
        }
    return {
        "reading": "alternatives",
        "inferred": True,
        "reason": f"{field} holds lists with items of several sentences (first {len(rows)} records): "
        "read as alternative references (ROUGE takes the best); set dataset.reference_list=bullets if "
        "the items are the bullets of one reference",
    }


def fingerprint(examples: Iterable[Example]) -> str:
    """Hash of the examples' content: two runs scored the same data iff fingerprints match."""
    h = hashlib.sha256()
    for e in examples:
        h.update(json.dumps([e.doc_id, e.source, e.references, e.facts], ensure_ascii=False).encode())
    return h.hexdigest()[:16]


# ---- loaders: return (records, origin); records yields (line number or None, row mapping) ----

Records = Generator[tuple[int | None, dict[str, Any]], None, None]


FIELD_CHECK_RECORDS = 20  # records of a local JSONL or CSV file the field names are checked on


def check_fields(cfg: DatasetConfig) -> None:
    """The field names of a local JSONL or CSV dataset, checked on its first records before any
    work: a name found in none of them is a config error listing the fields there (exit 2).
    JSON and Parquet files are read whole by `datasets`, so they are checked when loaded."""
    if cfg.loader != "local" or not cfg.path:
        return
    path = Path(os.path.expanduser(cfg.path))
    fmt = local_format(cfg, path)
    if not path.is_file() or not (fmt == "csv" or (fmt == "json" and path.suffix.lower() == ".jsonl")):
        return
    skips = Problems(strict=False)
    records, origin = load_local(cfg, skips)
    with contextlib.closing(records):
        rows = list(itertools.islice(records, FIELD_CHECK_RECORDS))
    if not rows and not skips.skipped:  # not one line to read: nothing a run could do
        raise ConfigError(f"{origin}: no records (only blank lines, or a CSV header alone). Nothing was run.")
    first = [(line, row) for line, row in rows if isinstance(row, dict)]
    if not first:
        return  # unreadable records are counted and reported when the file is loaded
    present = sorted({str(key) for _, row in first for key in row})
    names = ("id_field", "source_field", "reference_field", "facts_field")
    wrong = [(name, getattr(cfg, name)) for name in names if getattr(cfg, name) not in (None, *present)]
    if wrong:
        from harness.registry import suggest

        start, end = first[0][0], first[-1][0]
        where = f"{origin}:{start}" + (f"-{end}" if end != start else "") if start is not None else origin
        problems = " ".join(
            f"dataset.{name}={value!r} is in none of them.{suggest(str(value), present)}" for name, value in wrong
        )
        raise ConfigError(
            f"{where} (the first {len(first)} record(s)): {problems} Fields there: {', '.join(present)}. "
            "Nothing was run."
        )


def local_format(cfg: DatasetConfig, path: Path) -> str:
    """dataset.format, else the one the file's extension names; neither is a config error."""
    fmt = cfg.format or FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(f"{path}: unknown format; set dataset.format to one of json, csv, parquet")
    return fmt


def load_local(cfg: DatasetConfig, problems: Problems) -> tuple[Records, str]:
    if not cfg.path:
        raise ConfigError(f"dataset '{cfg.name}': set dataset.path to a .jsonl, .json, .csv or .parquet file")
    path = Path(os.path.expanduser(cfg.path))
    problem = input_file_problem(path, allow_empty=True)  # an empty file: "no usable examples"
    if problem:
        raise InputError(f"dataset '{cfg.name}': {problem}: {path}")
    fmt = local_format(cfg, path)
    # JSONL and CSV are read line by line here: a bad record is reported with its line and
    # skipped, values keep their text (ids like 000001), and `limit` stops the reading early.
    if fmt == "json" and path.suffix.lower() == ".jsonl":
        return read_jsonl(path, problems), str(path)
    if fmt == "csv":
        return read_csv(path, problems), str(path)
    import datasets

    datasets.disable_progress_bars()
    try:
        ds = datasets.load_dataset(fmt, data_files=str(path), split="train")
    except Exception as e:  # datasets wraps the parser's error ("An error occurred while generating the dataset")
        cause = e.__cause__ or e
        raise InputError(f"{path}: could not be read as {fmt}: {type(cause).__name__}: {str(cause)[:500]}") from e
    return ((None, row) for row in ds), str(path)


def read_jsonl(path: Path, problems: Problems) -> Records:
    for number, record, problem in jsonl_records(path):
        if record is None:
            problems.skip(Skipped(str(path), number, None, problem or "unreadable"))
            continue
        yield number, record


def read_csv(path: Path, problems: Problems) -> Records:
    """Rows of a CSV file with a header line, as text, each with the line it starts on."""
    import csv

    undecodable: dict[int, str] = {}

    def lines() -> Iterator[str]:
        with open(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if number == 1 and raw.startswith(BOM):
                    raw = raw[len(BOM) :]
                try:
                    yield raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    undecodable[number] = (
                        f"not valid UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1}); save the file as UTF-8"
                    )
                    yield raw.decode("utf-8", errors="replace")

    csv.field_size_limit(2**31 - 1)  # long articles; dataset.max_source_chars decides what is too long
    reader = csv.reader(lines())
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as e:
        raise InputError(f"{path}:1: the CSV header cannot be parsed: {e}") from None
    if 1 in undecodable:
        raise InputError(f"{path}:1: the CSV header is {undecodable[1]}")
    first = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            problems.skip(Skipped(str(path), first, None, f"CSV parse error: {e}"))
            first = reader.line_num + 1
            continue
        start, first = first, reader.line_num + 1
        if not row:
            continue  # blank line
        bad = next((undecodable[n] for n in range(start, first) if n in undecodable), None)
        if bad:
            problems.skip(Skipped(str(path), start, None, bad))
        elif len(row) != len(header):
            problems.skip(
                Skipped(
                    str(path),
                    start,
                    None,
                    f"has {len(row)} fields, the header has {len(header)} (an unquoted comma or quote?)",
                )
            )
        else:
            yield start, dict(zip(header, row))


def load_hub(cfg: DatasetConfig, problems: Problems) -> tuple[Records, str]:
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
    return ((None, row) for row in ds), f"{cfg.hub_id}:{cfg.split}"


# ---- one row -> Example ----


def to_example(
    row: dict[str, Any], index: int, cfg: DatasetConfig, origin: str, line: int | None, problems: Problems
) -> Example | None:
    def skip(field: str | None, reason: str, doc_id: str | None = None) -> None:
        problems.skip(Skipped(origin, line, field, reason, doc_id))

    doc_id = str(index) if cfg.id_field is None else row.get(cfg.id_field)
    if doc_id is not None and (isinstance(doc_id, (bool, float, list, dict))):
        skip(cfg.id_field, f"wrong type: an id must be a string or an integer, not {json_type(doc_id)}")
        return None
    if doc_id is None or str(doc_id).strip() == "":
        skip(
            cfg.id_field,
            f"is missing (set dataset.id_field to the id column, or null to number the rows; fields here: {', '.join(sorted(row))})",
        )
        return None
    doc_id = str(doc_id)
    if cfg.source_field not in row:
        skip(cfg.source_field, f"is missing (set dataset.source_field; fields here: {', '.join(sorted(row))})", doc_id)
        return None
    source = row.get(cfg.source_field)
    if source is not None and not isinstance(source, str):
        skip(cfg.source_field, f"wrong type: expected a string, got {json_type(source)}", doc_id)
        return None
    if source is None or not source.strip():
        skip(cfg.source_field, "is empty" + (" (null)" if source is None else ""), doc_id)
        return None
    if len(source) > cfg.max_source_chars:
        skip(
            cfg.source_field,
            f"source has {len(source):,} characters, above dataset.max_source_chars={cfg.max_source_chars:,}",
            doc_id,
        )
        return None
    references: tuple[str, ...] = ()
    if cfg.reference_field is not None:
        problem = reference_type_problem(row.get(cfg.reference_field))
        if problem:
            skip(cfg.reference_field, problem, doc_id)
            return None
        references = read_references(row.get(cfg.reference_field), cfg)
        if not references:
            skip(cfg.reference_field, "is empty or missing", doc_id)
            return None
    facts: tuple[str, ...] = ()
    if cfg.facts_field is not None:
        value = row.get(cfg.facts_field)
        if not isinstance(value, list) or not all(isinstance(f, str) for f in value):
            got = (
                json_type(value)
                if not isinstance(value, list)
                else "a list holding " + next(json_type(f) for f in value if not isinstance(f, str))
            )
            skip(cfg.facts_field, f"wrong type: facts must be a list of strings, got {got}", doc_id)
            return None
        facts = tuple(f.strip() for f in value if f.strip())
    return Example(doc_id, source, references, facts)


def reference_type_problem(value: Any) -> str | None:
    """Why a reference value has the wrong shape (None when it is a string, a list of strings,
    or a list of such lists); a missing or empty one is reported by the caller."""
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, list):
        for item in value:
            inner = item if isinstance(item, list) else [item]
            bad = next((v for v in inner if not isinstance(v, str)), None)
            if bad is not None:
                return f"wrong type: a reference list may hold strings or lists of strings, not {json_type(bad)}"
        return None
    return f"wrong type: expected a string or a list of strings, got {json_type(value)}"


def read_references(value: Any, cfg: DatasetConfig) -> tuple[str, ...]:
    """A reference is one text with its bullets on separate lines; a list holds alternatives
    (each a string or a list of bullets) unless `reference_list: bullets` says it is one reference."""

    def one(v: Any) -> str:
        if isinstance(v, list):
            return "\n".join(b.strip() for b in v if isinstance(b, str) and b.strip())
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
