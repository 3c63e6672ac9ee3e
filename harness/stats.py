"""Confidence intervals and paired significance tests between systems (seeded, reproducible)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class MeanCI:
    mean: float | None
    low: float | None
    high: float | None
    n: int


def bootstrap_mean_ci(values: Sequence[float | None], samples: int = 1000, seed: int = 0) -> MeanCI:
    """Mean and 95% percentile-bootstrap CI over examples; None values are left out (n counts the rest)."""
    x = np.array([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if len(x) == 0:
        return MeanCI(None, None, None, 0)
    mean = float(x.mean())
    if len(x) == 1 or samples <= 0:
        return MeanCI(mean, mean, mean, len(x))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(x), size=(samples, len(x)))
    means = x[idx].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return MeanCI(mean, float(low), float(high), len(x))


def paired_bootstrap_pvalue(a: Sequence[float], b: Sequence[float], samples: int = 1000, seed: int = 0) -> float:
    """Two-sided p-value that systems a and b (scored on the same examples) have equal means.

    Paired bootstrap as in sacrebleu/Koehn (2004): resample examples, centre the differences
    under the null, and count resampled mean differences at least as extreme as observed.
    """
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if len(d) < 2:
        return 1.0
    observed = abs(d.mean())
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(d), size=(samples, len(d)))
    null = d[idx].mean(axis=1) - d.mean()
    return float((np.sum(np.abs(null) >= observed) + 1) / (samples + 1))


def resample_indices(n: int, samples: int, seed: int) -> np.ndarray:
    """`samples` x `n` bootstrap draws of range(n) with replacement; the same seed gives the same
    draws, so statistics computed on them are paired across metrics."""
    return np.random.default_rng(seed).integers(0, n, size=(samples, n))


def percentile_ci(values: Sequence[float], level: float = 0.95) -> tuple[float | None, float | None]:
    """Percentile interval of bootstrap replicates; NaN replicates (statistic undefined on that
    resample) are left out. (None, None) when none is defined."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return None, None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(x, [tail, 100 - tail])
    return float(low), float(high)
