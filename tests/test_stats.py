"""harness.stats on known cases: exact sign-flip p-values, Holm against statsmodels, letter
groups, seeds, missing values, power formulas."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

import numpy as np
import pytest

from harness import stats


def brute_force_pvalue(d: np.ndarray) -> float:
    """Share of all 2^n sign vectors whose |sum| reaches the observed |sum| (written apart from the harness)."""
    observed = abs(sum(d))
    hits = sum(
        abs(sum(s * x for s, x in zip(signs, d))) >= observed - 1e-12
        for signs in itertools.product((1, -1), repeat=len(d))
    )
    return hits / 2 ** len(d)


@pytest.mark.parametrize("n", [1, 2, 5, 8, 12])
def test_sign_flip_pvalue_equals_exact_enumeration_for_small_n(n):
    rng = np.random.default_rng(n)
    for _ in range(3):
        d = np.round(rng.normal(0.3, 1.0, n), 2)  # rounded: ties between sign vectors occur
        assert stats.sign_flip_pvalues(d, samples=10_000)[0] == pytest.approx(brute_force_pvalue(d), abs=1e-12)


def test_sign_flip_monte_carlo_is_close_to_exact_and_never_zero():
    d = np.random.default_rng(3).normal(0.5, 1.0, 16)
    exact = stats.sign_flip_pvalues(d, samples=2**16)[0]
    approx = stats.sign_flip_pvalues(d, samples=4000, rng=np.random.default_rng(1))[0]
    assert approx == pytest.approx(exact, abs=4 * np.sqrt(exact * (1 - exact) / 4000) + 1e-3)
    far = stats.sign_flip_pvalues(np.full(30, 1.0), samples=999, rng=np.random.default_rng(0))[0]
    assert far == pytest.approx(1 / 1000)  # (c + 1) / (B + 1): never 0


def test_identical_systems_have_p_one_and_a_nan_is_left_out_not_a_difference():
    a = np.array([0.2, 0.4, 0.6, np.nan, 0.8])
    b = np.array([0.2, 0.4, 0.6, 0.1, 0.8])
    result = stats.paired_test(a, b, samples=1000, seed=1)
    assert result.n == 4 and result.p == 1.0 and result.diff == 0.0


@pytest.mark.parametrize("seed", range(6))
def test_holm_agrees_with_statsmodels(seed):
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 0.05, 3), rng.uniform(0, 1, 7), [0.01, 0.01]])  # with ties
    rng.shuffle(p)
    reject, expected, _, _ = multitest.multipletests(p, alpha=0.05, method="holm")
    assert np.allclose(stats.holm(p), expected)
    assert list(stats.holm(p) < 0.05) == list(reject)


def test_holm_keeps_nan_out_of_the_family():
    adjusted = stats.holm([0.01, np.nan, 0.04])
    assert adjusted[0] == pytest.approx(0.02) and np.isnan(adjusted[1]) and adjusted[2] == pytest.approx(0.04)


def test_letter_groups_join_runs_that_are_not_different():
    ranked = ["A", "B", "C", "D"]
    # A differs from C and D; B from D; C and D do not differ from each other
    letters = stats.letter_groups(ranked, {frozenset("AC"), frozenset("AD"), frozenset("BD")})
    assert letters == {"A": "a", "B": "ab", "C": "bc", "D": "c"}
    assert stats.letter_groups(ranked, set()) == dict.fromkeys(ranked, "a")
    everything = {frozenset(p) for p in itertools.combinations(ranked, 2)}
    assert stats.letter_groups(ranked, everything) == {"A": "a", "B": "b", "C": "c", "D": "d"}


def test_seed_is_stable_across_processes():
    code = "from harness.stats import seed_for; print(seed_for('rouge/rouge1', 'lead', 'centrality'))"
    runs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONHASHSEED": s}).stdout
        for s in ("1", "2")
    }
    assert runs == {f"{stats.seed_for('rouge/rouge1', 'lead', 'centrality')}\n"}
    assert stats.seed_for("a", "bc") != stats.seed_for("ab", "c")


def test_power_formulas_are_inverse_of_each_other():
    mde = stats.min_detectable_difference(0.1, 50)
    assert 0.039 < mde < 0.042  # (1.96 + 0.84) * 0.1 / sqrt(50) = 0.0396, a little more with t quantiles
    assert stats.documents_needed(0.1, mde) == 50
    assert stats.documents_needed(0.1, mde * 1.01) == 50 and stats.documents_needed(0.1, mde * 0.99) == 51
    assert stats.documents_needed(0.1, 0.0) is None
    # a difference too small for any dataset: no number (was an overflow that crashed compare and report)
    assert stats.documents_needed(0.1, 1e-300) is None and stats.documents_needed(1.0, 1e-12) is None


def test_bootstrap_mean_ci_leaves_out_none_and_nan():
    ci = stats.bootstrap_mean_ci([0.1, None, 0.3, float("nan"), 0.5], samples=500)
    assert ci.n == 3 and ci.mean == pytest.approx(0.3) and ci.low < 0.3 < ci.high


def test_letters_share_a_letter_exactly_when_not_significantly_different():
    rng = np.random.default_rng(5)
    for _ in range(200):
        k = int(rng.integers(2, 8))
        ranked = [f"r{i}" for i in range(k)]
        different = {frozenset(p) for p in itertools.combinations(ranked, 2) if rng.random() < 0.4}
        letters = stats.letter_groups(ranked, different)
        for a, b in itertools.combinations(ranked, 2):
            assert bool(set(letters[a]) & set(letters[b])) == (frozenset((a, b)) not in different)


@pytest.mark.parametrize("n", [2, 3, 5, 18, 50, 541, 10_000])
def test_distribution_functions_equal_scipy_stats_bit_for_bit(n):
    """stats uses scipy.special (cheap to import) in place of scipy.stats: the same floats."""
    from scipy import stats as sps

    z = math.sqrt(n / (n - 1)) * sps.t.ppf(0.975, n - 1)
    assert stats.expanded_tail(n) == float(sps.norm.sf(z))
    sd = 0.37
    expected = float((sps.t.ppf(0.975, n - 1) + sps.t.ppf(0.8, n - 1)) * sd / math.sqrt(n))
    assert stats.min_detectable_difference(sd, n) == expected
    assert stats._norm_ppf(0.975) == sps.norm.ppf(0.975)


@pytest.mark.parametrize("seed", range(6))
def test_spearman_rho_equals_scipy_bit_for_bit(seed):
    """The length plot's rho without scipy.stats: the same float, ties included."""
    from scipy import stats as sps

    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 200))
    words = rng.integers(5, 40, n).astype(float)  # many ties, as summary lengths have
    scores = rng.random(n) if seed % 2 else np.round(rng.random(n), 1)
    assert stats.spearman_rho(words, scores) == sps.spearmanr(words, scores).statistic
