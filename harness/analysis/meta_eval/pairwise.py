"""Does metric A agree with humans as well as metric B on the same data?

Two tests, both two-sided (H0: A's and B's agreement with the humans is equal), as in
`harness compare`:
- paired bootstrap (Koehn 2004; Deutsch et al. 2021 for summarization meta-evaluation): the two
  metrics' correlations are recomputed on the same resamples of documents (systems at system
  level); see resampling.paired_pvalue. Works for every level and statistic.
- Williams' test (Williams 1959; Graham & Baldwin 2014) for Pearson's r of two dependent
  correlations that share the human side; needs r(A, B) and the number of units. Used at system
  and global level, where one correlation is computed over one set of units.
Both compare *oriented* agreement: a field whose lower values are better (support/unsupported)
agrees with the humans when its correlation is negative, so its sign is flipped first.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def orient(values, statistic: str, higher_is_better: bool | None, point: float):
    """Values turned so that larger always means better agreement with the humans.

    Correlations and ROC-AUC of a lower-is-better field are mirrored (-r, 1 - AUC); for a field
    with no declared direction, by the sign of its point value (|r|). Balanced accuracy already
    used the direction when choosing thresholds."""
    if statistic == "balanced_accuracy":
        return values
    if statistic == "roc_auc":
        flip = higher_is_better is False or (higher_is_better is None and point < 0.5)
        return 1 - np.asarray(values) if flip else values
    flip = higher_is_better is False or (higher_is_better is None and point < 0)
    return -np.asarray(values) if flip else values


def williams_pvalue(r_a: float, r_b: float, r_ab: float, n: int) -> float:
    """Two-sided p of Williams' t that corr(A, human) = r_a equals corr(B, human) = r_b, given
    corr(A, B) = r_ab over the same n units (t with n - 3 degrees of freedom)."""
    if n <= 3 or any(math.isnan(v) for v in (r_a, r_b, r_ab)):
        return float("nan")
    k = 1 - r_a**2 - r_b**2 - r_ab**2 + 2 * r_a * r_b * r_ab
    denominator = 2 * k * (n - 1) / (n - 3) + ((r_a + r_b) ** 2 / 4) * (1 - r_ab) ** 3
    if denominator <= 0:  # A and B identical up to scale: no evidence either way
        return float("nan")
    t = (r_a - r_b) * math.sqrt((n - 1) * (1 + r_ab)) / math.sqrt(denominator)
    return float(2 * stats.t.sf(abs(t), n - 3))
