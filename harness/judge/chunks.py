"""A long article cut into sentence-aligned chunks under a token budget, and a claim's score as the
maximum over chunks (MiniCheck, Tang et al., EMNLP 2024): a claim is supported when some chunk
supports it, so a small-context judge can check claims against articles longer than its context.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from harness.text.tokens import split_sentences

__all__ = ["Chunk", "ChunkMax", "approx_tokens", "chunk_sentences", "chunk_text", "max_over_chunks"]

# The pieces a BPE tokenizer never merges across: letter runs, digit groups of up to 3 (GPT-style
# tokenizers split "1,056,000" into 1 , 056 , 000), and each other visible character.
_PIECE = re.compile(r"[^\W\d_]+|\d{1,3}|[^\w\s]|_")


def approx_tokens(text: str) -> int:
    """A tokenizer-free token count that overestimates English BPE counts, so budgets are safe:
    the larger of ceil(characters / 4) and ceil(pieces * 4 / 3), where pieces are letter runs,
    digit groups of up to 3 and punctuation marks (see _PIECE). English BPE averages about 4
    characters and 3/4 of a word per token; counting every punctuation mark and digit group as
    a word covers numbers and PTB-tokenized text, which the word rule alone undercounts. It can
    still undercount rare long words or non-Latin scripts: keep a margin for those."""
    if not text:
        return 0
    pieces = sum(1 for _ in _PIECE.finditer(text))
    return max(math.ceil(len(text) / 4), math.ceil(pieces * 4 / 3))


@dataclass(frozen=True)
class Chunk:
    text: str  # the sentences joined by single spaces
    first: int  # index of the first sentence (inclusive)
    last: int  # index of the last sentence (inclusive)
    cut: bool = False  # one sentence longer than the budget, cut at the budget on a word boundary


def _cut(sentence: str, budget: int, count: Callable[[str], int]) -> str:
    """The longest prefix of whole words within the budget (of characters when even the first
    word is over it), found by bisection: O(log n) counts of the sentence."""
    words = sentence.split()

    def longest(fits: Callable[[int], bool], high: int) -> int:
        low = 0  # fits(low) holds; find the largest such
        while low < high:
            mid = (low + high + 1) // 2
            low, high = (mid, high) if fits(mid) else (low, mid - 1)
        return low

    n = longest(lambda k: count(" ".join(words[:k])) <= budget, len(words))
    if n:
        return " ".join(words[:n])
    return sentence[: longest(lambda k: count(sentence[:k]) <= budget, len(sentence))]


def chunk_sentences(
    sentences: Sequence[str], budget: int, count: Callable[[str], int] = approx_tokens, overlap: int = 0
) -> list[Chunk]:
    """Consecutive sentences packed greedily into chunks of at most `budget` tokens (by `count`,
    of the chunk's text). A sentence over the budget alone is its own chunk, cut (`Chunk.cut`).
    Each chunk after the first starts with up to `overlap` sentences of the one before (fewer when
    they would not fit with the next new sentence); every chunk holds at least one new sentence,
    so with overlap=0 every sentence is in exactly one chunk. Cost: one count of the growing
    chunk per sentence added."""
    if budget < 1:
        raise ValueError(f"chunk_sentences: budget must be >= 1 token, not {budget}")
    if overlap < 0:
        raise ValueError(f"chunk_sentences: overlap must be >= 0, not {overlap}")
    chunks: list[Chunk] = []
    new = 0  # the first sentence no chunk holds yet
    while new < len(sentences):
        first = new
        if chunks and not chunks[-1].cut:
            first = max(new - overlap, chunks[-1].first + 1)
            while first < new and count(" ".join(sentences[first : new + 1])) > budget:
                first += 1  # the overlap shrinks before the new sentence is left out
        if count(" ".join(sentences[first : new + 1])) > budget:  # only when first == new
            chunks.append(Chunk(_cut(sentences[new], budget, count), new, new, cut=True))
            new += 1
            continue
        last = new
        while last + 1 < len(sentences) and count(" ".join(sentences[first : last + 2])) <= budget:
            last += 1
        chunks.append(Chunk(" ".join(sentences[first : last + 1]), first, last))
        new = last + 1
    return chunks


def chunk_text(text: str, budget: int, count: Callable[[str], int] = approx_tokens, overlap: int = 0) -> list[Chunk]:
    """`chunk_sentences` on the project's sentence splitter; indices are into split_sentences(text)."""
    return chunk_sentences(split_sentences(text), budget, count, overlap)


class ChunkMax(NamedTuple):
    score: float | None  # the highest known chunk score; None when no chunk has one
    chunk: int | None  # the index of the chunk that reached it (the first, on a tie)
    missing: int  # chunks without a score (failed requests, NaN): a missing chunk could only raise the max


def max_over_chunks(scores: Sequence[float | None]) -> ChunkMax:
    """A claim's score over an article's chunks: the maximum of the known scores, its chunk, and
    how many chunks have none. With `missing` > 0 the score is a lower bound; the caller decides
    whether that is good enough (a known max of 1.0 already is the answer)."""
    known = [(s, i) for i, s in enumerate(scores) if s is not None and not math.isnan(s)]
    missing = len(scores) - len(known)
    if not known:
        return ChunkMax(None, None, missing)
    best = max(known, key=lambda pair: (pair[0], -pair[1]))
    return ChunkMax(best[0], best[1], missing)
