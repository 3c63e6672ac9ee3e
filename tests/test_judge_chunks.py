"""harness/judge/chunks.py: articles in sentence-aligned chunks under a token budget, and the
maximum over chunks. The hand-made tables count tokens as whitespace words, so every expected
chunk can be checked by eye."""

from __future__ import annotations

import math
import random

import pytest

from harness.judge.chunks import Chunk, ChunkMax, approx_tokens, chunk_sentences, chunk_text, max_over_chunks
from harness.text.tokens import split_sentences


def words(text: str) -> int:
    return len(text.split())


# word counts: 2, 1, 3, 1, 30
SENTENCES = ["aa bb.", "cc.", "dd ee ff.", "gg.", "hh " * 30]


@pytest.mark.parametrize(
    "budget, overlap, expected",
    [
        (
            4,
            0,
            [
                Chunk("aa bb. cc.", 0, 1),
                Chunk("dd ee ff. gg.", 2, 3),
                Chunk("hh hh hh hh", 4, 4, cut=True),
            ],
        ),
        (
            3,
            0,
            [
                Chunk("aa bb. cc.", 0, 1),
                Chunk("dd ee ff.", 2, 2),  # + "gg." would be 4 words
                Chunk("gg.", 3, 3),
                Chunk("hh hh hh", 4, 4, cut=True),
            ],
        ),
        (
            7,
            0,
            [Chunk("aa bb. cc. dd ee ff. gg.", 0, 3), Chunk("hh hh hh hh hh hh hh", 4, 4, cut=True)],
        ),
        (
            5,
            1,
            [
                Chunk("aa bb. cc.", 0, 1),  # + "dd ee ff." would be 6
                Chunk("cc. dd ee ff. gg.", 1, 3),  # starts with the last sentence of the one before
                Chunk("hh hh hh hh hh", 4, 4, cut=True),  # "gg." + 30 words cannot fit: no overlap
            ],
        ),
        (
            4,
            2,
            [
                Chunk("aa bb. cc.", 0, 1),
                Chunk("cc. dd ee ff.", 1, 2),  # 2 overlap sentences with "dd ee ff." would be 6: 1 kept
                Chunk("dd ee ff. gg.", 2, 3),
                Chunk("hh hh hh hh", 4, 4, cut=True),
            ],
        ),
        (100, 0, [Chunk(" ".join(SENTENCES), 0, 4)]),
    ],
)
def test_sentences_are_packed_greedily(budget, overlap, expected):
    assert chunk_sentences(SENTENCES, budget, words, overlap) == expected


def test_a_word_longer_than_the_budget_is_cut_inside():
    assert chunk_sentences(["x" * 40], 3, approx_tokens) == [Chunk("x" * 12, 0, 0, cut=True)]  # ceil(12 / 4) = 3


def test_no_sentences_no_chunks():
    assert chunk_sentences([], 10) == []


@pytest.mark.parametrize("budget, overlap", [(0, 0), (-1, 0), (5, -1)])
def test_a_bad_budget_or_overlap_is_refused(budget, overlap):
    with pytest.raises(ValueError, match="budget|overlap"):
        chunk_sentences(["a."], budget, overlap=overlap)


def article(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    vocabulary = (
        "the police said on Tuesday that 1,056 people in St. Louis had been moved , and officials expect more".split()
    )
    return [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 40))) + "." for _ in range(n)]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("budget", [8, 30, 120])
def test_every_chunk_is_within_budget_and_every_sentence_in_one_chunk(seed, budget):
    sentences = article(60, seed)
    chunks = chunk_sentences(sentences, budget)
    for chunk in chunks:
        assert approx_tokens(chunk.text) <= budget
        if not chunk.cut:
            assert chunk.text == " ".join(sentences[chunk.first : chunk.last + 1])
        else:
            assert chunk.first == chunk.last and sentences[chunk.first].startswith(chunk.text)
            assert approx_tokens(sentences[chunk.first]) > budget
    covered = [i for chunk in chunks for i in range(chunk.first, chunk.last + 1)]
    assert covered == list(range(len(sentences)))
    # greedy: no chunk could have taken the next sentence too
    for chunk, following in zip(chunks, chunks[1:]):
        if not chunk.cut and not following.cut:
            assert approx_tokens(" ".join(sentences[chunk.first : chunk.last + 2])) > budget


@pytest.mark.parametrize("seed", range(3))
def test_with_overlap_every_chunk_brings_new_sentences_in_order(seed):
    sentences = article(40, seed)
    chunks = chunk_sentences(sentences, 60, overlap=2)
    assert chunks[0].first == 0 and chunks[-1].last == len(sentences) - 1
    for before, chunk in zip(chunks, chunks[1:]):
        assert chunk.last > before.last  # progress
        assert before.last + 1 - 2 <= chunk.first <= before.last + 1  # at most 2 repeated
        assert approx_tokens(chunk.text) <= 60


def test_chunk_text_uses_the_project_splitter():
    text = "The cat sat on the mat. It was happy.\n\nThen it left the room quickly."
    sentences = split_sentences(text)
    assert sentences == ["The cat sat on the mat.", "It was happy.", "Then it left the room quickly."]
    # the first two: 11 pieces -> 15 tokens; all three: 18 pieces -> 24
    assert chunk_text(text, 15) == [Chunk(" ".join(sentences[:2]), 0, 1), Chunk(sentences[2], 2, 2)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", 0),
        ("The cat sat on the mat.", 10),  # 7 pieces * 4/3 = 9.33 -> 10 (chars: 23/4 -> 6)
        ("1,056,000", 7),  # 1 , 056 , 000: 5 pieces -> 7
        ("internationalization", 5),  # 20 chars / 4
        ("a" * 401, 101),
        ("He said `` no . ''", 11),  # He said ` ` no . ' ': 8 pieces -> 10.67 -> 11
    ],
)
def test_approx_tokens_known_answers(text, expected):
    assert approx_tokens(text) == expected


@pytest.mark.parametrize(
    "scores, expected",
    [
        ([0.1, 0.7, 0.3], ChunkMax(0.7, 1, 0)),
        ([0.2, None, 0.9, 0.9], ChunkMax(0.9, 2, 1)),  # a tie: the first chunk; one failed
        ([None, 0.0], ChunkMax(0.0, 1, 1)),
        ([math.nan, 0.4], ChunkMax(0.4, 1, 1)),
        ([None, None], ChunkMax(None, None, 2)),
        ([], ChunkMax(None, None, 0)),
        ([1.0], ChunkMax(1.0, 0, 0)),
    ],
)
def test_the_maximum_over_chunks(scores, expected):
    assert max_over_chunks(scores) == expected
