"""Simulated pairwise judgments with known truth: system strengths (a Bradley-Terry judge), a
position bias (with probability `flip_rate` an order's verdict is "the first summary") and a
length bias (the longer summary's log-odds raised by `length_effect` x tanh(difference / sd)).

The judge forms one opinion per document and pair (no latent ties), then answers each order;
so the share of pairs whose verdict flips with the order is `flip_rate` exactly in expectation,
and a pair is decided with probability 1 - flip_rate whichever summary is longer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.analysis.bradley_terry import Outcomes


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class Truth:
    flip_rate: float
    longer_wins: float  # expected share of decided pairs the longer summary wins
    win_rate: np.ndarray  # per system, vs the average of the others, at zero length difference
    strengths: np.ndarray


def simulate(
    strengths,
    docs: int,
    flip_rate: float = 0.0,
    length_effect: float = 0.0,
    mean_words=None,
    sd_words: float = 15.0,
    seed: int = 0,
    same_summaries: tuple[int, int] | None = None,  # two systems that write the same summaries
) -> tuple[Outcomes, Truth]:
    rng = np.random.default_rng(seed)
    s = np.asarray(strengths, dtype=float)
    k = len(s)
    means = np.full(k, 60.0) if mean_words is None else np.asarray(mean_words, dtype=float)
    words = np.maximum(5, np.round(rng.normal(means, sd_words, size=(docs, k))))
    if same_summaries is not None:
        words[:, same_summaries[1]] = words[:, same_summaries[0]]
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    doc = np.repeat(np.arange(docs), len(pairs))
    a = np.tile([i for i, _ in pairs], docs)
    b = np.tile([j for _, j in pairs], docs)
    diff = words[doc, a] - words[doc, b]
    scale = np.std(diff)
    p = sigmoid(s[a] - s[b] + length_effect * np.tanh(diff / scale))
    if same_summaries is not None:
        same = ((a == same_summaries[0]) & (b == same_summaries[1])) | (
            (a == same_summaries[1]) & (b == same_summaries[0])
        )
        p = np.where(same, 0.5, p)
    a_wins = rng.random(len(p)) < p  # the judge's opinion of the pair
    first_a = np.where(rng.random(len(p)) < flip_rate, True, a_wins)  # order 1: a shown first
    first_b = np.where(rng.random(len(p)) < flip_rate, True, ~a_wins)  # order 2: b shown first
    v1_a, v2_a = first_a, ~first_b  # did a win in each order
    y = np.where(v1_a == v2_a, v1_a.astype(float), 0.5)
    outcomes = Outcomes(
        k, doc, a, b, y, diff, v1_a != v2_a, first_a.astype(int) + first_b.astype(int), np.full(len(p), 2)
    )
    has_diff = diff != 0
    longer = np.where(diff > 0, p, 1 - p)[has_diff]
    pw = sigmoid(s[:, None] - s[None, :])
    raw = (pw.sum(axis=1) - 0.5) / (k - 1)
    truth = Truth(flip_rate, float(longer.mean()), 0.5 + (1 - flip_rate) * (raw - 0.5), s)
    return outcomes, truth
