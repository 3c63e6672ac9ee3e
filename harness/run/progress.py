"""Progress of a sweep or sharded run across jobs, wherever they run.

Each run writes `progress.json` in its folder while it generates (documents done of its total,
at most every few seconds, atomically); `harness progress DIR` adds up every run folder under
DIR: documents done / total, the generation rate of the running jobs together, and the ETA.
The command line is harness/cli/progress.py.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import InputError
from harness.fileio import atomic_write_json
from harness.run.folder import RUN

PROGRESS = "progress.json"
EVERY_S = 2.0


class Reporter:
    """Called by the generation loop with (done, total); writes progress.json now and then."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / PROGRESS
        self.started = time.time()
        self.initial: int | None = None  # documents found in the cache at the start
        self.last = 0.0

    def __call__(self, done: int, total: int, final: bool = False) -> None:
        if self.initial is None:
            self.initial = done
        now = time.time()
        if final or now - self.last >= EVERY_S or done == total:
            self.last = now
            atomic_write_json(
                self.path,
                {"done": done, "total": total, "from_cache": self.initial, "started": self.started, "updated": now},
            )


@dataclass
class JobProgress:
    folder: Path
    status: str
    done: int
    total: int | None
    rate: float | None  # documents generated per second (running jobs)


def job_progress(folder: Path) -> JobProgress:
    info = _read(folder / RUN) or {}
    status = str(info.get("status", "unknown"))
    progress = _read(folder / PROGRESS) or {}
    total = progress.get("total") or (info.get("dataset") or {}).get("examples")
    if status == "done":
        return JobProgress(folder, status, total or 0, total, None)
    done = int(progress.get("done") or 0)
    rate = None
    if status == "running" and progress:
        elapsed = progress["updated"] - progress["started"]
        new = done - int(progress.get("from_cache") or 0)
        rate = new / elapsed if elapsed > 0 and new > 0 else 0.0
    return JobProgress(folder, status, done, total, rate)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def summary(jobs: list[JobProgress]) -> str:
    done = sum(j.done for j in jobs)
    total = sum(j.total or 0 for j in jobs)
    unknown = sum(j.total is None for j in jobs)
    rate = sum(j.rate or 0.0 for j in jobs)
    statuses: dict[str, int] = {}
    for j in jobs:
        statuses[j.status] = statuses.get(j.status, 0) + 1
    remaining = max(0, total - done)
    eta = (
        f"{format_seconds(remaining / rate)}"
        if rate > 0 and remaining
        else ("0s" if not remaining and not unknown else "unknown")
    )
    share = f"{100 * done / total:.1f}%" if total else "–"
    jobs_text = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    note = f" ({unknown} job(s) have not loaded their data yet)" if unknown else ""
    return (
        f"documents {done}/{total} ({share}), {rate:.2f} docs/s across {statuses.get('running', 0)} running job(s), "
        f"ETA {eta}; jobs: {jobs_text}{note}"
    )


def format_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s" if rest >= 60 else f"{rest}s"


def sweep_progress(dirs: list[Path]) -> list[JobProgress]:
    """Every run folder's progress under `dirs` (merged folders left out: they repeat their shards)."""
    for d in map(Path, dirs):
        if not d.is_dir():
            raise InputError(f"{d}: not a folder")
    folders = sorted({p.parent for d in dirs for p in Path(d).rglob(RUN)})
    if not folders:
        raise InputError(f"no run folders (with {RUN}) under: {', '.join(map(str, dirs))}")
    return [job_progress(f) for f in folders if "merged_from" not in (_read(f / RUN) or {})]


def job_lines(jobs: list[JobProgress]) -> list[str]:
    """One aligned line per job: folder, status, documents done / total, rate."""
    width = max(len(str(j.folder)) for j in jobs)
    lines = []
    for j in jobs:
        rate = f"{j.rate:.2f} docs/s" if j.rate else ""
        lines.append(
            f"{str(j.folder):<{width}}  {j.status:<11} {j.done:>6}/{j.total if j.total is not None else '?':<6} {rate}"
        )
    return lines
