"""Turn any model reply into the bullets a reader sees in it.

Models answer a "write N bullets" prompt in many shapes: markdown lists (with sub-points, section
titles, bold numbering, emoji), numbered or lettered lists, one point per line, a paragraph
(seq2seq models, Pegasus' `<n>`), often wrapped in chat ("Sure! Here are...", "Overall, ...",
"Let me know if...") or after a reasoning block. `parse_bullets` returns the top-level bullets,
with their sub-points kept inside them, and everything it set aside (preamble, section titles,
outro, reasoning), so metrics read the bullets and a report can show what was left out.
Nothing is lost: every word of the reply is in a bullet or in one of the set-aside parts,
except list markers, markup and model control tokens. A pure function: no model, no network.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from harness.text.reply_lines import (
    HEADING,
    INLINE_PREAMBLE,
    META,
    ORDERED,
    Line,
    bullet_text,
    clean_reply,
    has_content,
    is_chatter,
    is_closing,
    is_heading,
    is_intro,
    is_opener,
    join_pieces,
    plain,
    plain_ends_with_stop,
)
from harness.text.tokens import ends_with_stop, split_sentences
from harness.text.tokens import paragraphs as text_paragraphs

__all__ = [
    "STYLES",
    "LIST_STYLES",
    "ParsedBullets",
    "parse_bullets",
    "chat_messages",
    "as_markdown",
    "asks_for_bullets",
    "is_list_style",
]

# How the bullets were written: a marker family, or unmarked lines, or prose sentences.
LIST_STYLES = ("dash", "star", "bullet_char", "numbered", "lettered", "emoji")
STYLES = (*LIST_STYLES, "lines", "paragraph", "empty")


def is_list_style(style: str | None) -> bool:
    """A list: list markers, or one point per line (not prose sentences, not empty)."""
    return style in LIST_STYLES or style == "lines"


@dataclass(frozen=True)
class ParsedBullets:
    """Bullets recovered from one reply, plus what was set aside around them."""

    bullets: tuple[str, ...]
    preamble: str = ""  # text before the bullets ("Here is a summary:", a title), "" if none
    outro: str = ""  # text after them ("Overall, ...", "Let me know if ...")
    style: str = "empty"  # one of STYLES: how the bullets were written
    headings: tuple[str, ...] = ()  # section titles between bullets ("**Economy**")
    sub_points: tuple[tuple[int, str], ...] = ()  # (index of the bullet holding it, its text)
    reasoning: str = ""  # a <think> block, not part of the answer
    unfinished: bool = False  # the last bullet stops mid-sentence (cut off)

    @property
    def is_list(self) -> bool:
        """True when the reply was written as a list (markers or one point per line)."""
        return is_list_style(self.style)

    def set_aside(self) -> dict[str, object]:
        """What the parser kept apart from the bullets, for generations.jsonl and the report."""
        return {
            "preamble": self.preamble,
            "outro": self.outro,
            "headings": list(self.headings),
            "sub_points": [[i, text] for i, text in self.sub_points],
            "reasoning": self.reasoning,
        }


def chat_messages(system: str, user: str) -> list[dict[str, str]]:
    """Chat-template messages for a prompt; the system turn is left out when empty."""
    messages = [{"role": "system", "content": system}] if system.strip() else []
    return messages + [{"role": "user", "content": user}]


_ASKS_FOR_A_LIST = re.compile(
    r"\bbullet|\bnumbered\s+list|\bas\s+a\s+list\b|\blist\s+(?:the\s+)?(?:\w+\s+)?(?:key|main)\s+points\b"
    r"|\bone\s+(?:point|fact|item)\s+per\s+line\b",
    re.IGNORECASE,
)


def asks_for_bullets(template: str, system: str = "") -> bool:
    """Whether a prompt's own words (not the article it wraps) ask for bullets or a list."""
    instructions = f"{system}\n{template.replace('{source}', ' ')}"
    return bool(_ASKS_FOR_A_LIST.search(instructions))


def as_markdown(bullets: tuple[str, ...] | list[str]) -> str:
    """Bullets rendered as a `- ` list (parsing it again gives the same bullets)."""
    return "\n".join(f"- {b}" for b in bullets)


# --- parsing --------------------------------------------------------------------------------


def parse_bullets(text: str) -> ParsedBullets:
    """Recover the bullets of a reply of any common shape (see the module docstring).

    With list markers, each top-level item is a bullet (its sub-points and wrapped lines joined
    into it); lines before the first item are the preamble when they introduce (a title, an
    opener, a line ending in ':'), else bullets; after the last item, a closing line or
    anything past a blank line is the outro. Without markers, several lines are one bullet each
    ("lines"), a paragraph or prose paragraphs are split into sentences ("paragraph").
    """
    lines, reasoning = clean_reply(text or "")
    result = _parse_lines(lines)
    bullets = _settled(result.bullets)
    sub_points = result.sub_points
    if bullets != result.bullets:  # re-point each sub-point at the bullet now holding it
        sub_points = tuple((next((i for i, b in enumerate(bullets) if t in b), 0), t) for _, t in sub_points)
    style = result.style if bullets else "empty"
    return ParsedBullets(
        bullets, result.preamble, result.outro, style, result.headings, sub_points, reasoning, _unfinished(bullets)
    )


def _parse_lines(lines: list[str]) -> ParsedBullets:
    parsed_lines = [Line.of(line) for line in lines]
    if any(line.family for line in parsed_lines):
        return _parse_list(parsed_lines)
    return _parse_unmarked("\n".join(lines))


def _settled(bullets: tuple[str, ...]) -> tuple[str, ...]:
    """Bullets that read the same when written as a `- ` list again.

    Markup removed from a bullet can uncover a marker ("**- x**" inside an item); reading the
    bullets as a list once more (at most a few rounds) splits or strips what it uncovers.
    """
    for _ in range(3):
        again = _parse_lines(clean_reply(as_markdown(bullets))[0]).bullets if bullets else bullets
        if again == bullets:
            break
        bullets = again
    return bullets


@dataclass
class _Item:
    # (lines, is a sub-point): a piece's wrapped lines are joined once, when the item is done,
    # so an item of many lines is read in time linear in its length.
    pieces: list[tuple[list[str], bool]] = field(default_factory=list)
    family: str | None = None
    indent: int = 0
    titled: bool = False  # the first line is a bold title with no stop ("1. **Budget**")

    def texts(self) -> list[tuple[str, bool]]:
        return [(" ".join(lines), is_sub) for lines, is_sub in self.pieces]


def _parse_list(lines: list[Line]) -> ParsedBullets:
    marked = [i for i, line in enumerate(lines) if line.family]
    first, last = marked[0], marked[-1]
    top_indent = min(lines[i].indent for i in marked)
    top_family = next(lines[i].family for i in marked if lines[i].indent <= top_indent + 1)

    def is_sub(line: Line) -> bool:
        if line.indent > top_indent + 1:
            return True
        # "1. Budget:" followed by "- ..." items at the same indent: points under an ordered item.
        return (
            top_family in ORDERED
            and line.family not in ORDERED
            or (top_family == "numbered" and line.family == "lettered")
        )

    # Before the first item: introductions are the preamble, other lines are unmarked bullets.
    before = [line for line in lines[:first] if line.text]
    stops = sum(ends_with_stop(plain(lines[i].item)) for i in marked) > len(marked) / 2
    intro_end = max((k + 1 for k, line in enumerate(before) if is_intro(line.text, stops)), default=0)
    preamble = [line.text for line in before[:intro_end]]
    items: list[_Item] = [_Item([(texts, False)], None, indent) for indent, texts in _unwrap(before[intro_end:])]
    headings: list[str] = []
    outro: list[str] = []
    gap = False
    for i in range(first, len(lines)):
        line = lines[i]
        if not line.text:
            gap = True
            continue
        if line.family:
            if items and is_sub(line):
                items[-1].pieces.append(([line.item], True))
            else:
                items.append(_Item([([line.item], False)], line.family, line.indent, _is_bold_title(line.item)))
        elif i > last and (gap or is_closing(line.text)):
            outro = [rest.text for rest in lines[i:] if rest.text]
            break
        elif _continues(line, items[-1] if items else None, gap, top_indent):
            item = items[-1]
            if item.titled and len(item.pieces) == 1:
                item.pieces.append(([line.text], False))  # the explanation under a bold title
            else:
                item.pieces[-1][0].append(line.text)  # a wrapped line
        elif is_heading(line.text) and i < last:
            headings.append(line.text)
        else:
            items.append(_Item([([line.text], False)], None, line.indent))
        gap = False

    bullets: list[str] = []
    sub_points: list[tuple[int, str]] = []
    for item in items:
        pieces = item.texts()
        if item.titled and len(pieces) > 1 and not pieces[1][1]:
            pieces = [(plain(pieces[0][0]) + ":", False), *pieces[1:]]  # "**Budget**" over its explanation
        text = bullet_text(join_pieces(pieces))  # a joined item may start like a marker ("1." over sub-points)
        if not has_content(text):
            continue
        sub_points.extend((len(bullets), bullet_text(t)) for t, sub in pieces if sub and has_content(t))
        bullets.append(text)
    families = Counter(item.family for item in items if item.family and item.indent <= top_indent + 1)
    style = families.most_common(1)[0][0] if families else top_family or "lines"
    return ParsedBullets(
        tuple(bullets), "\n".join(preamble), "\n".join(outro), style, tuple(headings), tuple(sub_points)
    )


def _is_bold_title(item: str) -> bool:
    stripped = item.strip()
    return bool(re.fullmatch(r"(?:\*\*|__)[^*_]+(?:\*\*|__)", stripped)) and not ends_with_stop(plain(stripped))


def _continues(line: Line, item: _Item | None, gap: bool, top_indent: int) -> bool:
    """An unmarked line continues the item above: indented under it, or a wrapped sentence."""
    if item is None or not item.pieces:
        return False
    if line.indent > top_indent + 1 and not gap:
        return True
    if gap:
        return line.indent > top_indent + 1 and item.family is not None
    return line.text[:1].islower() or not plain_ends_with_stop(item.pieces[-1][0])


def _unwrap(lines: list[Line]) -> list[tuple[int, list[str]]]:
    """Hard-wrapped lines grouped (a line without a stop followed by one starting in lowercase):
    (indent, the texts of the lines joined into one)."""
    out: list[tuple[int, list[str]]] = []
    for line in lines:
        if out and line.text[:1].islower() and not ends_with_stop(out[-1][1][-1]):
            out[-1][1].append(line.text)
        else:
            out.append((line.indent, [line.text]))
    return out


def _parse_unmarked(text: str) -> ParsedBullets:
    groups = text_paragraphs(text)
    preamble: list[str] = []
    while groups:
        first = groups[0][0]
        inline = INLINE_PREAMBLE.match(first)
        if inline and inline.end() < len(first):  # "Summary: The council voted ..."
            preamble.append(inline.group(0).strip())
            groups[0][0] = first[inline.end() :]
            break
        is_last_line = len(groups) == 1 and len(groups[0]) == 1
        # The last line may open with "Sure!" yet hold the summary: sentences decide below.
        if not (is_heading(first) or (is_opener(first) and not is_last_line) or _is_title(first, groups)):
            break
        preamble.append(groups[0].pop(0))
        if not groups[0]:
            groups.pop(0)

    # Section titles among the content ("### Cost", "**Taxes**") are set aside, like a list's.
    headings = tuple(line for group in groups for line in group if HEADING.match(line) and is_heading(line))
    heading_set = set(headings)  # a set: many titles must not make this quadratic
    groups = [g for g in ([line for line in group if line not in heading_set] for group in groups) if g]
    content_lines = [plain(line) for group in groups for line in group]
    prose = len(groups) > 1 and all(len(g) == 1 for g in groups) and any(len(split_sentences(g[0])) > 1 for g in groups)
    if len(content_lines) > 1 and not prose:
        style, candidates = "lines", content_lines
    else:
        style, candidates = "paragraph", [s for line in content_lines for s in split_sentences(line)]

    candidates = [c for c in (bullet_text(c) for c in candidates) if has_content(c)]
    outro: list[str] = []
    # Chatter, a closing line of a list of lines, or a dangling label ("Related :") ends the summary.
    while candidates and (
        is_chatter(candidates[-1])
        or candidates[-1].endswith(":")
        or (style == "lines" and len(candidates) > 2 and is_closing(candidates[-1]))
    ):
        outro.append(candidates.pop())
    outro.reverse()
    start = 0  # "Here is a summary." written as a sentence: preamble (an index, not pop(0), stays linear)
    while len(candidates) - start > 1 and (is_opener(candidates[start]) or META.match(candidates[start])):
        preamble.append(candidates[start])
        start += 1
    return ParsedBullets(tuple(candidates[start:]), "\n".join(preamble), "\n".join(outro), style, headings)


def _is_title(line: str, groups: list[list[str]]) -> bool:
    """A short first line without a stop, over content that has stops ("Budget vote" / "The council ...")."""
    bare = plain(line)
    if ends_with_stop(bare) or len(bare.split()) > 10:
        return False
    rest = list(itertools.islice((other for group in groups for other in group), 1, 4))  # `line` is the first
    return bool(rest) and all(ends_with_stop(plain(other)) for other in rest) and (len(groups[0]) == 1 or len(rest) > 1)


_FUNCTION_END = re.compile(
    r"\b(?:and|or|but|the|a|an|of|to|in|on|for|with|by|from|at|as|that|which|who|its|their|is|are|was|were)$",
    re.IGNORECASE,
)


def _unfinished(bullets: tuple[str, ...]) -> bool:
    """The last bullet stops mid-sentence: no stop where the others have one, or a dangling word or comma."""
    if not bullets:
        return False
    last = bullets[-1].rstrip()
    if ends_with_stop(last) and not last.endswith(":"):
        return False
    if last.endswith((",", ":", "(", "-", "—", "–")) or _FUNCTION_END.search(last):
        return True
    return any(ends_with_stop(b) for b in bullets[:-1])
