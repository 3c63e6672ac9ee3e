"""The bullet parser against the hand-written corpus of realistic replies (tests/bullet_corpus.py)."""

from __future__ import annotations

from collections import Counter

import pytest
from bullet_corpus import CORPUS, Case

from harness.text.bullets import STYLES, parse_bullets


def test_corpus_is_large_and_covers_every_kind_of_model() -> None:
    assert len(CORPUS) >= 150
    assert len({c.id for c in CORPUS}) == len(CORPUS), "case ids must be unique"
    kinds = Counter(c.kind for c in CORPUS)
    assert {"chat", "seq2seq", "reasoning", "summarizer"} <= set(kinds)
    assert sum(c.issue for c in CORPUS) >= 20  # every failure the issue lists


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_reply_parses_as_a_reader_sees_it(case: Case) -> None:
    parsed = parse_bullets(case.raw)
    assert parsed.bullets == case.bullets
    assert parsed.style in STYLES and (parsed.style == "empty") == (not parsed.bullets)
    if case.style is not None:
        assert parsed.style == case.style
    if case.preamble is not None:
        assert parsed.preamble == case.preamble
    if case.outro is not None:
        assert parsed.outro == case.outro
    if case.headings is not None:
        assert parsed.headings == case.headings
    if case.sub_points is not None:
        assert len(parsed.sub_points) == case.sub_points
        assert all(0 <= i < len(parsed.bullets) and text in parsed.bullets[i] for i, text in parsed.sub_points)
    if case.unfinished is not None:
        assert parsed.unfinished is case.unfinished


# --- properties -------------------------------------------------------------------------------------

import re  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from harness.text.bullets import as_markdown  # noqa: E402

_WORD = re.compile(r"[^\W_]+")
# Words that only ever appear as markers or control tokens in the generated replies.
_MARKUP_WORDS = {"think", "s", "n", "pad", "eot_id", "eot", "id", "im_end", "im", "end", "br", "li", "ul"}


def _content_words(text: str) -> Counter:
    return Counter(w.lower() for w in _WORD.findall(text) if len(w) >= 3 and w.lower() not in _MARKUP_WORDS)


def _kept_text(parsed) -> str:
    return "\n".join([*parsed.bullets, parsed.preamble, parsed.outro, *parsed.headings, parsed.reasoning])


_PIECES = st.sampled_from(
    [
        "- ",
        "* ",
        "• ",
        "· ",
        "✅ ",
        "1️⃣ ",
        "1. ",
        "2) ",
        "a) ",
        "1 - ",
        "-",
        "  ",
        "    - ",
        "**",
        "__",
        "#",
        "## ",
        "\n",
        "\n\n",
        " ",
        "<n>",
        "<think>",
        "</think>",
        "</s>",
        "```",
        "Here is a summary:",
        "Summary",
        "Overall, ",
        "In conclusion, ",
        "I hope this helps!",
        "The strike ended.",
        "Trains run",
        " Friday",
        "Unions",
        ".",
        "?",
        ":",
        "-lrb-",
        "A",
        "b",
        "iPhone",
        "Budget:",
        "Dr.",
        "U.S.",
        "'",
        '"',
    ]
)
_replies = st.lists(_PIECES, max_size=30).map("".join)


@settings(max_examples=500, deadline=None)
@given(_replies)
def test_never_loses_a_word_never_invents_one_never_raises(raw: str) -> None:
    parsed = parse_bullets(raw)
    kept = _content_words(_kept_text(parsed))
    given_words = _content_words(raw)
    assert not (given_words - kept), f"lost {given_words - kept}"
    assert not (kept - given_words), f"invented {kept - given_words}"
    assert all(b == b.strip() and any(ch.isalnum() for ch in b) and "\n" not in b for b in parsed.bullets)
    assert parse_bullets(raw) == parsed  # deterministic


@settings(max_examples=500, deadline=None)
@given(_replies)
def test_idempotent_on_its_own_output_rendered_as_dash_lines(raw: str) -> None:
    bullets = parse_bullets(raw).bullets
    again = parse_bullets(as_markdown(bullets))
    assert again.bullets == bullets
    assert again.preamble == again.outro == ""


_SENTENCE = st.lists(
    st.sampled_from(
        [
            "council",
            "budget",
            "taxes",
            "library",
            "trains",
            "strike",
            "Friday",
            "2,000",
            "rose",
            "percent",
            "Mayor",
            "Ortiz",
        ]
    ),
    min_size=1,
    max_size=8,
).map(" ".join)
_LAYOUT = st.sampled_from(["- {}", "* {}", "• {}", "{i}. {}", "{i}) {}", "✅ {}", "{}"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_SENTENCE, min_size=1, max_size=6), _LAYOUT, st.booleans(), st.booleans(), st.booleans())
def test_structured_replies_keep_every_content_word(sentences, layout, preamble, outro, reasoning) -> None:
    body = "\n".join(layout.format(s.capitalize() + ".", i=i + 1) for i, s in enumerate(sentences))
    raw = ("<think>plan the council answer</think>\n" if reasoning else "") + (
        "Here are the points:\n" if preamble else ""
    )
    raw += body + ("\n\nLet me know if you need more." if outro else "")
    parsed = parse_bullets(raw)
    assert _content_words(" ".join(parsed.bullets)) == _content_words(" ".join(sentences))
    if layout != "{}":
        assert len(parsed.bullets) == len(sentences)
