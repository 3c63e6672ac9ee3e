"""Durable generation cache: an append-only JSONL file per model configuration.

Each finished generation is one line. Generations handed over together (`put_many`: the replies
that finished while the previous ones were being written) are appended with a single write and
one fsync before any of them counts as stored, so a busy window pays one fsync per group, not
per reply; a kill mid-write leaves whole lines and at most one torn last line, set aside below. Every change to the file happens under an exclusive lock on `<cache>.lock` beside it,
so concurrent runs of one model configuration never interleave: a run holds the lock while it
generates (`exclusive()`), a second run waits for it and then finds the first run's outputs.

A line that cannot be read (bytes that are not UTF-8, not JSON, not an entry, an unknown or
missing field, a line torn by a killed writer) is moved to `<cache>.rejected`, with a warning
naming the file and line; its document is generated again. Nothing is ever dropped silently.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.fileio import FileLock, append_line_durably, append_lines_durably, atomic_write_bytes
from harness.models.base import LOGPROB_SLACK, Request

log = logging.getLogger("harness.models.cache")

CACHE_SCHEMA_VERSION = 1  # a cache line's layout (the run folder's files have their own: run/folder.py)
MAX_WARNINGS = 20  # per load; the rest are counted

# Every field an entry may have, with the JSON types allowed; the first group is required.
ENTRY_REQUIRED = ("key", "generation")
ENTRY_FIELDS: dict[str, tuple[type, ...]] = {
    "schema_version": (int,),
    "key": (str,),
    "doc_id": (str,),
    "generation": (dict,),
}
GENERATION_FIELDS: dict[str, tuple[type, ...]] = {
    "text": (str,),
    "error": (str, type(None)),
    "input_tokens": (int, type(None)),
    "output_tokens": (int, type(None)),
    "truncated": (bool,),
    "finish_reason": (str, type(None)),
    "latency_s": (int, float, type(None)),
    "top_logprobs": (list, type(None)),  # absent in entries written before it existed
}


def stable_hash(value: Any, length: int = 16) -> str:
    """Hash of a JSON-serialisable value, independent of key order."""
    blob = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:length]


class BadLine(ValueError):
    """A cache line that cannot be used; the message says why."""


_JSON_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true/false",
    dict: "an object",
    list: "a list",
    type(None): "null",
}


def _type_name(value: Any) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def _check_fields(
    obj: dict[str, Any], allowed: dict[str, tuple[type, ...]], required: tuple[str, ...], prefix: str
) -> None:
    for name in required:
        if name not in obj:
            raise BadLine(f"missing field '{prefix}{name}'")
    for name, value in obj.items():
        if name not in allowed:
            raise BadLine(f"unknown field '{prefix}{name}'")
        types = allowed[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            expected = " or ".join(_JSON_NAMES[t] for t in types)
            raise BadLine(f"field '{prefix}{name}': expected {expected}, found {_type_name(value)}")


def parse_entry(raw: bytes) -> dict[str, Any]:
    """One cache line as an entry, or BadLine saying what is wrong with it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadLine(f"not valid UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1})") from None
    try:
        entry = json.loads(text)
    except json.JSONDecodeError as e:
        raise BadLine(f"not valid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(entry, dict):
        raise BadLine(f"not a cache entry: {_type_name(entry)}, expected an object")
    _check_fields(entry, ENTRY_FIELDS, ENTRY_REQUIRED, "")
    if entry.get("schema_version", CACHE_SCHEMA_VERSION) != CACHE_SCHEMA_VERSION:
        raise BadLine(
            f"field 'schema_version': {entry['schema_version']} is not supported (this version reads {CACHE_SCHEMA_VERSION})"
        )
    _check_fields(entry["generation"], GENERATION_FIELDS, ("text",), "generation.")
    _check_top_logprobs(entry["generation"].get("top_logprobs"))
    return entry


def _check_top_logprobs(positions: list[Any] | None) -> None:
    for i, position in enumerate(positions or ()):
        if not isinstance(position, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and v <= LOGPROB_SLACK for v in position.values()
        ):
            raise BadLine(
                f"field 'generation.top_logprobs[{i}]': expected an object of token -> log-probability (<= 0)"
            )


def request_key(parts: list[Any], request: Request) -> str:
    """The cache key of `request` from what identifies it (`parts`: the backend's identity, the
    prompt, ...): per-request generation settings join the key only when the request has some,
    so keys written before they existed stay valid."""
    if request.generation:
        parts = [*parts, {"request_generation": dict(request.generation)}]
    return stable_hash(parts, 32)


class GenerationCache:
    """`setting` names the config key that chose the folder, for error messages."""

    def __init__(self, path: Path, setting: str = "cache_dir"):
        self.path = Path(path)
        self.rejected_path = self.path.with_name(self.path.name + ".rejected")
        self.setting = setting
        self.entries: dict[str, dict[str, Any]] = {}
        self._loaded = False
        self._check_writable()
        self._lock = FileLock(self.path.with_name(self.path.name + ".lock"))

    def _check_writable(self) -> None:
        """Fail now, before any paid request, when the cache could not be written later."""
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if not os.access(folder, os.W_OK | os.X_OK):
                raise PermissionError(13, "Permission denied")
            probe = folder / f".write-test.{os.getpid()}"
            probe.touch()
            probe.unlink()
            if self.path.exists() and not os.access(self.path, os.W_OK):
                raise PermissionError(13, f"Permission denied: {self.path}")
        except OSError as e:
            raise ConfigError(
                f"{self.setting}: cannot write the cache {self.path} ({e.strerror or e}). "
                f"Point {self.setting} at a writable folder."
            ) from None

    @contextmanager
    def exclusive(self, on_wait: Callable[[], None] | None = None) -> Iterator[GenerationCache]:
        """Hold the cache for a whole generation pass; entries are re-read once the lock is held,
        so what a run that held it before wrote is reused."""
        with self._lock.held(on_wait or self._log_wait):
            self._load()
            yield self

    def get(self, key: str) -> dict[str, Any] | None:
        if not self._loaded:
            with self._lock.held(self._log_wait):
                self._load()
        return self.entries.get(key)

    def _log_wait(self) -> None:
        log.info("waiting for another process writing the cache %s", self.path)

    def put(self, key: str, record: dict[str, Any]) -> None:
        self.put_many([(key, record)])

    def put_many(self, items: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Store (key, record) pairs durably: one write, one fsync, then they count as stored."""
        entries = [{"schema_version": CACHE_SCHEMA_VERSION, "key": key, **record} for key, record in items]
        lines = [json.dumps(entry, ensure_ascii=False) for entry in entries]
        with self._lock.held():
            self._set_aside_torn_tail()
            append_lines_durably(self.path, lines)
        for entry in entries:
            self.entries[entry["key"]] = entry

    # -- reading, and setting aside what cannot be read ---------------------------------------
    def _load(self) -> None:
        """Read every entry; lines that cannot be read move to the side file. Call with the lock held."""
        self.entries = {}
        self._loaded = True
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        lines = data.split(b"\n")
        torn = lines.pop()  # b"" when the file ends with a newline
        good: list[bytes] = []
        bad: list[tuple[int, bytes, str]] = []
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                entry = parse_entry(raw)
            except BadLine as e:
                bad.append((number, raw, str(e)))
                continue
            good.append(raw)
            self.entries[entry["key"]] = entry
        if torn.strip():
            bad.append((len(lines) + 1, torn, "truncated last line (no newline: a writer was stopped mid-write)"))
        if bad:
            self._set_aside(bad, b"".join(line + b"\n" for line in good))

    def _set_aside(self, bad: list[tuple[int, bytes, str]], keep: bytes) -> None:
        # The side file first, then the cache without those lines: a crash in between leaves a
        # line in both places, never in neither.
        for _, raw, _ in bad:
            append_line_durably(self.rejected_path, raw)
        atomic_write_bytes(self.path, keep)
        for number, _, reason in bad[:MAX_WARNINGS]:
            log.warning(
                "%s, line %d: %s. The line is set aside in %s; its document will be generated again.",
                self.path,
                number,
                reason,
                self.rejected_path,
            )
        if len(bad) > MAX_WARNINGS:
            log.warning(
                "%s: %d more unreadable lines set aside in %s", self.path, len(bad) - MAX_WARNINGS, self.rejected_path
            )

    def _set_aside_torn_tail(self) -> None:
        """A partial last line (a writer killed mid-write) is set aside before appending after it."""
        if not self.path.exists():
            return
        with open(self.path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            if size == 0:
                return
            f.seek(size - 1)
            if f.read(1) == b"\n":
                return
        self._load()  # rewrites the file without the torn line
