"""<benchmark>.json, <benchmark>.md and <benchmark>_scores.jsonl of `harness meta-eval --benchmark`.

JSON layout: results[metric_field] = {"higher_is_better", "datasets": {name: {n_dev, n_test,
positive_dev, positive_test, unscored_dev, unscored_test, threshold, threshold_from,
dev_balanced_accuracy, balanced_accuracy: {"value", "ci95"}, undefined}}, "average": {"value",
"ci95", "datasets", "left_out"}}. Balanced accuracy is a fraction in the JSON, a percentage (as
the benchmarks publish it) in the Markdown.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from harness.analysis.escape import md_cell, md_code
from harness.analysis.meta_eval.benchmarks import BenchmarkData
from harness.analysis.meta_eval.detection import FieldResult
from harness.analysis.meta_eval.output import ARROWS

SCORES_SCHEMA_VERSION = 1


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _interval(ci: tuple[float, float] | None) -> list[float] | None:
    return None if ci is None else [float(ci[0]), float(ci[1])]


def field_json(result: FieldResult) -> dict[str, Any]:
    datasets = {
        r.name: {
            "n_dev": r.n_dev,
            "n_test": r.n_test,
            "positive_dev": r.positive_dev,
            "positive_test": r.positive_test,
            "unscored_dev": r.unscored_dev,
            "unscored_test": r.unscored_test,
            "threshold": r.threshold,
            "threshold_from": r.threshold_from,
            "dev_balanced_accuracy": _number(r.dev_balanced_accuracy),
            "balanced_accuracy": {"value": _number(r.balanced_accuracy), "ci95": _interval(r.ci95)},
            "undefined": r.undefined,
        }
        for r in result.datasets
    }
    average = {
        "value": _number(result.average),
        "ci95": _interval(result.average_ci95),
        "datasets": result.averaged,
        "left_out": result.left_out,
    }
    return {"higher_is_better": result.higher_is_better, "datasets": datasets, "average": average}


def to_json(results: list[FieldResult], protocol: dict[str, Any]) -> dict[str, Any]:
    return {"protocol": protocol, "results": {r.field: field_json(r) for r in results}}


def to_json_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def _percent(value: float | None, ci: list[float] | None) -> str:
    if value is None:
        return "–"
    text = f"{100 * value:.1f}"
    return text + (f" [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]" if ci else "")


def _threshold(value: float) -> str:
    return f"{value:.4g}"


def field_table(key: str, result: dict[str, Any]) -> list[str]:
    """One field's table: a row per dataset, then the macro average."""
    arrow = ARROWS[result["higher_is_better"]]
    lines = [
        f"## {md_code(key)} {arrow}",
        "",
        "| dataset | n dev | n test | threshold | threshold from | bal. acc. % [95% CI] |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in result["datasets"].items():
        accuracy = row["balanced_accuracy"]
        shown = (
            _percent(accuracy["value"], accuracy["ci95"])
            if accuracy["value"] is not None
            else f"– ({row['undefined']})"
        )
        lines.append(
            f"| {md_cell(name)} | {row['n_dev']} | {row['n_test']} | {_threshold(row['threshold'])} | "
            f"{md_cell(row['threshold_from'])} | {shown} |"
        )
    average = result["average"]
    rows = result["datasets"].values()
    lines.append(
        f"| **average** ({len(average['datasets'])} datasets) | {sum(r['n_dev'] for r in rows)} | "
        f"{sum(r['n_test'] for r in rows)} | | | **{_percent(average['value'], average['ci95'])}** |"
    )
    notes = []
    if average["left_out"]:
        notes.append(
            "not in the average: " + "; ".join(f"{md_cell(d)} ({md_cell(w)})" for d, w in average["left_out"].items())
        )
    unscored = {d: r["unscored_dev"] + r["unscored_test"] for d, r in result["datasets"].items()}
    if any(unscored.values()):
        notes.append(
            "claims without a score (left out): " + ", ".join(f"{md_cell(d)} {n}" for d, n in unscored.items() if n)
        )
    return lines + ([""] + [f"- {n}" for n in notes] if notes else [])


def tables(payload: dict[str, Any]) -> str:
    """The tables alone: what the command prints."""
    out: list[str] = []
    for key, result in payload["results"].items():
        out += field_table(key, result) + [""]
    return "\n".join(out).rstrip("\n")


def _header(protocol: dict[str, Any]) -> list[str]:
    data, boot = protocol["data"], protocol["bootstrap"]
    lines = [
        f"# {md_cell(protocol['title'])}: balanced accuracy per dataset",
        "",
        f"- data: {md_code(data['path'])}, {len(data['files'])} file(s); {data['claims']} claims used "
        f"of {data['records_read']} records read",
        f"- threshold: {md_cell(protocol['threshold'])}",
        f"- balanced accuracy: {md_cell(protocol['balanced_accuracy'])}",
        f"- bootstrap: {boot['samples']} resamples, seed {boot['seed']}, {boot['ci']} CI; {md_cell(boot['resampled'])}",
        f"- claims: {md_cell(protocol['claims'])}",
    ]
    if data["skipped"]["count"]:
        lines.append(
            f"- skipped records: {data['skipped']['count']} (first: {md_cell(data['skipped']['records'][0])}; "
            f"all in the JSON)"
        )
    if data["read_as_test"]:
        lines.append(
            f"- read as test (no split in the file name or records): {', '.join(map(md_code, data['read_as_test']))}"
        )
    if data.get("dev_claims_not_scored"):
        lines.append(f"- {data['dev_claims_not_scored']} dev claims not scored: --threshold needs none")
    if data["published_datasets_absent"]:
        lines.append(
            f"- published datasets not in the data: {', '.join(map(md_cell, data['published_datasets_absent']))}"
        )
    if data["excluded_by_datasets"]:
        lines.append(f"- {data['excluded_by_datasets']} claims of datasets not chosen by --datasets left out")
    lines += [f"- metric {md_code(name)}: {md_code(sig)}" for name, sig in protocol["metric_signatures"].items()]
    return lines + [""]


def to_markdown(payload: dict[str, Any]) -> str:
    return "\n".join(_header(payload["protocol"])) + "\n" + tables(payload) + "\n"


def scores_text(data: BenchmarkData, columns: dict[str, np.ndarray]) -> str:
    """One line per claim, in reading order: where it is, its dataset, split and label, and every
    metric field (null where not computed)."""
    lines = []
    for i, claim in enumerate(data.claims):
        record = {
            "schema_version": SCORES_SCHEMA_VERSION,
            "where": claim.where,
            "dataset": claim.dataset,
            "split": claim.split,
            "label": claim.label,
            "metrics": {k: _number(v[i]) for k, v in columns.items()},
        }
        lines.append(json.dumps(record, ensure_ascii=False, allow_nan=False))
    return "\n".join(lines) + "\n"
