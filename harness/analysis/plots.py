"""Comparison plots as SVG text (headless matplotlib, byte-identical for the same input):
a forest plot per metric, a pairwise difference heatmap, summary length vs score, and quality
vs cost with the Pareto frontier. Each has a title in words and a legend for every mark; a plot
with nothing to draw is not made (None).

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
    from harness.analysis.runs import Run
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
        ax.set_title(f"{visible(column.key)}: each model's mean with its 95% confidence interval", fontsize=9)
        handles = [_dot("#c62828", "best mean")]
        if baseline is not None:
            handles.append(_dot("#555555", "baseline"))
            handles.append(_line("#888888", "--", "baseline mean"))
        handles.append(_dot("#1565c0", "other models"))
        if any(c.group for c in cells):
            handles.append(_text_key("a, b, …: same letter = not significantly different"))
        elif any(c.mark in ("better", "worse") for c in cells):
            handles.append(_text_key("▲/▼: significantly better/worse than the baseline"))
        ax.legend(handles=handles, fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.06, 1.0))
        return _svg(fig)


def _dot(color: str, label: str) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], color=color, marker="o", linestyle="", label=label)


def _line(color: str, style: Any, label: str) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], color=color, linestyle=style, linewidth=0.8, label=label)


def _text_key(label: str) -> Any:
    """A legend entry without a mark (what the letters at the right mean)."""
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="", marker="", label=label)


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
        ax.set_title(
            f"{visible(column.key)}: how much better each row's model is than each column's\n"
            f"(mean difference; * significant after Holm's correction, p < 0.05; blank: not tested; n={column.n})",
            fontsize=8,
        )
        return _svg(fig)


def length_vs_score(runs: Sequence[Run], key: str, docs: Sequence[str]) -> str | None:
    """Summary length in words against the score, per run, with each run's least-squares line and
    Spearman's rho in the legend: a metric that rewards length shows rising lines. None when no
    run has a summary with a score (nothing to draw)."""
    matplotlib, plt = _pyplot()
    drawn = fitted = 0
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
                fitted += 1
            ax.scatter(words, scores, s=10, alpha=0.6, color=color, label=label)
            drawn += 1
        if not drawn:
            _, plt = _pyplot()
            plt.close(fig)
            return None
        ax.set_xlabel("summary length (words)")
        ax.set_ylabel(visible(key))
        ax.set_title(f"Does {visible(key)} reward longer summaries? One dot per summary", fontsize=9)
        ax.legend(
            fontsize=7,
            frameon=False,
            loc="upper left",
            bbox_to_anchor=(1.02, 1.0),
            title="model (Spearman ρ; line: least-squares fit)" if fitted else "model",
            title_fontsize=7,
        )
        return _svg(fig)


def pareto(column: Column, costs: Sequence[tuple[str, float, str]]) -> str | None:
    """Quality (mean, 95% CI) against the cost of 1,000 summaries, one point per priced model:
    filled on the Pareto frontier (no other model is at least as cheap and as good), hollow when
    dominated, the frontier as a step line. `costs`: (label, cost, currency) of the priced models.
    None with fewer than two models both priced and scored (nothing to weigh)."""
    from harness.analysis.cost import dominated

    matplotlib, plt = _pyplot()
    by_label = {label: (cost, currency) for label, cost, currency in costs}
    cells = [c for c in column.cells if c.mean is not None and c.label in by_label]
    if len(cells) < 2 or column.higher_is_better is None:
        return None
    xs = [by_label[c.label][0] for c in cells]
    ys = [float(c.mean) for c in cells]  # type: ignore[arg-type]
    off = dominated(list(zip(xs, ys)), column.higher_is_better)
    currencies = sorted({by_label[c.label][1] for c in cells})
    with matplotlib.rc_context(RC):
        fig, ax = plt.subplots(figsize=(6.4, 3.8))
        front = sorted((x, y) for x, y, d in zip(xs, ys, off) if not d)
        if len(front) > 1:
            fx, fy = zip(*front)
            ax.step(fx, fy, where="post", color="#2e7d32", linewidth=1, linestyle="-", zorder=1)
        for cell, x, y, d in zip(cells, xs, ys, off):
            color = "#2e7d32" if not d else "#9e9e9e"
            ax.errorbar(
                [x],
                [y],
                yerr=[[y - float(cell.ci_low)], [float(cell.ci_high) - y]],  # type: ignore[arg-type]
                fmt="o",
                color=color,
                markerfacecolor=color if not d else "white",
                capsize=3,
                zorder=2,
            )
            ax.annotate(visible(cell.label), (x, y), textcoords="offset points", xytext=(6, 4), fontsize=7)
        ax.set_xlabel(f"cost per 1,000 summaries ({', '.join(currencies)}; generation only, the judge's apart)")
        ax.set_ylabel(f"{visible(column.key)} ({_direction(column)})")
        ax.set_title(f"{visible(column.key)} against cost: which models are worth their price", fontsize=9)
        handles = [_dot("#2e7d32", "on the frontier: no model is cheaper and better")]
        if any(off):
            handles.append(_hollow("#9e9e9e", "dominated: another model is as cheap and as good (or better)"))
        if len(front) > 1:
            handles.append(_line("#2e7d32", "-", "Pareto frontier"))
        handles.append(_text_key("bars: 95% CI of the mean; dominance on the means"))
        ax.legend(handles=handles, fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(0.0, -0.18))
        return _svg(fig)


def _hollow(color: str, label: str) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], color=color, marker="o", markerfacecolor="white", linestyle="", label=label)
