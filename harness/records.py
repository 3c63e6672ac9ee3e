"""The records that flow through a run: examples in, summaries out."""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Example:
    """One document to summarize.

    `references` holds alternative reference summaries (each one text; bullets of a
    reference are joined by newlines). `facts` holds atomic statements true in the source.
    """

    doc_id: str
    source: str
    references: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Summary:
    """A model's output for one example, parsed into bullets."""

    doc_id: str
    raw: str
    bullets: tuple[str, ...]
    preamble: str = ""  # text stripped before the bullets ("Here is a summary:")
    outro: str = ""  # text stripped after them ("Let me know if ...")
    style: str | None = None  # how the bullets were written (harness.text.bullets.STYLES); None: not parsed
    unfinished: bool = False  # the last bullet stops mid-sentence
    finish_reason: str | None = None  # the backend's ("stop", "length", "precomputed" for outputs made elsewhere)
    truncated: bool = False  # the backend cut the output (token limit)
    bullets_requested: bool | None = None  # the prompt asked for a bullet list; None: unknown

    @property
    def text(self) -> str:
        """Bullets joined by newlines: the form ROUGE-Lsum and most metrics read."""
        return "\n".join(self.bullets)


@dataclass
class Skipped:
    """An input record left out of a run, with where and why (reported, never silent)."""

    file: str
    line: int | None
    field: str | None
    reason: str
    doc_id: str | None = None

    def message(self) -> str:
        where = self.file + (f":{self.line}" if self.line is not None else "")
        what = f" field '{self.field}'" if self.field else ""
        return f"{where}:{what} {self.reason}"


@dataclass
class Problems:
    """Skips collected while loading; `strict` turns the first one into an error."""

    strict: bool = False
    skipped: list[Skipped] = field(default_factory=list)

    def skip(self, item: Skipped) -> None:
        if self.strict:
            from harness.errors import InputError

            raise InputError(item.message())
        self.skipped.append(item)


BOM = b"\xef\xbb\xbf"


def jsonl_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, record, None) for each JSON-object line, or (line number, None, problem).

    One reader for every JSONL input (datasets, precomputed outputs, meta-evaluation data), so
    a bad line is described the same way everywhere; callers decide whether it is fatal.
    """
    from harness.errors import InputError

    problem = input_file_problem(path, allow_empty=True)
    if problem and os.path.lexists(path):  # a missing file: open() below says so
        raise InputError(f"{path}: {problem}")
    try:
        handle = open(path, "rb")
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(BOM):  # editors on Windows write one; it is not data
                raw = raw[len(BOM) :]
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield number, None, f"not valid UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1})"
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as e:
                cut = "" if raw.endswith(b"\n") else ". The line has no end: the file looks truncated"
                yield number, None, f"malformed JSON: {e.msg} (column {e.colno}){cut}"
                continue
            except RecursionError:
                yield number, None, "JSON nested too deeply (lists or objects inside each other thousands of times)"
                continue
            if not isinstance(record, dict):
                yield number, None, f"a line must be a JSON object, not {json_type(record)}"
                continue
            if _SURROGATE_ESCAPE.search(text) and (bad := surrogate_problem(record)):
                yield number, None, bad
                continue
            yield number, record, None


def input_file_problem(path: str | os.PathLike[str], allow_empty: bool = False) -> str | None:
    """Why `path` cannot be read as an input file, None when it can. Checked before opening:
    opening a FIFO for reading waits for a writer, so the run would hang."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "file not found"
    except OSError as e:
        return f"cannot read ({e.strerror})"
    if stat.S_ISDIR(info.st_mode):
        return "a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a named pipe, socket or device); give a file"
    if info.st_size == 0 and not allow_empty:
        return "empty file"
    return None


# A \uD800-\uDFFF escape, not preceded by an escaped backslash: only JSON escapes make lone
# surrogates (UTF-8 bytes cannot encode them), so most lines skip the walk below.
_SURROGATE_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def surrogate_problem(value: object, field: str = "") -> str | None:
    """The first string (key or value) holding a lone surrogate, named by its field: such text
    cannot be written as UTF-8, so the record would fail later, far from its line."""
    if isinstance(value, str):
        found = _SURROGATE.search(value)
        if found:
            return f"field '{field}' holds a lone surrogate (\\u{ord(found.group()):04x}), not valid Unicode text"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{field}.{key}" if field else str(key)
            if _SURROGATE.search(str(key)):  # named escaped: a lone surrogate cannot be printed
                return surrogate_problem(str(key), field or str(key).encode("utf-8", "backslashreplace").decode())
            if bad := surrogate_problem(item, name):
                return bad
    if isinstance(value, list):
        for index, item in enumerate(value):
            if bad := surrogate_problem(item, f"{field}[{index}]"):
                return bad
    return None


def json_type(value: object) -> str:
    """A value's type in JSON's words, for messages about what a file holds."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
