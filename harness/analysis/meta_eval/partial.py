"""Partial correlation of metric and human scores controlling for the system (FRANK's protocol).

FRANK (Pagnoni et al., 2021) reports partial correlations with the system as the controlled
variable, so a metric is not credited for merely telling good systems from bad ones. Its script
(`evaluation/evaluate.py`, `human_metric_correlation`) one-hot encodes the system, regresses
each side on it (leaving each score minus its system's mean) and computes scipy's `pearsonr`
and `spearmanr` of the residuals. We do the same:
- partial_pearson: Pearson of the residuals (equal to pingouin's `partial_corr`, method pearson);
- partial_spearman: Spearman of the residuals, FRANK's choice. pingouin's method="spearman"
  ranks *before* removing the system means, a different quantity (SummEval consistency,
  `support/score`: 0.335 FRANK's way, 0.217 pingouin's).

Computed for every bootstrap resample at once: Pearson from per-system weighted sums
(ClusteredPairs.value_moments); Spearman by ranking each resample's residuals (they move with
the resample's system means), in blocks of resamples.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np

from harness.analysis.meta_eval.resampled import ClusteredPairs, moment_correlation

PARTIAL_STATISTICS = ("partial_pearson", "partial_spearman")
RESIDUAL_DECIMALS = 10


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


def weighted_average_ranks(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per row, the 1-based average rank of each value among the row's values, each counted
    `weights` times (ties share the mean of their positions; weight-0 values take no place)."""
    order = np.argsort(values, axis=1)
    v = np.take_along_axis(values, order, axis=1)
    w = np.take_along_axis(weights, order, axis=1)
    through = np.cumsum(w, axis=1)  # weight up to and including each sorted position
    starts = np.ones(v.shape, dtype=bool)  # where a new value (tie group) begins
    np.not_equal(v[:, 1:], v[:, :-1], out=starts[:, 1:])
    if starts.all():  # no ties: rank = weight below + (own weight + 1) / 2
        ranked = through - (w - 1) / 2
    else:
        group = np.cumsum(starts.ravel()) - 1  # a global id per (row, tie group)
        firsts = np.flatnonzero(starts.ravel())
        size = np.bincount(group, weights=w.ravel())
        below = through.ravel()[firsts] - w.ravel()[firsts]
        ranked = (below + (size + 1) / 2)[group].reshape(v.shape)
    ranks = np.empty_like(values)
    np.put_along_axis(ranks, order, ranked, axis=1)
    return ranks


# Residual ranks of one side depend only on its values, the clusters, the systems and the
# resamples: a metric field's are shared by every human field and a human field's by every
# metric field, so the last few are kept (each is resamples x summaries floats).
_RANK_CACHE: OrderedDict[str, np.ndarray] = OrderedDict()
_RANK_CACHE_SIZE = 6
_RANK_CACHE_BYTES = 300_000_000  # large data keeps fewer (1,600 summaries x 1000 resamples: 13 MB each)


def _cache_bytes() -> int:
    return sum(a.nbytes for a in _RANK_CACHE.values())


def _residual_ranks(pairs: ClusteredPairs, counts: np.ndarray, side: str) -> np.ndarray:
    """Average ranks (centred on their mean) of one side's within-system residuals in each
    resample (resamples x pairs). Residuals move with each resample's system means."""
    v = pairs.x if side == "x" else pairs.y
    groups = int(pairs.group.max()) + 1 if len(v) else 1
    cell = pairs.cluster * groups + pairs.group

    def per_cell(weights: np.ndarray) -> np.ndarray:  # per (cluster, system) sums
        return np.bincount(cell, weights=weights, minlength=pairs.k * groups).reshape(pairs.k, groups)

    sizes, sums = per_cell(np.ones_like(v)), per_cell(v)
    out = np.empty((len(counts), len(v)))
    step = max(1, 200_000 // max(1, len(v)))
    for start in range(0, len(counts), step):
        c = counts[start : start + step]
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.nan_to_num((c @ sums) / (c @ sizes))
        # Rounded so that residuals equal in exact arithmetic tie, whatever the float noise.
        residual = np.round(v - means[:, pairs.group], RESIDUAL_DECIMALS)
        w = c[:, pairs.cluster]
        out[start : start + step] = weighted_average_ranks(residual, w) - (w.sum(1, keepdims=True) + 1) / 2
    return out


def clear_rank_cache() -> None:
    """Forget cached residual ranks (each analysis starts afresh; bounds their lifetime)."""
    _RANK_CACHE.clear()


def _cached_residual_ranks(pairs: ClusteredPairs, counts: np.ndarray, side: str) -> np.ndarray:
    v = pairs.x if side == "x" else pairs.y
    key = hashlib.sha1(b"".join(a.tobytes() for a in (v, pairs.cluster, pairs.group, counts))).hexdigest()
    if key not in _RANK_CACHE:
        _RANK_CACHE[key] = _residual_ranks(pairs, counts, side)
        while len(_RANK_CACHE) > 1 and (len(_RANK_CACHE) > _RANK_CACHE_SIZE or _cache_bytes() > _RANK_CACHE_BYTES):
            _RANK_CACHE.popitem(last=False)
    _RANK_CACHE.move_to_end(key)
    return _RANK_CACHE[key]


def _residual_spearman(pairs: ClusteredPairs, counts: np.ndarray) -> np.ndarray:
    """FRANK's partial Spearman: scipy's spearmanr of the within-system residuals, per resample."""
    rx, ry = _cached_residual_ranks(pairs, counts, "x"), _cached_residual_ranks(pairs, counts, "y")
    w = counts[:, pairs.cluster]
    wx = w * rx
    return moment_correlation(
        w.sum(1), wx.sum(1), (w * ry).sum(1), (wx * rx).sum(1), (w * ry * ry).sum(1), (wx * ry).sum(1)
    )


def correlations(pairs: ClusteredPairs, counts: np.ndarray) -> dict[str, np.ndarray]:
    """Pearson, Spearman and FRANK's partial versions controlling for the pairs' group (the
    system), on each resample (rows of `counts`; a row of ones: the point values)."""
    values, ranks = pairs.value_moments(counts), pairs.rank_moments(counts)
    partial_pearson = residual_correlation(*values)
    partial_spearman = _residual_spearman(pairs, counts)
    partial_spearman[np.isnan(partial_pearson)] = np.nan  # no spread left within the systems
    return {
        "pearson": pairs.finish(moment_correlation(*(m.sum(1) for m in values)), counts),
        "spearman": pairs.finish(moment_correlation(*(m.sum(1) for m in ranks)), counts),
        "partial_pearson": pairs.finish(partial_pearson, counts),
        "partial_spearman": pairs.finish(partial_spearman, counts),
    }
