"""The statistics of a comparison table, one metric column at a time.

Every number of a column is computed on the same documents: those every run of the column
scored (None/NaN scores are left out and counted per run). Means and CIs, the ranking, the
best run, the paired tests (each run vs a baseline, or all pairs), Holm's correction, the
significance letters and the power estimates all use those documents, so the bold run and the
test results cannot disagree.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from harness import stats
from harness.config.schema import check_flag
from harness.errors import ConfigError

if TYPE_CHECKING:
    from harness.analysis.runs import Run

TEST_NAME = "paired approximate randomization (sign flips), two-sided"


@dataclass
class Cell:
    label: str
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    missing: int  # documents of the comparison this run left without a score (None/NaN)
    rank: int | None = None  # 1 = best (directional fields only)
    best: bool = False
    group: str = ""  # significance letters (all-pairs mode)
    mark: str = ""  # vs the baseline: "better", "worse", "baseline" (baseline mode)


@dataclass
class Test:
    metric: str
    a: str
    b: str  # the difference is a - b
    n: int
    diff: float | None
    ci_low: float | None
    ci_high: float | None
    p: float
    p_holm: float = float("nan")
    significant: bool = False
    exact: bool = False
    sd: float | None = None
    mde: float | None = None
    docs_needed: int | None = None
    min_p: float = 0.0  # the smallest p the test can return on these documents


@dataclass
class Column:
    key: str
    higher_is_better: bool | None
    signature: str
    n: int  # documents every run of the column scored
    cells: list[Cell]
    tests: list[Test] = field(default_factory=list)
    family_size: int = 0
    samples: int = 0  # sign flips and bootstrap resamples per test
    method: str = ""  # how a faithfulness field decides (metrics.json; harness.metrics.base.METHODS)

    @property
    def descriptive(self) -> bool:
        return self.higher_is_better is None

    def cell(self, label: str) -> Cell | None:
        return next((c for c in self.cells if c.label == label), None)

    def median_mde(self) -> float | None:
        values = [t.mde for t in self.tests if t.mde is not None]
        return float(np.median(values)) if values else None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "descriptive": self.descriptive, "median_mde": self.median_mde()}


FAMILIES = ("metric", "all")  # Holm over each metric's comparisons, or over all metrics


@dataclass(frozen=True)
class Settings:
    samples: int = 10_000
    alpha: float = stats.ALPHA
    baseline: str | None = None
    family: str = "metric"  # one of FAMILIES

    @classmethod
    def checked(cls, samples: int, alpha: float, baseline: str | None = None, family: str = "metric") -> Settings:
        """Settings a user gave (`harness compare`'s options, `harness.api.compare`'s arguments),
        each refused with a ConfigError naming its option when out of range."""
        check_flag("--samples", samples)
        if not 0 < alpha < 1:
            raise ConfigError("--alpha must be between 0 and 1")
        if family not in FAMILIES:
            raise ConfigError(f"family={family!r}: 'metric' or 'all'")
        return cls(samples=samples, alpha=alpha, baseline=baseline, family=family)


def score_matrix(runs: Sequence[Run], key: str, docs: Sequence[str]) -> np.ndarray:
    """runs x documents, NaN where a run has no number."""
    out = np.full((len(runs), len(docs)), np.nan)
    for i, run in enumerate(runs):
        for j, doc in enumerate(docs):
            value = run.scores.get(doc, {}).get(key)
            if isinstance(value, (int, float)):  # None (not computable) stays NaN
                out[i, j] = float(value)
    return out


def direction(runs: Sequence[Run], key: str) -> bool | None:
    return next((r.fields[key].get("higher_is_better") for r in runs if key in r.fields), None)


def planned_tests(runs: Sequence[Run], key: str, settings: Settings) -> int:
    k = sum(key in r.fields for r in runs)
    if direction(runs, key) is None or k < 2:
        return 0
    return k - 1 if settings.baseline is not None else k * (k - 1) // 2


def analyse_column(
    runs: Sequence[Run], key: str, docs: Sequence[str], settings: Settings, samples: int | None = None
) -> Column:
    from harness.analysis.comparability import score_signature

    present = [r for r in runs if key in r.fields]
    values = score_matrix(present, key, docs)
    complete = ~np.isnan(values).any(axis=0)
    x = values[:, complete]
    signature = next((score_signature(r.fields[key].get("signature")) for r in present), "")
    samples = samples or settings.samples
    method = next((str(r.fields[key].get("method") or "") for r in present), "")
    column = Column(key, direction(present, key), signature, int(complete.sum()), [], samples=samples, method=method)
    for i, run in enumerate(present):
        ci = stats.mean_ci(x[i], settings.samples, np.random.default_rng(stats.seed_for("ci", key, run.label)))
        column.cells.append(Cell(run.label, ci.mean, ci.low, ci.high, ci.n, int(np.isnan(values[i]).sum())))
    if column.descriptive or column.n == 0:
        return column
    sign = 1.0 if column.higher_is_better else -1.0
    order = sorted(range(len(present)), key=lambda i: -sign * x[i].mean())
    top = sign * x[order[0]].mean()
    for rank, i in enumerate(order, start=1):
        column.cells[i].rank = rank
        column.cells[i].best = bool(np.isclose(sign * x[i].mean(), top, rtol=0, atol=1e-12))
    labels = [r.label for r in present]
    if settings.baseline is not None:
        if settings.baseline not in labels:
            return column
        b = labels.index(settings.baseline)
        pairs = [(i, b) for i in range(len(present)) if i != b]
    else:
        pairs = [(order[i], order[j]) for i, j in itertools.combinations(range(len(order)), 2)]
    for i, j in pairs:
        column.tests.append(analyse_pair(key, labels[i], labels[j], x[i], x[j], settings, samples))
    return column


def analyse_pair(
    key: str, a: str, b: str, x_a: np.ndarray, x_b: np.ndarray, settings: Settings, samples: int | None = None
) -> Test:
    """The paired test of a - b, with the power figures the test can reach (none with too few documents)."""
    r = stats.paired_test(x_a, x_b, samples or settings.samples, stats.seed_for(key, a, b))
    return Test(
        key,
        a,
        b,
        r.n,
        r.diff,
        r.ci_low,
        r.ci_high,
        r.p,
        exact=r.exact,
        sd=r.sd,
        mde=stats.min_detectable_difference(r.sd, r.n, settings.alpha, min_p=r.min_p),
        docs_needed=stats.documents_needed(r.sd, r.diff, settings.alpha),
        min_p=r.min_p,
    )


def correct(columns: Sequence[Column], settings: Settings) -> None:
    """Holm's correction over each column's tests (or over all columns' tests), then marks."""
    families = (
        [list(c.tests) for c in columns] if settings.family == "metric" else [[t for c in columns for t in c.tests]]
    )
    for family in families:
        adjusted = stats.holm([t.p for t in family])
        for t, p in zip(family, adjusted):
            t.p_holm = float(p)
            t.significant = bool(p < settings.alpha)
    for column in columns:
        column.family_size = len(column.tests) if settings.family == "metric" else sum(len(c.tests) for c in columns)
        mark(column, settings)


def mark(column: Column, settings: Settings) -> None:
    if column.descriptive or not column.tests:
        return
    sign = 1.0 if column.higher_is_better else -1.0
    if settings.baseline is not None:
        base = column.cell(settings.baseline)
        if base is not None:
            base.mark = "baseline"
        for t in column.tests:
            if t.significant and t.diff is not None:
                column.cell(t.a).mark = "better" if sign * t.diff > 0 else "worse"  # type: ignore[union-attr]
        return
    ranked = [c.label for c in sorted((c for c in column.cells if c.rank), key=lambda c: c.rank)]  # type: ignore[arg-type,return-value]
    different = {frozenset((t.a, t.b)) for t in column.tests if t.significant}
    for label, letters in stats.letter_groups(ranked, different).items():
        column.cell(label).group = letters  # type: ignore[union-attr]


def analyse(runs: Sequence[Run], keys: Sequence[str], docs: Sequence[str], settings: Settings) -> list[Column]:
    planned = {key: planned_tests(runs, key, settings) for key in keys}
    total = sum(planned.values())
    columns = [
        analyse_column(
            runs,
            key,
            docs,
            settings,
            stats.samples_for_family(
                planned[key] if settings.family == "metric" else total, settings.alpha, settings.samples
            ),
        )
        for key in keys
    ]
    correct(columns, settings)
    return columns
