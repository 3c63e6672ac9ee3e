"""Turn any model output into bullets.

Models answer a "write N bullets" prompt in many shapes: markdown lists, numbered lists, one
bullet per line, a single paragraph (seq2seq models), often wrapped in chat ("Sure! Here are...",
"Let me know if..."). `parse_bullets` recovers the bullets and keeps the chatter apart, in
`preamble` and `outro`, so format metrics can count it instead of it polluting ROUGE.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from harness.text import paragraphs as text_paragraphs
from harness.text import split_sentences

__all__ = ["STYLES", "ParsedBullets", "parse_bullets", "chat_messages"]

STYLES = ("dash", "star", "bullet_char", "numbered", "lines", "paragraph", "empty")


@dataclass(frozen=True)
class ParsedBullets:
    """Bullets recovered from one output, plus the chatter stripped around them."""

    bullets: tuple[str, ...]
    preamble: str = ""  # text before the list ("Here is a summary:"), "" if none
    outro: str = ""  # text after the list ("Let me know if you need anything else!")
    style: str = "empty"  # one of STYLES: how the bullets were written


def chat_messages(system: str, user: str) -> list[dict[str, str]]:
    """Chat-template messages for a prompt; the system turn is left out when empty."""
    messages = [{"role": "system", "content": system}] if system.strip() else []
    return messages + [{"role": "user", "content": user}]


# --- cleaning the raw output -------------------------------------------------------------

_THINK_BLOCK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)
_THINK_TAIL = re.compile(r"^.*?</think>", re.DOTALL | re.IGNORECASE)  # opening tag was in the prompt
_SPECIAL_TOKENS = re.compile(
    r"</?s>|<pad>|<eos>|<\|(?:endoftext|im_end|im_start|eot_id|end|end_of_text)\|>", re.IGNORECASE
)
_NEWLINE_TOKEN = re.compile(r"\s*<n>\s*", re.IGNORECASE)  # Pegasus writes newlines as <n>
_CODE_FENCE = re.compile(r"^\s*```\w*\s*$")


def _clean(text: str) -> str:
    text = _THINK_BLOCK.sub("", text)
    text = _THINK_TAIL.sub("", text)
    text = _SPECIAL_TOKENS.sub("", text)
    text = _NEWLINE_TOKEN.sub("\n", text)
    return "\n".join(line for line in text.splitlines() if not _CODE_FENCE.match(line))


# --- line classification ----------------------------------------------------------------

_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("dash", re.compile(r"^[-–—+]\s+(?P<text>.*)$")),  # a space keeps "-lrb-" and "-5" out
    ("star", re.compile(r"^\*\s+(?P<text>.*)$")),  # a space keeps "**bold**" out
    ("bullet_char", re.compile(r"^[•‣◦▪▫●○■□►▸➢➤✓✔]\s*(?P<text>.*)$")),
    ("numbered", re.compile(r"^(?:\*\*)?(?:\d{1,2}[.)]|\(\d{1,2}\))(?:\*\*)?\s+(?P<text>.*)$")),
]
_HEADING = re.compile(r"^(?:#{1,6}\s+.*|(?:\*\*|__)[^*_]+(?:\*\*|__)\s*:?)$")  # "## Summary", "**Key points:**"
_OPENER = re.compile(
    r"^(?:sure|certainly|of course|okay|ok|absolutely|alright)\b|^here(?:'s|’s|\s+is|\s+are)\b",
    re.IGNORECASE,
)
# An introduction on the same line as the content: "Summary: The council ...", "TL;DR: ...".
_INLINE_PREAMBLE = re.compile(
    r"""^(?:(?:sure|certainly|of\ course|okay|ok|absolutely)\b[^\n:]{0,20}?[!.,]\s*)?
        (?:here(?:'s|’s|\s+is|\s+are)\b[^\n:]{0,150}:
          |[*_#\s]*(?:summary|tl;?\s?dr|key\ points|bullet\ points|main\ points|highlights)\b[^\n:.]{0,40}:[*_]*)
        \s*""",
    re.IGNORECASE | re.VERBOSE,
)
_CHATTER = re.compile(
    r"""let\ me\ know|hope\ (?:this|that|it)\ helps|feel\ free\ to|(?:need|want)\ anything\ else
      |^i\ hope\b|^if\ you\ (?:need|have|would|want|'d)|^would\ you\ like|^is\ there\ anything
      |^\(?\s*(?:please\ )?note\b|^\(?\s*word\ count|^these\ (?:bullet|points|bullets)
      |^this\ summary\b|^i\ (?:have|'ve|’ve)\ (?:summarized|kept|focused|included|condensed)""",
    re.IGNORECASE | re.VERBOSE,
)


def _marker(line: str) -> tuple[str, str] | None:
    """(style, text) when `line` starts with a list marker."""
    stripped = line.strip()
    for style, pattern in _MARKERS:
        match = pattern.match(stripped)
        if match:
            return style, match.group("text")
    return None


def _is_heading(line: str) -> bool:
    """A title-like line that introduces content rather than being content."""
    stripped = line.strip()
    if _HEADING.match(stripped):
        return True
    plain = _strip_emphasis(stripped)
    if not plain.endswith(":"):
        return False
    # "Sure! Here are the bullets:" introduces; "Fact one . Related :" is content cut off.
    *before, last = split_sentences(plain) or [plain]
    return len(last) <= 150 and all(_is_opener(sentence) for sentence in before)


def _is_opener(text: str) -> bool:
    return bool(_OPENER.match(_strip_emphasis(text.strip())))


def _is_chatter(text: str) -> bool:
    return bool(_CHATTER.search(_strip_emphasis(text.strip())))


# --- bullet text -------------------------------------------------------------------------

_STRONG = re.compile(r"\*\*|__")
_WRAPPING_EMPHASIS = re.compile(r"^([*_])(?=\S)(.*?)(?<=\S)\1$")
_SPACES = re.compile(r"\s+")


def _strip_emphasis(text: str) -> str:
    text = _STRONG.sub("", text).strip()
    match = _WRAPPING_EMPHASIS.match(text)
    return match.group(2) if match else text


def _bullet_text(text: str) -> str:
    return _SPACES.sub(" ", _strip_emphasis(text)).strip()


def _has_content(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


# --- parsing -----------------------------------------------------------------------------


def parse_bullets(text: str) -> ParsedBullets:
    """Recover bullets from a model output of any common shape (see module docstring).

    Lists (`-`, `*`, `•`, `1.`, `1)`, `(1)`) take every marked item; text before the first
    item is the preamble, text after the list (past a blank line, or chatter) the outro, and
    other lines join the item above them (wrapped bullets). Without markers, several
    lines are one bullet each ("lines"); a single paragraph, or prose paragraphs separated
    by blank lines, is split into sentences ("paragraph").
    """
    cleaned = _clean(text or "")
    lines = cleaned.splitlines()
    parsed = _parse_list(lines) if any(_marker(line) for line in lines) else _parse_unmarked(cleaned)
    if not parsed.bullets:
        return ParsedBullets((), parsed.preamble, parsed.outro, "empty")
    return parsed


def _parse_list(lines: list[str]) -> ParsedBullets:
    first = next(i for i, line in enumerate(lines) if _marker(line))
    last = max(i for i, line in enumerate(lines) if _marker(line))
    preamble = _join_lines(lines[:first])
    items: list[list[str]] = []
    styles: Counter[str] = Counter()
    end = len(lines)
    for i in range(first, len(lines)):
        line = lines[i]
        marked = _marker(line)
        if marked:
            styles[marked[0]] += 1
            items.append([marked[1]])
        elif not line.strip():
            if i > last:
                end = i  # a blank line after the last item closes the list
                break
        elif i > last and _is_chatter(line):
            end = i
            break
        elif not _is_heading(line):
            items[-1].append(line.strip())  # a wrapped continuation of the item above
    texts = (_bullet_text(" ".join(item)) for item in items)
    # An item that is only a label ("- Budget:" over nested sub-items) is not a bullet.
    bullets = tuple(t for t in texts if _has_content(t) and not t.endswith(":"))
    style = styles.most_common(1)[0][0]
    return ParsedBullets(bullets, preamble, _join_lines(lines[end:]), style)


def _parse_unmarked(text: str) -> ParsedBullets:
    paragraphs = text_paragraphs(text)
    preamble: list[str] = []
    while paragraphs:
        first = paragraphs[0][0]
        inline = _INLINE_PREAMBLE.match(first)
        if inline and inline.end() < len(first):  # "Summary: The council voted ..."
            preamble.append(inline.group(0).strip())
            paragraphs[0][0] = first[inline.end() :]
            break
        is_last_line = len(paragraphs) == 1 and len(paragraphs[0]) == 1
        # The last line may open with "Sure!" yet hold the summary: sentences decide below.
        if not (_is_heading(first) or (_is_opener(first) and not is_last_line)):
            break
        preamble.append(paragraphs[0].pop(0))
        if not paragraphs[0]:
            paragraphs.pop(0)

    content_lines = [line for paragraph in paragraphs for line in paragraph]
    prose = len(paragraphs) > 1 and all(len(p) == 1 for p in paragraphs) and any(
        len(split_sentences(p[0])) > 1 for p in paragraphs
    )
    if len(content_lines) > 1 and not prose:
        style, candidates = "lines", content_lines
    else:
        style, candidates = "paragraph", [s for line in content_lines for s in split_sentences(line)]

    candidates = [c for c in (_bullet_text(c) for c in candidates) if _has_content(c)]
    outro: list[str] = []
    # Chatter, or a dangling label ("Related :") that introduces nothing, ends the summary.
    while candidates and (_is_chatter(candidates[-1]) or candidates[-1].endswith(":")):
        outro.insert(0, candidates.pop())
    while candidates and _is_opener(candidates[0]) and len(candidates) > 1:
        preamble.append(candidates.pop(0))  # "Here is a summary." written as a sentence
    return ParsedBullets(tuple(candidates), "\n".join(preamble), "\n".join(outro), style)


def _join_lines(lines: list[str]) -> str:
    return "\n".join(line.strip() for line in lines if line.strip())

