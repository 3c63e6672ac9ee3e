"""The vectorised bootstrap statistics equal scipy's on each materialised resample.

A resample draws whole clusters with replacement; here every resample is also built as an actual
array (each drawn cluster's pairs repeated as often as it was drawn) and scored with scipy, so the
counts-based formulas are checked against an independent implementation, ties and NaN included.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from scipy import stats

from harness.analysis.meta_eval.resampled import ClusteredPairs, cluster_means
from harness.analysis.meta_eval.resampling import draw_counts, paired_pvalue
from harness.stats import seed_for

SCIPY = {"pearson": stats.pearsonr, "spearman": stats.spearmanr, "kendall": stats.kendalltau}


def _materialise(x, y, cluster, counts_row):
    keep = ~(np.isnan(x) | np.isnan(y))
    idx = [i for k, c in enumerate(counts_row) for _ in range(int(c)) for i in np.where((cluster == k) & keep)[0]]
    return x[idx], y[idx]


def _auc(scores, labels):
    pos, neg = scores[labels == 1], scores[labels == 0]
    if len(pos) == 0 or len(neg) == 0:
        return np.nan
    return float(np.mean((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])))


def _data(seed: int, ties: bool):
    rng = np.random.default_rng(seed)
    clusters = 12
    cluster = np.repeat(np.arange(clusters), rng.integers(1, 6, clusters))
    n = len(cluster)
    x = rng.integers(0, 4, n).astype(float) if ties else rng.normal(size=n)
    y = x + (rng.integers(0, 3, n) if ties else rng.normal(size=n))
    x[rng.integers(0, n)] = np.nan  # a missing metric score
    y[rng.integers(0, n)] = np.nan  # a missing human score
    return x, y, cluster, clusters


@pytest.mark.parametrize("statistic", ["pearson", "spearman", "kendall"])
@pytest.mark.parametrize("seed, ties", [(0, True), (1, False), (2, True)])
def test_each_replicate_equals_scipy_on_the_materialised_resample(statistic, seed, ties):
    x, y, cluster, clusters = _data(seed, ties)
    counts = draw_counts(clusters, 40, seed, "documents")
    got = ClusteredPairs(x, y, cluster, clusters).statistic(statistic, counts)
    for value, row in zip(got, counts):
        xs, ys = _materialise(x, y, cluster, row)
        if len(set(xs)) < 2 or len(set(ys)) < 2:
            assert np.isnan(value)
        else:
            assert value == pytest.approx(SCIPY[statistic](xs, ys)[0], abs=1e-12)


def test_all_ones_counts_give_the_point_estimate():
    x, y, cluster, clusters = _data(3, True)
    pairs = ClusteredPairs(x, y, cluster, clusters)
    keep = ~(np.isnan(x) | np.isnan(y))
    for name, function in SCIPY.items():
        assert pairs.statistic(name, np.ones((1, clusters)))[0] == pytest.approx(
            function(x[keep], y[keep])[0], abs=1e-12
        )


def test_roc_auc_replicates_equal_pairwise_counting():
    x, y, cluster, clusters = _data(4, True)
    labels = np.where(np.isnan(y), np.nan, (y > 2).astype(float))
    counts = draw_counts(clusters, 30, 4, "documents")
    got = ClusteredPairs(x, labels, cluster, clusters).roc_auc(counts)
    for value, row in zip(got, counts):
        xs, ls = _materialise(x, labels, cluster, row)
        expected = _auc(xs, ls)
        assert (np.isnan(value) and np.isnan(expected)) or value == pytest.approx(expected, abs=1e-12)


def test_constant_or_tiny_resamples_are_undefined():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    y = np.array([1.0, 1.0, 2.0, 3.0])
    pairs = ClusteredPairs(x, y, np.array([0, 0, 1, 2]), 3)
    counts = np.array([[2.0, 0, 0], [0, 3.0, 0], [1.0, 1.0, 1.0]])  # y constant; one pair only; all
    for name in SCIPY:
        values = pairs.statistic(name, counts)
        assert np.isnan(values[0]) and np.isnan(values[1]) and not np.isnan(values[2])


def test_cluster_means_leave_undefined_clusters_out():
    values = np.array([0.5, np.nan, 0.1])
    counts = np.array([[1.0, 1.0, 1.0], [0.0, 2.0, 1.0], [0.0, 3.0, 0.0]])
    means = cluster_means(values, ~np.isnan(values), counts)
    assert means[0] == pytest.approx(0.3) and means[1] == pytest.approx(0.1) and np.isnan(means[2])


def test_seeds_are_stable_and_named():
    def meta_seed(*names):
        return seed_for(*names, little_endian_64=True)

    assert meta_seed(0, "meta-eval", "documents") == meta_seed(0, "meta-eval", "documents")
    assert meta_seed(0, "meta-eval", "documents") != meta_seed(0, "meta-eval", "systems")
    # sha256-based, so the value is fixed across processes and Python versions; meta-eval reads
    # the first 8 bytes little-endian (its published CIs were drawn so), the comparison tables
    # big-endian shifted to 63 bits: one digest of the same joined names, two readings.
    digest = hashlib.sha256(b"0\x1fa").digest()
    assert meta_seed(0, "a") == int.from_bytes(digest[:8], "little")
    assert seed_for(0, "a") == int.from_bytes(digest[:8], "big") >> 1
    counts = draw_counts(7, 5, 0, "documents")
    assert counts.shape == (5, 7) and (counts.sum(axis=1) == 7).all()


def test_paired_pvalue_is_two_sided():
    rng = np.random.default_rng(0)
    a = rng.normal(0.3, 0.05, 999)
    b = a - 0.2  # A always higher
    assert paired_pvalue(a, b) == pytest.approx(2 / 1000)
    assert paired_pvalue(b, a) == pytest.approx(2 / 1000)  # the same evidence in the other direction
    assert paired_pvalue(a, a + rng.normal(0, 0.01, 999)) > 0.5


@pytest.mark.parametrize("statistic", ["pearson", "spearman", "kendall"])
def test_rowwise_equals_scipy_per_row(statistic):
    """The summary level's per-document correlations, with ties, missing cells, constant rows
    and rows of fewer than two pairs."""
    from harness.analysis.meta_eval.correlation import correlation
    from harness.analysis.meta_eval.resampled import rowwise

    rng = np.random.default_rng(9)
    metric = rng.integers(0, 4, (30, 7)).astype(float)
    human = metric + rng.integers(0, 3, (30, 7))
    metric[rng.random((30, 7)) < 0.15] = np.nan
    human[3] = 2.0  # constant human row
    metric[4, 1:] = np.nan  # one pair only
    got = rowwise(metric, human, statistic)
    for value, m, h in zip(got, metric, human):
        expected = correlation(m, h, statistic)
        assert (np.isnan(value) and np.isnan(expected)) or value == pytest.approx(expected, abs=1e-12)
