"""`--fail-if-worse METRIC[:MARGIN]`: a gate for CI pipelines.

A run fails when it is significantly worse than the baseline on METRIC by more than MARGIN: the
sign-flip test of the per-document differences shifted by the margin, Holm-corrected over the
metric's runs, on the documents of the table's column (with margin 0, the table's own test).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from harness import stats
from harness.analysis.significance import score_matrix
from harness.errors import ConfigError
from harness.registry import suggest

if TYPE_CHECKING:
    from harness.analysis.runs import Run
    from harness.analysis.tables import Comparison


def parse_gate(spec: str) -> tuple[str, float]:
    key, _, margin = spec.rpartition(":") if spec.count(":") else (spec, "", "0")
    try:
        value = float(margin or 0)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:  # nan or inf would make every comparison pass
        raise ConfigError(
            f"--fail-if-worse {spec!r}: expected METRIC or METRIC:MARGIN with a finite, non-negative number as margin"
        )
    return key, value


def gate(
    runs: Sequence[Run], comparison: Comparison, specs: Sequence[str], unfinished: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """For each METRIC[:MARGIN]: runs significantly worse than the baseline by more than MARGIN
    (sign-flip test of the difference shifted by the margin, Holm over the metric's runs).
    A gate passes only when every run was tested: a run with no document to test, or a run of
    the sweep that did not finish (`unfinished`: "<folder> (<why>)"), fails it with the reason."""
    settings = comparison.settings
    if settings.baseline is None:
        raise ConfigError("--fail-if-worse needs --baseline LABEL: the run the others must not be worse than")
    by_key = {c.key: c for c in comparison.columns}
    results = []
    for spec in specs:
        key, margin = parse_gate(spec)
        column = by_key.get(key)
        if column is None:
            raise ConfigError(f"--fail-if-worse {spec!r}: '{key}' is not a compared field.{suggest(key, list(by_key))}")
        if column.descriptive:
            raise ConfigError(f"--fail-if-worse {spec!r}: '{key}' is descriptive (neither higher nor lower is better)")
        sign = 1.0 if column.higher_is_better else -1.0
        labels = [c.label for c in column.cells]
        x = score_matrix([r for r in runs if r.label in labels], key, comparison.doc_ids)
        x = x[:, ~np.isnan(x).any(axis=0)]  # the documents of the table's column
        base = labels.index(settings.baseline)
        tests = []
        for i, label in enumerate(labels):
            if i == base:
                continue
            r = stats.paired_test(
                x[i], x[base], column.samples, stats.seed_for(key, label, settings.baseline), shift=sign * margin
            )
            tests.append((label, r))
        adjusted = stats.holm([r.p for _, r in tests])
        for (label, r), p_holm in zip(tests, adjusted):
            worse = r.diff is not None and sign * r.diff + margin < 0 and p_holm < settings.alpha
            results.append(
                {
                    "metric": key,
                    "margin": margin,
                    "run": label,
                    "baseline": settings.baseline,
                    "n": r.n,
                    "diff": r.diff,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                    "p": r.p,
                    "p_holm": float(p_holm),
                    "higher_is_better": column.higher_is_better,
                    "failed": bool(worse) or r.diff is None,
                    **({"reason": "no document scored by both, nothing to test"} if r.diff is None else {}),
                }
            )
        for run in unfinished:
            results.append(
                {
                    "metric": key,
                    "margin": margin,
                    "run": run,
                    "baseline": settings.baseline,
                    "n": 0,
                    "diff": None,
                    "failed": True,
                    "reason": "the run did not finish, nothing to test",
                }
            )
    return results


def gate_lines(results: Sequence[dict[str, Any]]) -> list[str]:
    lines = []
    for g in results:
        if g.get("reason"):
            lines.append(f"GATE FAILED: {g['run']} vs {g['baseline']} on {g['metric']}: {g['reason']}")
            continue
        what = f"{g['run']} vs {g['baseline']} on {g['metric']}: difference {g['diff']:+.4f} [{g['ci_low']:+.4f}, {g['ci_high']:+.4f}], n={g['n']}"
        margin = f" by more than the margin {g['margin']}" if g["margin"] else ""
        if g["failed"]:
            lines.append(
                f"GATE FAILED: {what}: significantly worse{margin} (p={g['p']:.4g}, Holm-adjusted {g['p_holm']:.4g} < alpha)"
            )
        else:
            lines.append(f"gate passed: {what}: {non_inferiority(g)}")
    return lines


def non_inferiority(g: dict[str, Any]) -> str:
    """A passed gate as the non-inferiority result it is: shown when the whole 95% CI of the
    difference lies on the good side of -margin (+margin for a lower-is-better field), else not
    shown (not significantly worse, but a loss of the margin is not ruled out)."""
    higher = g.get("higher_is_better", True) is not False
    bound = -g["margin"] if higher else g["margin"]
    shown = g["ci_low"] > bound if higher else g["ci_high"] < bound
    side = "above" if higher else "below"
    limit = f"{bound:+g}" if bound else "0"
    test = f"Holm-adjusted p={g['p_holm']:.4g} against a difference of {limit}"
    if shown:
        return f"non-inferior within the margin {g['margin']:g} (not significantly worse by more than the margin {g['margin']:g}): the 95% CI [{g['ci_low']:+.4f}, {g['ci_high']:+.4f}] lies {side} {limit} ({test})"
    opposite = "below" if higher else "above"
    return (
        f"not significantly worse by more than the margin {g['margin']:g}, but non-inferiority not shown: "
        f"the 95% CI [{g['ci_low']:+.4f}, {g['ci_high']:+.4f}] reaches {opposite} {limit} ({test})"
    )
