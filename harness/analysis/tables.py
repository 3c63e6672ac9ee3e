"""The comparison as Markdown, CSV, JSON and LaTeX (booktabs), from analysed columns.

Every format carries the same facts: mean and 95% CI per run and metric on the compared
documents, the best run, the significance marks, every p-value and Holm-adjusted p-value, the
power estimates, the metric signatures and the test used.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from harness.analysis import cost, judge_usage
from harness.analysis.cost import RunCost
from harness.analysis.escape import csv_cell, md_cell, md_code, tex
from harness.analysis.judge_usage import RunJudge
from harness.analysis.methods import method_notes
from harness.analysis.significance import TEST_NAME, Cell, Column, Settings
from harness.stats import documents_for_alpha

MARKS = {"better": "▲", "worse": "▼"}
COMPARISON_SCHEMA_VERSION = 1  # comparison.json's layout


@dataclass
class Comparison:
    """Everything a table shows: the runs, the documents, the analysed columns."""

    labels: list[str]
    run_dirs: list[str]
    run_documents: list[int]  # documents each run has
    docs: int  # documents compared (shared by all runs)
    common_docs: bool  # --common-docs: the runs' datasets differ, compared on the shared documents
    columns: list[Column]
    settings: Settings
    doc_ids: list[str] = field(default_factory=list)  # the compared documents
    judges: list[RunJudge | None] = field(default_factory=list)  # per run: its judge's usage, if any
    costs: list[RunCost | None] = field(default_factory=list)  # per run: tokens, latency, price
    show_cost: bool = False  # the cost table in Markdown and LaTeX (CSV and JSON always carry it)

    def judge_of(self, index: int) -> RunJudge | None:
        return self.judges[index] if index < len(self.judges) else None

    def cost_of(self, index: int) -> RunCost | None:
        return self.costs[index] if index < len(self.costs) else None

    def cost_table(self) -> tuple[list[str], list[list[str]]]:
        """(header, rows) of the cost table; no rows unless it is shown."""
        header, rows = cost.table(self.labels, self.costs)
        return header, rows if self.show_cost else []


def fmt(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def fmt_p(p: float | None) -> str:
    if p is None or p != p:
        return "–"
    return f"{p:.4f}" if p >= 0.0001 else f"{p:.1e}"


def cell_text(comparison: Comparison, column: Column, label: str) -> tuple[str, bool, str]:
    """(mean [CI] with n notes, bold?, mark) of one run in one column."""
    cell = column.cell(label)
    if cell is None or cell.mean is None:
        return "–", False, ""
    text = f"{fmt(cell.mean)} [{fmt(cell.ci_low)}, {fmt(cell.ci_high)}]"
    notes = []
    if column.n != comparison.docs or cell.missing:
        notes.append(f"n={column.n}")
    if cell.missing:
        notes.append(f"{cell.missing} unscored")
    mark = cell.group or MARKS.get(cell.mark, "")
    return text + (f" ({', '.join(notes)})" if notes else ""), cell.best, mark


def footnotes(comparison: Comparison, markup: bool = True) -> list[str]:
    """The table's notes; with `markup`, Markdown's bold and code spans, labels escaped for
    Markdown (plain for HTML and LaTeX, which escape the whole note their own way)."""
    s = comparison.settings

    def bold(text: str) -> str:
        return f"**{text}**" if markup else text

    def code(text: str) -> str:
        return md_code(text) if markup else text

    def name(label: str) -> str:
        return md_cell(label) if markup else label

    family = "each metric's comparisons" if s.family == "metric" else "all comparisons of the table"
    where = (
        f"the {comparison.docs} documents all runs share (--common-docs; the runs have "
        + ", ".join(f"{name(label)}: {n}" for label, n in zip(comparison.labels, comparison.run_documents))
        + ")"
        if comparison.common_docs
        else f"the {comparison.docs} documents of the dataset"
    )
    notes = [
        f"Mean [95% bootstrap CI] on {where}; a document a run left unscored (None/NaN) leaves that metric's column for all runs (n per cell).",
        f"{bold('Bold')}: best mean in the field's direction (descriptive fields have none).",
    ]
    notes += method_notes(comparison.columns, code)  # e.g. "support/*: lexical (word overlap; ...)"
    signatures = dict.fromkeys(c.signature for c in comparison.columns if c.signature)
    if not any(c.tests for c in comparison.columns):
        return notes + ["Signatures: " + "; ".join(code(sig) for sig in signatures)]
    if s.baseline is not None:
        notes.append(f"▲/▼: significantly better/worse than the baseline {name(s.baseline)}.")
    else:
        notes.append("Letters: runs sharing a letter are not significantly different; a is the best run's group.")
    raised = sorted({c.samples for c in comparison.columns if c.tests and c.samples > s.samples})
    more = (
        f" (raised to {', '.join(f'{b:,}' for b in raised)} where a family is large enough to need smaller p-values)"
        if raised
        else ""
    )
    notes.append(
        f"Test: {TEST_NAME} on the per-document differences, B = {s.samples:,}{more} (exact when 2^n <= B), "
        f"p = (c+1)/(B+1); Holm-corrected over {family}, alpha {s.alpha}. "
        "MDE: smallest difference detected with 80% power at alpha 0.05 (uncorrected)."
    )
    unreachable = [t for c in comparison.columns for t in c.tests if t.min_p >= s.alpha]
    if unreachable:
        fewest = min(unreachable, key=lambda t: t.n)
        notes.append(footnote_smallest_p(fewest.n, fewest.min_p, s.alpha))
    notes.append("Signatures: " + "; ".join(code(sig) for sig in signatures))
    return notes


def footnote_smallest_p(n: int, min_p: float, alpha: float) -> str:
    """Why a comparison on few documents has no MDE: the exact test cannot reach alpha."""
    return (
        f"With {n} documents the exact sign-flip test cannot give p below {min_p:.4g}: no difference can be "
        f"significant at alpha {alpha} (MDE left empty; 'docs to detect' is at least the "
        f"{documents_for_alpha(alpha)} documents the test needs)."
    )


def pair_rows(comparison: Comparison) -> list[list[str]]:
    return [
        [
            t.metric,
            t.a,
            t.b,
            str(t.n),
            f"{fmt(t.diff)} [{fmt(t.ci_low)}, {fmt(t.ci_high)}]",
            fmt_p(t.p),
            fmt_p(t.p_holm),
            "yes" if t.significant else "no",
            fmt(t.mde),
            str(t.docs_needed) if t.docs_needed is not None else "–",
        ]
        for c in comparison.columns
        for t in c.tests
    ]


PAIR_HEADER = ["metric", "A", "B", "n", "A − B [95% CI]", "p", "p (Holm)", "significant", "MDE", "docs to detect A − B"]


def markdown(comparison: Comparison) -> str:
    header = ["model", "n", *(md_cell(c.key) for c in comparison.columns)]
    rows = []
    for label in comparison.labels:
        shown = md_cell(label)
        row = [f"{shown} (baseline)" if label == comparison.settings.baseline else shown, str(comparison.docs)]
        for column in comparison.columns:
            text, bold, mark = cell_text(comparison, column, label)
            row.append((f"**{text}**" if bold else text) + (f" {mark}" if mark else ""))
        rows.append(row)
    out = [_md_table(header, rows), ""]
    out += [f"{i}. {note}" for i, note in enumerate(footnotes(comparison), start=1)]
    judge_header, judge_rows = judge_usage.table(comparison.labels, comparison.judges)
    if judge_rows:  # cost beside quality; runs without a judge have no row
        cells = [[md_cell(cell) for cell in row] for row in judge_rows]  # labels and currency are text
        out += ["", "Judge:", "", _md_table(judge_header, cells), "", judge_usage.NOTE]
    cost_header, cost_rows = comparison.cost_table()
    if cost_rows:
        cells = [[md_cell(cell) for cell in row] for row in cost_rows]
        out += ["", "Cost and latency:", "", _md_table(cost_header, cells), "", cost.NOTE]
    pairs = [[*map(md_cell, row[:3]), *row[3:]] for row in pair_rows(comparison)]  # metric, A, B: text
    if pairs:
        out += ["", "Paired tests:", "", _md_table(PAIR_HEADER, pairs)]
        power = [[md_cell(c.key), str(c.n), fmt(c.median_mde())] for c in comparison.columns if c.tests]
        out += ["", "Power (80%, alpha 0.05):", "", _md_table(["metric", "n", "MDE (median over comparisons)"], power)]
    return "\n".join(out) + "\n"


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Cells already escaped (md_cell) where they hold text."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


@dataclass(frozen=True)
class RunRow:
    """One run of a comparison: a row of comparison.csv (`flat`) and an entry of comparison.json's
    `runs` (`to_json`). `compared`: the documents compared (shared by all runs), `documents`:
    the run's own; `cells`: (column key, the run's cell) for each column where it has one."""

    label: str
    run_dir: str
    compared: int
    documents: int
    cells: tuple[tuple[str, Cell], ...]
    judge: RunJudge | None = None
    cost: RunCost | None = None

    def flat(self) -> dict[str, Any]:
        """comparison.csv's row: the metric's numbers in columns named after it."""
        record: dict[str, Any] = {"model": self.label, "run_dir": self.run_dir, "n": self.compared}
        for k, cell in self.cells:
            record.update(
                {
                    k: cell.mean,
                    f"{k} ci_low": cell.ci_low,
                    f"{k} ci_high": cell.ci_high,
                    f"{k} n": cell.n,
                    f"{k} unscored": cell.missing,
                    f"{k} rank": cell.rank,
                    f"{k} best": cell.best,
                    f"{k} group": cell.group,
                    f"{k} vs_baseline": cell.mark,
                }
            )
        return {
            **record,
            **(self.judge.flat() if self.judge is not None else {}),
            **(self.cost.flat() if self.cost is not None else {}),
        }

    def to_json(self) -> dict[str, Any]:
        """comparison.json's entry (the cells are in its `columns`)."""
        record: dict[str, Any] = {"label": self.label, "run_dir": self.run_dir, "documents": self.documents}
        if self.judge is not None:
            record["judge"] = self.judge.to_json()
        if self.cost is not None:
            record["generation"] = self.cost.to_json()
        return record


def run_rows(comparison: Comparison) -> list[RunRow]:
    out = []
    for index, (label, run_dir) in enumerate(zip(comparison.labels, comparison.run_dirs)):
        cells = tuple((c.key, cell) for c in comparison.columns if (cell := c.cell(label)) is not None)
        documents = comparison.run_documents[index]
        judge, run_cost = comparison.judge_of(index), comparison.cost_of(index)
        out.append(RunRow(label, run_dir, comparison.docs, documents, cells, judge, run_cost))
    return out


def run_records(comparison: Comparison) -> list[dict[str, Any]]:
    """comparison.csv: one row per run."""
    return [row.flat() for row in run_rows(comparison)]


def test_records(comparison: Comparison) -> list[dict[str, Any]]:
    return [asdict(t) for c in comparison.columns for t in c.tests]


def to_csv(records: Sequence[dict[str, Any]]) -> str:
    names = list(dict.fromkeys(k for r in records for k in r)) or ["metric"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: csv_cell(v) for k, v in r.items()} for r in records)
    return buffer.getvalue()


def _no_nan(value: Any) -> Any:
    """JSON has no NaN: an undefined number is written as null."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    return value


def to_json(comparison: Comparison, gate: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    return _no_nan(
        {
            "schema_version": COMPARISON_SCHEMA_VERSION,
            "test": TEST_NAME,
            "settings": asdict(comparison.settings),
            "documents": comparison.docs,
            "common_docs": comparison.common_docs,
            "runs": [row.to_json() for row in run_rows(comparison)],
            "columns": [c.to_json() for c in comparison.columns],
            "gate": list(gate),
            "notes": footnotes(comparison),
        }
    )


def latex(comparison: Comparison) -> str:
    """A booktabs table (needs \\usepackage{booktabs} and amssymb for the triangles)."""
    cols = comparison.columns
    lines = [r"\begin{table}[t]", r"\centering", r"\begin{tabular}{l" + "r" * len(cols) + "}", r"\toprule"]
    lines.append("Model & " + " & ".join(tex(c.key) for c in cols) + r" \\")
    lines.append(r"\midrule")
    latex_marks = {"better": r"$^{\blacktriangle}$", "worse": r"$^{\blacktriangledown}$"}
    for label in comparison.labels:
        cells = []
        for column in cols:
            cell = column.cell(label)
            if cell is None or cell.mean is None:
                cells.append("--")
                continue
            mean = f"{cell.mean:.3f}"
            text = (
                r"\textbf{" + mean + "}" if cell.best else mean
            ) + rf" {{\scriptsize [{cell.ci_low:.3f}, {cell.ci_high:.3f}]}}"
            if cell.group:
                text += rf"$^{{\mathrm{{{cell.group}}}}}$"
            text += latex_marks.get(cell.mark, "")
            cells.append(text)
        name = tex(label) + (" (baseline)" if label == comparison.settings.baseline else "")
        lines.append(name + " & " + " & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\par\smallskip", r"\begin{minipage}{\linewidth}\footnotesize"]
    for note in footnotes(comparison, markup=False):
        text = tex(note).replace("▲", r"$\blacktriangle$").replace("▼", r"$\blacktriangledown$")
        lines.append(text + r"\par")
    lines += [r"\end{minipage}", r"\end{table}"]
    cost_header, cost_rows = comparison.cost_table()
    if cost_rows:
        lines += latex_table(cost_header, cost_rows, cost.NOTE)
    return "\n".join(lines) + "\n"


def latex_table(header: Sequence[str], rows: Sequence[Sequence[str]], note: str) -> list[str]:
    """A booktabs table of text cells after the comparison's (the cost table, the pairwise ranking), with its note."""
    lines = [r"\begin{table}[t]", r"\centering", r"\small", r"\begin{tabular}{l" + "r" * (len(header) - 1) + "}"]
    lines += [r"\toprule", " & ".join(tex(h) for h in header) + r" \\", r"\midrule"]
    lines += [" & ".join(tex(cell).replace("–", "--") for cell in row) + r" \\" for row in rows]
    lines += [r"\bottomrule", r"\end{tabular}", r"\par\smallskip", r"\begin{minipage}{\linewidth}\footnotesize"]
    return [*lines, tex(note) + r"\par", r"\end{minipage}", r"\end{table}"]
