"""Score every summary with the harness's own metrics (the objects `harness run` builds).

`--metrics NAME` takes its options from the shipped `conf/metrics/NAME.yaml` when there is one,
else uses registry entry NAME with default options; `ALIAS=KEY` scores registry entry (or shipped
config) KEY under the name ALIAS, so two variants of one metric can sit side by side
(`stem=rouge nostem=rouge --set nostem.use_stemmer=false`). Result keys are `<name>/<field>`.
"""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from harness.errors import ConfigError, InputError
from harness.metrics.base import Metric
from harness.metrics.loading import build_metrics, metric_spec, packaged_metric_names
from harness.records import Example, Summary


def parse_override(text: str) -> tuple[str, str, Any]:
    """"name.option=value" -> (name, option, value); the value is read as YAML (true, 3, [a, b])."""
    import yaml

    target, sep, value = text.partition("=")
    name, dot, option = target.partition(".")
    if not sep or not dot or not name or not option:
        raise ConfigError(f"--set {text!r}: expected NAME.OPTION=VALUE, e.g. rouge.use_stemmer=false")
    return name, option, yaml.safe_load(value)


def resolve_spec(names: Sequence[str], overrides: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
    """Metric config name -> options (with a `metric:` registry key), for `build_metrics`."""
    shipped = set(packaged_metric_names())
    spec: dict[str, dict[str, Any]] = {}
    for entry in names:
        alias, _, key = entry.partition("=")
        key = key or alias
        options = dict(metric_spec([key])[key]) if key in shipped else {"metric": key}
        options.setdefault("metric", key)
        spec[alias] = options
    for text in overrides:
        name, option, value = parse_override(text)
        if name not in spec:
            raise ConfigError(f"--set {text!r}: '{name}' is not among --metrics ({', '.join(spec)})")
        spec[name][option] = value
    return spec


@dataclass
class MetricScores:
    columns: dict[str, np.ndarray]  # "<name>/<field>" -> one value per record (NaN when not computable)
    signatures: dict[str, str]  # metric name -> signature (variant and version)
    lower_is_better: list[str]


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


def score_all(
    spec: dict[str, dict[str, Any]], examples: list[Example], summaries: list[Summary], workers: int = 1
) -> MetricScores:
    """Score the records with every metric; `workers` > 1 scores chunks in separate processes."""
    metrics = build_metrics(spec)  # fails here, before any work, on a bad name or option
    names = list(spec)
    _check_requirements(names, metrics, examples)
    if workers > 1 and len(examples) > 1:
        slices = _chunks(len(examples), workers * 4)
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(spec,)) as pool:
            parts = list(pool.map(_score_chunk, [(examples[s], summaries[s]) for s in slices]))
        rows = [[row for part in parts for row in part[m]] for m in range(len(metrics))]
    else:
        rows = [[s.values for s in metric.score(examples, summaries)] for metric in metrics]
    columns: dict[str, np.ndarray] = {}
    lower: list[str] = []
    for name, metric, metric_rows in zip(names, metrics, rows):
        for field_name in metric.fields:
            values = [row.get(field_name) for row in metric_rows]
            columns[f"{name}/{field_name}"] = np.array([np.nan if v is None else float(v) for v in values])
            if field_name in metric.lower_is_better:
                lower.append(f"{name}/{field_name}")
    return MetricScores(columns, {n: m.signature() for n, m in zip(names, metrics)}, lower)
