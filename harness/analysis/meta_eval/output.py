"""meta_eval.json, meta_eval.md and the printed table, all from one Analysis.

JSON layout: results[metric_field][human_field][level][statistic] = {"value", "ci95"} with levels
summary/system/global and statistics pearson/spearman/kendall (value null when undefined); the
global level adds partial_pearson/partial_spearman (controlling for the system, with more than
one system) and, for 0/1 labels, roc_auc and balanced_accuracy. Beside the statistics each level
has n, dropped and p_vs_best (two-sided, per statistic). meta_eval_scores.jsonl holds every
summary's scores.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from harness.analysis.escape import md_cell, md_code
from harness.analysis.meta_eval.analysis import Analysis, ci95
from harness.analysis.meta_eval.correlation import STATISTICS
from harness.analysis.meta_eval.judgments import MetaData
from harness.analysis.meta_eval.levels import LEVELS, LevelResult

SCORES_SCHEMA_VERSION = 1

SYMBOLS = {
    "pearson": "r",
    "spearman": "ρ",
    "kendall": "τ",
    "partial_pearson": "partial r",
    "partial_spearman": "partial ρ",
    "roc_auc": "AUC",
    "balanced_accuracy": "bal. acc.",
}
EXTRA_STATISTICS = ("partial_pearson", "partial_spearman", "roc_auc", "balanced_accuracy")
ARROWS = {True: "↑", False: "↓", None: "–"}
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
                    s: {
                        "a": _number(t.a),
                        "b": _number(t.b),
                        "p_bootstrap": _number(t.p_bootstrap),
                        "p_williams": _number(t.p_williams),
                    }
                    for s, t in by_stat.items()
                }
                for lv, by_stat in by_level.items()
            }
            for h, by_level in by_human.items()
        }
        out.append({"a": a, "b": b, "h0": "a and b agree with the humans equally well (two-sided)", "tests": tests})
    return out


def to_json(analysis: Analysis, protocol: dict[str, Any]) -> dict[str, Any]:
    results = {
        field: {h: {lv: _level_json(analysis, field, h, lv) for lv in LEVELS} for h in by_human}
        for field, by_human in analysis.results.items()
    }
    return {
        "protocol": protocol,
        "results": results,
        "best": analysis.best,
        "not_ranked": analysis.not_ranked,  # human -> level -> why no field is ranked best there
        "not_ranked_fields": analysis.not_ranked_fields,  # human -> level -> field -> its (too few) units
        "heavy_ties": analysis.heavy_ties,  # field -> distinct values, n: rank correlations can mislead
        "comparisons": _pairs_json(analysis),
    }


def to_json_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _cell(stat: dict[str, Any], bold: bool) -> str:
    text = _fmt(stat["value"])
    if stat["ci95"]:
        text += f" [{_fmt(stat['ci95'][0], 2)}, {_fmt(stat['ci95'][1], 2)}]"
    return f"**{text}**" if bold and stat["value"] is not None else text


def _fmt_p(p: float | None) -> str:
    if p is None:
        return "–"
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1g}" if p > 0 else "0"


def _pvalues(level: dict[str, Any], field: str, best: dict[str, str], statistics: list[str]) -> str:
    p = level["p_vs_best"]
    return " / ".join(_fmt_p(p[s]) if s in p else "best" if best.get(s) == field else "–" for s in statistics)


def _header(protocol: dict[str, Any]) -> list[str]:
    data, boot = protocol["data"], protocol["bootstrap"]
    against = protocol["against"]
    if against == "references":
        against += f" (combined: {protocol['multi_reference']})"
    lines = [
        "# Meta-evaluation",
        "",
        f"- data: {md_code(data['file'])} (sha256 {data['sha256'][:12]}…): {data['documents']} documents × "
        f"{data['systems']} systems, {data['records']} summaries; metrics against: {against}",
    ]
    lines += [f"- {name} level: {text}" for name, text in protocol["levels"].items()]
    lines += [
        f"- statistics: {protocol['statistics']}",
        f"- bootstrap: {boot['samples']} resamples, seed {boot['seed']}, {boot['ci']} CI; resampled {boot['resampled']}",
        f"- p vs best: {protocol['comparison']}",
        f"- partial correlations: {protocol.get('partial', '')}",
        f"- balanced accuracy: {protocol.get('balanced_accuracy', '')}",
        "- better: ↑ higher values are better, ↓ lower (its correlations count negated), – no direction",
    ]
    lines += _data_notes(protocol) + [""]
    return lines + [f"- metric {md_code(name)}: {md_code(sig)}" for name, sig in protocol["metric_signatures"].items()]


def _data_notes(protocol: dict[str, Any]) -> list[str]:
    data, notes = protocol["data"], []
    if data.get("where"):
        notes.append(
            f"- subset: {' and '.join(map(md_cell, data['where']))} ({data['excluded_by_where']} of {data['records_read']} records excluded)"
        )
    skipped = protocol.get("skipped", {"count": 0})
    if skipped["count"]:
        notes.append(
            f"- skipped records: {skipped['count']} (first: {md_cell(skipped['records'][0])}; all in meta_eval.json)"
        )
    for human, missing in protocol.get("missing_human_scores", {}).items():
        if missing["count"]:
            notes.append(f"- {md_code(human)}: no score on {missing['count']} records, left out of its correlations")
    return notes


def _level_table(payload: dict[str, Any], human: str, level: str) -> list[str]:
    fields = list(payload["results"])
    rows = {f: payload["results"][f][human][level] for f in fields}
    title = ["", f"## {md_cell(human)} — {level} level", ""]
    if all(r[s]["value"] is None for r in rows.values() for s in STATISTICS):
        reasons = {k: v for r in rows.values() for k, v in r["dropped_by_reason"].items()}
        said = "; ".join(f"{REASONS.get(k, k).format(units=UNITS[level])} ({v})" for k, v in reasons.items())
        return title + [f"Undefined for every metric field: {said or 'no ' + UNITS[level]}."]
    best = payload["best"].get(human, {}).get(level, {})
    statistics = [*STATISTICS, *(s for s in EXTRA_STATISTICS if any(s in r for r in rows.values()))]
    directions = payload["protocol"].get("higher_is_better", {})
    header = [
        "metric",
        "better",
        *(f"{SYMBOLS[s]} [95% CI]" for s in statistics),
        f"n {UNITS[level]}",
        "dropped",
        f"p vs best ({' / '.join(SYMBOLS[s] for s in statistics)})",
    ]
    lines = title + ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    empty = {"value": None, "ci95": None}
    for field, row in rows.items():
        cells = [_cell(row.get(s, empty), best.get(s) == field) for s in statistics]
        arrow = ARROWS[directions.get(field, True)]
        lines.append(
            "| "
            + " | ".join(
                [
                    md_code(field),
                    arrow,
                    *cells,
                    str(row["n"]),
                    str(row["dropped"]),
                    _pvalues(row, field, best, statistics),
                ]
            )
            + " |"
        )
    notes = []
    for field, row in rows.items():
        why = empty_cells(row, level, statistics)
        notes += [f"- {md_code(field)}, {', '.join(names)}: {md_cell(reason)}" for reason, names in why.items()]
    return lines + (["", "Empty cells (–):", "", *notes] if notes else [])


def _pair_table(pair: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"## {md_cell(pair['a'])} vs {md_cell(pair['b'])} (H0: equal agreement with the humans; two-sided p)",
        "",
        "| human | level | statistic | a | b | p (paired bootstrap) | p (Williams) |",
        "|---|---|---|---|---|---|---|",
    ]
    for human, by_level in pair["tests"].items():
        for level, by_stat in by_level.items():
            for s, t in by_stat.items():
                if t["a"] is None and t["b"] is None:
                    continue
                lines.append(
                    f"| {md_cell(human)} | {level} | {SYMBOLS[s]} | {_fmt(t['a'])} | {_fmt(t['b'])} | "
                    f"{_fmt_p(t['p_bootstrap'])} | {_fmt_p(t['p_williams'])} |"
                )
    return lines


def to_markdown(payload: dict[str, Any]) -> str:
    lines = _header(payload["protocol"])
    fields = list(payload["results"])
    for human in list(payload["results"][fields[0]]) if fields else []:
        for level in LEVELS:
            lines += _level_table(payload, human, level)
    for pair in payload["comparisons"]:
        lines += _pair_table(pair)
    return "\n".join(lines) + "\n"


TERMINAL_EXTRA = {
    "partial_pearson": "glo.pr",
    "partial_spearman": "glo.pρ",
    "roc_auc": "AUC",
    "balanced_accuracy": "bal.acc",
}


def to_table(payload: dict[str, Any]) -> str:
    """Plain-text table for the terminal: values only (CIs are in the files); the global
    level's partial correlations and, for 0/1 labels, ROC-AUC and balanced accuracy at the end."""
    fields = list(payload["results"])
    width = max([len(f) for f in fields] + [6])
    out = []
    for human in list(payload["results"][fields[0]]) if fields else []:
        extra = [s for s in TERMINAL_EXTRA if any(s in payload["results"][f][human]["global"] for f in fields)]
        head = " ".join(
            [
                *(f"{lv[:3]}.{SYMBOLS[s]:<3}" for lv in LEVELS for s in STATISTICS),
                *(f"{TERMINAL_EXTRA[s]:>7}" for s in extra),
            ]
        )
        out += ["", f"{human}", f"{'metric':<{width}} {head}  dropped docs"]
        empty = {"value": None}
        for field in fields:
            by_level = payload["results"][field][human]
            values = [f"{_fmt(by_level[lv][s]['value']):>7}" for lv in LEVELS for s in STATISTICS]
            values += [f"{_fmt(by_level['global'].get(s, empty)['value']):>7}" for s in extra]
            out.append(f"{field:<{width}} {' '.join(values)}  {by_level['summary']['dropped']:>4}")
        out += empty_notes(payload, human, [*STATISTICS, *extra])
        out += ranking_notes(payload, human)
    ties = payload.get("heavy_ties") or {}
    if ties:
        named = ", ".join(f"{f} ({t['distinct']} distinct values in {t['n']})" for f, t in ties.items())
        out += ["", f"heavy ties (few distinct values; Spearman and Kendall rest on ties and can mislead): {named}"]
    return "\n".join(out).lstrip("\n")


REASONS = {
    "too_few": "fewer than 2 {units} with both scores",
    "human_constant": "the human scores are all equal (a correlation needs variation)",
    "metric_constant": "the metric's scores are all equal (a correlation needs variation)",
    "unscored": "{units} the metric left unscored",
}


def empty_reason(row: dict[str, Any], level: str, statistic: str) -> str:
    """Why a statistic of one level has no value (a "–" cell)."""
    units = UNITS[level]
    if statistic not in row:
        if statistic.startswith("partial"):
            return "partial correlations need more than one system"
        return "only for 0/1 human labels"
    reasons = [
        f"{REASONS.get(reason, reason).format(units=units)} ({count})"
        for reason, count in row["dropped_by_reason"].items()
    ]
    if reasons and row["n"] == 0:
        return "; ".join(reasons)
    return f"undefined on these {row['n']} {units}" + (f" (dropped: {'; '.join(reasons)})" if reasons else "")


def empty_notes(payload: dict[str, Any], human: str, statistics: list[str]) -> list[str]:
    """One line per field and level with empty cells in the terminal table: which and why."""
    lines = []
    for field, by_human in payload["results"].items():
        for level in LEVELS:
            why = empty_cells(by_human[human][level], level, statistics if level == "global" else STATISTICS)
            if why:
                text = "; ".join(f"{', '.join(names)}: {reason}" for reason, names in why.items())
                lines.append(f"– {field}, {level} level: {text}")
    return lines


def empty_cells(row: dict[str, Any], level: str, statistics: Sequence[str]) -> dict[str, list[str]]:
    """The statistics of a row without a value, by the reason (their symbols, as the tables name them)."""
    why: dict[str, list[str]] = {}
    for s in statistics:
        if s not in row or row[s]["value"] is None:
            why.setdefault(empty_reason(row, level, s), []).append(SYMBOLS[s])
    return why


def ranking_notes(payload: dict[str, Any], human: str) -> list[str]:
    """Why a level names no best field, or which fields were left out of its ranking (too few units)."""
    lines = []
    for level in LEVELS:
        why = (payload.get("not_ranked") or {}).get(human, {}).get(level)
        few = (payload.get("not_ranked_fields") or {}).get(human, {}).get(level) or {}
        if why:
            lines.append(f"{level} level: no field ranked best: {why}")
        elif few:
            named = ", ".join(f"{f} ({units})" for f, units in few.items())
            lines.append(f"{level} level: not ranked (too few units): {named}")
    return lines


def scores_text(data: MetaData, columns: dict[str, np.ndarray]) -> str:
    """meta_eval_scores.jsonl: one line per scored summary, in file order, with its line number,
    ids, every metric field (all computed fields, not only those reported) and every human field;
    null where a value is missing."""
    lines = []
    for i, (doc_id, system_id) in enumerate(zip(data.doc_ids, data.system_ids)):
        record = {
            "schema_version": SCORES_SCHEMA_VERSION,
            "line": data.lines[i],
            "doc_id": doc_id,
            "system_id": system_id,
            "metrics": {k: _number(v[i]) for k, v in columns.items()},
            "human": {h: _number(v[i]) for h, v in data.human.items()},
        }
        lines.append(json.dumps(record, ensure_ascii=False, allow_nan=False))
    return "\n".join(lines) + "\n"
