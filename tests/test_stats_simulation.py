"""Simulations of harness.stats (seeded; fewer resamples than the tables' B = 10,000 to stay fast).

- Under the null, the family-wise rate of any significant mark (all pairs, Holm) stays at 5%.
- The bootstrap CI of a mean covers 93.5-96.5% on known distributions at n >= 50.
- A true shift equal to the minimum detectable difference is detected with ~80% power.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats as sps

from harness import stats

REPLICATES = 1000
ALPHA = 0.05


def monte_carlo_bound(rate: float, replicates: int) -> float:
    return rate + 3 * math.sqrt(rate * (1 - rate) / replicates)


@pytest.mark.slow  # up to ~5 s for 10 systems at n = 100
@pytest.mark.parametrize("systems", [2, 5, 10])
@pytest.mark.parametrize("n", [18, 50, 100])
def test_family_wise_rate_under_the_null_is_at_most_alpha(systems, n):
    # B = 2,000 (tables use 10,000): enough for the smallest Holm threshold, 0.05 / 45 = 0.0011.
    rng = np.random.default_rng(stats.seed_for("null", systems, n))
    pairs = list(itertools.combinations(range(systems), 2))
    left, right = np.array(pairs).T
    hits = 0
    for _ in range(REPLICATES):
        # documents differ in difficulty (shared by all systems); systems do not differ
        scores = rng.beta(2, 5, size=(n, 1)) + rng.normal(0, 0.1, size=(n, systems))
        p = stats.sign_flip_pvalues(scores[:, left] - scores[:, right], samples=2000, rng=rng)
        hits += bool((stats.holm(p) < ALPHA).any())
    assert hits / REPLICATES <= monte_carlo_bound(ALPHA, REPLICATES)


def test_a_single_test_at_n_8_keeps_its_level():
    # exact enumeration (2^8 <= B): the old bootstrap test rejected 11.5% of true nulls here
    rng = np.random.default_rng(11)
    differences = rng.normal(0, 1, size=(8, 4000))
    rate = (stats.sign_flip_pvalues(differences, samples=10_000) < ALPHA).mean()
    assert rate <= monte_carlo_bound(ALPHA, 4000)


DISTRIBUTIONS = {
    "normal": (lambda rng, size: rng.normal(0.5, 0.1, size), 0.5),
    "uniform": (lambda rng, size: rng.uniform(0, 1, size), 0.5),
    "beta(2,5)": (lambda rng, size: rng.beta(2, 5, size), 2 / 7),
    "poisson(1)": (lambda rng, size: rng.poisson(1.0, size).astype(float), 1.0),
}


@pytest.mark.parametrize("name", DISTRIBUTIONS)
@pytest.mark.parametrize("n", [50, 100])
def test_bootstrap_ci_of_the_mean_covers_95_percent(name, n):
    draw, mean = DISTRIBUTIONS[name]
    rng = np.random.default_rng(stats.seed_for("coverage", name, n))
    covered = 0
    for _ in range(REPLICATES // 100):  # 100 samples at a time, each with its own CI (B = 1,000)
        low, high = stats.mean_cis(draw(rng, (100, n)), 1000, rng)
        covered += int(((low <= mean) & (mean <= high)).sum())
    assert 0.935 <= covered / (REPLICATES // 100 * 100) <= 0.965


def test_a_shift_of_the_minimum_detectable_difference_is_found_with_80_percent_power():
    n, sd = 50, 0.12
    shift = stats.min_detectable_difference(sd, n)
    rng = np.random.default_rng(7)
    differences = rng.normal(shift, sd, size=(n, REPLICATES))  # one column per simulated comparison
    power = (stats.sign_flip_pvalues(differences, samples=2000, rng=rng) < ALPHA).mean()
    assert abs(power - 0.80) < 0.05


def test_documents_needed_gives_the_promised_power():
    sd, delta = 0.15, 0.05
    n = stats.documents_needed(sd, delta)
    rng = np.random.default_rng(8)
    differences = rng.normal(delta, sd, size=(n, REPLICATES))
    power = (stats.sign_flip_pvalues(differences, samples=2000, rng=rng) < ALPHA).mean()
    assert 0.75 < power < 0.87
    assert abs(n - ((sps.norm.ppf(0.975) + sps.norm.ppf(0.8)) * sd / delta) ** 2) < 3
