"""FRANK's partial correlation and SummaC's balanced accuracy, checked against independent
implementations (pingouin's partial_corr, scikit-learn's balanced_accuracy_score), and "best"
honouring each field's direction."""

from __future__ import annotations

import numpy as np
import pytest

from harness.analysis.meta_eval.analysis import meta_evaluate
from harness.analysis.meta_eval.classification import (
    balanced_accuracy_replicates,
    best_threshold,
    cross_validated_predictions,
    document_folds,
)
from harness.analysis.meta_eval.partial import correlations
from harness.analysis.meta_eval.resampled import ClusteredPairs
from harness.analysis.meta_eval.resampling import draw_counts

pd = pytest.importorskip("pandas")
pingouin = pytest.importorskip("pingouin")
sklearn_metrics = pytest.importorskip("sklearn.metrics")


def _scored(seed: int, docs: int = 25, systems: int = 6, ties: bool = False):
    """A human score with a strong system effect, a metric that tracks both the system and,
    more weakly, the summary; as flat arrays with document and system indices."""
    rng = np.random.default_rng(seed)
    doc = np.repeat(np.arange(docs), systems)
    system = np.tile(np.arange(systems), docs)
    quality = rng.normal(size=systems)[system]
    human = quality + rng.normal(size=len(doc))
    metric = 0.8 * quality + 0.3 * human + rng.normal(size=len(doc))
    if ties:
        human, metric = np.round(human), np.round(metric, 1)
    return metric, human, doc, system


def _pingouin(metric, human, system) -> float:
    frame = pd.DataFrame({"metric": metric, "human": human})
    covariates = []
    for s in np.unique(system)[1:]:  # one-hot system, one level dropped (the intercept)
        frame[f"s{s}"] = (system == s).astype(float)
        covariates.append(f"s{s}")
    return float(pingouin.partial_corr(frame, x="metric", y="human", covar=covariates, method="pearson")["r"].iloc[0])


def _frank(metric, human, system, method: str) -> float:
    """FRANK's evaluate.py: residuals of scikit-learn's LinearRegression on the one-hot system,
    then scipy's pearsonr / spearmanr (residuals rounded to 10 decimals, as meta-eval does, so
    exact ties stay ties)."""
    from scipy import stats
    from sklearn.linear_model import LinearRegression
    from sklearn.preprocessing import OneHotEncoder

    q = OneHotEncoder().fit_transform(system.reshape(-1, 1))
    x = np.round(metric - LinearRegression().fit(q, metric).predict(q), 10)
    y = np.round(human - LinearRegression().fit(q, human).predict(q), 10)
    return float((stats.pearsonr if method == "pearson" else stats.spearmanr)(x, y)[0])


@pytest.mark.parametrize("seed, ties", [(0, False), (1, True), (2, False)])
def test_partial_correlation_equals_pingouin_and_franks_script(seed, ties):
    metric, human, doc, system = _scored(seed, ties=ties)
    metric[5] = np.nan  # a missing score leaves that summary out of both
    pairs = ClusteredPairs(metric, human, doc, doc.max() + 1, group=system)
    ours = correlations(pairs, np.ones((1, doc.max() + 1)))
    keep = ~np.isnan(metric)
    assert ours["partial_pearson"][0] == pytest.approx(_pingouin(metric[keep], human[keep], system[keep]), abs=1e-10)
    for method in ("pearson", "spearman"):
        expected = _frank(metric[keep], human[keep], system[keep], method)
        assert ours[f"partial_{method}"][0] == pytest.approx(expected, abs=1e-10)


def test_partial_spearman_is_franks_not_pingouins():
    """FRANK ranks the residuals; pingouin's method="spearman" ranks before removing the system
    means. They differ; we follow FRANK (the protocol the published tables used)."""
    metric, human, doc, system = _scored(1, ties=True)
    frame = pd.DataFrame(
        {"metric": metric, "human": human, **{f"s{s}": (system == s).astype(float) for s in range(1, 6)}}
    )
    rank_first = pingouin.partial_corr(
        frame, x="metric", y="human", covar=[f"s{s}" for s in range(1, 6)], method="spearman"
    )["r"].iloc[0]
    ours = correlations(ClusteredPairs(metric, human, doc, 25, group=system), np.ones((1, 25)))["partial_spearman"][0]
    assert ours == pytest.approx(_frank(metric, human, system, "spearman"), abs=1e-10)
    assert abs(ours - rank_first) > 1e-3


def test_partial_correlation_removes_a_pure_system_effect():
    """A metric that only knows each system's quality (plus noise unrelated to the summary)
    correlates with the humans overall but not within systems: its partial correlation is near 0
    while the plain one is large. A metric with no spread inside any system has none at all."""
    metric, human, doc, system = _scored(3, docs=60)
    system_only = np.array([human[system == s].mean() for s in system])
    noisy = system_only + 0.2 * np.random.default_rng(0).normal(size=len(doc))
    values = correlations(ClusteredPairs(noisy, human, doc, 60, group=system), np.ones((1, 60)))
    assert values["pearson"][0] > 0.5 and abs(values["partial_pearson"][0]) < 0.1
    flat = correlations(ClusteredPairs(system_only, human, doc, 60, group=system), np.ones((1, 60)))
    assert flat["pearson"][0] > 0.5 and np.isnan(flat["partial_pearson"][0]) and np.isnan(flat["partial_spearman"][0])


def test_partial_replicates_equal_franks_script_on_materialised_resamples():
    metric, human, doc, system = _scored(4, docs=10, systems=4, ties=True)
    counts = draw_counts(10, 6, 0, "documents")
    pairs = ClusteredPairs(metric, human, doc, 10, group=system)
    got = correlations(pairs, counts)
    for b, row in enumerate(counts):
        idx = np.concatenate([np.flatnonzero(doc == d) for d in range(10) for _ in range(int(row[d]))])
        assert got["partial_pearson"][b] == pytest.approx(_pingouin(metric[idx], human[idx], system[idx]), abs=1e-9)
        for method in ("pearson", "spearman"):
            assert got[f"partial_{method}"][b] == pytest.approx(
                _frank(metric[idx], human[idx], system[idx], method), abs=1e-9
            )


def test_weighted_average_ranks_equal_scipy_on_repeated_values():
    from scipy.stats import rankdata

    from harness.analysis.meta_eval.partial import weighted_average_ranks

    rng = np.random.default_rng(2)
    values = rng.integers(0, 5, (6, 15)).astype(float)
    weights = rng.integers(0, 3, (6, 15)).astype(float)
    ranks = weighted_average_ranks(values, weights)
    for v, w, r in zip(values, weights, ranks):
        copies = np.repeat(np.arange(15), w.astype(int))
        assert np.allclose(r[copies], rankdata(v[copies]))


def test_best_threshold_is_the_brute_force_optimum():
    rng = np.random.default_rng(5)
    for _ in range(20):
        scores = np.round(rng.normal(size=40), 1)
        labels = (scores + rng.normal(size=40) > 0).astype(float)
        if len(np.unique(labels)) < 2:
            continue
        threshold, accuracy = best_threshold(scores, labels)
        candidates = np.concatenate([np.unique(scores), [np.inf]])
        brute = max(sklearn_metrics.balanced_accuracy_score(labels, (scores >= t).astype(float)) for t in candidates)
        assert accuracy == pytest.approx(brute)
        assert sklearn_metrics.balanced_accuracy_score(labels, (scores >= threshold).astype(float)) == pytest.approx(
            brute
        )


def test_cross_validated_balanced_accuracy_equals_scikit_learn():
    metric, human, doc, _ = _scored(6, docs=40)
    labels = (human > 0).astype(float)
    folds = document_folds([f"d{d}" for d in range(40)], seed=0)
    decisions = cross_validated_predictions(metric, labels, folds[doc], higher_is_better=True)
    ours = balanced_accuracy_replicates(decisions, labels, doc, 40, np.ones((1, 40)))[0]
    assert ours == pytest.approx(sklearn_metrics.balanced_accuracy_score(labels, decisions))
    assert 0.6 < ours < 1.0
    # each fold's threshold is fitted without that fold: a memorising score gains nothing
    noise = np.random.default_rng(1).normal(size=len(doc))
    decisions = cross_validated_predictions(noise, labels, folds[doc], higher_is_better=True)
    assert sklearn_metrics.balanced_accuracy_score(labels, decisions) < 0.6


def test_balanced_accuracy_uses_the_fields_direction():
    metric, human, doc, _ = _scored(7, docs=40)
    labels = (human > 0).astype(float)
    folds = document_folds([f"d{d}" for d in range(40)], seed=0)[doc]
    up = cross_validated_predictions(metric, labels, folds, higher_is_better=True)
    down = cross_validated_predictions(-metric, labels, folds, higher_is_better=False)
    learned = cross_validated_predictions(-metric, labels, folds, higher_is_better=None)
    assert np.array_equal(up, down) and np.array_equal(up, learned)


def test_balanced_accuracy_replicates_equal_scikit_learn_on_resamples():
    metric, human, doc, _ = _scored(8, docs=12)
    labels = (human > 0).astype(float)
    decisions = (metric > 0).astype(float)
    counts = draw_counts(12, 8, 0, "documents")
    got = balanced_accuracy_replicates(decisions, labels, doc, 12, counts)
    for value, row in zip(got, counts):
        idx = np.concatenate([np.flatnonzero(doc == d) for d in range(12) for _ in range(int(row[d]))])
        assert value == pytest.approx(sklearn_metrics.balanced_accuracy_score(labels[idx], decisions[idx]))


def test_document_folds_are_seeded_and_balanced():
    docs = [f"d{i}" for i in range(23)]
    folds = document_folds(docs, seed=0)
    assert np.array_equal(folds, document_folds(docs, seed=0))
    assert not np.array_equal(folds, document_folds(docs, seed=1))
    assert sorted(np.bincount(folds)) == [4, 4, 5, 5, 5]
    # by id, not by position: reordering the documents keeps each one's fold
    assert dict(zip(docs[::-1], document_folds(docs[::-1], seed=0))) == dict(zip(docs, folds))


def _directional(seed: int = 0, docs: int = 40, systems: int = 5):
    rng = np.random.default_rng(seed)
    human = rng.normal(size=(docs, systems))
    fields = {
        "support/unsupported": -human + 0.3 * rng.normal(size=human.shape),  # lower is better, strong
        "support/score": human + 1.0 * rng.normal(size=human.shape),  # higher is better, weaker
        "extractive/density": -human + 3.0 * rng.normal(size=human.shape),  # no direction, weak
    }
    ids = (
        [f"d{d}" for d in range(docs) for _ in range(systems)],
        [f"s{s}" for _ in range(docs) for s in range(systems)],
    )
    directions = {"support/unsupported": False, "support/score": True, "extractive/density": None}
    return (
        ids,
        {k: v.ravel() for k, v in fields.items()},
        {"h": human.ravel(), "label": (human.ravel() > 0).astype(float)},
        directions,
    )


def test_best_honours_direction_and_the_test_is_not_a_false_worse():
    (doc_ids, system_ids), fields, humans, directions = _directional()
    analysis = meta_evaluate(doc_ids, system_ids, fields, humans, samples=300, directions=directions)
    for level in ("summary", "global"):
        for statistic in ("pearson", "spearman", "kendall"):
            # r = -0.95 is the strongest agreement, not the weakest
            assert analysis.best["h"][level][statistic] == "support/unsupported"
            assert analysis.results["support/unsupported"]["h"][level].values[statistic] < -0.7
            assert analysis.p_vs_best["support/score"]["h"][level][statistic] < 0.01
    glob = analysis.results["support/unsupported"]["label"]["global"]
    assert glob.values["roc_auc"] < 0.2  # reported as computed ...
    assert analysis.best["label"]["global"]["roc_auc"] == "support/unsupported"  # ... judged mirrored
    assert glob.values["balanced_accuracy"] > 0.8  # thresholds read "lower is better"
    assert analysis.best["label"]["global"]["balanced_accuracy"] == "support/unsupported"


def test_a_field_without_direction_is_judged_by_magnitude():
    (doc_ids, system_ids), fields, humans, _ = _directional()
    analysis = meta_evaluate(
        doc_ids,
        system_ids,
        {
            "extractive/density": fields["extractive/density"],
            "weak/up": humans["h"] + 6.0 * np.random.default_rng(1).normal(size=200),
        },
        {"h": humans["h"]},
        samples=200,
        directions={"extractive/density": None, "weak/up": True},
    )
    assert analysis.results["extractive/density"]["h"]["global"].values["pearson"] < -0.2
    assert analysis.best["h"]["global"]["pearson"] == "extractive/density"
