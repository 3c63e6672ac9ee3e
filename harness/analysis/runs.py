"""The finished runs a comparison reads: `Run` (one run folder as analysis sees it), `scan` (the
finished runs under some folders), `load_run` and `unfinished_reason`. Every analysis module
(comparability, significance, gate, plots, report, check, pairwise, meta-eval) takes these runs;
this module imports none of them.

A run's recorded metric directions are trusted only as far as the metric classes agree
(`check_direction`, `check_directions`): an edited metrics.json must not move which run is best.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.analysis import cost as run_cost
from harness.analysis.cost import RunCost
from harness.analysis.judge_usage import RunJudge
from harness.analysis.judge_usage import read as read_judge
from harness.errors import InputError
from harness.registry import METRICS
from harness.run.folder import METRICS as METRICS_FILE
from harness.run.folder import RUN
from harness.run.record import RunRecord, read_info, read_run


@dataclass
class Run:
    path: Path
    label: str
    info: dict[str, Any]
    fields: dict[str, dict[str, Any]]
    scores: dict[str, dict[str, Any]]  # doc_id -> row
    doc_ids: list[str] = field(default_factory=list)  # every document of the run (scored or not)
    words: dict[str, int] = field(default_factory=dict)  # doc_id -> words of the summary
    judge: RunJudge | None = None  # what the judge-based metrics' judge was asked (run.json `judge`)
    cost: RunCost | None = None  # tokens, latency, price of the generation (analysis/cost.py)
    record: RunRecord | None = None  # the folder's files as read (harness/run/record.py; None: a run made in code)


def scan(paths: Sequence[Path]) -> tuple[list[Run], list[str]]:
    """The finished runs under the paths, and "<folder> (<why>)" for each run of a sweep folder that
    did not finish. A run folder named itself must be finished; no folder may be named twice."""
    found: list[Path] = []
    unfinished: list[str] = []
    seen: dict[Path, Path] = {}
    for path in map(Path, paths):
        if not path.is_dir():
            raise InputError(f"{path}: not a folder")
        if (path / RUN).is_file() and (why := unfinished_reason(path)):
            raise InputError(f"{path}: not a finished run ({why}); only finished runs can be compared")
        for folder in sorted({p.parent for p in path.rglob(RUN)}, key=_sort_key):
            if folder.resolve() in seen:
                raise InputError(
                    f"{folder}: the same run folder is named twice (also as {seen[folder.resolve()]}); "
                    "a run compared with itself tests nothing"
                )
            seen[folder.resolve()] = folder
            why = unfinished_reason(folder)
            if why:
                unfinished.append(f"{folder} ({why})")
            else:
                found.append(folder)
    runs = [load_run(p) for p in found]
    check_directions(runs, METRICS_FILE)
    if not runs:
        not_compared = f"; not compared: {'; '.join(unfinished)}" if unfinished else ""
        raise InputError(
            f"no finished runs (folders with {RUN} and {METRICS_FILE}) under: {', '.join(map(str, paths))}{not_compared}"
        )
    same: dict[str, list[Run]] = {}
    for run in runs:
        same.setdefault(run.label, []).append(run)
    # the same label twice (e.g. a sweep over decoding settings): add the overrides that differ
    for group in same.values():
        if len(group) < 2:
            continue
        shared = set.intersection(*(set(r.info.get("overrides", [])) for r in group))
        for run in group:
            extra = ",".join(o for o in run.info.get("overrides", []) if o not in shared and not o.startswith("model="))
            run.label = f"{run.label} ({extra or run.path.name})"
    labels: set[str] = set()
    for run in runs:  # still the same: the folder tells them apart
        if run.label in labels:
            run.label = f"{run.label} [{run.path}]"
        labels.add(run.label)
    return runs, unfinished


def unfinished_reason(folder: Path) -> str | None:
    """Why a run folder holds no finished run ("status failed: <error>"), or None when it does.
    A run.json without a status (written before statuses existed) counts as finished."""
    info = read_info(folder / RUN)
    if info.status not in (None, "done"):
        return f"status {info.status}" + (f": {info.error}" if info.error else "")
    if not (folder / METRICS_FILE).is_file():
        return f"no {METRICS_FILE}"
    return None


def _sort_key(p: Path) -> tuple[str, int, str]:
    head, _, _ = p.name.partition("_")
    return (str(p.parent), int(head) if head.isdigit() else 10**9, p.name)


def load_run(path: Path) -> Run:
    """A finished run folder as analysis reads it: the run folder's one reader (harness/run/record.py
    `read_run`, scores checked by `read_scores`), each field's direction checked against its metric,
    the label, the judge's usage and the cost."""
    record = read_run(path)
    info = record.info.to_json()
    fields = record.metrics.field_json()
    for key, meta in fields.items():
        check_direction(path / METRICS_FILE, key, meta)
    scores = {row.doc_id: row.to_json() for row in record.scores}
    doc_ids = [g.doc_id for g in record.generations] or list(scores)
    words = {g.doc_id: sum(len(b.split()) for b in g.bullets or ()) for g in record.generations if not g.error}
    judge = read_judge(info, path / RUN)
    cost = run_cost.read(info, [g.to_json() for g in record.generations], judge, path / RUN)
    label = record.info.label or path.name
    return Run(path, label, info, fields, scores, doc_ids, words, judge, cost, record)


def declared_direction(key: str, meta: dict[str, Any]) -> tuple[str, bool | None] | None:
    """(family, higher_is_better) as the metric class declares it for a result key, when the
    family (the first part of the field's signature, else the key's prefix) is a registered metric
    with that field; None for a metric not known here (e.g. a plugin not installed)."""
    prefix, _, name = key.partition("/")
    family = str(meta.get("signature") or "").partition("|")[0] or prefix
    if family not in METRICS.names():
        return None
    cls = METRICS.get(family)  # checked against the metric contract
    return (family, cls.higher_is_better(name)) if name in cls.fields else None


def check_direction(path: Path, key: str, meta: dict[str, Any]) -> None:
    """A field's recorded direction must be its metric's declaration: an edited metrics.json must
    not move which run is best."""
    declared = declared_direction(key, meta)
    if declared is not None and meta.get("higher_is_better") != declared[1]:
        raise InputError(
            f"{path}: field '{key}': higher_is_better is {meta.get('higher_is_better')!r}, "
            f"but metric '{declared[0]}' declares {declared[1]!r}"
        )


def check_directions(runs: Sequence[Run], metrics_file: str) -> None:
    """Every run must record the same direction for a field (the one a metric class does not settle)."""
    first: dict[str, Run] = {}
    for run in runs:
        for key, meta in run.fields.items():
            seen = first.setdefault(key, run)
            if meta.get("higher_is_better") != seen.fields[key].get("higher_is_better"):
                raise InputError(
                    f"{run.path / metrics_file}: field '{key}': higher_is_better is {meta.get('higher_is_better')!r}, "
                    f"but {seen.path / metrics_file} records {seen.fields[key].get('higher_is_better')!r}"
                )
