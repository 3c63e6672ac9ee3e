"""Few documents: the exact sign-flip test cannot reach every p-value, so the tables say the
smallest reachable p and never report an MDE or a documents-needed figure the test cannot reach.

Run: python -m pytest tests/test_trust_few_docs.py -q
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from harness import stats
from harness.analysis.significance import Settings


def brute_force_smallest_p(d: np.ndarray) -> float:
    """The smallest two-sided p over every sign vector of `d` (each taken in turn as observed)."""
    sums = [abs(float(np.dot(d, signs))) for signs in itertools.product([1, -1], repeat=len(d))]
    return min(sum(s >= t - 1e-12 for s in sums) / len(sums) for t in sums)


@pytest.mark.parametrize("d", [[0.1, 0.2, 0.3, 0.4, 0.5], [0.3, 0.1, 0.0, 0.2, 0.25, 0.4], [0.5] * 7, [0.0, 0.0]])
def test_the_smallest_reachable_p_is_the_exact_tests(d):
    d = np.array(d)
    result = stats.paired_test(d, np.zeros_like(d), samples=10_000, seed=0)
    assert result.min_p == pytest.approx(brute_force_smallest_p(d))


def test_five_documents_cannot_reach_p_below_005_so_no_mde_and_no_docs_needed_below_what_the_test_can_reach():
    from harness.analysis.significance import analyse_pair

    a = np.array([0.60, 0.62, 0.58, 0.61, 0.63])
    b = a - 0.05  # B is worse on every document: the best the exact test can say is p = 2/32
    test = analyse_pair("m", "A", "B", a, b, Settings(samples=10_000))
    assert test.min_p == pytest.approx(2 / 32) and test.p == pytest.approx(2 / 32)
    assert test.mde is None  # no difference is detectable with 5 documents at alpha 0.05
    assert test.docs_needed is not None and test.docs_needed >= 6  # 2/2^6 = 0.031 < 0.05


def test_the_table_of_five_documents_says_the_smallest_reachable_p_and_shows_no_mde(tmp_path):
    from test_compare import make_run

    from harness.analysis.compare import CompareOptions, compare_runs
    from harness.analysis.runs import scan

    make_run(tmp_path, "base", [0.60, 0.62, 0.58, 0.61, 0.63])
    make_run(tmp_path, "new", [0.50, 0.55, 0.52, 0.57, 0.51])
    runs, _ = scan([tmp_path])
    text = compare_runs(runs, CompareOptions(settings=Settings(samples=2000))).text
    assert "With 5 documents the exact sign-flip test cannot give p below 0.0625" in text, text
    (pair,) = [line for line in text.splitlines() if line.startswith("| m/score | base | new |")]
    cells = [c.strip() for c in pair.strip("|").split("|")]
    assert cells[8] == "–" and int(cells[9]) >= 6, pair  # no MDE; at least the 6 documents the test needs
