"""The three levels of meta-evaluation, each with bootstrap replicates for CIs and paired tests.

Scores are laid out as a documents x systems grid (NaN where a summary is missing or unscored):
- summary level: correlation across the systems' summaries of each document, averaged over the
  documents where it is defined (documents with constant human or metric scores are dropped and
  counted, as in G-Eval's and UniEval's scripts);
- system level: correlation of per-system means;
- global: correlation over all (document, system) pairs.
Bootstrap replicates resample documents (summary, global) or systems (system level) with draws
fixed by the seed, so replicates of two metrics are paired.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from harness.meta_eval.correlation import correlation, roc_auc, undefined_reason

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


def _nanmean_rows(values: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a resample of only dropped documents -> NaN
        return np.nanmean(values, axis=-1)


def summary_level(grid: Grid, statistics: tuple[str, ...], doc_draws: np.ndarray) -> LevelResult:
    reasons = [undefined_reason(m, h) for m, h in zip(grid.metric, grid.human)]
    values, replicates = {}, {}
    for statistic in statistics:
        per_doc = np.array([correlation(m, h, statistic) for m, h in zip(grid.metric, grid.human)])
        values[statistic] = float(_nanmean_rows(per_doc))
        replicates[statistic] = _nanmean_rows(per_doc[doc_draws])
    dropped = Counter(r for r in reasons if r is not None)
    return LevelResult(values, replicates, reasons.count(None), dict(dropped))


def system_level(grid: Grid, statistics: tuple[str, ...], system_draws: np.ndarray) -> LevelResult:
    metric, human = grid.system_means()
    unscored = int(np.sum(np.isnan(metric)))
    values, replicates = {}, {}
    for statistic in statistics:
        values[statistic] = correlation(metric, human, statistic)
        replicates[statistic] = np.array([correlation(metric[i], human[i], statistic) for i in system_draws])
    dropped = {"unscored": unscored} if unscored else {}
    used = len(metric) - unscored
    reason = undefined_reason(metric, human)
    if reason is not None:
        dropped[reason], used = used, 0
    return LevelResult(values, replicates, used, dropped)


def global_level(
    grid: Grid, statistics: tuple[str, ...], doc_draws: np.ndarray, with_auc: bool = False
) -> LevelResult:
    """All (document, system) pairs; `with_auc` adds ROC-AUC (human side a 0/1 label)."""
    functions = {s: (lambda m, h, s=s: correlation(m, h, s)) for s in statistics}
    if with_auc:
        functions["roc_auc"] = lambda m, h: roc_auc(m, h)
    values, replicates = {}, {}
    for name, function in functions.items():
        values[name] = function(grid.metric.ravel(), grid.human.ravel())
        replicates[name] = np.array([function(grid.metric[i].ravel(), grid.human[i].ravel()) for i in doc_draws])
    present = int(np.sum(~np.isnan(grid.metric)))
    reason = undefined_reason(grid.metric.ravel(), grid.human.ravel())
    if reason is not None:
        return LevelResult(values, replicates, 0, {reason: present})
    return LevelResult(values, replicates, present, {})
