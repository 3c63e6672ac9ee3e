"""One escaping function per output format, used by every writer of a table (compare's Markdown,
CSV and LaTeX, meta-eval's Markdown, the terminal): a label, a metric name or a human field
comes out as inert text, whatever it holds.

Labels and names come from configs, data files and run folders other people made, so each is
treated as hostile: a CSV cell a spreadsheet would run as a formula (OWASP's CSV injection
rule), a pipe, newline or tag that breaks or injects into a Markdown table, a LaTeX special,
a terminal escape or a bidi override that makes a label display as something else. The HTML
report does not need this: its page builds text nodes from an escaped JSON block (report.py).
"""

from __future__ import annotations

from typing import Any

from harness.text.visible import visible

# Characters that start a formula in Excel, LibreOffice or Google Sheets (OWASP "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A text cell a spreadsheet would evaluate gets a leading single quote; numbers (negative ones
    too) and other values are written as they are. A carriage return inside text becomes a line
    feed: the csv module quotes a field with a line feed but not one with a lone CR, which a
    spreadsheet would read as the start of another row. Control characters other than line
    feeds and tabs, and bidi overrides, are written as `\\uXXXX` (harness/text/visible.py)."""
    if not isinstance(value, str):
        return value
    # Terminal escapes and bidi overrides are shown, not run, by whoever `cat`s the file.
    text = visible(value.replace("\r\n", "\n").replace("\r", "\n"), keep_breaks=True)
    return "'" + text if value.startswith(FORMULA_START) else text


MD_ESCAPES = {"\\": "\\\\", "|": "\\|", "[": "\\[", "]": "\\]", "`": "\\`", "<": "&lt;", ">": "&gt;"}


def md_cell(text: Any) -> str:
    """Text for a Markdown table cell (or heading): one line, no cell separator, no tag, link or
    code span can start; ordinary names stay as they are."""
    return "".join(MD_ESCAPES.get(ch, ch) for ch in visible(str(text)))


def md_code(text: Any) -> str:
    """A name as a Markdown code span, or escaped text when it holds what would end one."""
    shown = visible(str(text))
    if "`" in shown:
        return md_cell(shown)
    return "`" + shown.replace("|", "\\|") + "`"


LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "[": "{[}",  # never read as the optional argument of a preceding \\ or macro
    "]": "{]}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def tex(text: Any) -> str:
    """Text for LaTeX: every special character escaped, on one line."""
    return "".join(LATEX_SPECIAL.get(ch, ch) for ch in visible(str(text)))
