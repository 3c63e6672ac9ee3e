"""The comparison as a terminal shows it: one compact table sized to the terminal's width.

Headline fields only, each cell the mean and the run's significance letters (or ▲/▼ against the
baseline), the documents compared (n), and with the cost table its headline numbers (cost per
1,000 summaries, latency p50). Labels are shortened and the right-most columns left out when the
terminal is too narrow; a last line says what was left out and where the full tables are (the
files `harness compare` writes, or `--format md|csv|json|latex`).
"""

from __future__ import annotations

from harness.analysis.cost import PER, RunCost, money_cell
from harness.analysis.escape import visible
from harness.analysis.tables import Comparison, fmt

GAP = "  "
MIN_LABEL = 12  # a label is never cut shorter than this
MAX_HEADER = 24  # a long field name is shortened in the header (the full name is in the files)


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def compact(comparison: Comparison, width: int, full_tables: str = "") -> str:
    """The table within `width` characters; `full_tables` names where the full tables are."""
    header = ["model", "n"]
    columns: list[list[str]] = [[], []]
    for label in comparison.labels:
        name = visible(label) + (" (baseline)" if label == comparison.settings.baseline else "")
        columns[0].append(name)
        columns[1].append(str(comparison.docs))
    for column in comparison.columns:
        header.append(cut(visible(column.key), MAX_HEADER))
        cells = []
        for label in comparison.labels:
            cell = column.cell(label)
            if cell is None or cell.mean is None:
                cells.append("–")
                continue
            mark = cell.group or {"better": "▲", "worse": "▼"}.get(cell.mark, "")
            cells.append(f"{fmt(cell.mean, 3)}{'*' if cell.best else ''}" + (f" {mark}" if mark else ""))
        columns.append(cells)
    metrics_end = len(header)
    if comparison.show_cost:
        costs = [comparison.cost_of(i) for i in range(len(comparison.labels))]
        header += [f"$/{PER // 1000}k summaries", "tokens in/out", "latency p50/p95 (s)"]
        columns.append(["–" if c is None else money_cell(c.per_1000, c.currency, "") for c in costs])
        columns.append(["–" if c is None or not c.counted else _tokens(c) for c in costs])
        columns.append(
            ["–" if c is None or c.latency is None else f"{c.latency['p50']:.2f}/{c.latency['p95']:.2f}" for c in costs]
        )
    widths = [max(len(h), *(len(x) for x in col)) for h, col in zip(header, columns)]
    # the label column gives way first (down to MIN_LABEL), then metric columns from the right
    # (the cost columns, asked for, stay while a metric can go)
    fixed = sum(widths[1:]) + len(GAP) * (len(widths) - 1)
    widths[0] = max(min(widths[0], width - fixed), min(widths[0], MIN_LABEL))
    keep = list(range(len(widths)))

    def total() -> int:
        return sum(widths[i] for i in keep) + len(GAP) * (len(keep) - 1)

    while total() > width and len(keep) > 3:
        metrics = [i for i in keep if 2 < i < metrics_end]
        keep.remove(metrics[-1] if metrics else keep[-1])
    lines = []
    for row in [header, ["-" * w for w in widths], *zip(*columns)]:
        cells = [cut(x, w).rjust(w) if i else cut(x, w).ljust(w) for i, (x, w) in enumerate(zip(row, widths))]
        lines.append(GAP.join(cells[i] for i in keep).rstrip())
    notes = [_legend(comparison)]
    left_out = [h for i, h in enumerate(header) if i not in keep]
    if left_out:
        notes.append(f"Not shown (terminal too narrow): {', '.join(left_out)}.")
    if full_tables:
        notes.append(f"CIs, tests and every column: {full_tables}")
    return "\n".join(lines + [""] + [_wrap(n, width) for n in notes]) + "\n"


def _legend(comparison: Comparison) -> str:
    parts = ["mean (* best)"]
    if any(c.tests for c in comparison.columns):
        if comparison.settings.baseline is not None:
            parts.append(f"▲/▼ significantly better/worse than {visible(comparison.settings.baseline)}")
        else:
            parts.append("runs sharing a letter are not significantly different (a: the best's group)")
    parts.append("n: documents compared")
    if comparison.show_cost:
        parts.append(
            f"cost per {PER:,} summaries, mean tokens per summary, latency per request (median/95th percentile)"
        )
    return "; ".join(parts) + "."


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, max(width, 40))) or text


def _tokens(cost: RunCost) -> str:
    tokens_in, tokens_out = cost.mean_tokens("input"), cost.mean_tokens("output")
    return f"{tokens_in:,.0f}/{tokens_out:,.0f}"
