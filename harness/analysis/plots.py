"""Comparison plots as SVG text (headless matplotlib, byte-identical for the same input):
a forest plot per metric, a pairwise difference heatmap, and summary length vs score.

Determinism: the bundled DejaVu Sans font drawn as paths, a fixed SVG hash salt, no date in the
metadata.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from harness import stats
from harness.analysis.escape import visible

if TYPE_CHECKING:
    from harness.analysis.compare import Run
    from harness.analysis.significance import Column

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "svg.fonttype": "path",
    "svg.hashsalt": "harness",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "text.parse_math": False,  # labels are text: a `$` in a model name is drawn, never parsed as mathtext
}
COLORS = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#4e342e", "#ad1457", "#558b2f", "#283593"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return matplotlib, plt


def _svg(fig: Any) -> str:
    _, plt = _pyplot()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _direction(column: Column) -> str:
    return {True: "higher is better", False: "lower is better", None: "descriptive"}[column.higher_is_better]


def forest(column: Column, baseline: str | None = None) -> str:
    """Each run's mean and 95% CI on one shared axis, best first; letters or marks at the right."""
    matplotlib, plt = _pyplot()
    cells = [c for c in column.cells if c.mean is not None]
    cells.sort(key=lambda c: (c.rank or 0, column.cells.index(c)))
    with matplotlib.rc_context(RC):
        fig, ax = plt.subplots(figsize=(6.0, 0.9 + 0.38 * len(cells)))
        for y, cell in enumerate(cells):
            assert cell.mean is not None and cell.ci_low is not None and cell.ci_high is not None  # a mean has a CI
            color = "#c62828" if cell.best else ("#555555" if cell.label == baseline else "#1565c0")
            ax.errorbar(
                [cell.mean],
                [y],
                xerr=[[cell.mean - cell.ci_low], [cell.ci_high - cell.mean]],
                fmt="o",
                color=color,
                capsize=3,
            )
            note = cell.group or {"better": "▲", "worse": "▼", "baseline": "baseline"}.get(cell.mark, "")
            if note:
                ax.annotate(note, (1.01, y), xycoords=("axes fraction", "data"), va="center", fontsize=8)
        if baseline is not None and column.cell(baseline) is not None and column.cell(baseline).mean is not None:  # type: ignore[union-attr]
            ax.axvline(column.cell(baseline).mean, color="#888888", linestyle="--", linewidth=0.8)  # type: ignore[union-attr]
        ax.set_yticks(range(len(cells)), [visible(c.label) for c in cells])
        ax.set_ylim(len(cells) - 0.5, -0.5)
        ax.set_xlabel(f"{visible(column.key)} (mean, 95% CI; {_direction(column)}; n={column.n})")
        return _svg(fig)


def heatmap(column: Column) -> str:
    """Mean difference row - column for every pair of runs (positive = row better), with * where
    the Holm-adjusted paired test is significant; untested pairs are left blank."""
    matplotlib, plt = _pyplot()
    cells = sorted((c for c in column.cells if c.mean is not None and c.rank), key=lambda c: c.rank)  # type: ignore[arg-type,return-value]
    labels = [c.label for c in cells]
    shown = [visible(label) for label in labels]
    sign = 1.0 if column.higher_is_better else -1.0
    k = len(cells)
    values = np.full((k, k), np.nan)
    tested = {(t.a, t.b): t for t in column.tests}
    tested.update({(t.b, t.a): t for t in column.tests})
    for i, a in enumerate(cells):
        for j, b in enumerate(cells):
            if i != j and (a.label, b.label) in tested:
                values[i, j] = sign * (a.mean - b.mean)  # type: ignore[operator]
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    with matplotlib.rc_context(RC):
        fig, ax = plt.subplots(figsize=(1.6 + 0.75 * k, 1.2 + 0.6 * k))
        image = ax.imshow(values, cmap="RdBu", vmin=-limit or -1, vmax=limit or 1)
        for i in range(k):
            for j in range(k):
                if not np.isnan(values[i, j]):
                    star = "*" if tested[(labels[i], labels[j])].significant else ""
                    strong = abs(values[i, j]) > 0.6 * limit  # white on the darkest colours
                    ax.text(
                        j,
                        i,
                        f"{values[i, j]:+.3f}{star}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if strong else "black",
                    )
        ax.set_xticks(range(k), shown, rotation=30, ha="right")
        ax.set_yticks(range(k), shown)
        ax.spines[:].set_visible(False)
        fig.colorbar(image, ax=ax, shrink=0.8, label="row − column (+ = row better)")
        ax.set_title(f"{visible(column.key)}: differences, * Holm-adjusted p < 0.05 (n={column.n})", fontsize=8)
        return _svg(fig)


def length_vs_score(runs: Sequence[Run], key: str, docs: Sequence[str]) -> str:
    """Summary length in words against the score, per run, with each run's least-squares line and
    Spearman's rho in the legend: a metric that rewards length shows rising lines."""
    matplotlib, plt = _pyplot()
    with matplotlib.rc_context(RC):
        fig, ax = plt.subplots(figsize=(6.0, 3.6))
        for i, run in enumerate(r for r in runs if key in r.fields):
            pairs = [
                (run.words[d], run.scores[d][key])
                for d in docs
                if d in run.words and isinstance(run.scores.get(d, {}).get(key), (int, float))
            ]
            pairs = [(w, s) for w, s in pairs if s == s]
            if not pairs:
                continue
            words, scores = np.array(pairs, dtype=float).T
            color = COLORS[i % len(COLORS)]
            label = visible(run.label)
            label = " " + label if label.startswith("_") else label  # matplotlib leaves "_..." out of a legend
            if len(pairs) > 2 and np.ptp(words) > 0 and np.ptp(scores) > 0:
                label += f" (ρ={stats.spearman_rho(words, scores):+.2f})"
                slope, intercept = np.polyfit(words, scores, 1)
                xs = np.array([words.min(), words.max()])
                ax.plot(xs, slope * xs + intercept, color=color, linewidth=1)
            ax.scatter(words, scores, s=10, alpha=0.6, color=color, label=label)
        ax.set_xlabel("summary length (words)")
        ax.set_ylabel(visible(key))
        ax.legend(fontsize=7, frameon=False, loc="best")
        return _svg(fig)
