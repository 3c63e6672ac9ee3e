"""Durable writes: atomic replacement with unique temporary names, durable appends."""

from __future__ import annotations

import json
import threading

import pytest

from harness.fileio import append_line_durably, atomic_write_json, atomic_write_text, fsync_dir


def test_concurrent_atomic_writers_of_one_file_never_collide(tmp_path):
    target = tmp_path / "run.json"
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(50):
                atomic_write_json(target, {"writer": n, "i": i, "pad": "x" * 2000})
        except BaseException as e:  # a shared temp name fails here (FileNotFoundError on rename)
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert json.loads(target.read_text())["i"] == 49  # always one whole file
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temporary file left


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "metrics.json"
    atomic_write_text(target, "old\n")
    with pytest.raises(ValueError):
        atomic_write_json(target, _circular())  # fails while serialising
    folder = tmp_path / "a-folder"
    folder.mkdir()
    with pytest.raises(OSError):
        atomic_write_text(folder, "new\n")  # fails at the rename: the temporary file is removed
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder", "metrics.json"]
    assert list(folder.iterdir()) == []


def _circular() -> dict:
    d: dict = {}
    d["self"] = d
    return d


def test_append_line_durably_adds_newlines_and_creates_the_file(tmp_path):
    path = tmp_path / "sub" / "cache.jsonl"
    path.parent.mkdir()
    append_line_durably(path, '{"a": 1}')
    append_line_durably(path, b'{"b": 2}\n')
    assert path.read_bytes() == b'{"a": 1}\n{"b": 2}\n'
    fsync_dir(path.parent)  # a folder can be fsync'ed
