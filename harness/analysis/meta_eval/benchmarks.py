"""Read a fact-checking benchmark from a local path in its published layout (never downloaded).

- LLM-AggreFact (Tang, Laban and Durrett, 2024, "MiniCheck"; hub card lytang/LLM-AggreFact):
  fields `dataset`, `doc`, `claim`, `label` (1 supported, 0 not); one file per split (dev, test),
  holding every dataset, or one file per dataset and split. The split is in the file's path
  (`data/dev-00000-of-00001.parquet`, `test.jsonl`, `dev/Wice.csv`, `Wice_test.jsonl`).
- SummaC benchmark (Laban et al., 2022): records of the six datasets (cogensumm, xsumfaith,
  polytope, factcc, summeval, frank) with `document`, `claim` (or `summary`), `label` and `cut`
  (val or test); one file, or one per dataset (the dataset from the `dataset` field or the name).

A path is a file or a folder (read recursively: .jsonl, .json, .csv, .parquet). A record's split
is its own field (`cut`) when the layout has one, else the nearest part of its file's path that
names one (dev/val/validation or test); a file with neither is read as test and said so. A
record's dataset is its `dataset` field, else its file's name without the split word.

Bad records are skipped and counted with file, line (or row) and field, as `harness run` skips
them; `strict` makes the first one an error.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.data import read_csv, read_jsonl
from harness.errors import ConfigError, InputError
from harness.records import Problems, Skipped, input_file_problem

SUFFIXES = (".jsonl", ".json", ".csv", ".parquet")
SPLIT_WORDS = {"dev": "dev", "val": "dev", "valid": "dev", "validation": "dev", "test": "test"}


@dataclass(frozen=True)
class Layout:
    """The fields of one benchmark's files and how it chooses its threshold."""

    name: str
    title: str
    document: tuple[str, ...]  # accepted field names, the first present wins
    claim: tuple[str, ...]
    split_field: str | None  # a record field naming its split; None: the file's path names it
    datasets: tuple[str, ...]  # the published datasets (for the notes; others are read too)
    threshold_rule: str
    label: str = "label"
    dataset: str = "dataset"


LAYOUTS = {
    "aggrefact": Layout(
        "aggrefact",
        "LLM-AggreFact",
        ("doc",),
        ("claim",),
        None,
        (
            "AggreFact-CNN",
            "AggreFact-XSum",
            "TofuEval-MediaS",
            "TofuEval-MeetB",
            "Wice",
            "Reveal",
            "ClaimVerify",
            "FactCheck-GPT",
            "ExpertQA",
            "Lfqa",
            "RAGTruth",
        ),
        "LLM-AggreFact (Tang, Laban and Durrett, 2024): per dataset, the threshold that maximises "
        "balanced accuracy on its dev split is applied to its test split",
    ),
    "summac": Layout(
        "summac",
        "SummaC benchmark",
        ("document",),
        ("claim", "summary"),
        "cut",
        ("cogensumm", "xsumfaith", "polytope", "factcc", "summeval", "frank"),
        "SummaC (Laban et al., 2022): per dataset, the threshold that maximises balanced accuracy "
        "on its val cut is applied to its test cut",
    ),
}


@dataclass(frozen=True)
class Claim:
    """One labelled (document, claim) pair."""

    dataset: str
    split: str  # "dev" or "test"
    document: str
    claim: str
    label: int  # 1 supported, 0 not
    where: str  # "file:line" (or "file row N"): names the record in messages and score files


@dataclass
class SourceFile:
    path: str
    sha256: str
    records: int  # records read (kept or skipped)
    split: str | None  # the split its path names (None: none, records carry their own or are test)


@dataclass
class BenchmarkData:
    layout: Layout
    path: str
    claims: list[Claim]
    files: list[SourceFile]
    problems: Problems
    unsplit: list[str] = field(default_factory=list)  # files read as test because nothing names a split
    excluded: int = 0  # claims of datasets not chosen by `datasets`

    @property
    def total(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def missing_datasets(self) -> list[str]:
        """The benchmark's published datasets that no claim here belongs to."""
        found = {c.dataset.lower() for c in self.claims}
        return [d for d in self.layout.datasets if d.lower() not in found]

    def test_only(self) -> int:
        """Drop the dev claims (a given threshold needs none scored); returns how many."""
        kept = [c for c in self.claims if c.split == "test"]
        dropped, self.claims = len(self.claims) - len(kept), kept
        if not kept:
            raise InputError(f"{self.path}: no test claims (every usable claim is in a dev split)")
        return dropped


def find_files(root: Path) -> list[Path]:
    """The data files under `root` (itself when a file), in name order; hidden ones left out."""
    if root.is_file() or not root.exists():
        problem = input_file_problem(root)
        if problem:
            raise InputError(f"--data {root}: {problem}")
        return [root]
    found = sorted(
        p
        for p in root.rglob("*")
        if p.suffix.lower() in SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
    if not found:
        raise InputError(f"--data {root}: a folder with no {', '.join(SUFFIXES)} file (looked in its subfolders too)")
    return found


def _split_words(text: str) -> set[str]:
    return {SPLIT_WORDS[w] for w in re.split(r"[^a-z0-9]+", text.lower()) if w in SPLIT_WORDS}


def path_split(path: Path, root: Path) -> str | None:
    """The split the nearest part of `path` (its name, then its folders up to `root`) names."""
    parts = [path.stem, *(p.name for p in path.relative_to(root).parents if p.name)] if path != root else [path.stem]
    for part in parts:
        words = _split_words(part)
        if len(words) > 1:
            raise InputError(f"{path}: '{part}' names both a dev and a test split; rename it to name one")
        if words:
            return words.pop()
    return None


def path_dataset(path: Path, root: Path, layout: Layout) -> str:
    """A dataset name from the file's path: its name without split words (`Wice_test` -> Wice),
    else its folder's name (`xsumfaith/val.jsonl`), else the benchmark's name."""
    split = "|".join(SPLIT_WORDS)
    stem = re.sub(rf"(^|[-_.\s])({split})(?=$|[-_.\s])", "", path.stem, flags=re.IGNORECASE).strip("-_. ")
    if stem:
        return stem
    for parent in path.relative_to(root).parents if path != root else []:
        if parent.name and not _split_words(parent.name):
            return parent.name
    return layout.name


def _rows(path: Path, problems: Problems) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, record) of each readable record; unreadable ones are skipped through `problems`."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            import pyarrow.parquet as pq  # type: ignore[import-untyped]
        except ImportError:
            raise InputError(
                f"{path}: reading Parquet needs pyarrow (pip install pyarrow), or give JSONL/CSV"
            ) from None
        try:
            table = pq.read_table(path)
        except Exception as e:  # pyarrow's errors have no common base worth naming
            raise InputError(f"{path}: could not be read as Parquet: {type(e).__name__}: {str(e)[:300]}") from e
        for number, row in enumerate(table.to_pylist(), start=1):
            yield f"{path} row {number}", row
        return
    if suffix == ".json" and _starts_with(path, b"["):  # a JSON array of records
        try:
            records = json.loads(path.read_bytes())
        except (ValueError, RecursionError) as e:
            raise InputError(f"{path}: not a readable JSON array ({e})") from None
        for number, row in enumerate(records, start=1):
            if isinstance(row, dict):
                yield f"{path} record {number}", row
            else:
                problems.skip(Skipped(f"{path} record {number}", None, None, "not a JSON object"))
        return
    reader = read_csv(path, problems) if suffix == ".csv" else read_jsonl(path, problems)
    for line, row in reader:
        yield f"{path}:{line}", row


def _starts_with(path: Path, prefix: bytes) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(prefix)


class _Bad(Exception):
    def __init__(self, field_name: str, reason: str):
        super().__init__(reason)
        self.field, self.reason = field_name, reason


def _text(row: dict[str, Any], names: tuple[str, ...], what: str) -> str:
    name = next((n for n in names if n in row), None)
    if name is None:
        raise _Bad(" or ".join(names), f"missing (fields: {', '.join(sorted(map(str, row)))})")
    value = row[name]
    if value is None:
        raise _Bad(name, "null")
    if not isinstance(value, str):
        raise _Bad(name, f"expected text, got {type(value).__name__}")
    if not value.strip():
        raise _Bad(name, f"empty {what}")
    return value


def parse_label(value: Any) -> int | None:
    """0 or 1 from 0/1, 0.0/1.0, true/false or their text (CSV); None for anything else."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "false"):
            return int(text == "true")
        try:
            value = float(text)
        except ValueError:
            return None
    if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)) and value in (0, 1):
        return int(value)
    return None


def _label(row: dict[str, Any], name: str) -> int:
    if name not in row:
        raise _Bad(name, f"missing (fields: {', '.join(sorted(map(str, row)))})")
    label = parse_label(row[name])
    if label is None:
        raise _Bad(name, f"expected 0 or 1 (1: supported), got {row[name]!r}")
    return label


def _record_split(row: dict[str, Any], name: str) -> str | None:
    if name not in row:
        return None
    value = row[name]
    split = SPLIT_WORDS.get(str(value).strip().lower()) if isinstance(value, str) else None
    if split is None:
        raise _Bad(name, f"expected val or test, got {value!r}")
    return split


def _dataset(row: dict[str, Any], name: str, fallback: str) -> str:
    if name not in row:
        return fallback
    value = row[name]
    if not isinstance(value, str) or not value.strip():
        raise _Bad(name, f"expected a dataset name, got {value!r}")
    return value.strip()


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_benchmark(path: str, layout: Layout, strict: bool = False, datasets: list[str] | None = None) -> BenchmarkData:
    """Every usable claim under `path`; `datasets` keeps only those (an unknown name is an error
    listing the ones found)."""
    root = Path(path).expanduser()
    problems = Problems(strict=strict)
    data = BenchmarkData(layout, path, [], [], problems)
    for file in find_files(root):
        split = path_split(file, root)
        fallback = path_dataset(file, root, layout)
        before = len(problems.skipped)
        unsplit, kept = False, 0
        for where, row in _rows(file, problems):
            try:
                record_split = _record_split(row, layout.split_field) if layout.split_field else None
                claim = Claim(
                    _dataset(row, layout.dataset, fallback),
                    record_split or split or "test",
                    _text(row, layout.document, "document"),
                    _text(row, layout.claim, "claim"),
                    _label(row, layout.label),
                    where,
                )
            except _Bad as bad:
                problems.skip(Skipped(where, None, bad.field, bad.reason))
                continue
            unsplit = unsplit or (record_split is None and split is None)
            data.claims.append(claim)
            kept += 1
        records = kept + len(problems.skipped) - before  # kept, skipped for a field, unreadable
        data.files.append(SourceFile(str(file), _file_hash(file), records, split))
        if unsplit:
            data.unsplit.append(str(file))
    if datasets:
        found = sorted({c.dataset for c in data.claims})
        unknown = [d for d in datasets if d not in found]
        if unknown:
            raise ConfigError(f"--datasets: {', '.join(unknown)} not in {path} (datasets there: {', '.join(found)})")
        chosen = [c for c in data.claims if c.dataset in datasets]
        data.excluded, data.claims = len(data.claims) - len(chosen), chosen
    if not data.claims:
        reasons = "; ".join(s.message() for s in problems.skipped[:3])
        raise InputError(f"{path}: no usable claims" + (f" ({reasons})" if reasons else ""))
    return data
