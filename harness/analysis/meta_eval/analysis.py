"""Correlate every metric field with every human field at the three levels, with bootstrap CIs
and two-sided tests of whether each field agrees with the humans as well as the best one.

"Best" honours each field's direction: `support/unsupported` (lower is better) agrees with the
humans when its correlation is negative, so it is ranked and tested on the mirrored value
(compare.orient); the reported values keep their sign.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from harness.analysis.meta_eval.classification import document_folds
from harness.analysis.meta_eval.correlation import correlation, is_binary
from harness.analysis.meta_eval.levels import LEVELS, Grid, LevelResult, global_level, summary_level, system_level
from harness.analysis.meta_eval.pairwise import orient, williams_pvalue
from harness.analysis.meta_eval.partial import clear_rank_cache
from harness.analysis.meta_eval.resampling import draw_counts, paired_pvalue
from harness.stats import percentile_ci

# The fewest units a field's correlation must rest on to be ranked "best" at a level: over fewer,
# a correlation is +-1 or near it by chance (two systems: always +-1).
MIN_UNITS = {"summary": 5, "system": 5, "global": 10}
UNITS = {"summary": "documents", "system": "systems", "global": "pairs"}


def heavy_ties(values: np.ndarray) -> dict[str, int] | None:
    """Few distinct values (at most 5, or a tenth of the values): rank correlations then rest on
    ties (Spearman's average ranks, Kendall's tau-b) and can mislead. None when not so."""
    present = values[~np.isnan(values)]
    distinct = len(np.unique(present))
    if len(present) and distinct <= max(5, len(present) // 10):
        return {"distinct": int(distinct), "n": int(len(present))}
    return None


@dataclass
class Layout:
    """Where each record sits in the documents x systems grid."""

    docs: list[str]
    systems: list[str]
    rows: np.ndarray
    cols: np.ndarray

    @classmethod
    def of(cls, doc_ids: Sequence[str], system_ids: Sequence[str]) -> Layout:
        docs = list(dict.fromkeys(doc_ids))
        systems = list(dict.fromkeys(system_ids))
        doc_index = {d: i for i, d in enumerate(docs)}
        system_index = {s: i for i, s in enumerate(systems)}
        rows = np.array([doc_index[d] for d in doc_ids], dtype=int)
        cols = np.array([system_index[s] for s in system_ids], dtype=int)
        return cls(docs, systems, rows, cols)

    def grid(self, values: np.ndarray) -> np.ndarray:
        out = np.full((len(self.docs), len(self.systems)), np.nan)
        out[self.rows, self.cols] = values
        return out


@dataclass
class PairTest:
    """Metric A vs metric B on one human field, level and statistic (two-sided p-values)."""

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
    directions: dict[str, bool | None] = field(default_factory=dict)
    pairs: dict[tuple[str, str], dict[str, dict[str, dict[str, PairTest]]]] = field(default_factory=dict)
    n_docs: int = 0
    n_systems: int = 0
    # human -> level -> why no field is ranked best there (too few units for every field)
    not_ranked: dict[str, dict[str, str]] = field(default_factory=dict)
    # human -> level -> field -> its units, for fields left out of the ranking
    not_ranked_fields: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    heavy_ties: dict[str, dict[str, int]] = field(default_factory=dict)  # field -> distinct values, n


@dataclass
class _Draws:
    doc_counts: np.ndarray
    system_counts: np.ndarray
    doc_folds: np.ndarray


def _metric_levels(job) -> dict[str, dict[str, LevelResult]]:
    """One metric field against every human field (a unit of work for a process).

    BLAS runs single-threaded here: the products are small, and on a busy machine a thread pool
    spends more time waiting than computing (2x slower on 2 shared cores); --workers is the way
    to use more cores."""
    with threadpool_limits(limits=1, user_api="blas"):
        return _metric_levels_one_thread(job)


def _metric_levels_one_thread(job) -> dict[str, dict[str, LevelResult]]:
    layout, values, humans, binary, direction, draws = job
    grid = layout.grid(values)
    out = {}
    for h, hv in humans.items():
        g = Grid(grid, layout.grid(hv))
        out[h] = {
            "summary": summary_level(g, draws.doc_counts),
            "system": system_level(g, draws.system_counts),
            "global": global_level(g, draws.doc_counts, h in binary, direction, draws.doc_folds),
        }
    return out


def _pearson_units(
    layout: Layout, a: np.ndarray, b: np.ndarray, human: np.ndarray, level: str
) -> tuple[np.ndarray, ...]:
    """The units Williams' test runs over: summaries present for A, B and the human (global), or
    per-system means of those summaries (system level)."""
    ga, gb, gh = layout.grid(a), layout.grid(b), layout.grid(human)
    missing = np.isnan(ga) | np.isnan(gb) | np.isnan(gh)
    for g in (ga, gb, gh):
        g[missing] = np.nan
    if level == "global":
        return ga.ravel(), gb.ravel(), gh.ravel()
    return tuple(Grid(g, gh).system_means()[0] for g in (ga, gb, gh))


def _williams(
    layout: Layout, a: np.ndarray, b: np.ndarray, human: np.ndarray, level: str, signs: tuple[float, float]
) -> float:
    ua, ub, uh = _pearson_units(layout, signs[0] * a, signs[1] * b, human, level)
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
    directions: dict[str, bool | None] | None = None,
) -> Analysis:
    """`directions[field]`: True if higher is better, False if lower, None if neither (default True)."""
    layout = Layout.of(doc_ids, system_ids)
    clear_rank_cache()
    directions = {m: (directions or {}).get(m, True) for m in metrics}
    # One set of draws for all metrics: their replicates are paired, which the tests rely on.
    draws = _Draws(
        draw_counts(len(layout.docs), samples, seed, "documents"),
        draw_counts(len(layout.systems), samples, seed, "systems"),
        document_folds(layout.docs, seed),
    )
    binary = [h for h, v in humans.items() if is_binary(v)]
    jobs = [(layout, mv, humans, binary, directions[m], draws) for m, mv in metrics.items()]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(workers) as pool:
            per_metric = list(pool.map(_metric_levels, jobs))
    else:
        per_metric = [_metric_levels(job) for job in jobs]
    results = dict(zip(metrics, per_metric))
    best, p_vs_best, not_ranked, not_ranked_fields = _best_and_pvalues(results, list(humans), directions)
    ties = {m: t for m, values in metrics.items() if (t := heavy_ties(np.asarray(values, dtype=float)))}
    analysis = Analysis(
        results,
        binary,
        best,
        p_vs_best,
        directions,
        n_docs=len(layout.docs),
        n_systems=len(layout.systems),
        not_ranked=not_ranked,
        not_ranked_fields=not_ranked_fields,
        heavy_ties=ties,
    )
    for a, b in compare:
        analysis.pairs[a, b] = _pair_tests(layout, results, metrics, humans, directions, a, b)
    return analysis


def _oriented(result: LevelResult, statistic: str, direction: bool | None, replicates: bool = False):
    point = result.values[statistic]
    return orient(result.replicates[statistic] if replicates else point, statistic, direction, point)


def _best_and_pvalues(results, humans: list[str], directions: dict[str, bool | None]):
    """The best field per human, level and statistic among the fields with at least MIN_UNITS
    units there, the p-values against it, and why fields (or a whole level) were not ranked."""
    best: dict = {}
    p_vs_best: dict = {m: {h: {lv: {} for lv in LEVELS} for h in humans} for m in results}
    not_ranked: dict = {}
    not_ranked_fields: dict = {}
    for h in humans:
        best[h], not_ranked[h], not_ranked_fields[h] = {}, {}, {}
        for level in LEVELS:
            best[h][level] = {}
            need, unit = MIN_UNITS[level], UNITS[level]
            few = {m: r[h][level].n for m, r in results.items() if r[h][level].n < need}
            not_ranked_fields[h][level] = {m: f"{n} {unit}" for m, n in few.items()}
            if few and len(few) == len(results):
                not_ranked[h][level] = (
                    f"{max(few.values())} {unit}; at least {need} needed to rank a field "
                    "(a correlation over so few is +-1 or near it by chance)"
                )
            statistics = list(dict.fromkeys(s for r in results.values() for s in r[h][level].values))
            for statistic in statistics:
                defined = {
                    m: float(_oriented(r[h][level], statistic, directions[m]))
                    for m, r in results.items()
                    if m not in few and not np.isnan(r[h][level].values.get(statistic, np.nan))
                }
                if not defined:
                    continue
                top = max(defined, key=defined.__getitem__)
                best[h][level][statistic] = top
                top_replicates = _oriented(results[top][h][level], statistic, directions[top], replicates=True)
                for m in defined:
                    if m != top:
                        other = _oriented(results[m][h][level], statistic, directions[m], replicates=True)
                        p_vs_best[m][h][level][statistic] = paired_pvalue(top_replicates, other)
    return best, p_vs_best, not_ranked, not_ranked_fields


def _pair_tests(layout, results, metrics, humans, directions, a: str, b: str):
    out: dict = {}
    for h in humans:
        out[h] = {}
        for level in LEVELS:
            out[h][level] = {}
            ra, rb = results[a][h][level], results[b][h][level]
            for statistic in ra.values:
                if statistic not in rb.values:
                    continue
                test = PairTest(
                    ra.values[statistic],
                    rb.values[statistic],
                    paired_pvalue(
                        _oriented(ra, statistic, directions[a], replicates=True),
                        _oriented(rb, statistic, directions[b], replicates=True),
                    ),
                )
                if statistic == "pearson" and level in ("system", "global"):
                    sign_a, sign_b = (
                        float(np.sign(orient(1.0, "pearson", directions[m], r.values["pearson"])) or 1.0)
                        for m, r in ((a, ra), (b, rb))
                    )
                    test.p_williams = _williams(layout, metrics[a], metrics[b], humans[h], level, (sign_a, sign_b))
                out[h][level][statistic] = test
    return out


def ci95(result: LevelResult, statistic: str) -> tuple[float | None, float | None]:
    return percentile_ci(result.replicates[statistic])
