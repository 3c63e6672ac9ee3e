"""meta_eval.json, meta_eval.md and the printed table, all from one Analysis.

JSON layout: results[metric_field][human_field][level][statistic] = {"value", "ci95"} with levels
summary/system/global and statistics pearson/spearman/kendall (value null when undefined); beside
the statistics each level has n, dropped and p_vs_best, and roc_auc globally for 0/1 labels.
"""

from __future__ import annotations

import json
import math
from typing import Any

from harness.meta_eval.analysis import Analysis, ci95
from harness.meta_eval.correlation import STATISTICS
from harness.meta_eval.levels import LEVELS, LevelResult

SYMBOLS = {"pearson": "r", "spearman": "ρ", "kendall": "τ", "roc_auc": "AUC"}
UNITS = {"summary": "documents", "system": "systems", "global": "summaries"}


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _statistic(result: LevelResult, name: str) -> dict[str, Any]:
    low, high = ci95(result, name)
    value = _number(result.values[name])
    return {"value": value, "ci95": [low, high] if value is not None and low is not None else None}


def _level_json(analysis: Analysis, field: str, human: str, level: str) -> dict[str, Any]:
    result = analysis.results[field][human][level]
    out: dict[str, Any] = {name: _statistic(result, name) for name in result.values}
    out["n"] = result.n
    out["dropped"] = sum(result.dropped.values())
    out["dropped_by_reason"] = result.dropped
    out["p_vs_best"] = {s: _number(p) for s, p in analysis.p_vs_best[field][human][level].items()}
    return out


def _pairs_json(analysis: Analysis) -> list[dict[str, Any]]:
    out = []
    for (a, b), by_human in analysis.pairs.items():
        tests = {
            h: {
                lv: {
                    s: {"a": _number(t.a), "b": _number(t.b), "p_bootstrap": _number(t.p_bootstrap), "p_williams": _number(t.p_williams)}
                    for s, t in by_stat.items()
                }
                for lv, by_stat in by_level.items()
            }
            for h, by_level in by_human.items()
        }
        out.append({"a": a, "b": b, "h1": "a correlates better than b (one-sided)", "tests": tests})
    return out


def to_json(analysis: Analysis, protocol: dict[str, Any]) -> dict[str, Any]:
    results = {
        field: {h: {lv: _level_json(analysis, field, h, lv) for lv in LEVELS} for h in by_human}
        for field, by_human in analysis.results.items()
    }
    return {"protocol": protocol, "results": results, "best": analysis.best, "comparisons": _pairs_json(analysis)}


def write_json(path: str, payload: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=1, ensure_ascii=False, allow_nan=False)
        handle.write("\n")


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _cell(stat: dict[str, Any], bold: bool) -> str:
    text = _fmt(stat["value"])
    if stat["ci95"]:
        text += f" [{_fmt(stat['ci95'][0], 2)}, {_fmt(stat['ci95'][1], 2)}]"
    return f"**{text}**" if bold and stat["value"] is not None else text


def _pvalues(level: dict[str, Any], field: str, best: dict[str, str]) -> str:
    p = level["p_vs_best"]
    return " / ".join(_fmt(p[s]) if s in p else "best" if best.get(s) == field else "–" for s in STATISTICS)


def to_markdown(payload: dict[str, Any]) -> str:
    protocol = payload["protocol"]
    lines = ["# Meta-evaluation", ""]
    lines += [f"- data: `{protocol['data']['file']}` (sha256 {protocol['data']['sha256'][:12]}…): "
              f"{protocol['data']['documents']} documents × {protocol['data']['systems']} systems, {protocol['data']['records']} summaries; metrics against: {protocol['against']}"
              + (f" (several references: {protocol['multi_reference']})" if protocol.get("multi_reference") else "")]
    lines += [f"- {name}: {text}" for name, text in protocol["levels"].items()]
    boot = protocol["bootstrap"]
    lines += [f"- statistics: {protocol['statistics']}",
              f"- bootstrap: {boot['samples']} resamples, seed {boot['seed']}, {boot['ci']} CI; resampled {boot['resampled']}",
              f"- p vs best: {protocol['comparison']}", ""]
    lines += [f"- metric `{name}`: `{sig}`" for name, sig in protocol["metric_signatures"].items()]
    fields = list(payload["results"])
    humans = list(payload["results"][fields[0]]) if fields else []
    for human in humans:
        for level in LEVELS:
            best = payload["best"].get(human, {}).get(level, {})
            sample = payload["results"][fields[0]][human][level]
            extra = ["roc_auc"] if "roc_auc" in sample else []
            header = ["metric", *(f"{SYMBOLS[s]} [95% CI]" for s in (*STATISTICS, *extra)),
                      f"n {UNITS[level]}", "dropped", "p vs best (r / ρ / τ)"]
            lines += ["", f"## {human} — {level} level", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            for field in fields:
                level_json = payload["results"][field][human][level]
                cells = [_cell(level_json[s], best.get(s) == field) for s in (*STATISTICS, *extra)]
                lines.append("| " + " | ".join([f"`{field}`", *cells, str(level_json["n"]), str(level_json["dropped"]), _pvalues(level_json, field, best)]) + " |")
    for pair in payload["comparisons"]:
        lines += ["", f"## {pair['a']} vs {pair['b']} (H1: {pair['a']} correlates better; one-sided p)", "",
                  "| human | level | statistic | a | b | p (paired bootstrap) | p (Williams) |", "|---|---|---|---|---|---|---|"]
        for human, by_level in pair["tests"].items():
            for level, by_stat in by_level.items():
                for s, t in by_stat.items():
                    lines.append(f"| {human} | {level} | {SYMBOLS[s]} | {_fmt(t['a'])} | {_fmt(t['b'])} | {_fmt(t['p_bootstrap'])} | {_fmt(t['p_williams'])} |")
    return "\n".join(lines) + "\n"


def to_table(payload: dict[str, Any]) -> str:
    """Plain-text table for the terminal: values only (CIs are in the files)."""
    fields = list(payload["results"])
    width = max([len(f) for f in fields] + [6])
    head = " ".join(f"{lv[:3]}.{SYMBOLS[s]:<3}" for lv in LEVELS for s in STATISTICS)
    out = []
    for human in (list(payload["results"][fields[0]]) if fields else []):
        out += ["", f"{human}", f"{'metric':<{width}} {head}  dropped docs"]
        for field in fields:
            by_level = payload["results"][field][human]
            values = " ".join(f"{_fmt(by_level[lv][s]['value']):>7}" for lv in LEVELS for s in STATISTICS)
            out.append(f"{field:<{width}} {values}  {by_level['summary']['dropped']:>4}")
    return "\n".join(out).lstrip("\n")
