"""Extractive baselines that need no weights: the first k sentences, and sentence centrality."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from harness.models.base import Backend, Generation, Request
from harness.text.tokens import split_sentences

_WORD = re.compile(r"\w+", re.UNICODE)


def as_bullets(sentences: Sequence[str]) -> str:
    return "\n".join(f"- {s.strip()}" for s in sentences)


@dataclass
class LeadOptions:
    batch_size: int = 64


class Lead(Backend):
    """LEAD-k: the first k sentences of the article, one bullet each (k = the prompt's n_bullets)."""

    Options = LeadOptions
    runtime_fields = frozenset({"batch_size"})
    cacheable = False
    free = True

    def generate(self, requests: Sequence[Request]) -> list[Generation]:
        return [
            Generation(as_bullets(split_sentences(r.source)[: r.n_bullets]), finish_reason="stop") for r in requests
        ]


@dataclass
class CentralityOptions:
    damping: float = 0.85  # PageRank damping, as in LexRank
    min_words: int = 4  # shorter sentences (datelines, captions) are not candidates
    batch_size: int = 64


class Centrality(Backend):
    """Unsupervised extractive baseline: LexRank-style PageRank over a TF-IDF cosine graph of
    sentences; the k most central sentences, in article order. Deterministic (ties -> earlier)."""

    Options = CentralityOptions
    runtime_fields = frozenset({"batch_size"})
    cacheable = False
    free = True

    def generate(self, requests: Sequence[Request]) -> list[Generation]:
        return [Generation(as_bullets(self.select(r.source, r.n_bullets)), finish_reason="stop") for r in requests]

    def select(self, source: str, k: int) -> list[str]:
        sentences = split_sentences(source)
        candidates = [i for i, s in enumerate(sentences) if len(_WORD.findall(s)) >= self.options.min_words]
        if len(candidates) <= k:
            return [sentences[i] for i in (candidates or range(min(k, len(sentences))))]
        scores = pagerank(similarity([sentences[i] for i in candidates]), self.options.damping)
        ranked = sorted(range(len(candidates)), key=lambda j: (-round(scores[j], 12), j))[:k]
        return [sentences[candidates[j]] for j in sorted(ranked)]


def similarity(sentences: Sequence[str]) -> np.ndarray:
    """Cosine similarity of TF-IDF vectors (IDF over the article's sentences)."""
    bags = [Counter(w.lower() for w in _WORD.findall(s)) for s in sentences]
    df = Counter(w for bag in bags for w in bag)
    n = len(bags)
    vocab = {w: i for i, w in enumerate(sorted(df))}
    m = np.zeros((n, len(vocab)))
    for row, bag in enumerate(bags):
        for w, tf in bag.items():
            m[row, vocab[w]] = tf * math.log((1 + n) / (1 + df[w]) + 1)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    m = m / np.where(norms == 0, 1, norms)
    sim = m @ m.T
    np.fill_diagonal(sim, 0.0)
    return sim


def pagerank(sim: np.ndarray, damping: float, iterations: int = 100) -> list[float]:
    n = len(sim)
    rows = sim.sum(axis=1, keepdims=True)
    transition = np.where(rows > 0, sim / np.where(rows == 0, 1, rows), 1.0 / n)
    scores = np.full(n, 1.0 / n)
    for _ in range(iterations):
        updated = (1 - damping) / n + damping * transition.T @ scores
        if np.abs(updated - scores).sum() < 1e-10:
            scores = updated
            break
        scores = updated
    return scores.tolist()
