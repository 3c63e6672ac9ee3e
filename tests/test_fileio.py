"""harness.fileio under concurrent writers, failures mid-write and a real file-size limit."""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from harness.fileio import (
    append_line_durably,
    atomic_write_chunks,
    atomic_write_json,
    atomic_write_text,
    create_exclusive_text,
    create_unique_text,
    leftover_temporaries,
    make_unique_dir,
    remove_dead_temporaries,
)

CTX = multiprocessing.get_context("fork")


def _hammer(path: str, writer: int, rounds: int) -> None:
    for i in range(rounds):
        atomic_write_json(path, {"writer": writer, "round": i, "pad": "x" * 2000})


def test_concurrent_writers_of_one_file_never_collide_on_a_temporary_name(tmp_path):
    target = tmp_path / "run.json"
    procs = [CTX.Process(target=_hammer, args=(str(target), w, 150)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]  # a shared fixed .tmp name crashed one writer
    assert json.loads(target.read_text())["round"] == 149  # a whole file from one writer
    assert leftover_temporaries(tmp_path) == []


def test_a_failure_mid_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "scores.jsonl"
    target.write_text("old\n")

    def chunks():
        yield "new line 1\n"
        raise RuntimeError("disk pulled")

    with pytest.raises(RuntimeError):
        atomic_write_chunks(target, chunks())
    assert target.read_text() == "old\n" and leftover_temporaries(tmp_path) == []


def _write_past_limit(path: str, queue) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    try:
        atomic_write_text(path, "y" * 10_000)
        queue.put("no error")
    except OSError as e:
        queue.put(f"{e.errno} {e.filename}")


def test_a_file_size_limit_raises_naming_the_target_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "metrics.json"
    target.write_text("old")
    queue = CTX.Queue()
    proc = CTX.Process(target=_write_past_limit, args=(str(target), queue))
    proc.start()
    proc.join(30)
    assert queue.get(timeout=5) == f"27 {target}"  # EFBIG, named by the file the user knows
    assert target.read_text() == "old" and leftover_temporaries(tmp_path) == []


def test_exclusive_create_never_replaces_and_unique_create_numbers(tmp_path):
    target = tmp_path / "comparison.md"
    assert create_exclusive_text(target, "first") is True
    assert create_exclusive_text(target, "second") is False
    assert target.read_text() == "first"
    assert create_unique_text(target, "third") == tmp_path / "comparison-1.md"
    assert create_unique_text(target, "fourth") == tmp_path / "comparison-2.md"
    assert target.read_text() == "first" and leftover_temporaries(tmp_path) == []


def _claim(parent: str, queue) -> None:
    queue.put(str(make_unique_dir(parent, "2026-01-01_00-00-00")))


def test_folders_made_at_once_by_many_processes_are_all_distinct(tmp_path):
    queue = CTX.Queue()
    procs = [CTX.Process(target=_claim, args=(str(tmp_path), queue)) for _ in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    made = {queue.get(timeout=5) for _ in procs}
    assert len(made) == 6 and all(Path(m).is_dir() for m in made)
    assert str(tmp_path / "2026-01-01_00-00-00") in made and str(tmp_path / "2026-01-01_00-00-00_5") in made


def test_append_line_durably_appends_whole_lines_only(tmp_path):
    target = tmp_path / "cache.jsonl"
    append_line_durably(target, '{"a": 1}')
    append_line_durably(target, b'{"b": 2}\n')
    assert target.read_text() == '{"a": 1}\n{"b": 2}\n'
    with pytest.raises(ValueError):
        append_line_durably(target, "two\nlines")
    assert os.path.getsize(target) == len('{"a": 1}\n{"b": 2}\n')


def test_a_killed_writers_temporary_is_removed_and_a_live_ones_stays(tmp_path):
    """SIGKILL mid-write leaves `.NAME.<pid>.<random>.tmp` beside an intact target; the next
    writer of the folder removes it. A running writer's file (this process's) stays."""
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    dead = tmp_path / f".run.json.{dead_pid}.0badcafe.tmp"
    live = tmp_path / f".scores.jsonl.{os.getpid()}.1234abcd.tmp"
    other = tmp_path / "notes.tmp"  # not a writer's name: left alone
    for path in (dead, live, other):
        path.write_text("partial")
    assert remove_dead_temporaries(tmp_path) == [dead]
    assert not dead.exists() and live.exists() and other.exists()


def test_a_folder_on_a_file_system_without_locks_is_worked_on_unlocked_with_a_warning(tmp_path, monkeypatch, caplog):
    """Some network file systems refuse flock (ENOLCK, EOPNOTSUPP): a run or re-score there goes
    on without the folder lock (which only guards against a second command at once) and says so,
    instead of refusing to run at all. Any other failure to lock still refuses."""
    import errno
    import fcntl

    from harness.errors import InputError
    from harness.run.folder import RunFolder

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(fcntl, "flock", no_locks)
    folder = RunFolder(tmp_path)
    with caplog.at_level("WARNING", logger="harness"), folder.working():
        (tmp_path / "inside").write_text("worked")
    assert (tmp_path / "inside").read_text() == "worked"
    assert f"{tmp_path}: this file system does not support locks" in caplog.text

    def denied(fd, operation):
        raise OSError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(fcntl, "flock", denied)
    with pytest.raises(InputError, match="cannot lock the run folder"), folder.working():
        pass
