"""The records that flow through a run: examples in, summaries out."""

from __future__ import annotations

import json
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
    style: str | None = None  # how the bullets were written (harness.bullets.STYLES); None: not parsed
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


def read_jsonl_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSONL file a run wrote (generations.jsonl, scores.jsonl).

    A line that is not a JSON object (a write cut short, a hand edit) is an InputError naming
    the file and line, never a bare JSONDecodeError.
    """
    from harness.errors import InputError

    rows = []
    try:
        handle = open(path, "rb")
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            cut = "" if raw.endswith(b"\n") else " The line has no end: the file looks truncated."
            try:
                row = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as e:
                raise InputError(f"{path}:{number}: not valid UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1}).{cut}") from None
            except json.JSONDecodeError as e:
                raise InputError(f"{path}:{number}: malformed JSON: {e.msg} (column {e.colno}).{cut}") from None
            if not isinstance(row, dict):
                raise InputError(f"{path}:{number}: a line must be a JSON object.{cut}")
            if "doc_id" not in row:
                raise InputError(f"{path}:{number}: field 'doc_id' missing.")
            rows.append(row)
    return rows
