"""Meta-evaluate a fact checker on LLM-AggreFact or the SummaC benchmark: score every claim with
the harness's metrics (through `score_documents`, as `harness run` scores), then balanced
accuracy per dataset with the dev-chosen threshold (`detection.py`).

Each claim is the one-bullet summary of its document: a claim is judged whole, as the
benchmark labels it (never split into sentences). A metric field is read as P(supported).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from harness.analysis.meta_eval.benchmarks import BenchmarkData, Claim
from harness.analysis.meta_eval.detection import FieldResult, evaluate_field
from harness.analysis.meta_eval.scoring import MetricScores, MetricSet, score_all
from harness.errors import ConfigError
from harness.metrics.base import Metric
from harness.records import Example, Summary


def claim_pair(claim: Claim) -> tuple[Example, Summary]:
    """The claim as a one-bullet summary of its document (line breaks inside it become spaces)."""
    text = " ".join(claim.claim.split())
    return Example(claim.where, claim.document), Summary(claim.where, claim.claim, (text,))


def check_metrics(metric_set: MetricSet) -> None:
    """A claim has a document and nothing else: a metric that reads references or facts has no input."""
    for metric in metric_set.metrics:
        if metric.requires:
            raise ConfigError(
                f"--metrics {metric.name}: it reads {' and '.join(sorted(metric.requires))}, which a "
                "benchmark's claims do not have (a document and a claim); choose a metric that checks "
                "a summary against its source (support, support_nli, support_judge, ...)"
            )


def default_field(metric: Metric) -> str:
    """The field read as P(supported) unless --fields says: `score`, else the first headline
    field where higher is better, else the first such field."""
    if "score" in metric.fields:
        return "score"
    for name in [*metric.headline, *metric.fields]:
        if name in metric.fields and metric.higher_is_better(name):
            return name
    raise ConfigError(f"metric '{metric.name}' has no field where higher is better; choose one with --fields")


def choose_fields(metric_set: MetricSet, columns: dict[str, np.ndarray], patterns: Sequence[str] | None) -> list[str]:
    """The metric fields to evaluate: those `patterns` match (globs on <name>/<field>), else each
    metric's default field."""
    if patterns:
        chosen = [k for k in columns if any(fnmatch.fnmatchcase(k, p) for p in patterns)]
        if not chosen:
            raise ConfigError(f"--fields {' '.join(patterns)} matches no metric field. Fields: {', '.join(columns)}")
        return chosen
    return [f"{m.name}/{default_field(m)}" for m in metric_set.metrics if f"{m.name}/{default_field(m)}" in columns]


@dataclass
class BenchmarkResult:
    scores: MetricScores
    fields: list[FieldResult]


def evaluate_benchmark(
    metric_set: MetricSet,
    data: BenchmarkData,
    fields: Sequence[str] | None = None,
    threshold: float | None = None,
    samples: int = 1000,
    seed: int = 0,
    workers: int = 1,
) -> BenchmarkResult:
    """Score every claim of `data` with every metric, then each chosen field per dataset."""
    check_metrics(metric_set)
    pairs = [claim_pair(c) for c in data.claims]
    scores = score_all(metric_set, [e for e, _ in pairs], [s for _, s in pairs], workers)
    labels = np.array([c.label for c in data.claims], dtype=float)
    datasets = [c.dataset for c in data.claims]
    is_dev = np.array([c.split == "dev" for c in data.claims])
    results = [
        evaluate_field(
            key, scores.columns[key], labels, datasets, is_dev, scores.directions[key], threshold, samples, seed
        )
        for key in choose_fields(metric_set, scores.columns, fields)
    ]
    return BenchmarkResult(scores, results)
