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

import re
from collections import Counter
from dataclasses import dataclass, field

from harness.text import paragraphs as text_paragraphs
from harness.text import split_sentences

__all__ = ["STYLES", "LIST_STYLES", "ParsedBullets", "parse_bullets", "chat_messages", "as_markdown", "asks_for_bullets"]

# How the bullets were written: a marker family, or unmarked lines, or prose sentences.
LIST_STYLES = ("dash", "star", "bullet_char", "numbered", "lettered", "emoji")
STYLES = (*LIST_STYLES, "lines", "paragraph", "empty")


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
        return self.style in LIST_STYLES or self.style == "lines"

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


# --- cleaning the raw reply ----------------------------------------------------------------

_REASONING = re.compile(r"<(think|thinking|reasoning)>(.*?)(?:</\1>|$)", re.DOTALL | re.IGNORECASE)
_REASONING_TAIL = re.compile(r"^(.*?)</(?:think|thinking|reasoning)>", re.DOTALL | re.IGNORECASE)  # opened in the prompt
_STRAY_TAG = re.compile(r"</?(?:think|thinking|reasoning)>", re.IGNORECASE)
_SPECIAL_TOKENS = re.compile(
    r"</?s>|<pad>|<eos>|<unk>|<\|(?:endoftext|im_end|im_start|eot_id|end|end_of_text|assistant)\|>", re.IGNORECASE
)
_NEWLINE_TOKEN = re.compile(r"[ \t]*<n>[ \t]*", re.IGNORECASE)  # Pegasus writes newlines as <n>
_HTML_BREAK = re.compile(r"<br\s*/?>|</?(?:ul|ol|p)>|</li>", re.IGNORECASE)
_HTML_ITEM = re.compile(r"<li>\s*", re.IGNORECASE)
_CODE_FENCE = re.compile(r"^\s*(?:```|~~~)[a-z]{0,12}\s*$")  # a fence with a language tag
_RULE = re.compile(r"^\s*([-*_=])\s*(?:\1\s*){2,}$")  # "---", "* * *": a horizontal rule
_QUOTE_MARK = re.compile(r"^(\s*)>\s?")  # markdown block quote


def _clean(text: str) -> tuple[list[str], str]:
    """The reply's lines without reasoning, control tokens, fences or rules; and the reasoning."""
    reasoning: list[str] = []

    def keep_reasoning(match: re.Match[str]) -> str:
        reasoning.append(match.group(match.lastindex or 0).strip())
        return "\n"

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _REASONING.sub(keep_reasoning, text)
    text = _REASONING_TAIL.sub(keep_reasoning, text, count=1)
    text = _STRAY_TAG.sub(" ", text)
    text = _SPECIAL_TOKENS.sub(" ", text)
    text = _NEWLINE_TOKEN.sub("\n", text)
    text = _HTML_ITEM.sub("\n- ", _HTML_BREAK.sub("\n", text))
    lines = []
    for line in text.split("\n"):
        if _CODE_FENCE.match(line) or _RULE.match(line):
            lines.append("")
            continue
        lines.extend(_split_inline_items(_QUOTE_MARK.sub(r"\1", line).expandtabs(4).rstrip()))
    return lines, "\n\n".join(r for r in reasoning if r)


_LEADING_NUMBER = re.compile(r"^\s*\(?(\d{1,2})[.)]\s")
_INLINE_NUMBER = re.compile(r"(?<=[.!?\"”’'])\s+\(?(\d{1,2})[.)]\s+(?=\S)")
_INLINE_SYMBOL = re.compile(r"(?<=[.!?\"”’'])\s+([-*•·])\s+(?=(?:\*\*|__)?[A-Z\"“])")


def _split_inline_items(line: str) -> list[str]:
    """Items a small model wrote on one line: "1. A. 2. B." (numbers in sequence) or "- A. - B."

    A cut is made only where the text before it ends a sentence, so "Dr. - Dr." stays whole.
    """
    cuts = [m for m in _INLINE_SYMBOL.finditer(line) if _ends_sentence(line, m)]
    if numbered := _LEADING_NUMBER.match(line):
        expected = int(numbered.group(1)) + 1
        for match in _INLINE_NUMBER.finditer(line):
            if int(match.group(1)) == expected and _ends_sentence(line, match):
                cuts.append(match)
                expected += 1
        cuts.sort(key=lambda m: m.start())
    if not cuts:
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    pieces, start = [], 0
    for match in cuts:
        pieces.append(line[start : match.start()])
        start = match.start(1) - (1 if line[match.start(1) - 1] == "(" else 0)
    pieces.append(line[start:])
    return [pieces[0], *(indent + piece.strip() for piece in pieces[1:])]


def _ends_sentence(line: str, cut: re.Match[str]) -> bool:
    before = line[max(0, cut.start() - 200) : cut.start()]
    after = line[cut.end() : cut.end() + 200].lstrip("*_")  # "**Budget" opens a sentence like "Budget"
    sentences = split_sentences(f"{before} {after}")
    return len(sentences) > 1 and any(before.endswith(s) for s in sentences[:-1])


# --- list markers ---------------------------------------------------------------------------

_BOLD = r"(?:\*\*|__)?"
_EMOJI = "\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2b55\u2705\u274c"
# (family, pattern); the text of the item follows the match. A marker needs a following space,
# except where no word starts that way ("-Text", "•Text", "1.Text" before a capital).
_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("numbered", re.compile(r"^(?:[0-9#*]\ufe0f?\u20e3)+\s*|^\U0001f51f\s*")),  # keycaps 1️⃣ 🔟
    ("bullet_char", re.compile(r"^[•‣◦▪▫●○■□►▸▹▶➢➤➔➜→⇒·∙⦁◆◇◉✦✧★☆・･]\ufe0f?\s*(?=\S)")),
    ("emoji", re.compile(rf"^[{_EMOJI}][\ufe0f\U0001f3fb-\U0001f3ff]*\s*(?=\S)")),
    ("numbered", re.compile(
        rf"^(?:#{{1,6}}\s+)?{_BOLD}(?:(?:bullet\s+)?(?:point|bullet)\s+\d{{1,2}}\s*[:.)-]|\d{{1,2}}[.)](?!\d)|\(\d{{1,2}}\)"
        rf"|\d{{1,2}}\s+[-–—](?=\s)){_BOLD}(?:\s+|(?=[A-Z\"“*_]))",
        re.IGNORECASE,
    )),
    ("lettered", re.compile(rf"^{_BOLD}(?:\(?[a-h]\)|[a-h]\.|[A-H]\)|\((?:i{{1,3}}|iv|v|vi{{1,3}})\)|(?:i{{1,3}}|iv|vi{{0,3}})[.)]){_BOLD}\s+")),
    ("dash", re.compile(r"^[-–—−‐⁃+]\s+|^[-–—−‐⁃](?=[A-Z\"“*]|[a-z][A-Z])(?![LR][RSC]B-)")),  # "-5" and "-lrb-" are words
    ("star", re.compile(r"^\*\s+")),  # "**bold**" is emphasis
]
_ORDERED = ("numbered", "lettered")


def _marker(stripped: str) -> tuple[str, str] | None:
    """(family, item text) when the line starts with a list marker."""
    for family, pattern in _MARKERS:
        match = pattern.match(stripped)
        if match and match.end() < len(stripped):
            return family, stripped[match.end() :]
    return None


@dataclass
class _Line:
    indent: int
    text: str  # stripped line, markers included
    family: str | None = None
    item: str = ""  # text after the marker

    @classmethod
    def of(cls, raw: str) -> "_Line":
        stripped = raw.strip()
        marked = _marker(stripped)
        indent = len(raw) - len(raw.lstrip())
        return cls(indent, stripped, *marked) if marked else cls(indent, stripped)


# --- what a line is ---------------------------------------------------------------------------

_STRONG = re.compile(r"\*\*|__")
_INNER_STRONG = re.compile(r"(?<=\w)(?:\*\*|__)+(?=\w)")  # "A**Summary": a space, so words stay apart
_WRAPPING_EMPHASIS = re.compile(r"^([*_])(?=\S)(.*?)(?<=\S)\1$")
_HEADING = re.compile(r"^#{1,6}\s+\S|^(?:\*\*|__)[^*_]+(?:\*\*|__)\s*:?$")  # "## Summary", "**Key points:**"
_TITLE_WORDS = re.compile(
    r"^(?:article\s+|news\s+|the\s+)?(?:summary|summarization|tl;?\s?dr|key\s+(?:points|takeaways|facts)|main\s+points"
    r"|bullet\s+points|highlights|takeaways|overview|in\s+brief|the\s+gist)\b[^.!?]{0,40}$",
    re.IGNORECASE,
)
_OPENER = re.compile(
    r"^(?:sure|certainly|of course|okay|ok|absolutely|alright|great|got it)\b|^here(?:'s|’s|\s+is|\s+are)\b"
    r"|^(?:below|the\s+following|following)\s+(?:is|are)\b",
    re.IGNORECASE,
)
# A sentence about the reply or the article rather than a fact from it.
_META = re.compile(
    r"^(?:the|this)\s+(?:article|text|story|passage|report|news\s+(?:article|story|report))\s+"
    r"(?:discusses|describes|reports|covers|is\s+about|talks\s+about|highlights|explains|focuses|details|summari[sz]es)\b",
    re.IGNORECASE,
)
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
      |^\(?\s*(?:please\ )?note\b|^\(?\s*word\ count|^these\ (?:bullet|points|bullets|key)
      |^this\ summary\b|^i\ (?:have|'ve|’ve)\ (?:summarized|kept|focused|included|condensed)""",
    re.IGNORECASE | re.VERBOSE,
)
_CLOSING = re.compile(
    r"^(?:in\s+conclusion|overall|in\s+summary|to\s+summari[sz]e|to\s+sum\s+up|in\s+short|all\s+in\s+all|in\s+sum"
    r"|in\s+brief|in\s+essence|taken\s+together|together,\s+these|summing\s+up)\b",
    re.IGNORECASE,
)
_TERMINAL = re.compile(r"[.!?…:;\"'”’)\]]$")
_SPACES = re.compile(r"\s+")


def _plain(text: str) -> str:
    text = _STRONG.sub("", _INNER_STRONG.sub(" ", text)).strip()
    match = _WRAPPING_EMPHASIS.match(text)
    return match.group(2) if match else text


def _has_content(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _is_opener(text: str) -> bool:
    return bool(_OPENER.match(_plain(text)))


def _is_chatter(text: str) -> bool:
    return bool(_CHATTER.search(_plain(text)))


def _is_closing(text: str) -> bool:
    plain = _plain(text)
    return bool(_CLOSING.match(plain) or _CHATTER.search(plain))


def _is_heading(text: str) -> bool:
    """A title-like line that introduces content: markdown or bold title, title words, an intro ending in ':'."""
    plain = _plain(text)
    if _HEADING.match(text):
        return text.startswith("#") or plain.endswith(":") or not _TERMINAL.search(plain)  # not "**A sentence.**"
    if _TITLE_WORDS.match(plain.rstrip(":").strip()):
        return True
    if not plain.endswith(":"):
        return False
    # "Sure! Here are the bullets:" introduces; "Fact one . Related :" is content cut off.
    *before, last = split_sentences(plain) or [plain]
    return len(last) <= 150 and all(_is_opener(sentence) for sentence in before)


def _is_intro(text: str, items_have_stops: bool) -> bool:
    """A line before the content that a reader skips: a title, an opener or a sentence about the article.

    A short line without a stop over items that have stops is a title ("Apple Q3 results").
    """
    plain = _plain(text)
    if items_have_stops and not _TERMINAL.search(plain) and len(plain.split()) <= 10:
        return True
    return _is_heading(text) or _is_opener(plain) or bool(_META.match(plain))


def _bullet_text(text: str) -> str:
    """Item text without emphasis markup, repeated markers ("1. - x", "- ✅ x") or extra spaces."""
    text = _plain(_SPACES.sub(" ", text).strip())
    while marked := _marker(text):
        text = marked[1].strip()
    return _SPACES.sub(" ", _plain(text)).strip()


def _join(pieces: list[tuple[str, bool]]) -> str:
    """Join an item's lines: wrapped lines with a space, sub-points after ':'/';' when the line before has no stop."""
    out = ""
    for text, is_sub in pieces:
        text = _bullet_text(text)
        if not _has_content(text):
            continue  # a marker or markup alone
        if not out:
            out = text
        elif _TERMINAL.search(out) or not is_sub:
            out = f"{out} {text}"
        else:
            out = f"{out}: {text}" if ":" not in out and ";" not in out else f"{out}; {text}"
    return out


# --- parsing --------------------------------------------------------------------------------


def parse_bullets(text: str) -> ParsedBullets:
    """Recover the bullets of a reply of any common shape (see the module docstring).

    With list markers, each top-level item is a bullet (its sub-points and wrapped lines joined
    into it); lines before the first item are the preamble when they introduce (a title, an
    opener, a line ending in ':'), else bullets; after the last item, a closing line or
    anything past a blank line is the outro. Without markers, several lines are one bullet each
    ("lines"), a paragraph or prose paragraphs are split into sentences ("paragraph").
    """
    lines, reasoning = _clean(text or "")
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
    parsed_lines = [_Line.of(line) for line in lines]
    if any(line.family for line in parsed_lines):
        return _parse_list(parsed_lines)
    return _parse_unmarked("\n".join(lines))


def _settled(bullets: tuple[str, ...]) -> tuple[str, ...]:
    """Bullets that read the same when written as a `- ` list again.

    Markup removed from a bullet can uncover a marker ("**- x**" inside an item); reading the
    bullets as a list once more (at most a few rounds) splits or strips what it uncovers.
    """
    for _ in range(3):
        again = _parse_lines(_clean(as_markdown(bullets))[0]).bullets if bullets else bullets
        if again == bullets:
            break
        bullets = again
    return bullets


@dataclass
class _Item:
    pieces: list[tuple[str, bool]] = field(default_factory=list)  # (text, is a sub-point)
    family: str | None = None
    indent: int = 0
    titled: bool = False  # the first line is a bold title with no stop ("1. **Budget**")

    def last_text(self) -> str:
        return self.pieces[-1][0] if self.pieces else ""


def _parse_list(lines: list[_Line]) -> ParsedBullets:
    marked = [i for i, line in enumerate(lines) if line.family]
    first, last = marked[0], marked[-1]
    top_indent = min(lines[i].indent for i in marked)
    top_family = next(lines[i].family for i in marked if lines[i].indent <= top_indent + 1)

    def is_sub(line: _Line) -> bool:
        if line.indent > top_indent + 1:
            return True
        # "1. Budget:" followed by "- ..." items at the same indent: points under an ordered item.
        return top_family in _ORDERED and line.family not in _ORDERED or (top_family == "numbered" and line.family == "lettered")

    # Before the first item: introductions are the preamble, other lines are unmarked bullets.
    before = [line for line in lines[:first] if line.text]
    stops = sum(bool(_TERMINAL.search(_plain(lines[i].item))) for i in marked) > len(marked) / 2
    intro_end = max((k + 1 for k, line in enumerate(before) if _is_intro(line.text, stops)), default=0)
    preamble = [line.text for line in before[:intro_end]]
    items: list[_Item] = [_Item([(line.text, False)], None, line.indent) for line in _unwrap(before[intro_end:])]
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
                items[-1].pieces.append((line.item, True))
            else:
                items.append(_Item([(line.item, False)], line.family, line.indent, _is_bold_title(line.item)))
        elif i > last and (gap or _is_closing(line.text)):
            outro = [rest.text for rest in lines[i:] if rest.text]
            break
        elif _continues(line, items[-1] if items else None, gap, top_indent):
            item = items[-1]
            if item.titled and len(item.pieces) == 1:
                item.pieces.append((line.text, False))  # the explanation under a bold title
            else:
                text, is_sub_point = item.pieces[-1]
                item.pieces[-1] = (f"{text} {line.text}", is_sub_point)  # a wrapped line
        elif _is_heading(line.text) and i < last:
            headings.append(line.text)
        else:
            items.append(_Item([(line.text, False)], None, line.indent))
        gap = False

    bullets: list[str] = []
    sub_points: list[tuple[int, str]] = []
    for item in items:
        pieces = item.pieces
        if item.titled and len(pieces) > 1 and not pieces[1][1]:
            pieces = [(_plain(pieces[0][0]) + ":", False), *pieces[1:]]  # "**Budget**" over its explanation
        text = _bullet_text(_join(pieces))  # a joined item may start like a marker ("1." over sub-points)
        if not _has_content(text):
            continue
        sub_points.extend((len(bullets), _bullet_text(t)) for t, sub in pieces if sub and _has_content(t))
        bullets.append(text)
    families = Counter(item.family for item in items if item.family and item.indent <= top_indent + 1)
    style = families.most_common(1)[0][0] if families else top_family or "lines"
    return ParsedBullets(tuple(bullets), "\n".join(preamble), "\n".join(outro), style, tuple(headings), tuple(sub_points))


def _is_bold_title(item: str) -> bool:
    stripped = item.strip()
    return bool(re.fullmatch(r"(?:\*\*|__)[^*_]+(?:\*\*|__)", stripped)) and not _TERMINAL.search(_plain(stripped))


def _continues(line: _Line, item: _Item | None, gap: bool, top_indent: int) -> bool:
    """An unmarked line continues the item above: indented under it, or a wrapped sentence."""
    if item is None or not item.pieces:
        return False
    if line.indent > top_indent + 1 and not gap:
        return True
    if gap:
        return line.indent > top_indent + 1 and item.family is not None
    previous = _plain(item.last_text())
    return line.text[:1].islower() or not _TERMINAL.search(previous)


def _unwrap(lines: list[_Line]) -> list[_Line]:
    """Join hard-wrapped lines (a line without a stop followed by one starting in lowercase)."""
    out: list[_Line] = []
    for line in lines:
        if out and line.text[:1].islower() and not _TERMINAL.search(out[-1].text):
            out[-1] = _Line(out[-1].indent, f"{out[-1].text} {line.text}")
        else:
            out.append(line)
    return out


def _parse_unmarked(text: str) -> ParsedBullets:
    groups = text_paragraphs(text)
    preamble: list[str] = []
    while groups:
        first = groups[0][0]
        inline = _INLINE_PREAMBLE.match(first)
        if inline and inline.end() < len(first):  # "Summary: The council voted ..."
            preamble.append(inline.group(0).strip())
            groups[0][0] = first[inline.end() :]
            break
        is_last_line = len(groups) == 1 and len(groups[0]) == 1
        # The last line may open with "Sure!" yet hold the summary: sentences decide below.
        if not (_is_heading(first) or (_is_opener(first) and not is_last_line) or _is_title(first, groups)):
            break
        preamble.append(groups[0].pop(0))
        if not groups[0]:
            groups.pop(0)

    # Section titles among the content ("### Cost", "**Taxes**") are set aside, like a list's.
    headings = tuple(line for group in groups for line in group if _HEADING.match(line) and _is_heading(line))
    groups = [g for g in ([line for line in group if line not in headings] for group in groups) if g]
    content_lines = [_plain(line) for group in groups for line in group]
    prose = len(groups) > 1 and all(len(g) == 1 for g in groups) and any(len(split_sentences(g[0])) > 1 for g in groups)
    if len(content_lines) > 1 and not prose:
        style, candidates = "lines", content_lines
    else:
        style, candidates = "paragraph", [s for line in content_lines for s in split_sentences(line)]

    candidates = [c for c in (_bullet_text(c) for c in candidates) if _has_content(c)]
    outro: list[str] = []
    # Chatter, a closing line of a list of lines, or a dangling label ("Related :") ends the summary.
    while candidates and (
        _is_chatter(candidates[-1]) or candidates[-1].endswith(":") or (style == "lines" and len(candidates) > 2 and _is_closing(candidates[-1]))
    ):
        outro.insert(0, candidates.pop())
    while candidates and len(candidates) > 1 and (_is_opener(candidates[0]) or _META.match(candidates[0])):
        preamble.append(candidates.pop(0))  # "Here is a summary." written as a sentence
    return ParsedBullets(tuple(candidates), "\n".join(preamble), "\n".join(outro), style, headings)


def _is_title(line: str, groups: list[list[str]]) -> bool:
    """A short first line without a stop, over content that has stops ("Budget vote" / "The council ...")."""
    plain = _plain(line)
    if _TERMINAL.search(plain) or len(plain.split()) > 10:
        return False
    rest = [other for group in groups for other in group][1:4]  # `line` is the first
    return bool(rest) and all(_TERMINAL.search(_plain(other)) for other in rest) and (len(groups[0]) == 1 or len(rest) > 1)


_FUNCTION_END = re.compile(r"\b(?:and|or|but|the|a|an|of|to|in|on|for|with|by|from|at|as|that|which|who|its|their|is|are|was|were)$", re.IGNORECASE)


def _unfinished(bullets: tuple[str, ...]) -> bool:
    """The last bullet stops mid-sentence: no stop where the others have one, or a dangling word or comma."""
    if not bullets:
        return False
    last = bullets[-1].rstrip()
    if _TERMINAL.search(last) and not last.endswith(":"):
        return False
    if last.endswith((",", ":", "(", "-", "—", "–")) or _FUNCTION_END.search(last):
        return True
    return any(_TERMINAL.search(b) for b in bullets[:-1])
