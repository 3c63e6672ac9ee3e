"""Correlation statistics, ROC-AUC and the comparison tests on cases with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from harness.analysis.meta_eval.correlation import correlation, is_binary, roc_auc, undefined_reason
from harness.analysis.meta_eval.pairwise import williams_pvalue

NAN = float("nan")


def test_hand_computed_correlations():
    # x = 1..4, y = 1,3,2,4: deviations (-1.5,-.5,.5,1.5) and (-1.5,.5,-.5,1.5): sum of products 4,
    # sums of squares 5 and 5 -> r = 0.8; ranks equal the values -> rho = 0.8;
    # 5 concordant and 1 discordant pair -> tau = 4/6.
    x, y = [1, 2, 3, 4], [1, 3, 2, 4]
    assert correlation(x, y, "pearson") == pytest.approx(0.8)
    assert correlation(x, y, "spearman") == pytest.approx(0.8)
    assert correlation(x, y, "kendall") == pytest.approx(4 / 6)


def test_kendall_is_tau_b_with_ties():
    # x = 1,2,2,3; y = 1,2,3,3: 4 concordant, 0 discordant, one pair tied in x only, one in y only.
    # tau-b = 4 / sqrt((6-1)(6-1)) = 0.8 (tau-a would give 4/6).
    assert correlation([1, 2, 2, 3], [1, 2, 3, 3], "kendall") == pytest.approx(0.8)


@pytest.mark.parametrize("seed", range(5))
def test_matches_scipy_on_random_data_with_ties(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 5, size=30).astype(float)  # many ties
    y = x + rng.normal(size=30)
    assert correlation(x, y, "pearson") == pytest.approx(stats.pearsonr(x, y)[0])
    assert correlation(x, y, "spearman") == pytest.approx(stats.spearmanr(x, y)[0])
    assert correlation(x, y, "kendall") == pytest.approx(stats.kendalltau(x, y, variant="b")[0])


def test_missing_pairs_are_left_out():
    assert correlation([1, 2, NAN, 3, 4], [1, 3, 5, 2, NAN], "kendall") == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    "x, y, reason",
    [
        ([1, 2, 3], [2, 2, 2], "human_constant"),
        ([4, 4, 4], [1, 2, 3], "metric_constant"),
        ([1], [1], "too_few"),
        ([1, NAN], [1, 2], "too_few"),
    ],
)
def test_undefined_correlations(x, y, reason):
    assert undefined_reason(x, y) == reason
    for statistic in ("pearson", "spearman", "kendall"):
        assert math.isnan(correlation(x, y, statistic))


def test_roc_auc_known_case():
    # negatives 0.1, 0.4; positives 0.35, 0.8: 3 of the 4 (positive, negative) pairs are ordered -> 0.75
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == pytest.approx(0.75)
    assert roc_auc([1.0, 1.0], [0, 1]) == pytest.approx(0.5)  # a tie counts one half
    assert roc_auc([0.2, 0.9, 0.5], [1, 0, 1]) == pytest.approx(0.0)
    assert math.isnan(roc_auc([0.1, 0.2], [1, 1]))


def test_is_binary():
    assert is_binary(np.array([0, 1, 1, NAN]))
    assert not is_binary(np.array([0, 0.5, 1]))
    assert not is_binary(np.array([1, 1]))


def test_williams_hand_computed():
    # r(A,H) = .5, r(B,H) = .3, r(A,B) = .4, n = 50:
    # K = 1 - .25 - .09 - .16 + 2(.5)(.3)(.4) = .62
    # t = .2 * sqrt(49 * 1.4) / sqrt(2(.62)(49/47) + (.8^2 / 4)(.6^3)) = 1.43781 with 47 df
    # two-sided: twice the upper tail, whichever correlation is larger
    assert williams_pvalue(0.5, 0.3, 0.4, 50) == pytest.approx(2 * stats.t.sf(1.43781, 47), abs=1e-5)
    assert williams_pvalue(0.4, 0.4, 0.3, 30) == pytest.approx(1.0)
    assert williams_pvalue(0.3, 0.5, 0.4, 50) == pytest.approx(2 * stats.t.sf(1.43781, 47), abs=1e-5)
    assert math.isnan(williams_pvalue(0.5, 0.3, 0.4, 3))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-50, 50), st.integers(-5, 5)), min_size=2, max_size=25))
def test_rank_statistics_ignore_monotone_transforms(pairs):
    x, y = (np.array(v, dtype=float) for v in zip(*pairs))
    for statistic in ("spearman", "kendall"):
        plain, cubed = correlation(x, y, statistic), correlation(x**3, y, statistic)
        assert (math.isnan(plain) and math.isnan(cubed)) or plain == pytest.approx(cubed)
        # symmetric in its arguments, and within [-1, 1]
        swapped = correlation(y, x, statistic)
        assert (math.isnan(plain) and math.isnan(swapped)) or plain == pytest.approx(swapped)
        assert math.isnan(plain) or -1 - 1e-9 <= plain <= 1 + 1e-9
