"""Correlate every metric field with every human field at the three levels, with bootstrap CIs
and tests of whether the best metric is significantly better than each other one."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from harness.meta_eval.compare import paired_bootstrap_pvalue, williams_pvalue
from harness.meta_eval.correlation import STATISTICS, correlation, is_binary
from harness.meta_eval.levels import LEVELS, Grid, LevelResult, global_level, summary_level, system_level
from harness.stats import percentile_ci, resample_indices


@dataclass
class Layout:
    """Where each record sits in the documents x systems grid."""

    docs: list[str]
    systems: list[str]
    rows: np.ndarray
    cols: np.ndarray

    @classmethod
    def of(cls, doc_ids: Sequence[str], system_ids: Sequence[str]) -> "Layout":
        docs = list(dict.fromkeys(doc_ids))
        systems = list(dict.fromkeys(system_ids))
        doc_index = {d: i for i, d in enumerate(docs)}
        system_index = {s: i for i, s in enumerate(systems)}
        rows = np.array([doc_index[d] for d in doc_ids])
        cols = np.array([system_index[s] for s in system_ids])
        return cls(docs, systems, rows, cols)

    def grid(self, values: np.ndarray) -> np.ndarray:
        out = np.full((len(self.docs), len(self.systems)), np.nan)
        out[self.rows, self.cols] = values
        return out


@dataclass
class PairTest:
    """Metric A vs metric B on one human field, level and statistic."""

    a: float
    b: float
    p_bootstrap: float
    p_williams: float | None = None  # Pearson at system and global level only


@dataclass
class Analysis:
    results: dict[str, dict[str, dict[str, LevelResult]]]  # metric field -> human field -> level
    binary_humans: list[str]
    best: dict[str, dict[str, dict[str, str]]]  # human -> level -> statistic -> best metric field
    p_vs_best: dict[str, dict[str, dict[str, dict[str, float]]]]  # field -> human -> level -> statistic -> p
    pairs: dict[tuple[str, str], dict[str, dict[str, dict[str, PairTest]]]] = field(default_factory=dict)
    n_docs: int = 0
    n_systems: int = 0


def _levels(grid: Grid, doc_draws: np.ndarray, system_draws: np.ndarray, binary: bool) -> dict[str, LevelResult]:
    return {
        "summary": summary_level(grid, STATISTICS, doc_draws),
        "system": system_level(grid, STATISTICS, system_draws),
        "global": global_level(grid, STATISTICS, doc_draws, with_auc=binary),
    }


def _metric_levels(job) -> dict[str, dict[str, LevelResult]]:
    """One metric field against every human field (a unit of work for a process)."""
    layout, values, humans, binary, doc_draws, system_draws = job
    grid = layout.grid(values)
    return {h: _levels(Grid(grid, layout.grid(hv)), doc_draws, system_draws, h in binary) for h, hv in humans.items()}


def _pearson_units(layout: Layout, a: np.ndarray, b: np.ndarray, human: np.ndarray, level: str) -> tuple[np.ndarray, ...]:
    """The units Williams' test runs over: summaries present for A, B and the human (global), or
    per-system means of those summaries (system level)."""
    ga, gb, gh = layout.grid(a), layout.grid(b), layout.grid(human)
    missing = np.isnan(ga) | np.isnan(gb) | np.isnan(gh)
    for g in (ga, gb, gh):
        g[missing] = np.nan
    if level == "global":
        return ga.ravel(), gb.ravel(), gh.ravel()
    return tuple(Grid(g, gh).system_means()[0] for g in (ga, gb, gh))


def _williams(layout: Layout, a: np.ndarray, b: np.ndarray, human: np.ndarray, level: str) -> float:
    ua, ub, uh = _pearson_units(layout, a, b, human, level)
    keep = ~(np.isnan(ua) | np.isnan(ub) | np.isnan(uh))
    ua, ub, uh = ua[keep], ub[keep], uh[keep]
    return williams_pvalue(
        correlation(ua, uh, "pearson"), correlation(ub, uh, "pearson"), correlation(ua, ub, "pearson"), len(ua)
    )


def meta_evaluate(
    doc_ids: Sequence[str],
    system_ids: Sequence[str],
    metrics: dict[str, np.ndarray],
    humans: dict[str, np.ndarray],
    samples: int = 1000,
    seed: int = 0,
    compare: Sequence[tuple[str, str]] = (),
    workers: int = 1,
) -> Analysis:
    layout = Layout.of(doc_ids, system_ids)
    # One set of draws for all metrics: their replicates are paired, which the tests rely on.
    doc_draws = resample_indices(len(layout.docs), samples, seed)
    system_draws = resample_indices(len(layout.systems), samples, seed)
    binary = [h for h, v in humans.items() if is_binary(v)]
    jobs = [(layout, mv, humans, binary, doc_draws, system_draws) for mv in metrics.values()]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(workers) as pool:
            per_metric = list(pool.map(_metric_levels, jobs))
    else:
        per_metric = [_metric_levels(job) for job in jobs]
    results = dict(zip(metrics, per_metric))
    best, p_vs_best = _best_and_pvalues(results, list(humans))
    analysis = Analysis(results, binary, best, p_vs_best, n_docs=len(layout.docs), n_systems=len(layout.systems))
    for a, b in compare:
        analysis.pairs[a, b] = _pair_tests(layout, results, metrics, humans, a, b)
    return analysis


def _best_and_pvalues(results, humans: list[str]):
    best: dict = {}
    p_vs_best: dict = {m: {h: {lv: {} for lv in LEVELS} for h in humans} for m in results}
    for h in humans:
        best[h] = {}
        for level in LEVELS:
            best[h][level] = {}
            for statistic in STATISTICS:
                defined = {m: r[h][level].values[statistic] for m, r in results.items()}
                defined = {m: v for m, v in defined.items() if not np.isnan(v)}
                if not defined:
                    continue
                top = max(defined, key=defined.get)
                best[h][level][statistic] = top
                top_replicates = results[top][h][level].replicates[statistic]
                for m in defined:
                    if m != top:
                        p_vs_best[m][h][level][statistic] = paired_bootstrap_pvalue(
                            top_replicates, results[m][h][level].replicates[statistic]
                        )
    return best, p_vs_best


def _pair_tests(layout, results, metrics, humans, a: str, b: str):
    out: dict = {}
    for h in humans:
        out[h] = {}
        for level in LEVELS:
            out[h][level] = {}
            for statistic in STATISTICS:
                ra, rb = results[a][h][level], results[b][h][level]
                test = PairTest(
                    ra.values[statistic],
                    rb.values[statistic],
                    paired_bootstrap_pvalue(ra.replicates[statistic], rb.replicates[statistic]),
                )
                if statistic == "pearson" and level in ("system", "global"):
                    test.p_williams = _williams(layout, metrics[a], metrics[b], humans[h], level)
                out[h][level][statistic] = test
    return out


def ci95(result: LevelResult, statistic: str) -> tuple[float | None, float | None]:
    return percentile_ci(result.replicates[statistic])

