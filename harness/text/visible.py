"""Text bound for a terminal or a one-line cell, made inert: the one function every printer of a
label, name or path uses (the run's log line and progress bar, compare's tables, plots)."""

from __future__ import annotations

import unicodedata

BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def visible(text: str, keep_breaks: bool = False) -> str:
    """Control characters (terminal escapes) and bidi overrides as `\\uXXXX`, line breaks and tabs
    as spaces: what is shown is what the text holds, on one line. `keep_breaks`: line feeds and
    tabs stay (a quoted CSV cell holds them as data)."""
    out = []
    for ch in str(text):
        if keep_breaks and ch in "\n\t":
            out.append(ch)
        elif ch in "\n\r\t":
            out.append(" ")
        elif ch in BIDI or unicodedata.category(ch) == "Cc":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)
