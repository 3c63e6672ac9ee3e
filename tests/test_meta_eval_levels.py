"""The three levels, the constant-document drop rule, bootstrap determinism, the best-metric test
and the JSON layout, on a tiny hand-made dataset."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from harness.analysis.meta_eval.analysis import meta_evaluate
from harness.analysis.meta_eval.levels import Grid, global_level, summary_level, system_level
from harness.analysis.meta_eval.output import to_json, to_markdown, to_table

STATS = ("pearson", "spearman", "kendall")
NAN = float("nan")

# 4 documents x 3 systems.
METRIC = [
    [1, 2, 3],  # doc A: same order as the humans: r = rho = tau = 1
    [1, 2, 3],  # doc B: humans 1,3,2 -> r = rho = 0.5, tau = 1/3
    [1, 2, 3],  # doc C: humans constant -> dropped
    [5, 5, 5],  # doc D: metric constant -> dropped
]
HUMAN = [
    [1, 2, 3],
    [1, 3, 2],
    [2, 2, 2],
    [1, 2, 3],
]
NO_DRAWS = np.zeros((0, 4))


def test_summary_level_averages_defined_documents_and_counts_drops():
    result = summary_level(Grid(METRIC, HUMAN), NO_DRAWS)
    assert result.values["pearson"] == pytest.approx(0.75)
    assert result.values["spearman"] == pytest.approx(0.75)
    assert result.values["kendall"] == pytest.approx((1 + 1 / 3) / 2)
    assert result.n == 2
    assert result.dropped == {"human_constant": 1, "metric_constant": 1}


def test_summary_level_replicates_average_the_drawn_documents():
    counts = np.array([[2.0, 1, 0, 1], [0, 0, 2, 2]])  # A, A, B, D(dropped); only dropped documents
    result = summary_level(Grid(METRIC, HUMAN), counts)
    assert result.replicates["pearson"][0] == pytest.approx((1 + 1 + 0.5) / 3)
    assert math.isnan(result.replicates["pearson"][1])


def test_system_level_correlates_system_means():
    # system means: metric 2, 2.75, 3.5; human 1.25, 2.25, 2.5 -> r = .9375 / sqrt(1.125 * .875)
    result = system_level(Grid(METRIC, HUMAN), np.zeros((0, 3)))
    assert result.values["pearson"] == pytest.approx(0.9375 / math.sqrt(1.125 * 0.875))
    assert result.values["spearman"] == pytest.approx(1.0)
    assert result.values["kendall"] == pytest.approx(1.0)
    assert result.n == 3


def test_global_level_pools_all_pairs():
    metric = [1, 2, 3, 1, 2, 3, 1, 2, 3, 5, 5, 5]
    human = [1, 2, 3, 1, 3, 2, 2, 2, 2, 1, 2, 3]
    result = global_level(Grid(METRIC, HUMAN), NO_DRAWS)
    assert result.values["pearson"] == pytest.approx(stats.pearsonr(metric, human)[0])
    assert result.values["kendall"] == pytest.approx(stats.kendalltau(metric, human)[0])
    assert result.n == 12


def test_a_missing_cell_is_left_out_on_both_sides():
    metric = [[1, 2, NAN], [1, 2, 3]]
    human = [[1, 2, 9], [3, 2, 1]]
    grid = Grid(metric, human)
    assert np.isnan(grid.human[0, 2])
    # system 3's mean uses document 2 only: metric (1, 2, 3), human (2, 2, 1)
    means_metric, means_human = grid.system_means()
    assert means_metric.tolist() == [1, 2, 3]
    assert means_human.tolist() == [2, 2, 1]


def _tiny(seed: int = 0, docs: int = 30, systems: int = 5):
    rng = np.random.default_rng(seed)
    human = rng.normal(size=(docs, systems))
    good = human + 0.3 * rng.normal(size=human.shape)
    poor = human + 3.0 * rng.normal(size=human.shape)
    doc_ids = [f"d{d}" for d in range(docs) for _ in range(systems)]
    system_ids = [f"s{s}" for _ in range(docs) for s in range(systems)]
    metrics = {"m/good": good.ravel(), "m/poor": poor.ravel()}
    return doc_ids, system_ids, metrics, {"h": human.ravel()}


def test_bootstrap_is_deterministic_given_the_seed():
    args = _tiny()
    first = meta_evaluate(*args, samples=200, seed=7)
    again = meta_evaluate(*args, samples=200, seed=7)
    other = meta_evaluate(*args, samples=200, seed=8)
    for level in ("summary", "system", "global"):
        a = first.results["m/good"]["h"][level].replicates["pearson"]
        assert np.array_equal(a, again.results["m/good"]["h"][level].replicates["pearson"], equal_nan=True)
        assert not np.array_equal(a, other.results["m/good"]["h"][level].replicates["pearson"], equal_nan=True)


def test_clearly_better_metric_is_best_and_significant():
    analysis = meta_evaluate(*_tiny(), samples=300, seed=0, compare=[("m/good", "m/poor"), ("m/poor", "m/good")])
    for level in ("summary", "global"):
        assert analysis.best["h"][level]["kendall"] == "m/good"
        assert analysis.p_vs_best["m/poor"]["h"][level]["kendall"] < 0.01
        assert analysis.pairs["m/good", "m/poor"]["h"][level]["kendall"].p_bootstrap < 0.01
        # two-sided: the same evidence whichever way round the pair is named
        assert analysis.pairs["m/poor", "m/good"]["h"][level]["kendall"].p_bootstrap < 0.01
    assert analysis.pairs["m/good", "m/poor"]["h"]["global"]["pearson"].p_williams < 0.01
    assert analysis.pairs["m/good", "m/poor"]["h"]["summary"]["pearson"].p_williams is None


PROTOCOL = {
    "levels": {"summary": "s", "system": "y", "global": "g"},
    "statistics": "scipy",
    "bootstrap": {"samples": 50, "seed": 0, "ci": "95% percentile", "resampled": "documents"},
    "comparison": "paired bootstrap",
    "against": "reference",
    "metric_signatures": {"m": "m|harness:0"},
    "data": {"file": "x.jsonl", "sha256": "0" * 64, "records": 150, "documents": 30, "systems": 5},
}


def test_json_layout():
    doc_ids, system_ids, metrics, humans = _tiny()
    humans["label"] = (humans["h"] > 0).astype(float)
    payload = to_json(meta_evaluate(doc_ids, system_ids, metrics, humans, samples=50), PROTOCOL)
    assert set(payload["results"]) == {"m/good", "m/poor"}
    for field in payload["results"].values():
        assert set(field) == {"h", "label"}
        for human, levels in field.items():
            assert set(levels) == {"summary", "system", "global"}
            for level_name, level in levels.items():
                for statistic in STATS:
                    entry = level[statistic]
                    assert set(entry) == {"value", "ci95"}
                    assert isinstance(entry["value"], float)
                    low, high = entry["ci95"]
                    assert low <= high
                assert isinstance(level["n"], int) and isinstance(level["dropped"], int)
                assert ("roc_auc" in level) == (human == "label" and level_name == "global")
    assert payload["protocol"] is PROTOCOL
    assert "m/good" in to_markdown(payload) and "m/poor" in to_table(payload)


def test_undefined_values_are_null_in_json():
    # one system per document: the summary level is undefined everywhere (QAGS's shape)
    payload = to_json(
        meta_evaluate(
            ["a", "b", "c"], ["s", "s", "s"], {"m": np.array([1.0, 2, 3])}, {"h": np.array([1.0, 3, 2])}, samples=20
        ),
        PROTOCOL,
    )
    summary = payload["results"]["m"]["h"]["summary"]
    assert summary["pearson"] == {"value": None, "ci95": None}
    assert summary["dropped"] == 3 and summary["n"] == 0
    assert payload["results"]["m"]["h"]["global"]["kendall"]["value"] == pytest.approx(1 / 3)


def test_worker_processes_give_identical_results():
    """Draws are made once in the parent (seeded by name) and shipped to the workers, so the
    number of processes changes nothing, replicates included."""
    args = _tiny(seed=3, docs=12, systems=4)
    one = meta_evaluate(*args, samples=100, seed=5, workers=1)
    two = meta_evaluate(*args, samples=100, seed=5, workers=2)
    for field in ("m/good", "m/poor"):
        for level in ("summary", "system", "global"):
            a, b = one.results[field]["h"][level], two.results[field]["h"][level]
            assert a.values.keys() == b.values.keys()
            for statistic in a.values:
                assert np.array_equal(a.replicates[statistic], b.replicates[statistic], equal_nan=True)
    assert one.p_vs_best == two.p_vs_best
