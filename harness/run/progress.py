"""Progress of a sweep or sharded run across jobs, wherever they run.

Each run writes `progress.json` in its folder while it generates (documents done of its total,
at most every few seconds, atomically); `harness progress DIR` adds up every run folder under
DIR: documents done / total, the generation rate of the running jobs together, and the ETA.
The command line is harness/cli/progress.py.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.config.schema import ShardConfig
from harness.errors import InputError
from harness.fileio import atomic_write_json
from harness.run.folder import ACTIVE, HEARTBEAT_S, RUN, read_json_file
from harness.run.record import RunInfo, read_info
from harness.run.shard import bounds

PROGRESS = "progress.json"
EVERY_S = 2.0
STALE_S = 6 * HEARTBEAT_S  # no heartbeat for this long: the job is not running any more


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
    status: str  # run.json's status; "stopped" for a job at work that no longer runs; "not started"
    done: int
    total: int | None
    rate: float | None  # documents generated per second (running jobs)
    detail: str = ""  # why it is called running or stopped: pid, host, heartbeat age


def job_progress(folder: Path, now: float | None = None) -> JobProgress:
    read, why = _info_or_why(folder / RUN)
    info = read.to_json() if read is not None else {}
    status = str(info.get("status", "unknown"))
    progress = _read(folder / PROGRESS) or {}
    total = progress.get("total") or (info.get("dataset") or {}).get("examples")
    if status == "done":
        return JobProgress(folder, status, total or 0, total, None)
    done = int(progress.get("done") or 0)
    detail = why if read is None else ""
    if status in ACTIVE:
        alive, detail = liveness(info, folder, time.time() if now is None else now)
        status = status if alive else "stopped"
    rate = None
    if status == "running" and progress:
        elapsed = progress["updated"] - progress["started"]
        new = done - int(progress.get("from_cache") or 0)
        rate = new / elapsed if elapsed > 0 and new > 0 else 0.0
    return JobProgress(folder, status, done, total, rate, detail)


def liveness(info: dict[str, Any], folder: Path, now: float) -> tuple[bool, str]:
    """Whether a job whose run.json says it is at work still runs, and why: its pid when it ran on
    this host, else the age of its heartbeat (a run from before heartbeats: run.json's age)."""
    pid, host = info.get("pid"), str(info.get("host") or "?")
    beat = info.get("heartbeat")
    if not isinstance(beat, (int, float)):
        try:
            beat = (folder / RUN).stat().st_mtime
        except OSError:
            beat = now
    age = format_age(max(0.0, now - float(beat)))
    local = host == socket.gethostname()
    if local and isinstance(pid, int) and not _process_exists(pid):
        return False, f"no heartbeat for {age}; pid {pid} gone"
    if now - float(beat) > STALE_S:
        return False, f"no heartbeat for {age}; pid {pid} on {host}" + (" still exists" if local else "")
    return True, f"pid {pid} on {host}, heartbeat {age} ago"


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def format_age(seconds: float) -> str:
    """3 s, 10 min, 2.5 h: a heartbeat's age as a person says it."""
    if seconds < 90:
        return f"{int(round(seconds))} s"
    if seconds < 90 * 60:
        return f"{int(round(seconds / 60))} min"
    return f"{seconds / 3600:.1f} h"


def _read(path: Path) -> dict[str, Any] | None:
    """A JSON object from the file; None when it is missing, damaged or not an object."""
    return _read_or_why(path)[0]


def _read_or_why(path: Path) -> tuple[dict[str, Any] | None, str]:
    """A JSON object from the file, or None and why not (a pipe or device is named, never opened)."""
    try:
        value = read_json_file(path)
    except InputError as e:
        return None, str(e)
    return (value, "") if isinstance(value, dict) else (None, f"{path}: not a JSON object")


def _info_or_why(path: Path) -> tuple[RunInfo | None, str]:
    """run.json read by the run folder's reader, or None and why not (damaged, a typed key of
    the wrong type, a pipe or device: named, never opened)."""
    try:
        return read_info(path), ""
    except InputError as e:
        return None, str(e)


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
    infos = {f: info.to_json() if (info := _info_or_why(f / RUN)[0]) else {} for f in folders}
    runs = [f for f in folders if "merged_from" not in infos[f]]
    return [job_progress(f) for f in runs] + not_started(runs, infos)


def not_started(folders: list[Path], infos: dict[Path, dict[str, Any]]) -> list[JobProgress]:
    """The shards of a sharded run that have no folder yet (a scheduler has not started them),
    each with its share of the documents, known from a started shard's record."""
    seen: dict[tuple[str, str, int], tuple[int, set[int]]] = {}
    for folder in folders:
        record = infos[folder].get("shard") or {}
        if not {"count", "index", "order_hash", "documents_total"} <= record.keys():
            continue
        key = (str(infos[folder].get("label")), str(record["order_hash"]), int(record["count"]))
        seen.setdefault(key, (int(record["documents_total"]), set()))[1].add(int(record["index"]))
    out = []
    for (label, _, count), (total, started) in seen.items():
        for index in sorted(set(range(count)) - started):
            start, end = bounds(total, ShardConfig(count=count, index=index))
            out.append(JobProgress(Path(f"{label} shard {index}/{count}"), "not started", 0, end - start, None))
    return out


def job_lines(jobs: list[JobProgress]) -> list[str]:
    """One aligned line per job: folder, status, documents done / total, rate."""
    width = max(len(str(j.folder)) for j in jobs)
    lines = []
    for j in jobs:
        rate = f"{j.rate:.2f} docs/s" if j.rate else ""
        state = f"{j.status} ({j.detail})" if j.detail else j.status
        lines.append(
            f"{str(j.folder):<{width}}  {j.done:>6}/{j.total if j.total is not None else '?':<6} {rate:>14}  {state}"
        )
    return lines
