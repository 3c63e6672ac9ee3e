"""The sentence splitter gives the sentences it gave before it was made faster, to the character.

The splitter (harness.text.tokens.split_sentences) finds its candidate terminators and counts open
quotes with patterns rewritten to run faster; each is checked here against the pattern it
replaced, on generated PTB-style text. The whole splitter is checked on real news (CNN/DailyMail
articles, highlights, SummEval and QAGS summaries) against a digest of the sentences it gave
before it was made faster (commit d230dbb); its behaviour on prose and PTB text is pinned by the
known answers in tests/test_text.py.
"""

from __future__ import annotations

import hashlib
import json
import re

from conftest import shared_file
from hypothesis import example, given, settings
from hypothesis import strategies as st

from harness.text.tokens import (
    _CANDIDATE,
    _PERIOD_CANDIDATE,
    _QUOTE_TOKEN,
    join_numbers,
    split_sentences,
)

# Terminators, quotes, brackets, contractions and abbreviations, every kind of whitespace
# str.split() knows (tab, file separators, no-break and line separators), and runs long enough to
# cross the splitter's 200-character look-ahead.
_PIECES = [
    *". ? ! … ... ?! .' .\" .) .” ' '' ` `` \" ( ) -rrb- -lrb- 's 're '90s n't U.S. Dr. Jan. 5. J. p.m. e.g.".split(),
    *[" ", " ", "  ", "\t", "\n", "\n\n", "\x1c", "\x1f", "\u00a0", "\u2028", "\u3000"],
    *["The", "the", "He", "iPhone", "$5", "2014", "Smith", "said", "a", "É", "_", ",", ":"],
    " " * 199,
    " " * 230,
    "(" * 205 + "Big",
    "w" * 210,
]
_TEXTS = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


# The patterns as first written: they try each position of the text.
_FIRST_CANDIDATE = re.compile(r"""(?P<term>[.?!…]+)(?P<closers>["'”’»)\]}]*)(?=\s|$)""")
_FIRST_QUOTE_TOKEN = re.compile(
    r"(?:^|(?<=\s))(?:[`']+(?=\s|$)|[`'](?!(?:s|re|ve|ll|d|m|em|\d)\b)(?=\w)|(?<=\w)'(?=\s|$))", re.IGNORECASE
)


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    return [(m.span(), m.span("term")) for m in pattern.finditer(text)]


@settings(max_examples=500, deadline=None)
@given(_TEXTS)
def test_candidate_patterns_match_where_the_first_pattern_did(text: str) -> None:
    assert _spans(_CANDIDATE, text) == _spans(_FIRST_CANDIDATE, text)
    if not any(mark in text for mark in "?!…"):  # where the splitter reads for "." only
        assert _spans(_PERIOD_CANDIDATE, text) == _spans(_FIRST_CANDIDATE, text)


@settings(max_examples=500, deadline=None)
@given(_TEXTS | st.text(alphabet="`' a's\td9\u00a0.", max_size=30))
@example("Merson said : 'It is my view . ' Townsend 's ' 90s ''")
def test_quote_tokens_are_those_of_the_first_pattern(text: str) -> None:
    assert _QUOTE_TOKEN.findall(text) == _FIRST_QUOTE_TOKEN.findall(text)


def _rows(relative: str) -> list[dict]:
    with shared_file(relative).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_real_news_splits_into_the_sentences_it_did_before() -> None:
    texts = []
    for row in _rows("cnndm_pairs/cnndm_pairs.jsonl"):  # as is, and as the support metric reads it
        texts += [row["source"], join_numbers(row["source"]), row["reference"]]
    texts += [row["source"] for row in _rows("summeval/summeval_docs.jsonl")]
    texts += [row["summary"] for row in _rows("summeval/summeval.jsonl")]
    texts += [text for row in _rows("qags/qags_cnndm.jsonl") for text in (row["source"], row["summary"])]
    # as split at d230dbb, before the splitter was made faster
    assert _digest(texts) == (39_872, "6f585c850f17114a0daa77eafcd95b4291fd8e76784e8fcddb9a1fcc81788922")


def test_generated_texts_split_into_the_sentences_they_did_before() -> None:
    # as split at d230dbb, before the splitter was made faster
    assert _digest(_generated_texts(5_000)) == (
        14_155,
        "f09148ec8e8ff0a1b223a3ad93d3d8c6749464d6d14d914f04a6a901e3680295",
    )


def _generated_texts(count: int) -> list[str]:
    """`count` texts of up to 40 pieces, from a fixed linear congruential sequence (the same
    texts on every Python: not the random module's)."""
    state, texts = 2026, []
    for _ in range(count):
        pieces = []
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        for _ in range((state >> 33) % 41):
            state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
            pieces.append(_PIECES[(state >> 33) % len(_PIECES)])
            if (state >> 20) % 5 < 3:
                pieces.append(" ")
        texts.append("".join(pieces))
    return texts


def _digest(texts: list[str]) -> tuple[int, str]:
    """The number of sentences of `texts` and the sha256 of them all: sentences joined by "\\x00",
    each text's followed by "\\x01"."""
    digest, count = hashlib.sha256(), 0
    for text in texts:
        sentences = split_sentences(text)
        count += len(sentences)
        digest.update("\x00".join(sentences).encode() + b"\x01")
    return count, digest.hexdigest()


@settings(deadline=None)  # the first pattern's spans, compared at the end, are quadratic in the run
@given(st.sampled_from(["...", ".?!…", "?!", "……"]), st.sampled_from(["a", "x.", "'a", ""]), st.integers(1, 400))
def test_a_candidate_starts_only_at_the_first_terminator_of_a_run(run: str, tail: str, repeat: int) -> None:
    # Inside a run of terminators no candidate starts (the same matches: one that starts inside a run
    # is one that starts at its first terminator, tried first). Otherwise each of a run's N
    # characters would read the run to its end: "." * 40_000 + "a" took 30 s to split.
    text = "Word " + run * repeat + tail
    for pattern in (_CANDIDATE, _PERIOD_CANDIDATE):
        assert [pattern.match(text, i) for i in range(6, 5 + len(run) * repeat)] == [None] * (len(run) * repeat - 1)
    assert _spans(_CANDIDATE, text) == _spans(_FIRST_CANDIDATE, text)
