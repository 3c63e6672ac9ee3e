"""The three levels of meta-evaluation, each with bootstrap replicates for CIs and paired tests.

Scores are laid out as a documents x systems grid (NaN where a summary is missing or unscored):
- summary level: correlation across the systems' summaries of each document, averaged over the
  documents where it is defined (documents with constant human or metric scores are dropped and
  counted, as in G-Eval's and UniEval's scripts);
- system level: correlation of per-system means;
- global: correlation over all (document, system) pairs; with it the partial correlations
  controlling for the system (FRANK) and, for 0/1 human labels, ROC-AUC and cross-validated
  balanced accuracy (SummaC).
Point values come from scipy (correlation.py), per-document ones from its vectorised equal
(resampled.rowwise). Bootstrap replicates resample documents (summary,
global) or systems (system level); they come from `counts` matrices shared by every metric, so
replicates of two metrics are paired, and are computed for all resamples at once (resampled.py).
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from harness.analysis.meta_eval.classification import balanced_accuracy_replicates, cross_validated_predictions
from harness.analysis.meta_eval.correlation import STATISTICS, correlation, roc_auc, undefined_reason
from harness.analysis.meta_eval.partial import PARTIAL_STATISTICS, correlations
from harness.analysis.meta_eval.resampled import ClusteredPairs, cluster_means, rowwise

LEVELS = ("summary", "system", "global")


@dataclass
class Grid:
    """Metric and human scores, documents x systems; a cell missing on either side is NaN on both."""

    metric: np.ndarray
    human: np.ndarray

    def __post_init__(self) -> None:
        self.metric = np.array(self.metric, dtype=float)
        self.human = np.array(self.human, dtype=float)
        missing = np.isnan(self.metric) | np.isnan(self.human)
        self.metric[missing] = np.nan
        self.human[missing] = np.nan

    def system_means(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-system means over the documents where both sides are present."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a system with no scored summary -> NaN
            return np.nanmean(self.metric, axis=0), np.nanmean(self.human, axis=0)


@dataclass
class LevelResult:
    """Point values per statistic, their bootstrap replicates, the number of units used, and the
    units dropped with the reason (documents at summary level, systems at system level, pairs
    globally)."""

    values: dict[str, float]
    replicates: dict[str, np.ndarray]
    n: int
    dropped: dict[str, int] = field(default_factory=dict)


def summary_level(grid: Grid, doc_counts: np.ndarray) -> LevelResult:
    reasons = [undefined_reason(m, h) for m, h in zip(grid.metric, grid.human)]
    defined = np.array([r is None for r in reasons], dtype=bool)
    values, replicates = {}, {}
    for statistic in STATISTICS:
        per_doc = rowwise(grid.metric, grid.human, statistic)
        values[statistic] = float(cluster_means(per_doc, defined, np.ones((1, len(per_doc))))[0])
        replicates[statistic] = cluster_means(per_doc, defined, doc_counts)
    dropped = Counter(r for r in reasons if r is not None)
    return LevelResult(values, replicates, int(defined.sum()), dict(dropped))


def system_level(grid: Grid, system_counts: np.ndarray) -> LevelResult:
    metric, human = grid.system_means()
    unscored = int(np.sum(np.isnan(metric)))
    pairs = ClusteredPairs(metric, human, np.arange(len(metric)), len(metric))
    values = {s: correlation(metric, human, s) for s in STATISTICS}
    replicates = {s: pairs.statistic(s, system_counts) for s in STATISTICS}
    dropped = {"unscored": unscored} if unscored else {}
    used = len(metric) - unscored
    reason = undefined_reason(metric, human)
    if reason is not None:
        dropped[reason], used = used, 0
    return LevelResult(values, replicates, used, dropped)


def global_level(
    grid: Grid,
    doc_counts: np.ndarray,
    binary: bool = False,
    higher_is_better: bool | None = True,
    doc_folds: np.ndarray | None = None,
) -> LevelResult:
    """All (document, system) pairs. With more than one system, partial correlations controlling
    for the system; with a 0/1 human side, ROC-AUC and balanced accuracy (thresholds fitted on
    the other folds of documents, `doc_folds`)."""
    n_docs, n_systems = grid.metric.shape
    x, y = grid.metric.ravel(), grid.human.ravel()
    doc = np.repeat(np.arange(n_docs), n_systems)
    system = np.tile(np.arange(n_systems), n_docs)
    pairs = ClusteredPairs(x, y, doc, n_docs, group=system)
    ones = np.ones((1, n_docs))
    values = {s: correlation(x, y, s) for s in STATISTICS}
    # The all-ones row gives the partial correlations' point values in the same pass.
    replicates = correlations(pairs, np.vstack([ones, doc_counts]))
    points = {s: float(r[0]) for s, r in replicates.items()}
    replicates = {s: r[1:] for s, r in replicates.items()}
    replicates["kendall"] = pairs.kendall(doc_counts)
    for s in PARTIAL_STATISTICS:
        if n_systems > 1:
            values[s] = points[s]
        else:
            del replicates[s]
    if binary:
        values["roc_auc"] = roc_auc(x, y)
        replicates["roc_auc"] = pairs.roc_auc(doc_counts)
        folds = doc_folds if doc_folds is not None else np.arange(n_docs) % 5
        decisions = cross_validated_predictions(x, y, folds[doc], higher_is_better)
        values["balanced_accuracy"] = float(balanced_accuracy_replicates(decisions, y, doc, n_docs, ones)[0])
        replicates["balanced_accuracy"] = balanced_accuracy_replicates(decisions, y, doc, n_docs, doc_counts)
    present = int(np.sum(~np.isnan(x)))
    reason = undefined_reason(x, y)
    if reason is not None:
        return LevelResult(values, replicates, 0, {reason: present})
    return LevelResult(values, replicates, present, {})
