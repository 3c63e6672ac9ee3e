"""Score summaries with metrics: the one scoring path of `harness run`, `harness score` and
`harness meta-eval`.

Pure: examples and summaries in, one row of fields per (example, summary) pair out; nothing is
read or written here (a run folder's files are `harness.run.pipeline.score_run`'s job, meta-eval's
files its command's).

Missing inputs, one policy for every caller: a metric that requires what no example carries
(`references`, `facts`) does not run; it is listed in `skipped` with the reason (and logged), and
its fields are absent from the rows. A metric that runs but cannot score one document gives None
for it (never 0), with the reason counted under the field's `not_applicable` when the metric says
why. A metric emitting a field it did not declare is a bug, and an error.
"""

from __future__ import annotations

import logging
import math
import numbers
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.errors import PluginError, no_plugin_exit
from harness.metrics.base import Metric, Scored
from harness.records import Example, Summary

log = logging.getLogger("harness")

# What scores one metric over all pairs; meta-eval passes one that fans chunks out to processes.
MetricRunner = Callable[[Metric, Sequence[Example], Sequence[Summary]], list[Scored]]

MISSING = {"references": "the dataset has no references", "facts": "the dataset has no source facts"}


def run_metric(metric: Metric, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[Scored]:
    return metric.score(examples, summaries)


def class_path(obj: Any) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


@dataclass
class ScoreTable:
    """What scoring produced."""

    rows: list[dict[str, Any]]  # per pair, in input order: doc_id, "<name>/<field>": value or None, details
    fields: dict[
        str, dict[str, Any]
    ]  # "<name>/<field>" -> higher_is_better, headline, signature[, method, not_applicable]
    skipped: dict[str, str]  # metric config name -> why it did not run

    def column(self, key: str) -> list[float | None]:
        return [row.get(key) for row in self.rows]


def missing_requirement(
    metric: Metric, examples: Sequence[Example], hints: Mapping[str, str] | None = None
) -> str | None:
    """Why `metric` cannot run on these examples (None: it can). `hints` says, per input, how the
    caller's user provides it (e.g. "set dataset.facts_field"), and under "judge" how they choose a
    judge, named for a metric whose judge provides the missing input (`judge_provides`: facts)."""
    unavailable = getattr(metric, "unavailable", None)  # a plugin may not call Metric.__init__
    if unavailable:
        return str(unavailable)
    hints = hints or {}
    for need in MISSING:
        if need in metric.requires and not any(getattr(e, need) for e in examples):
            ways = [hints[need]] if need in hints else []
            if need in getattr(metric, "judge_provides", ()) and "judge" in hints:
                ways.append(f"or let a judge extract them: {hints['judge']}")
            return MISSING[need] + (f" ({'; '.join(ways)})" if ways else "")
    return None


def checked_value(metric: Metric, name: str, doc_id: str, value: Any) -> Any:
    """A field's value: None (not computable), or a finite number; NaN counts as not computable.
    Anything else (a string, a bool, infinity) is the metric's bug, never averaged."""
    if value is None or (
        isinstance(value, numbers.Real) and not isinstance(value, bool) and not math.isinf(float(value))
    ):
        return value
    raise PluginError(
        f"metric '{metric.name}' ({class_path(metric)}) gave field '{name}' of document '{doc_id}' the value "
        f"{value!r} ({type(value).__name__}); a value must be a finite int or float, or None when not computable"
    )


def _bound(value: float | None) -> float | None:
    return None if value is None else float(value)


def score_documents(
    metrics: Sequence[Metric],
    examples: Sequence[Example],
    summaries: Sequence[Summary],
    *,
    hints: Mapping[str, str] | None = None,
    run: MetricRunner = run_metric,
    progress: Callable[[Sequence[Metric]], Iterable[Metric]] | None = None,
) -> ScoreTable:
    """Score each (example, summary) pair with every metric; keys are `<metric.name>/<field>`
    (the metric's config name). Pairs keep their order; a document may appear more than once
    (meta-eval: one pair per system). Each metric gets all pairs in one call, so its own batching
    (length-sorted model batches, de-duplicated texts) sees them all at once. `progress` wraps
    the metrics for a progress display (`harness run`'s bar)."""
    if len(examples) != len(summaries):
        raise ValueError(f"{len(examples)} examples but {len(summaries)} summaries")
    rows: list[dict[str, Any]] = [{"doc_id": e.doc_id} for e in examples]
    fields: dict[str, dict[str, Any]] = {}
    skipped: dict[str, str] = {}
    for metric in progress(metrics) if progress else metrics:
        reason = missing_requirement(metric, examples, hints)
        if reason:
            skipped[metric.name] = reason
            log.warning("metric %s skipped: %s", metric.name, reason)
            continue
        t0 = time.time()
        with no_plugin_exit(f"metric '{metric.name}' ({class_path(metric)})"):
            results = run(metric, examples, summaries)
        if not isinstance(results, Sequence) or len(results) != len(examples):
            count = f"{len(results)} results" if isinstance(results, Sequence) else f"a {type(results).__name__}"
            raise PluginError(
                f"metric '{metric.name}' ({class_path(metric)}) returned {count} for {len(examples)} summaries; "
                "score() must return one Scored per summary, in order"
            )
        log.info("scored %s on %d summaries in %.1fs", metric.name, len(summaries), time.time() - t0)
        not_applicable: dict[str, Counter[str]] = {}
        for row, result in zip(rows, results):
            if not isinstance(result, Scored):
                raise PluginError(
                    f"metric '{metric.name}' ({class_path(metric)}) returned a {type(result).__name__} for "
                    f"document '{row['doc_id']}'; score() must return Scored objects"
                )
            extra = set(result.values) - set(metric.fields)
            if extra:
                raise PluginError(
                    f"metric {metric.name} emitted undeclared fields {sorted(extra)} for document "
                    f"'{row['doc_id']}'; every field must be declared in `fields`"
                )
            for name in metric.fields:
                row[f"{metric.name}/{name}"] = checked_value(metric, name, row["doc_id"], result.values.get(name))
            if result.details is not None:
                row.setdefault("details", {})[metric.name] = result.details
            for name, why in result.not_applicable.items():
                not_applicable.setdefault(name, Counter())[why] += 1
        for name in metric.fields:
            fields[f"{metric.name}/{name}"] = {
                "higher_is_better": metric.higher_is_better(name),
                "headline": name in (metric.headline or metric.fields),  # none named: every field
                "signature": metric.signature(),
            }
            if metric.field_method(name):  # how a faithfulness field decides ("lexical", "nli", ...)
                fields[f"{metric.name}/{name}"]["method"] = metric.field_method(name)
            if name in metric.ranges:
                low, high = metric.ranges[name]
                fields[f"{metric.name}/{name}"]["range"] = [_bound(low), _bound(high)]
        for name, reasons in not_applicable.items():
            # Why a field has no value for some summaries (e.g. bullet checks on prose).
            key = f"{metric.name}/{name}"
            fields[key]["not_applicable"] = {"n": sum(reasons.values()), "reasons": dict(reasons.most_common())}
            log.info(
                "%s not applicable to %d of %d summaries: %s",
                key,
                sum(reasons.values()),
                len(summaries),
                reasons.most_common(1)[0][0],
            )
    return ScoreTable(rows, fields, skipped)
