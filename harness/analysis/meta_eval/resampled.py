"""Pearson, Spearman, Kendall tau-b and ROC-AUC on every bootstrap resample at once.

The pairs (x, y) belong to clusters (a summary to its document; a system mean to its system).
A resample is a vector of cluster counts c, so each statistic is written in terms of c:
- Pearson: the sums n, Σx, Σy, Σx², Σy², Σxy are linear in c (per-cluster sums times c);
- Spearman: a pair's average rank in the resample is linear in c (pairs below it plus half its
  ties, counted per cluster), then a weighted Pearson of the ranks;
- Kendall tau-b and ROC-AUC: concordant-minus-discordant pairs, tied pairs and positive/negative
  pairs are quadratic forms c' M c, with M a clusters x clusters matrix computed once;
  copies of one pair drawn twice are tied on both sides, as they are in a materialised resample.
Every value equals scipy's on the materialised resample (tests/test_meta_eval_resampled.py).
A replicate is NaN where the statistic is undefined: fewer than two pairs or a constant side.
"""

from __future__ import annotations

import numpy as np

_BLOCK = 200_000  # elements per temporary array (1.6 MB): bounds memory, and small blocks reuse freed memory instead of new pages


class ClusteredPairs:
    """The finite (x, y) pairs, each with its cluster index in range(n_clusters) and optionally a
    group (the system, for partial correlations controlling for it)."""

    def __init__(
        self, x: np.ndarray, y: np.ndarray, cluster: np.ndarray, n_clusters: int, group: np.ndarray | None = None
    ):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        keep = ~(np.isnan(x) | np.isnan(y))
        # Pairs sorted by cluster (the statistics do not depend on order): per-cluster sums of
        # pair matrices are then contiguous blocks.
        self.order = np.flatnonzero(keep)[np.argsort(np.asarray(cluster)[keep], kind="stable")]
        self.x, self.y, self.cluster = x[self.order], y[self.order], np.asarray(cluster)[self.order]
        self.k = n_clusters
        self.sizes = np.bincount(self.cluster, minlength=n_clusters).astype(float)
        self._occupied = np.flatnonzero(self.sizes)
        self._starts = np.concatenate([[0], np.cumsum(self.sizes[self._occupied])[:-1]]).astype(int)
        self._rank_cache: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
        # Groups: rank matrices are built with their columns sorted by group, so per-group sums
        # are contiguous (np.add.reduceat) and no resample-sized matrix is ever reordered.
        group = np.zeros(len(x), dtype=int) if group is None else np.asarray(group, dtype=int)
        self.group = group[self.order]  # each pair's group, in pair order
        by_group = np.argsort(self.group, kind="stable")
        self._columns = by_group  # pair index of each rank-matrix column
        sorted_groups = group[self.order][by_group]
        self.groups, self._group_starts = np.unique(sorted_groups, return_index=True)

    # ---- shared pieces ----

    def _undefined(self, counts: np.ndarray) -> np.ndarray:
        """Resamples with fewer than two pairs or a constant side."""
        n = counts @ self.sizes
        bad = n < 2
        drawn = (counts > 0) & (self.sizes > 0)
        for v in (self.x, self.y):
            low = np.full(self.k, np.inf)
            high = np.full(self.k, -np.inf)
            np.minimum.at(low, self.cluster, v)
            np.maximum.at(high, self.cluster, v)
            lows = np.where(drawn, low, np.inf).min(axis=1)
            highs = np.where(drawn, high, -np.inf).max(axis=1)
            bad |= lows == highs
        return bad

    def _pair_matrix(self, pair_value) -> np.ndarray:
        """M[k, l] = Σ over pairs i in cluster k, j in cluster l (i != j) of pair_value(i, j)."""
        out = np.zeros((self.k, self.k))
        if len(self.x):
            columns = self._pair_matrix_columns(pair_value, exclude_self=True)[self._occupied]
            out[np.ix_(self._occupied, self._occupied)] = np.add.reduceat(columns, self._starts, axis=1)
        return out

    def _blocks(self, counts: np.ndarray):
        rows = max(1, _BLOCK // max(len(self.x), 1))
        for start in range(0, len(counts), rows):
            yield slice(start, start + rows)

    # ---- statistics: each returns one value per row of counts ----

    def _rank_terms(self, side: str) -> tuple[np.ndarray, np.ndarray | None]:
        """(L, columns): L[k, u] = pairs of cluster k below the u-th distinct value of `side`
        ("x" or "y") plus half those equal to it. A pair's average rank in a resample is
        counts @ L + 1/2 at its value's column: `columns` (rank-matrix order) picks them, or is
        None when L already has one column per pair. Human scores have few distinct values, so
        their ranks cost a small product and a gather instead of a clusters x pairs product."""
        if side not in self._rank_cache:
            v = self.x if side == "x" else self.y
            inverse: np.ndarray | None  # None below: L already has one column per pair
            distinct, inverse = np.unique(v, return_inverse=True)
            inverse = inverse.reshape(-1)[self._columns]
            if 2 * len(distinct) >= len(v):
                distinct, inverse = v[self._columns], None
            terms = self._pair_matrix_columns(
                lambda b: (v[b, None] < distinct[None, :]) + 0.5 * (v[b, None] == distinct[None, :]),
                width=len(distinct),
            )
            self._rank_cache[side] = (terms, inverse)
        return self._rank_cache[side]

    def _ranks(self, side: str, c: np.ndarray) -> np.ndarray:
        terms, columns = self._rank_terms(side)
        ranks = c @ terms
        return ranks if columns is None else ranks[:, columns]

    def _pair_matrix_columns(self, pair_value, exclude_self: bool = False, width: int | None = None) -> np.ndarray:
        """R[k, j] = Σ over pairs i in cluster k of pair_value(i, j) (i == j left out if asked).
        `pair_value(rows)` gives the block rows x `width` columns (default: all pairs); blocks
        hold whole clusters."""
        n = len(self.x)
        out = np.zeros((self.k, n if width is None else width))
        if n == 0:
            return out
        step = max(1, int(self.sizes.max()))
        per_block = max(1, (_BLOCK // max(1, out.shape[1])) // step)
        for first in range(0, len(self._occupied), per_block):
            clusters = slice(first, min(len(self._occupied), first + per_block))
            start = self._starts[clusters.start]
            stop = self._starts[clusters.stop] if clusters.stop < len(self._starts) else n
            values = np.asarray(pair_value(slice(start, stop)), dtype=float)
            if exclude_self:
                values[np.arange(stop - start), np.arange(start, stop)] = 0.0
            out[self._occupied[clusters]] = np.add.reduceat(values, self._starts[clusters] - start, axis=0)
        return out

    def rank_moments(self, counts: np.ndarray) -> list[np.ndarray]:
        """Per group, the weighted sums n, Σrx, Σry, Σrx², Σry², Σrx·ry of the average ranks
        (1-based, ties averaged, centred on their mean (n + 1) / 2) in each resample: six
        resamples x groups arrays. Summed over groups they give Spearman's rho; per group, the
        partial rho controlling for the group."""
        cluster = self.cluster[self._columns]
        out = [np.zeros((len(counts), len(self.groups))) for _ in range(6)]
        for block in self._blocks(counts):
            c = counts[block]
            w = c[:, cluster]
            shift = 0.5 - (w.sum(axis=1, keepdims=True) + 1) / 2
            rx, ry = self._ranks("x", c) + shift, self._ranks("y", c) + shift
            wx, wy = w * rx, w * ry
            for target, matrix in zip(out, (w, wx, wy, wx * rx, wy * ry, wx * ry)):
                target[block] = np.add.reduceat(matrix, self._group_starts, axis=1) if matrix.shape[1] else 0.0
        return out

    def value_moments(self, counts: np.ndarray) -> list[np.ndarray]:
        """As rank_moments, for the values themselves (each side centred on its overall mean)."""
        x = self.x - self.x.mean() if len(self.x) else self.x
        y = self.y - self.y.mean() if len(self.y) else self.y
        group = np.empty(len(self.x), dtype=int)
        group[self._columns] = np.repeat(
            np.arange(len(self.groups)), np.diff(np.append(self._group_starts, len(self.x)))
        )
        cell = self.cluster * len(self.groups) + group
        size = self.k * len(self.groups)
        return [
            counts @ np.bincount(cell, weights=v, minlength=size).reshape(self.k, len(self.groups))
            for v in (np.ones_like(x), x, y, x * x, y * y, x * y)
        ]

    def pearson(self, counts: np.ndarray) -> np.ndarray:
        return self.finish(moment_correlation(*(m.sum(1) for m in self.value_moments(counts))), counts)

    def spearman(self, counts: np.ndarray) -> np.ndarray:
        return self.finish(moment_correlation(*(m.sum(1) for m in self.rank_moments(counts))), counts)

    def kendall(self, counts: np.ndarray) -> np.ndarray:
        """tau-b = (concordant - discordant) / sqrt((n0 - ties_x) * (n0 - ties_y)), as scipy."""
        x, y = self.x, self.y
        sign = self._pair_matrix(lambda b: np.sign(x[b, None] - x[None, :]) * np.sign(y[b, None] - y[None, :]))
        ties_x = self._pair_matrix(lambda b: (x[b, None] == x[None, :]).astype(float))
        ties_y = self._pair_matrix(lambda b: (y[b, None] == y[None, :]).astype(float))
        n = counts @ self.sizes
        n0 = n * (n - 1) / 2
        self_pairs = (counts * (counts - 1) / 2) @ self.sizes  # two copies of one pair: tied on both sides

        def half_form(m: np.ndarray) -> np.ndarray:
            return 0.5 * ((counts @ m) * counts).sum(1)

        with np.errstate(invalid="ignore", divide="ignore"):
            tau = half_form(sign) / np.sqrt(
                (n0 - half_form(ties_x) - self_pairs) * (n0 - half_form(ties_y) - self_pairs)
            )
        return self.finish(tau, counts)

    def roc_auc(self, counts: np.ndarray) -> np.ndarray:
        """P(score of a label-1 pair > score of a label-0 pair), ties 1/2; y must be 0/1."""
        x, y = self.x, self.y
        positive = y == 1
        wins = self._pair_matrix(
            lambda b: (
                (positive[b, None] & ~positive[None, :])
                * ((x[b, None] > x[None, :]) + 0.5 * (x[b, None] == x[None, :]))
            )
        )
        n_pos = counts @ np.bincount(self.cluster, weights=positive.astype(float), minlength=self.k)
        n_neg = counts @ self.sizes - n_pos
        with np.errstate(invalid="ignore", divide="ignore"):
            auc = ((counts @ wins) * counts).sum(1) / (n_pos * n_neg)
        auc[(n_pos == 0) | (n_neg == 0)] = np.nan
        return auc

    def finish(self, values: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Clip to [-1, 1] and mark resamples where a correlation is undefined (NaN)."""
        values = np.clip(values, -1.0, 1.0)  # rounding can leave |r| a hair above 1
        values[self._undefined(counts)] = np.nan
        return values

    def statistic(self, name: str, counts: np.ndarray) -> np.ndarray:
        return getattr(self, name)(counts)


def moment_correlation(n, sx, sy, sxx, syy, sxy) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (n * sxy - sx * sy) / np.sqrt((n * sxx - sx**2) * (n * syy - sy**2))


def cluster_means(values: np.ndarray, defined: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Mean of per-cluster values over each resample's draws, undefined clusters left out (the
    summary level: the mean over documents of per-document correlations)."""
    v = np.where(defined, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (counts @ v) / (counts @ defined.astype(float))


def rowwise(metric: np.ndarray, human: np.ndarray, statistic: str) -> np.ndarray:
    """`statistic` between the rows of two grids (documents x systems), one value per row, NaN
    where scipy's would be undefined (fewer than two present pairs, or a constant side). Equal
    to scipy's per-row pearsonr / spearmanr / kendalltau (tau-b) up to rounding."""
    rows = max(1, _BLOCK // max(1, metric.shape[1] ** 2))  # rows x systems x systems temporaries
    if len(metric) > rows:
        return np.concatenate(
            [rowwise(metric[i : i + rows], human[i : i + rows], statistic) for i in range(0, len(metric), rows)]
        )
    present = ~(np.isnan(metric) | np.isnan(human))
    x, y = np.where(present, metric, 0.0), np.where(present, human, 0.0)
    if statistic == "spearman":
        x, y = _row_ranks(x, present), _row_ranks(y, present)
    both = present[:, :, None] & present[:, None, :]
    if statistic == "kendall":
        dx = np.sign(x[:, :, None] - x[:, None, :]) * both
        dy = np.sign(y[:, :, None] - y[:, None, :]) * both
        with np.errstate(invalid="ignore", divide="ignore"):
            out = (dx * dy).sum((1, 2)) / np.sqrt((dx * dx).sum((1, 2)) * (dy * dy).sum((1, 2)))
    else:
        n = present.sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            xc = np.where(present, x - (x.sum(1) / n)[:, None], 0.0)
            yc = np.where(present, y - (y.sum(1) / n)[:, None], 0.0)
            out = (xc * yc).sum(1) / np.sqrt((xc * xc).sum(1) * (yc * yc).sum(1))
    out = np.clip(out, -1.0, 1.0)
    constant = np.array([_constant(r[p]) or _constant(h[p]) for r, h, p in zip(metric, human, present)], dtype=bool)
    out[(present.sum(1) < 2) | constant] = np.nan
    return out


def _constant(values: np.ndarray) -> bool:
    return len(values) == 0 or bool(np.all(values == values[0]))


def _row_ranks(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Average ranks within each row among its present cells (absent cells: 0)."""
    both = present[:, :, None] & present[:, None, :]
    below = ((values[:, None, :] < values[:, :, None]) & both).sum(2)
    tied = ((values[:, None, :] == values[:, :, None]) & both).sum(2)
    return np.where(present, below + (tied + 1) / 2, 0.0)
