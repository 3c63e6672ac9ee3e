"""The lines of a model reply, as the bullet parser reads them: the reply cleaned of reasoning,
control tokens and fences; list markers and their families; and what each unmarked line is
(a title, an opener, a sentence about the article, a closing remark, chatter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.text.tokens import ends_with_stop, split_sentences

# --- cleaning the raw reply ----------------------------------------------------------------

_REASONING = re.compile(
    r"<(think|thinking|reasoning)>(.*?)(?:</\1>|$)"
    r"|<\|channel\|>(analysis)<\|message\|>(.*?)(?:<\|end\|>|$)",  # gpt-oss (harmony format)
    re.DOTALL | re.IGNORECASE,
)
_REASONING_TAIL = re.compile(
    r"^(.*?)</(?:think|thinking|reasoning)>", re.DOTALL | re.IGNORECASE
)  # opened in the prompt
_STRAY_TAG = re.compile(r"</?(?:think|thinking|reasoning)>", re.IGNORECASE)
_SPECIAL_TOKENS = re.compile(
    r"</?s>|<pad>|<eos>|<unk>|<extra_id_\d+>|<\|(?:endoftext|im_end|eot_id|end|end_of_text|assistant|message|return)\|>"
    r"|<\|(?:im_start|start_header_id|start|channel)\|>\w*(?:<\|end_header_id\|>)?",  # with the role or channel name
    re.IGNORECASE,
)
_NEWLINE_TOKEN = re.compile(r"[ \t]*<n>[ \t]*", re.IGNORECASE)  # Pegasus writes newlines as <n>
_HTML_BREAK = re.compile(r"<br\s*/?>|</?(?:ul|ol|p)>|</li>", re.IGNORECASE)
_HTML_ITEM = re.compile(r"<li>\s*", re.IGNORECASE)
_CODE_FENCE = re.compile(r"^\s*(?:```|~~~)[a-z]{0,12}\s*$")  # a fence with a language tag
_RULE = re.compile(r"^\s*([-*_=])\s*(?:\1\s*){2,}$")  # "---", "* * *": a horizontal rule
_QUOTE_MARK = re.compile(r"^(\s*)>\s?")  # markdown block quote


def clean_reply(text: str) -> tuple[list[str], str]:
    """The reply's lines without reasoning, control tokens, fences or rules; and the reasoning."""
    reasoning: list[str] = []

    def keep_reasoning(match: re.Match[str]) -> str:
        reasoning.append(next((g for g in match.groups()[-1::-2] if g), "").strip())  # the text, not the tag name
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
    (
        "numbered",
        re.compile(
            rf"^(?:#{{1,6}}\s+)?{_BOLD}(?:(?i:(?:bullet\s+)?(?:point|bullet))\s+\d{{1,2}}\s*[:.)-]|\d{{1,2}}[.)](?!\d)|\(\d{{1,2}}\)"
            rf"|\d{{1,2}}\s+[-–—](?=\s+[A-Z\"“*_])){_BOLD}(?:\s+|(?=[A-Z\"“*_]))",
        ),
    ),
    (
        "lettered",
        re.compile(
            rf"^{_BOLD}(?:\(?[a-h]\)|[a-h]\.|[A-H]\)|\((?:i{{1,3}}|iv|v|vi{{1,3}})\)|(?:i{{1,3}}|iv|vi{{0,3}})[.)]){_BOLD}\s+"
        ),
    ),
    (
        "dash",
        re.compile(r"^[-–—−‐⁃+]\s+|^[-–—−‐⁃](?=[A-Z\"“*]|[a-z][A-Z])(?![LR][RSC]B-)"),
    ),  # "-5" and "-lrb-" are words
    ("star", re.compile(r"^\*\s+")),  # "**bold**" is emphasis
]
ORDERED = ("numbered", "lettered")


def _marker(stripped: str) -> tuple[str, str] | None:
    """(family, item text) when the line starts with a list marker."""
    for family, pattern in _MARKERS:
        match = pattern.match(stripped)
        if match and match.end() < len(stripped):
            return family, stripped[match.end() :]
    return None


@dataclass
class Line:
    indent: int
    text: str  # stripped line, markers included
    family: str | None = None
    item: str = ""  # text after the marker

    @classmethod
    def of(cls, raw: str) -> Line:
        stripped = raw.strip()
        marked = _marker(stripped)
        indent = len(raw) - len(raw.lstrip())
        return cls(indent, stripped, *marked) if marked else cls(indent, stripped)


# --- what a line is ---------------------------------------------------------------------------

_STRONG = re.compile(r"\*\*|__")
_INNER_STRONG = re.compile(r"(?<=\w)(?:\*\*|__)+(?=\w)")  # "A**Summary": a space, so words stay apart
_WRAPPING_EMPHASIS = re.compile(r"^([*_])(?=\S)(.*?)(?<=\S)\1$")
HEADING = re.compile(r"^#{1,6}\s+\S|^(?:\*\*|__)[^*_]+(?:\*\*|__)\s*:?$")  # "## Summary", "**Key points:**"
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
META = re.compile(
    r"^(?:the|this)\s+(?:article|text|story|passage|report|news\s+(?:article|story|report))\s+"
    r"(?:discusses|describes|reports|covers|is\s+about|talks\s+about|highlights|explains|focuses|details|summari[sz]es)\b",
    re.IGNORECASE,
)
INLINE_PREAMBLE = re.compile(
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
_SPACES = re.compile(r"\s+")


def plain(text: str) -> str:
    text = _core(text).strip()
    match = _WRAPPING_EMPHASIS.match(text)
    return match.group(2) if match else text


def has_content(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def is_opener(text: str) -> bool:
    return bool(_OPENER.match(plain(text)))


def is_chatter(text: str) -> bool:
    return bool(_CHATTER.search(plain(text)))


def is_closing(text: str) -> bool:
    bare = plain(text)
    return bool(_CLOSING.match(bare) or _CHATTER.search(bare))


def is_heading(text: str) -> bool:
    """A title-like line that introduces content: markdown or bold title, title words, an intro ending in ':'."""
    bare = plain(text)
    if HEADING.match(text):
        return text.startswith("#") or bare.endswith(":") or not ends_with_stop(bare)  # not "**A sentence.**"
    if _TITLE_WORDS.match(bare.rstrip(":").strip()):
        return True
    if not bare.endswith(":"):
        return False
    # "Sure! Here are the bullets:" introduces; "Fact one . Related :" is content cut off.
    *before, last = split_sentences(bare) or [bare]
    return len(last) <= 150 and all(is_opener(sentence) for sentence in before)


def is_intro(text: str, items_have_stops: bool) -> bool:
    """A line before the content that a reader skips: a title, an opener or a sentence about the article.

    A short line without a stop over items that have stops is a title ("Apple Q3 results").
    """
    bare = plain(text)
    if items_have_stops and not ends_with_stop(bare) and len(bare.split()) <= 10:
        return True
    return is_heading(text) or is_opener(bare) or bool(META.match(bare))


def bullet_text(text: str) -> str:
    """Item text without emphasis markup, repeated markers ("1. - x", "- ✅ x") or extra spaces."""
    text = plain(_SPACES.sub(" ", text).strip())
    while marked := _marker(text):
        text = marked[1].strip()
    return _SPACES.sub(" ", plain(text)).strip()


def join_pieces(pieces: list[tuple[str, bool]]) -> str:
    """Join an item's lines: wrapped lines with a space, sub-points after ':'/';' when the line before has no stop."""
    parts: list[str] = []  # joined once at the end, so an item of many lines stays linear
    has_colon = False  # the joined text so far holds ':' or ';'
    for text, is_sub in pieces:
        text = bullet_text(text)
        if not has_content(text):
            continue  # a marker or markup alone
        if parts and is_sub and not ends_with_stop(parts[-1]):
            parts.append(": " if not has_colon else "; ")
            has_colon = True
        elif parts:
            parts.append(" ")
        parts.append(text)
        has_colon = has_colon or ":" in text or ";" in text
    return "".join(parts)


def plain_ends_with_stop(lines: list[str]) -> bool:
    """`ends_with_stop(plain(" ".join(lines)))`, reading only the first and last lines it needs.

    Markup runs never cross the spaces that join the lines, so plain() of the joined text starts
    as plain() of its first lines and ends as plain() of its last ones; the two ends decide the
    answer (the wrapping emphasis and the last character). An item growing line by line is so
    checked in constant time per line, not in time of its whole text."""
    head = tail = 0
    while head < len(lines) and len(_core(" ".join(lines[: head + 1])).lstrip()) < 2:
        head += 1
    while tail < len(lines) and len(_core(" ".join(lines[len(lines) - tail - 1 :])).rstrip()) < 2:
        tail += 1
    if head + tail + 2 > len(lines):  # the two ends meet: the whole text is short
        return ends_with_stop(plain(" ".join(lines)))
    return ends_with_stop(plain(" ".join([*lines[: head + 1], *lines[len(lines) - tail - 1 :]])))


def _core(text: str) -> str:
    """plain() before its strip and the wrapping emphasis: strong markup removed."""
    return _STRONG.sub("", _INNER_STRONG.sub(" ", text))
