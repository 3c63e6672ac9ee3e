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

from harness.errors import ConfigError, InputError
from harness.metrics.base import Metric
from harness.metrics.loading import build_metrics, single_metric
from harness.records import Example, Summary


def parse_override(text: str) -> tuple[str, str, Any]:
    """ "name.option=value" -> (name, option, value); the value is read as YAML (true, 3, [a, b])."""
    import yaml

    target, sep, value = text.partition("=")
    name, dot, option = target.partition(".")
    if not sep or not dot or not name or not option:
        raise ConfigError(f"--set {text!r}: expected NAME.OPTION=VALUE, e.g. rouge.use_stemmer=false")
    return name, option, yaml.safe_load(value)


def resolve_spec(
    names: Sequence[str], overrides: Sequence[str] = (), config_dirs: Sequence[str] = ()
) -> dict[str, dict[str, Any]]:
    """Metric config name -> options (naming the class by `metric:` or `_target_:`), for
    `build_metrics`. A name is a config (shipped, or in a `config_dirs` folder), a registered
    metric, an installed plugin's entry point or a class path (keyed by the class's `name`)."""
    spec: dict[str, dict[str, Any]] = {}
    for entry in names:
        alias, sep, key = entry.partition("=")
        name, options = single_metric(key or alias, config_dirs)
        spec[alias if sep else name] = options
    for text in overrides:
        name, option, value = parse_override(text)
        if name not in spec:
            raise ConfigError(f"--set {text!r}: '{name}' is not among --metrics ({', '.join(spec)})")
        spec[name][option] = value
    return spec


@dataclass
class MetricScores:
    columns: dict[str, np.ndarray]  # "<config name>/<field>" -> one value per record (NaN when not computable)
    signatures: dict[str, str]  # config name -> signature (variant and version)
    directions: dict[str, bool | None]  # key -> higher is better (True), lower (False), neither (None)

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

    def directions(self) -> dict[str, bool | None]:
        return {f"{n}/{f}": m.higher_is_better(f) for n, m in zip(self.names, self.metrics) for f in m.fields}


def _check_requirements(names: list[str], metrics: list[Metric], examples: Sequence[Example]) -> None:
    available = {
        "references": any(e.references for e in examples),
        "facts": any(e.facts for e in examples),
    }
    hints = {"references": "choose --against", "facts": "pass --facts-field FIELD"}
    for name, metric in zip(names, metrics):
        for need in sorted(metric.requires):
            if not available.get(need, True):
                raise InputError(f"metric '{name}' needs {need}, which no record provides ({hints.get(need, '')})")


_WORKER_METRICS: list[Metric] = []


def _init_worker(spec: dict[str, dict[str, Any]]) -> None:
    _WORKER_METRICS[:] = build_metrics(spec)


def _score_chunk(chunk: tuple[list[Example], list[Summary]]) -> list[list[dict[str, float | None]]]:
    examples, summaries = chunk
    return [[s.values for s in metric.score(examples, summaries)] for metric in _WORKER_METRICS]


def _chunks(n: int, parts: int) -> list[slice]:
    size = max(1, math.ceil(n / parts))
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def _score_rows(
    spec: dict[str, dict[str, Any]],
    metrics: list[Metric],
    examples: list[Example],
    summaries: list[Summary],
    workers: int,
) -> list[list[dict[str, float | None]]]:
    """Per metric, one row of field values per record; `workers` > 1 scores chunks in processes."""
    if workers > 1 and len(examples) > 1:
        slices = _chunks(len(examples), workers * 4)
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(spec,)) as pool:
            parts = list(pool.map(_score_chunk, [(examples[s], summaries[s]) for s in slices]))
        return [[row for part in parts for row in part[m]] for m in range(len(metrics))]
    return [[s.values for s in metric.score(examples, summaries)] for metric in metrics]


def _columns(names: list[str], metrics: list[Metric], rows, n: int, at: list[int]) -> dict[str, np.ndarray]:
    columns = {}
    for name, metric, metric_rows in zip(names, metrics, rows):
        for field_name in metric.fields:
            column = np.full(n, np.nan)
            column[at] = [np.nan if row.get(field_name) is None else float(row[field_name]) for row in metric_rows]
            columns[f"{name}/{field_name}"] = column
    return columns


def _mean_over_references(spec, metrics, names, examples, summaries, workers) -> dict[str, np.ndarray]:
    """Score against each reference alone and average every field over a record's references
    (BARTScore's `_mean` scores, which G-Eval and UniEval report for SummEval's 11 references)."""
    n = len(examples)
    totals: dict[str, np.ndarray] = {}
    counts: dict[str, np.ndarray] = {}
    for k in range(max(len(e.references) for e in examples)):
        at = [i for i, e in enumerate(examples) if len(e.references) > k]
        single = [dataclasses.replace(examples[i], references=(examples[i].references[k],)) for i in at]
        rows = _score_rows(spec, metrics, single, [summaries[i] for i in at], workers)
        for key, column in _columns(names, metrics, rows, n, at).items():
            present = ~np.isnan(column)
            totals.setdefault(key, np.zeros(n))[present] += column[present]
            counts.setdefault(key, np.zeros(n))[present] += 1
    with np.errstate(invalid="ignore"):
        return {key: totals[key] / counts[key] for key in totals}  # 0/0 -> NaN: no reference scored


def score_all(
    spec: dict[str, dict[str, Any]] | MetricSet,
    examples: list[Example],
    summaries: list[Summary],
    workers: int = 1,
    multi_reference: str = "best",
    references_from: str = "reference",
) -> MetricScores:
    """Score the records with every metric. `multi_reference` "best" hands all references to the
    metric (ROUGE keeps the best reference per type); "mean" averages single-reference scores.
    `references_from` (meta-eval's --against) is what fills the examples' references: it is
    added to the signature of each metric that reads them, which cannot tell by itself."""
    metric_set = spec if isinstance(spec, MetricSet) else MetricSet.build(spec)
    spec, names, metrics = metric_set.spec, metric_set.names, metric_set.metrics
    _check_requirements(names, metrics, examples)
    if multi_reference == "mean" and any(e.references for e in examples):
        columns = _mean_over_references(spec, metrics, names, examples, summaries, workers)
    else:
        rows = _score_rows(spec, metrics, examples, summaries, workers)
        columns = _columns(names, metrics, rows, len(examples), list(range(len(examples))))
    signatures = {
        n: m.signature() + (f"|references_from:{references_from}" if "references" in m.requires else "")
        for n, m in zip(names, metrics)
    }
    return MetricScores(columns, signatures, metric_set.directions())
