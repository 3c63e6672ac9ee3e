"""Partial correlation of metric and human scores controlling for the system (FRANK's protocol).

FRANK (Pagnoni et al., 2021) reports partial correlations with the system as the controlled
variable, so a metric is not credited for merely telling good systems from bad ones. With the
system one-hot encoded, regressing both sides on it leaves each score minus its system's mean;
the partial correlation is the Pearson correlation of those residuals. Spearman's version ranks
both sides first (over all summaries), as pingouin's `partial_corr(method="spearman")` does.
Ranking a 0/1 system indicator changes neither its span nor the residuals.

Computed for every bootstrap resample at once from per-system weighted sums
(ClusteredPairs.value_moments / rank_moments, built with the system as the pairs' group).
"""

from __future__ import annotations

import numpy as np

from harness.meta_eval.resampled import ClusteredPairs, moment_correlation

PARTIAL_STATISTICS = ("partial_pearson", "partial_spearman")


def residual_correlation(size, sx, sy, sxx, syy, sxy) -> np.ndarray:
    """Correlation of within-group residuals from per-group weighted sums (resamples x groups)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_x = np.where(size > 0, sx / size, 0.0)
        mean_y = np.where(size > 0, sy / size, 0.0)
    cxx = (sxx - sx * mean_x).sum(1)
    cyy = (syy - sy * mean_y).sum(1)
    cxy = (sxy - sx * mean_y).sum(1)
    # Relative to the total spread: rounding leaves a tiny residual where there is none.
    n = np.maximum(size.sum(1), 1)
    total_x = sxx.sum(1) - sx.sum(1) ** 2 / n
    total_y = syy.sum(1) - sy.sum(1) ** 2 / n
    flat = (cxx <= 1e-12 * np.abs(total_x)) | (cyy <= 1e-12 * np.abs(total_y)) | (cxx <= 0) | (cyy <= 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cxy / np.sqrt(cxx * cyy)
    r[flat] = np.nan
    return r


def correlations(pairs: ClusteredPairs, counts: np.ndarray) -> dict[str, np.ndarray]:
    """Pearson, Spearman and their partial versions controlling for the pairs' group (the
    system), on each resample (rows of `counts`; a row of ones: the point values). Spearman and
    its partial version share one pass over the resampled ranks."""
    values, ranks = pairs.value_moments(counts), pairs.rank_moments(counts)
    return {
        "pearson": pairs.finish(moment_correlation(*(m.sum(1) for m in values)), counts),
        "spearman": pairs.finish(moment_correlation(*(m.sum(1) for m in ranks)), counts),
        "partial_pearson": pairs.finish(residual_correlation(*values), counts),
        "partial_spearman": pairs.finish(residual_correlation(*ranks), counts),
    }
