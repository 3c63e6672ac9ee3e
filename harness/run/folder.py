"""The files of one run folder, and the facts recorded about the environment."""

from __future__ import annotations

import contextlib
import errno
import importlib.metadata
import json
import logging
import os
import platform
import socket
import subprocess
import threading
import time
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import HarnessError, InputError, interruption_reason
from harness.fileio import FileLock, atomic_write_json, atomic_write_text, create_exclusive_text
from harness.records import input_file_problem

log = logging.getLogger("harness")
SCHEMA_VERSION = 1
LIBRARIES = ("harness", "torch", "transformers", "datasets", "evaluate", "rouge-score", "hydra-core", "numpy")

CONFIG = "config.yaml"
RUN = "run.json"
GENERATIONS = "generations.jsonl"
SCORES = "scores.jsonl"
METRICS = "metrics.json"
LOG = "run.log"
LOCK = ".lock"  # held by the one command writing the folder (`RunFolder.working`); empty
_NO_LOCKS = (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS)  # a file system without flock
# run.json, metrics.json, documents.json: far below this even for large datasets; a bigger file is not one the harness wrote.
MAX_JSON_BYTES = 1 << 30
HEARTBEAT_S = 10.0  # how often a working run says so in run.json (`harness progress` reads its age)
ACTIVE = frozenset({"starting", "running", "scoring"})  # the statuses of a run at work


def library_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_sha() -> str | None:
    """The harness checkout's commit, when it runs from one (None for an installed wheel)."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


UNSAFE_IN_NAMES = frozenset('<>:"|?*')  # refused by Windows; quoting trouble in a shell


def path_component(label: object, max_chars: int = 100) -> str:
    """A label (model name, precomputed system, run_label) as one safe folder name.

    Separators split the label; empty, '.' and '..' parts are dropped; control characters,
    whitespace and characters Windows or a shell treat specially (<>:"|?*) become '_'; no leading
    dot (no hidden folder). run.json keeps the label as given.
    """
    text = str(label).replace("\\", "/")
    parts = [p for p in text.split("/") if p.strip() not in ("", ".", "..")]
    name = "_".join(parts).strip()
    name = "".join("_" if unicodedata.category(ch)[0] in "CZ" or ch in UNSAFE_IN_NAMES else ch for ch in name)
    name = name.lstrip(".")
    while len(name.encode("utf-8")) > 200 or len(name) > max_chars:  # file systems allow 255 bytes
        name = name[:-1]
    return name.rstrip(". ") or "run"


class FolderTaken(InputError):
    """The folder already holds a run (a run.json): a run never enters another run's folder."""


class FolderBusy(InputError):
    """Another harness command is writing the folder (a re-score, or the run itself): refused at
    once, nothing changed."""


@dataclass
class RunFolder:
    path: Path
    info: dict[str, Any] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.path = Path(self.path)

    def file(self, name: str) -> Path:
        return self.path / name

    def claim(self, **values: Any) -> None:
        """Write the first run.json, only if the folder holds none: a second run never enters."""
        self.info.update(values)
        text = (
            json.dumps({"schema_version": SCHEMA_VERSION, **self.info}, indent=2, ensure_ascii=False, default=str)
            + "\n"
        )
        if not create_exclusive_text(self.file(RUN), text):
            raise FolderTaken(f"{self.path} already holds a run ({RUN}); a run never writes into another run's folder")

    @contextlib.contextmanager
    def working(self) -> Iterator[None]:
        """The folder held by this command alone while the block runs (`harness run` from its
        claim to its end, `harness score` from reading run.json to showing its table): another
        command that wants it refuses at once with FolderBusy. A lock file (LOCK), not a status in
        run.json: the kernel releases it when the holder ends, also by SIGKILL."""
        lock = FileLock(self.file(LOCK))

        def refuse() -> None:
            raise FolderBusy(
                f"{self.path}: another harness command is working on this run folder (a `harness score` "
                "re-scoring it, or the `harness run` writing it); nothing was changed. Run this again "
                "once it has finished."
            )

        try:
            lock.acquire(on_wait=refuse)
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise InputError(
                    f"{self.file(LOCK)}: a symbolic link, not the lock file harness makes; nothing was changed. "
                    "Remove it (harness never follows it) and run this again."
                ) from None
            if e.errno not in _NO_LOCKS:
                raise InputError(
                    f"{self.path}: cannot lock the run folder ({e.strerror or e}); is it writable?"
                ) from None
            # The lock only guards against a second command at once: a run still works without it.
            log.warning("%s: this file system does not support locks (%s); working unlocked", self.path, e.strerror)
            yield
            return
        try:
            yield
        finally:
            lock.release()

    @contextlib.contextmanager
    def recording_outcome(self) -> Iterator[None]:
        """Any exception or signal leaving the block ends with a terminal status in run.json
        (the block itself records "done")."""
        try:
            yield
        except BaseException as e:
            self.record_end(e)
            raise

    def record_end(self, error: BaseException) -> None:
        """status "failed" or "interrupted" (a signal) with the reason; a failure to write run.json
        itself (full disk, read-only folder) is logged, so the caller still raises the cause."""
        signal_name = interruption_reason(error)
        if signal_name:
            status, reason = "interrupted", f"interrupted by {signal_name}"
        else:
            status, reason = (
                "failed",
                str(error) if isinstance(error, HarnessError) else f"{type(error).__name__}: {error}",
            )
        try:
            self.update(status=status, error=reason, ended=now())
        except OSError as write_error:
            log.error("could not record status '%s' in %s: %s", status, self.file(RUN), write_error)

    # run.json is rewritten whole (atomically) at each stage, so it is never half-written.
    def update(self, **values: Any) -> None:
        with self._lock:  # one writer at a time: the heartbeat never writes back an older status
            self.info.update(values)
            atomic_write_json(self.file(RUN), {"schema_version": SCHEMA_VERSION, **self.info})

    @contextlib.contextmanager
    def heartbeat(self) -> Iterator[None]:
        """pid, host and `heartbeat` (seconds since the epoch) in run.json, renewed every
        HEARTBEAT_S while the block runs and the status is one of a run at work, so `harness
        progress` tells a killed job (no heartbeat, pid gone) from a running one."""
        self.update(pid=os.getpid(), host=socket.gethostname(), heartbeat=time.time())
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(HEARTBEAT_S):
                with self._lock:
                    if self.info.get("status") not in ACTIVE:
                        continue
                    try:
                        self.update(heartbeat=time.time())
                    except (OSError, RuntimeError) as e:  # a full disk; the run itself reports it
                        log.debug("heartbeat not written to %s: %s", self.file(RUN), e)

        thread = threading.Thread(target=beat, name="harness-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def write_text(self, name: str, text: str) -> None:
        atomic_write_text(self.file(name), text)

    def read_json(self, name: str) -> dict[str, Any]:
        path = self.file(name)
        if not path.exists() and not path.is_symlink():
            raise InputError(f"{path}: missing; is {self.path} a run folder?")
        value = read_json_file(path)
        if not isinstance(value, dict):
            raise InputError(f"{path}: not a JSON object ({type(value).__name__}); the file is damaged")
        return value

    def write_json(self, name: str, value: Mapping[str, object]) -> None:
        atomic_write_json(self.file(name), {"schema_version": SCHEMA_VERSION, **value})


def read_json_file(path: Path) -> object:
    """A run folder's JSON file (run.json, metrics.json, ...), the one reader of them. Checked
    before opening (a named pipe would wait for a writer, a device never end) and read up to a cap."""
    problem = input_file_problem(path)
    if problem:
        raise InputError(f"{path}: {problem}")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_JSON_BYTES + 1)
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    if len(data) > MAX_JSON_BYTES:
        raise InputError(f"{path}: larger than {MAX_JSON_BYTES} bytes; not a file the harness wrote")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    return _loads(text, path, None)


def _loads(text: str, path: Path, line: int | None) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        where = f"{path}:{line}" if line is not None else f"{path}: line {e.lineno} column {e.colno}"
        raise InputError(f"{where}: not valid JSON ({e.msg}); the file is damaged or truncated") from None
