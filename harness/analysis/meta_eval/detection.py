"""Balanced accuracy of a score used as a fact checker, per dataset of a benchmark, with the
threshold chosen on the dev split (LLM-AggreFact, SummaC) or given.

Per dataset: the threshold is the one that maximises balanced accuracy on the dev claims
(`classification.best_threshold`: every midpoint between adjacent distinct dev scores is tried;
SummaC's script tries 500 percentiles of the scores, a grid approximating the same maximum), or
the given one, or 0.5 when the dataset has no dev split (or its dev claims are of one class).
"supported" (label 1) is predicted for a score at or above the threshold (at or below it for a
lower-is-better field). Balanced accuracy is (TPR + TNR) / 2 on the test claims, as
`sklearn.metrics.balanced_accuracy_score` computes it with two classes.

CIs: 95% percentile bootstrap over the test claims of each dataset (seeded by the dataset's
name, so every field sees the same draws), the threshold held fixed: the interval covers the
sampling of test claims, not of the dev claims the threshold was fitted on. The macro average's
CI resamples within each dataset independently and averages each resample's values.
Claims a metric could not score (None) are left out of both splits and counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from harness.analysis.meta_eval.classification import balanced_accuracy_replicates, best_threshold
from harness.stats import CHUNK_ELEMENTS, percentile_ci, seed_for

DEFAULT_THRESHOLD = 0.5


@dataclass
class DatasetResult:
    name: str
    n_dev: int  # scored dev claims
    n_test: int  # scored test claims
    positive_dev: int  # of them labelled supported
    positive_test: int
    unscored_dev: int  # claims the metric gave no value
    unscored_test: int
    threshold: float
    threshold_from: str  # "dev", "given", or "default: <why>"
    dev_balanced_accuracy: float | None  # at the chosen threshold (dev-tuned: the dev maximum)
    balanced_accuracy: float | None  # on test; None with `undefined` saying why
    ci95: tuple[float, float] | None
    undefined: str | None = None
    replicates: np.ndarray | None = field(default=None, repr=False)


@dataclass
class FieldResult:
    field: str
    higher_is_better: bool | None
    datasets: list[DatasetResult]
    average: float | None  # macro average over the datasets with a defined balanced accuracy
    average_ci95: tuple[float, float] | None
    averaged: list[str]  # the datasets in the average
    left_out: dict[str, str]  # dataset -> why it is not in the average


def decisions(scores: np.ndarray, threshold: float, higher_is_better: bool | None) -> np.ndarray:
    """1 (supported) where the score is on the supported side of the threshold, else 0."""
    if higher_is_better is False:
        return (scores <= threshold).astype(float)
    return (scores >= threshold).astype(float)


def balanced_accuracy(predictions: np.ndarray, labels: np.ndarray) -> float | None:
    """(TPR + TNR) / 2; None when a class is absent."""
    positive = labels == 1
    if positive.all() or not positive.any():
        return None
    tpr = float(np.mean(predictions[positive] == 1))
    tnr = float(np.mean(predictions[~positive] == 0))
    return (tpr + tnr) / 2


def choose_threshold(
    scores: np.ndarray, labels: np.ndarray, higher_is_better: bool | None, given: float | None
) -> tuple[float, str]:
    """(threshold, where it came from) for one dataset, from its scored dev claims."""
    if given is not None:
        return given, "given"
    if len(scores) == 0:
        return DEFAULT_THRESHOLD, "default: no dev split"
    if len(np.unique(labels)) < 2:
        return DEFAULT_THRESHOLD, "default: dev claims are all of one label"
    sign = -1.0 if higher_is_better is False else 1.0
    cut, _ = best_threshold(sign * scores, labels)
    return sign * cut, "dev"


def claim_replicates(predictions: np.ndarray, labels: np.ndarray, samples: int, seed: int, unit: str) -> np.ndarray:
    """Balanced accuracy on `samples` resamples of the claims (with replacement), drawn in blocks
    so memory stays bounded on large test sets."""
    n = len(labels)
    rng = np.random.default_rng(seed_for(seed, "meta-eval-benchmark", unit, little_endian_64=True))
    out = np.empty(samples)
    step = max(1, CHUNK_ELEMENTS // max(n, 1))
    cluster = np.arange(n)
    for start in range(0, samples, step):
        rows = min(samples, start + step) - start
        draws = rng.integers(0, n, size=(rows, n))
        counts = np.bincount((draws + n * np.arange(rows)[:, None]).ravel(), minlength=rows * n).reshape(rows, n)
        out[start : start + rows] = balanced_accuracy_replicates(predictions, labels, cluster, n, counts.astype(float))
    return out


def evaluate_dataset(
    name: str,
    scores: np.ndarray,
    labels: np.ndarray,
    is_dev: np.ndarray,
    higher_is_better: bool | None,
    given: float | None,
    samples: int,
    seed: int,
) -> DatasetResult:
    """One dataset's claims (both splits): the threshold from dev, balanced accuracy on test."""
    scored = ~np.isnan(scores)
    dev, test = scored & is_dev, scored & ~is_dev
    threshold, source = choose_threshold(scores[dev], labels[dev], higher_is_better, given)
    dev_accuracy = balanced_accuracy(decisions(scores[dev], threshold, higher_is_better), labels[dev])
    predictions, truth = decisions(scores[test], threshold, higher_is_better), labels[test]
    value = balanced_accuracy(predictions, truth)
    undefined = None
    if not test.any():
        undefined = "no scored test claims"
    elif value is None:
        undefined = f"test claims are all labelled {int(truth[0])}"
    replicates = ci = None
    if value is not None and samples > 0:
        replicates = claim_replicates(predictions, truth, samples, seed, name)
        low, high = percentile_ci(replicates)
        ci = (low, high) if low is not None and high is not None else None
    return DatasetResult(
        name,
        int(dev.sum()),
        int(test.sum()),
        int(labels[dev].sum()),
        int(labels[test].sum()),
        int((~scored & is_dev).sum()),
        int((~scored & ~is_dev).sum()),
        float(threshold),
        source,
        dev_accuracy,
        value,
        ci,
        undefined,
        replicates,
    )


def evaluate_field(
    key: str,
    scores: np.ndarray,
    labels: np.ndarray,
    datasets: Sequence[str],
    is_dev: np.ndarray,
    higher_is_better: bool | None,
    given: float | None = None,
    samples: int = 1000,
    seed: int = 0,
) -> FieldResult:
    """Every dataset (in order of first appearance) and their macro average."""
    names = np.asarray(datasets)
    results = [
        evaluate_dataset(
            d, scores[names == d], labels[names == d], is_dev[names == d], higher_is_better, given, samples, seed
        )
        for d in dict.fromkeys(datasets)
    ]
    defined = [r for r in results if r.balanced_accuracy is not None]
    left_out = {r.name: r.undefined or "undefined" for r in results if r.balanced_accuracy is None}
    average = float(np.mean([r.balanced_accuracy for r in defined])) if defined else None
    average_ci = None
    replicates = [r.replicates for r in defined if r.replicates is not None]
    if defined and len(replicates) == len(defined):
        low, high = percentile_ci(np.mean(replicates, axis=0))
        average_ci = (low, high) if low is not None and high is not None else None
    return FieldResult(key, higher_is_better, results, average, average_ci, [r.name for r in defined], left_out)
