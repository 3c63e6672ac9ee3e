"""Seeded cluster resampling and the bootstrap summaries built on it.

A bootstrap resample draws whole clusters (documents, or systems) with replacement. It is kept
as a `counts` matrix, resamples x clusters: how often each cluster was drawn. Every statistic
in `resampled.py` is a function of these counts, so all metrics see the same resamples (their
replicates are paired) and no resample is ever materialised as a copy of the data.
"""

from __future__ import annotations

import numpy as np

from harness.stats import seed_for


def draw_counts(n_clusters: int, samples: int, seed: int, unit: str) -> np.ndarray:
    """`samples` x `n_clusters` bootstrap counts: row b says how often each cluster is in resample b."""
    # Seeds as meta-eval has always drawn them (harness.stats.seed_for explains the two forms).
    rng = np.random.default_rng(seed_for(seed, "meta-eval", unit, little_endian_64=True))
    draws = rng.integers(0, n_clusters, size=(samples, n_clusters))
    counts = np.zeros((samples, n_clusters))
    np.add.at(counts, (np.repeat(np.arange(samples), n_clusters), draws.ravel()), 1)
    return counts


def paired_pvalue(replicates_a: np.ndarray, replicates_b: np.ndarray) -> float:
    """Two-sided paired-bootstrap p that A and B are equal, from replicates computed on the same
    resamples: twice the smaller tail share of the differences on either side of 0, each tail
    (k + 1) / (n + 1), capped at 1. p < 0.05 exactly when the 95% percentile interval of the
    difference excludes 0. Resamples where either is undefined are left out."""
    diff = np.asarray(replicates_a, dtype=float) - np.asarray(replicates_b, dtype=float)
    diff = diff[~np.isnan(diff)]
    if len(diff) == 0:
        return float("nan")
    tail = min(np.sum(diff <= 0), np.sum(diff >= 0))
    return float(min(1.0, 2 * (tail + 1) / (len(diff) + 1)))
