"""Does metric A agree with humans better than metric B on the same data?

Two tests, both one-sided (H1: A's correlation is higher than B's):
- paired bootstrap (Koehn 2004; Deutsch et al. 2021 for summarization meta-evaluation): the two
  metrics' correlations are recomputed on the same resamples of documents (systems at system
  level); p is the share of resamples where A does not beat B. Works for every level and statistic.
- Williams' test (Williams 1959; Graham & Baldwin 2014) for Pearson's r of two dependent
  correlations that share the human side; needs r(A, B) and the number of units. Used at system
  and global level, where one correlation is computed over one set of units.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def paired_bootstrap_pvalue(replicates_a: np.ndarray, replicates_b: np.ndarray) -> float:
    """One-sided p that A's correlation is not higher than B's, from paired replicates
    (replicate i of both computed on the same resample). Replicates undefined for either are
    left out; (k + 1) / (n + 1) keeps p above zero for a finite number of resamples."""
    diff = np.asarray(replicates_a, dtype=float) - np.asarray(replicates_b, dtype=float)
    diff = diff[~np.isnan(diff)]
    if len(diff) == 0:
        return float("nan")
    return float((np.sum(diff <= 0) + 1) / (len(diff) + 1))


def williams_pvalue(r_a: float, r_b: float, r_ab: float, n: int) -> float:
    """One-sided p of Williams' t that corr(A, human) = r_a exceeds corr(B, human) = r_b, given
    corr(A, B) = r_ab over the same n units (t with n - 3 degrees of freedom)."""
    if n <= 3 or any(math.isnan(v) for v in (r_a, r_b, r_ab)):
        return float("nan")
    k = 1 - r_a**2 - r_b**2 - r_ab**2 + 2 * r_a * r_b * r_ab
    denominator = 2 * k * (n - 1) / (n - 3) + ((r_a + r_b) ** 2 / 4) * (1 - r_ab) ** 3
    if denominator <= 0:  # A and B identical up to scale: no evidence either way
        return float("nan")
    t = (r_a - r_b) * math.sqrt((n - 1) * (1 + r_ab)) / math.sqrt(denominator)
    return float(stats.t.sf(t, n - 3))
