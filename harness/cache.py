"""Durable generation cache: an append-only JSONL file per model configuration.

Each finished generation is one line, written with a single `write` under an exclusive lock,
flushed and fsync'ed before the next one starts. A kill mid-write can leave at most a torn
last line; readers ignore it and the next writer cuts it off, so no line is ever duplicated or
corrupted and at most the generations in flight are lost. The file can be shared by many runs
of the same model configuration (a cache hit needs the same key).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


def stable_hash(value: Any, length: int = 16) -> str:
    """Hash of a JSON-serialisable value, independent of key order."""
    blob = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:length]


class GenerationCache:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.entries: dict[str, dict[str, Any]] = {}
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        with open(self.path, "rb") as f:
            for raw in f:
                if not raw.endswith(b"\n"):
                    break  # torn tail of a killed writer
                try:
                    entry = json.loads(raw)
                except json.JSONDecodeError:
                    continue
                self.entries[entry["key"]] = entry

    def get(self, key: str) -> dict[str, Any] | None:
        return self.entries.get(key)

    def put(self, key: str, record: dict[str, Any]) -> None:
        entry = {"schema_version": SCHEMA_VERSION, "key": key, **record}
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
        with open(self.path, "ab") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                _cut_torn_tail(f)
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)
        self.entries[key] = entry


def _cut_torn_tail(f) -> None:
    """Drop a partial last line (no newline) left by a killed writer."""
    size = f.seek(0, os.SEEK_END)
    if size == 0:
        return
    with open(f.name, "rb") as r:
        r.seek(max(0, size - 65536))
        tail = r.read()
    if tail.endswith(b"\n"):
        return
    cut = tail.rfind(b"\n")
    keep = size - len(tail) + cut + 1 if cut >= 0 else (0 if size <= 65536 else None)
    if keep is None:  # a torn line longer than 64 KiB: scan the whole file
        with open(f.name, "rb") as r:
            data = r.read()
        keep = data.rfind(b"\n") + 1
    f.truncate(keep)
    f.seek(0, os.SEEK_END)


def write_jsonl_atomic(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write a whole JSONL file via a temp file and rename: readers see the old or the new file."""
    tmp = Path(str(path) + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_json_atomic(path: Path, value: Any) -> None:
    tmp = Path(str(path) + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, ensure_ascii=False, default=str)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
