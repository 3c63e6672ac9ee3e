"""Score every summary with the harness's own metrics (the objects `harness run` builds).

`--metrics NAME` takes its options from `metrics/NAME.yaml` (shipped, or in a `--config-dir`)
when there is one, else uses registry entry, plugin entry point or class path NAME with default
options; `ALIAS=KEY` scores registry entry (or config) KEY under the name ALIAS, so two variants of one metric can sit side by side
(`stem=rouge nostem=rouge --set nostem.use_stemmer=false`). Result keys are
`<config name>/<field>` (`rouge/rouge1`, `nostem/rouge1`): the metric's config name, not its
class's name, as `harness run` keys them, so two configs of one metric never collide.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.config.judge import load_judge_config
from harness.errors import ConfigError, InputError
from harness.metrics.base import Metric, Scored
from harness.metrics.loading import build_metrics, metric_class, single_metric
from harness.metrics.scoring import ScoreTable, score_documents
from harness.records import Example, Summary
from harness.registry import METRICS


def parse_override(text: str) -> tuple[str, str, Any]:
    """ "name.option=value" -> (name, option, value); the value is read as YAML (true, 3, [a, b])."""
    import yaml

    target, sep, value = text.partition("=")
    name, dot, option = target.partition(".")
    if not sep or not dot or not name or not option:
        raise ConfigError(f"--set {text!r}: expected NAME.OPTION=VALUE, e.g. rouge.use_stemmer=false")
    return name, option, yaml.safe_load(value)


def resolve_spec(
    names: Sequence[str], overrides: Sequence[str] = (), config_dirs: Sequence[str] = (), judge: str | None = None
) -> dict[str, dict[str, Any]]:
    """Metric config name -> options (naming the class by `metric:` or `_target_:`), for
    `build_metrics`. A name is a config (shipped, or in a `config_dirs` folder), a registered
    metric, an installed plugin's entry point or a class path (keyed by the class's `name`).
    `judge` (a judge config name) goes to every metric with a `judge` option, as `judge=NAME`
    does in a run; `judge.OPTION=VALUE` overrides set its options."""
    spec: dict[str, dict[str, Any]] = {}
    judge_config = load_judge_config(judge, config_dirs) if judge else None
    for entry in names:
        alias, sep, key = entry.partition("=")
        name, options = single_metric(key or alias, config_dirs)
        if sep and alias != key and alias in METRICS.names():  # `rouge=support` would pass support off as rouge
            raise ConfigError(
                f"--metrics {entry!r}: the alias '{alias}' is the name of another metric; choose a name no metric has"
            )
        taken = alias if sep else name
        if taken in spec:  # a second entry of one name would replace the first's scores unseen
            raise ConfigError(f"--metrics {entry!r}: the name '{taken}' is already taken by an earlier entry")
        spec[taken] = options
    for text in overrides:
        name, option, value = parse_override(text)
        if name == "judge" and "judge" not in spec:
            if judge_config is None:
                raise ConfigError(f"--set {text!r}: no judge chosen; add --judge NAME (harness list judges)")
            set_dotted(judge_config, option, value)
            continue
        if name not in spec:
            raise ConfigError(f"--set {text!r}: '{name}' is not among --metrics ({', '.join(spec)})")
        spec[name][option] = value
    for name, options in spec.items():
        judged = "judge" in {f.name for f in dataclasses.fields(metric_class(name, options)[0].Options)}
        if judged and judge_config is not None:
            options["judge"] = judge_config
    return spec


def set_dotted(node: dict[str, Any], path: str, value: Any) -> None:
    """`price.input_per_million` = value inside a nested mapping."""
    *parents, last = path.split(".")
    for part in parents:
        child = node.get(part)
        node = node.setdefault(part, {}) if child is None else child
        if not isinstance(node, dict):
            raise ConfigError(f"--set judge.{path}: judge.{part} is not a section")
    node[last] = value


@dataclass
class MetricScores:
    columns: dict[str, np.ndarray]  # "<config name>/<field>" -> one value per record (NaN when not computable)
    signatures: dict[str, str]  # config name -> signature (variant and version)
    directions: dict[str, bool | None]  # key -> higher is better (True), lower (False), neither (None)
    skipped: dict[str, str] = dataclasses.field(default_factory=dict)  # config name -> why it did not run

    @property
    def lower_is_better(self) -> list[str]:
        return [k for k, d in self.directions.items() if d is False]


@dataclass
class MetricSet:
    """The metric objects of a spec, built once (a model-based metric loads its model here)."""

    spec: dict[str, dict[str, Any]]
    names: list[str]
    metrics: list[Metric]

    @classmethod
    def build(cls, spec: dict[str, dict[str, Any]]) -> MetricSet:
        return cls(spec, list(spec), build_metrics(spec))  # fails here, before any work, on a bad name or option

    @property
    def needs(self) -> frozenset[str]:
        """What the examples must carry for these metrics ("references", "facts")."""
        return frozenset().union(*(m.requires for m in self.metrics))


# How a meta-eval user provides what a skipped metric needs.
HINTS = {"references": "choose --against", "facts": "pass --facts-field FIELD"}

_WORKER_METRICS: dict[str, Metric] = {}


def _init_worker(spec: dict[str, dict[str, Any]]) -> None:
    _WORKER_METRICS.clear()
    _WORKER_METRICS.update((m.name, m) for m in build_metrics(spec))


def _score_chunk(job: tuple[str, list[Example], list[Summary]]) -> list[Scored]:
    name, examples, summaries = job
    return _WORKER_METRICS[name].score(examples, summaries)


def _chunks(n: int, parts: int) -> list[slice]:
    size = max(1, math.ceil(n / parts))
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def _table(metric_set: MetricSet, examples: list[Example], summaries: list[Summary], workers: int) -> ScoreTable:
    """`score_documents` over the records; `workers` > 1 scores each metric's chunks of records
    in processes (each builds the metrics once)."""
    if workers <= 1 or len(examples) <= 1:
        return score_documents(metric_set.metrics, examples, summaries, hints=HINTS)
    slices = _chunks(len(examples), workers * 4)
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(metric_set.spec,)) as pool:

        def in_processes(metric: Metric, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[Scored]:
            jobs = [(metric.name, list(examples[s]), list(summaries[s])) for s in slices]
            return [scored for part in pool.map(_score_chunk, jobs) for scored in part]

        return score_documents(metric_set.metrics, examples, summaries, hints=HINTS, run=in_processes)


def _columns(table: ScoreTable, n: int, at: list[int]) -> dict[str, np.ndarray]:
    """Each field as one value per record (NaN where not computable); `at`: the records scored."""
    columns = {}
    for key in table.fields:
        column = np.full(n, np.nan)
        column[at] = [np.nan if v is None else float(v) for v in table.column(key)]
        columns[key] = column
    return columns


def _mean_over_references(
    metric_set: MetricSet, examples: list[Example], summaries: list[Summary], workers: int
) -> tuple[ScoreTable, dict[str, np.ndarray]]:
    """Score against each reference alone and average every field over a record's references
    (BARTScore's `_mean` scores, which G-Eval and UniEval report for SummEval's 11 references)."""
    n = len(examples)
    totals: dict[str, np.ndarray] = {}
    counts: dict[str, np.ndarray] = {}
    first: ScoreTable | None = None
    for k in range(max(len(e.references) for e in examples)):
        at = [i for i, e in enumerate(examples) if len(e.references) > k]
        single = [dataclasses.replace(examples[i], references=(examples[i].references[k],)) for i in at]
        table = _table(metric_set, single, [summaries[i] for i in at], workers)
        first = first or table
        for key, column in _columns(table, n, at).items():
            present = ~np.isnan(column)
            totals.setdefault(key, np.zeros(n))[present] += column[present]
            counts.setdefault(key, np.zeros(n))[present] += 1
    assert first is not None  # some record has a reference
    with np.errstate(invalid="ignore"):
        return first, {key: totals[key] / counts[key] for key in totals}  # 0/0 -> NaN: no reference scored


def score_all(
    spec: dict[str, dict[str, Any]] | MetricSet,
    examples: list[Example],
    summaries: list[Summary],
    workers: int = 1,
    multi_reference: str = "best",
    references_from: str = "reference",
) -> MetricScores:
    """Score the records with every metric through `harness.metrics.scoring.score_documents`, the
    function `harness run` scores with (same fields, same values, same missing-input policy: a
    metric whose input no record carries is skipped with the reason; when every metric is, there
    is nothing to evaluate and this raises). `multi_reference` "best" hands all references to the
    metric (ROUGE keeps the best reference per type); "mean" averages single-reference scores.
    `references_from` (meta-eval's --against) is what fills the examples' references: it is
    added to the signature of each metric that reads them, which cannot tell by itself."""
    metric_set = spec if isinstance(spec, MetricSet) else MetricSet.build(spec)
    if multi_reference == "mean" and any(e.references for e in examples):
        table, columns = _mean_over_references(metric_set, examples, summaries, workers)
    else:
        table = _table(metric_set, examples, summaries, workers)
        columns = _columns(table, len(examples), list(range(len(examples))))
    if table.skipped and len(table.skipped) == len(metric_set.metrics):
        reasons = "; ".join(f"'{name}': {why}" for name, why in table.skipped.items())
        raise InputError(f"no metric can run on these records ({reasons})")
    signatures = {
        m.name: m.signature() + (f"|references_from:{references_from}" if "references" in m.requires else "")
        for m in metric_set.metrics
        if m.name not in table.skipped
    }
    directions = {key: meta["higher_is_better"] for key, meta in table.fields.items()}
    return MetricScores(columns, signatures, directions, table.skipped)
