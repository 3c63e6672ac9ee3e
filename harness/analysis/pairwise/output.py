"""pairwise.json and pairwise.md, the table `harness pairwise` prints, and the ranking rows
other tables show (`ranking_rows` from a result; read back from a written pairwise.json by
ranking.py `load_ranking`)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness.analysis.bradley_terry import PRIOR, Analysis, Estimate
from harness.analysis.escape import md_cell, md_code
from harness.analysis.pairwise.compute import PairwiseResult, pairs_judged
from harness.analysis.pairwise.ranking import STEM, est_text, ranking_markdown
from harness.fileio import write_numbered_set

FORMAT = 1  # pairwise.json's layout version

METHOD = [
    "Every pair of systems was asked in both orders (A/B swapped); when the two verdicts differ the pair counts as a tie "
    "(MT-Bench / Chatbot Arena protocol, Zheng et al. 2023).",
    "Bradley-Terry strengths: maximum likelihood, ties as half a win each way; log-strengths centred on their mean; "
    f"{PRIOR} virtual tie per pair keeps them finite.",
    "Length-controlled (LC) win rate: logistic regression of the outcome on the system effects and "
    "tanh(word-count difference / its sd), predicted at zero difference (AlpacaEval LC, Dubois et al. 2024). "
    "It separates length from quality only as far as lengths vary within each system: when one system is always "
    "the longer, its whole advantage may be put down to length.",
    "Win rates are against the baseline, else averaged over the other systems; ties count half.",
    "95% CIs: percentile bootstrap over documents (a document's comparisons resampled together).",
]


def _est(e: Estimate | dict[str, Any] | None, digits: int = 3, percent: bool = False) -> str:
    """value [low, high]; an Estimate or its record."""
    return est_text(e.record() if isinstance(e, Estimate) else e, digits, percent)


def order(analysis: Analysis) -> list[int]:
    return sorted(range(len(analysis.strength)), key=lambda i: -(analysis.strength[i].value or 0.0))


def ranking_rows(result: PairwiseResult) -> list[dict[str, Any]]:
    """One row per system, best first: rank, label, Bradley-Terry strength, observed and
    length-controlled win rates (each {value, low, high}), comparisons. What `harness compare`
    and the report show beside their metric tables."""
    a = result.analysis
    if a is None:
        return []
    reference = "average" if a.reference is None else result.labels[a.reference]
    return [
        {
            "rank": rank,
            "label": result.labels[i],
            "path": result.paths[i],
            "strength": a.strength[i].record(),
            "win_rate": a.win_rate[i].record(),
            "lc_win_rate": a.lc_win_rate[i].record(),
            "lc_strength": a.lc_strength[i].record(),
            "against": reference,
            "judge": result.judge.get("label"),
            "comparisons": int(a.comparisons[i].sum()),
        }
        for rank, i in enumerate(order(a), 1)
    ]


def to_json(result: PairwiseResult) -> dict[str, Any]:
    a = result.analysis
    out: dict[str, Any] = {
        "tool": "harness pairwise",
        "format": FORMAT,
        "systems": result.labels,
        "paths": result.paths,
        "settings": asdict(result.settings),
        "documents": len(result.documents),
        "counts": result.counts(),
        "judge": result.judge,
        "ranking": ranking_rows(result),
        "method": METHOD,
    }
    if a is not None:
        out["per_pair"] = pairs_judged(result)
        out["win_matrix"] = {
            "rows_beat_columns": [[None if e is None else e.record() for e in row] for row in a.matrix],
            "comparisons": a.comparisons.tolist(),
        }
        out["position_bias"] = {
            "flip_rate": a.position_flip_rate.record(),
            "first_position_share": a.first_position_share.record(),
        }
        out["length_bias"] = {
            "longer_wins": a.longer_wins.record(),
            "coefficient": a.length_coefficient.record(),
            "length_sd_words": None if a.length_scale is None else round(a.length_scale, 3),
        }
        out["bootstrap_samples"] = a.samples
    out["judgments"] = [j.record(result.labels) for j in result.judged]
    return out


def table(result: PairwiseResult) -> str:
    """The ranking and the judge's biases (Markdown), as printed."""
    a = result.analysis
    counts = result.counts()
    lines = [
        f"Pairwise: {len(result.labels)} systems, {len(result.documents)} documents, "
        f"{counts['read']}/{counts['planned']} comparisons read (both orders), judge {md_cell(result.judge['label'])}",
    ]
    if counts["read"] < counts["planned"]:
        lines.append(
            f"left out: {counts['no_summary']} without a summary, {counts['unreadable']} unreadable and "
            f"{counts['failed']} failed verdicts"
        )
    if a is None:
        return "\n".join([*lines, "", "No comparison could be read: nothing to rank."])
    lines += ["", *ranking_markdown(ranking_rows(result))]
    lines += [
        "",
        f"position bias: {_est(a.position_flip_rate, percent=True)} of pairs change verdict when the order is swapped; "
        f"the first summary is chosen in {_est(a.first_position_share, percent=True)} of decisive verdicts",
        f"length bias: the longer summary wins {_est(a.longer_wins, percent=True)} of decided pairs "
        f"(length coefficient {_est(a.length_coefficient)})",
    ]
    usage = result.judge
    cost = f", cost {usage['cost']} {usage['currency']}" if "cost" in usage else ""
    lines.append(f"judge requests: {usage['requests']} sent, {usage['cached']} cached, {usage['failed']} failed{cost}")
    return "\n".join(lines)


def markdown(result: PairwiseResult) -> str:
    parts = ["# Pairwise comparison", "", table(result)]
    a = result.analysis
    if a is not None:
        labels = [md_cell(x) for x in result.labels]
        parts += ["", "## Win rates (row against column, ties half; comparisons in parentheses)", ""]
        parts.append("| | " + " | ".join(labels) + " |")
        parts.append("|---|" + "---|" * len(labels))
        for i, row in enumerate(a.matrix):
            cells = [
                "–" if e is None else f"{_est(e, percent=True)} ({a.comparisons[i][j]})" for j, e in enumerate(row)
            ]
            parts.append(f"| {labels[i]} | " + " | ".join(cells) + " |")
    parts += ["", "## Method", "", *(f"- {m}" for m in METHOD)]
    parts += [
        "",
        f"Judge: {md_code(result.judge.get('signature', ''))}, prompt {md_code(result.judge.get('prompt', ''))}",
    ]
    return "\n".join(parts) + "\n"


def write(result: PairwiseResult, out_dir: Path, force: bool = False) -> list[Path]:
    """pairwise.json and pairwise.md, whole or not at all; an existing pair is kept (the new one
    gets pairwise-1.*) unless `force`."""

    def files(stem: str) -> dict[str, str]:
        return {
            f"{stem}.json": json.dumps(to_json(result), indent=2, ensure_ascii=False) + "\n",
            f"{stem}.md": markdown(result),
        }

    return write_numbered_set(out_dir, STEM, files, force)[1]
