"""Correlation statistics and ROC-AUC between metric scores and human scores.

Each statistic is scipy's with its defaults (the choice of G-Eval's, UniEval's and BARTScore's
meta-evaluation scripts): Pearson's r, Spearman's rho (average ranks for ties) and Kendall's
tau-b (tie-adjusted). A correlation is undefined (NaN) with fewer than two pairs or when either
side is constant.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from scipy import stats

STATISTICS = ("pearson", "spearman", "kendall")

_FUNCTIONS: dict[str, Callable] = {
    "pearson": stats.pearsonr,
    "spearman": stats.spearmanr,
    "kendall": stats.kendalltau,  # variant="b" is scipy's default
}


def finite_pairs(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs where both values are present (not NaN)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    return x[keep], y[keep]


def undefined_reason(x: np.ndarray, y: np.ndarray) -> str | None:
    """Why a correlation over these pairs is undefined ("too_few", "human_constant",
    "metric_constant"), or None. `x` is the metric, `y` the human side; NaN pairs are ignored."""
    x, y = finite_pairs(x, y)
    if len(x) < 2:
        return "too_few"
    if np.all(y == y[0]):
        return "human_constant"
    if np.all(x == x[0]):
        return "metric_constant"
    return None


def correlation(x: np.ndarray, y: np.ndarray, statistic: str) -> float:
    """`statistic` ("pearson", "spearman", "kendall") over the finite pairs; NaN when undefined."""
    if undefined_reason(x, y) is not None:
        return float("nan")
    x, y = finite_pairs(x, y)
    with warnings.catch_warnings():
        # scipy warns on near-constant input; the value it returns is still the right one.
        warnings.simplefilter("ignore")
        return float(_FUNCTIONS[statistic](x, y)[0])


def is_binary(values: np.ndarray) -> bool:
    """True when every present value is 0 or 1 and both occur (a label, not a score)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    return len(v) > 0 and set(np.unique(v).tolist()) == {0.0, 1.0}


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Probability that a positive (label 1) outscores a negative, ties counting one half
    (the Mann-Whitney U statistic over n_pos * n_neg); NaN if a class is absent."""
    scores, labels = finite_pairs(scores, labels)
    positive, negative = scores[labels == 1], scores[labels == 0]
    if len(positive) == 0 or len(negative) == 0:
        return float("nan")
    u = stats.mannwhitneyu(positive, negative, alternative="two-sided").statistic
    return float(u / (len(positive) * len(negative)))
