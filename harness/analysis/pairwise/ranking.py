"""The Bradley-Terry ranking of a written pairwise.json, shown beside other tables: read back
(`load_ranking`), matched to the runs being compared (`for_runs`), as text cells, Markdown and
CSV records. It judges nothing and reads no run, so `compare` and the report use it without the
judging modules (output.py builds the rows from a result with `ranking_rows`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.analysis.escape import md_cell
from harness.analysis.tables import latex_table
from harness.errors import InputError
from harness.run.folder import read_json_file
from harness.text.visible import visible

STEM = "pairwise"
TITLE = "Pairwise ranking (Bradley-Terry)"
LATEX_NOTE = "strength in log-odds, win rates observed and length-controlled (LC), each with its 95% bootstrap CI over documents."
TEXT_COLUMNS = (1, 5)  # system and judge: names, escaped per output format (the rest are numbers we format)


def est_text(rec: dict[str, Any] | None, digits: int = 3, percent: bool = False) -> str:
    """value [low, high] of an estimate's record."""
    if rec is None or rec.get("value") is None:
        return "–"

    def f(x: float) -> str:
        return f"{100 * x:.1f}%" if percent else f"{x:.{digits}f}"

    ci = f" [{f(rec['low'])}, {f(rec['high'])}]" if rec.get("low") is not None and rec.get("high") is not None else ""
    return f(rec["value"]) + ci


def ranking_cells(rows: Sequence[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """The ranking rows as a header and rows of plain text cells (each output escapes them its way)."""
    if not rows:
        return [], []
    against = rows[0]["against"]
    header = [
        "rank",
        "system",
        "BT strength",
        f"win rate vs {'the average' if against == 'average' else against}",
        "LC win rate",
        "judge",
        "comparisons",
    ]
    cells = []
    for row in rows:
        baseline = row["label"] == against
        rates = ["baseline"] * 2 if baseline else [est_text(row[k], percent=True) for k in ("win_rate", "lc_win_rate")]
        judge = str(row.get("judge") or "–")
        cells.append(
            [str(row["rank"]), str(row["label"]), est_text(row["strength"]), *rates, judge, str(row["comparisons"])]
        )
    return header, cells


def ranking_markdown(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The ranking rows (from `ranking_rows` or `load_ranking`) as Markdown table lines."""
    header, cells = ranking_cells(rows)
    if not header:
        return []
    header[3] = md_cell(header[3])  # names the baseline

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(md_cell(c) if k in TEXT_COLUMNS else c for k, c in enumerate(row)) + " |"

    return [line(header), "|" + "---|" * len(header), *map(line, cells)]


def ranking_text(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The ranking rows as a plain table for a terminal: columns aligned, names made inert."""
    header, cells = ranking_cells(rows)
    table = [[visible(c) for c in row] for row in [header, *cells]]
    widths = [max(len(row[k]) for row in table) for k in range(len(header))]
    return [
        "  ".join(c.ljust(w) if k in TEXT_COLUMNS else c.rjust(w) for k, (c, w) in enumerate(zip(row, widths))).rstrip()
        for row in table
    ]


def ranking_records(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One flat record per system (the CSV): numbers with their CI bounds in columns."""
    records = []
    for row in rows:
        record: dict[str, Any] = {"rank": row["rank"], "model": row["label"], "run_dir": row.get("path")}
        for key in ("strength", "win_rate", "lc_win_rate"):
            est = row.get(key) or {}
            record.update({key: est.get("value"), f"{key}_low": est.get("low"), f"{key}_high": est.get("high")})
        record.update({"against": row["against"], "judge": row.get("judge"), "comparisons": row["comparisons"]})
        records.append(record)
    return records


def load_ranking(path: Path) -> list[dict[str, Any]]:
    """The ranking rows of a pairwise.json (or of the pairwise.json in a folder), each with the judge's label."""
    file = path / f"{STEM}.json" if path.is_dir() else path
    data = read_json_file(file)
    if (
        not isinstance(data, dict)
        or data.get("tool") != "harness pairwise"
        or not isinstance(data.get("ranking"), list)
        or not all(isinstance(r, dict) and {"label", "path", "rank"} <= set(r) for r in data["ranking"])
    ):
        raise InputError(f"{file}: not a pairwise.json written by harness pairwise")
    judge = data.get("judge")
    label = judge.get("label") if isinstance(judge, dict) else None
    return [{**row, "judge": row.get("judge", label)} for row in data["ranking"]]


@dataclass(frozen=True)
class Ranking:
    """The ranking shown beside a comparison: its rows (labels as the comparison names the runs)
    and file, or nothing; `notes` say which pairwise results were left out and why."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    source: Path | None = None
    notes: list[str] = field(default_factory=list)

    def record(self) -> dict[str, Any] | None:
        """comparison.json's `ranking` (None when there is nothing to say)."""
        if not self.rows and not self.notes:
            return None
        return {"source": None if self.source is None else str(self.source), "rows": self.rows, "notes": self.notes}

    def markdown(self) -> list[str]:
        """The section under a comparison's tables (empty without rows or notes)."""
        lines = [f"{TITLE}, from {md_cell(self.source)}:", "", *ranking_markdown(self.rows)] if self.rows else []
        lines += [f"note: {md_cell(n)}" for n in self.notes]
        return ["", *lines] if lines else []

    def latex(self) -> list[str]:
        """The ranking as a booktabs table after the comparison's (empty without rows)."""
        if not self.rows:
            return []
        header, cells = ranking_cells(self.rows)
        return latex_table(header, cells, f"{TITLE}, from {self.source}: {LATEX_NOTE}")

    def terminal(self) -> list[str]:
        """The section for a terminal (its notes are printed apart, on stderr)."""
        if not self.rows:
            return []
        return [f"{TITLE}, from {visible(str(self.source))}:", *ranking_text(self.rows)]


def _same_folder(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def relabel(rows: Sequence[dict[str, Any]], labels: Sequence[str], paths: Sequence[Path]) -> list[dict[str, Any]] | str:
    """The rows with the comparison's labels when they rank exactly these runs, else why not.
    A row is a run when its path is the run's folder; a row whose folder is not here (moved, or
    written from another working folder) is the run of the same label. A row naming another
    existing folder is another run, even under the same label."""
    matched: dict[int, int] = {}  # row -> run
    for i, row in enumerate(rows):
        where = Path(str(row["path"]))
        hits = [j for j, p in enumerate(paths) if where.is_dir() and _same_folder(where, p)]
        if not hits and not where.is_dir():
            hits = [j for j, label in enumerate(labels) if label == row["label"]]
        if len(hits) == 1 and hits[0] not in matched.values():
            matched[i] = hits[0]
    if len(matched) == len(rows) == len(labels):
        names = {row["label"]: labels[matched[i]] for i, row in enumerate(rows)}
        return [
            {**row, "label": names[row["label"]], "against": names.get(row["against"], row["against"])} for row in rows
        ]
    ranked = ", ".join(str(row["label"]) for row in rows)
    return f"it ranks {ranked}; compared: {', '.join(labels)}"


def _numbered(folder: Path) -> list[Path]:
    """pairwise.json and pairwise-N.json in `folder`, the newest (highest N) first."""
    found = []
    for file in folder.glob(f"{STEM}*.json"):
        m = re.fullmatch(rf"{STEM}(?:-(\d+))?\.json", file.name)
        if m:
            found.append((int(m.group(1) or 0), file))
    return [f for _, f in sorted(found, reverse=True)]


def for_runs(labels: Sequence[str], paths: Sequence[Path], given: Path | None, folder: Path) -> Ranking:
    """The ranking of these runs: from `given` (a pairwise.json or its folder), else the newest
    pairwise[-N].json in `folder`/pairwise that ranks exactly these runs. A result about other
    runs is left out with a note, never mixed in; `given` that is no pairwise.json is an error."""
    files = [given / f"{STEM}.json" if given.is_dir() else given] if given is not None else _numbered(folder / STEM)
    notes = []
    for file in files:
        if given is None and not file.is_file():
            continue
        try:
            rows = load_ranking(file)
        except InputError as e:
            if given is not None:
                raise
            notes.append(f"{e}: not shown")
            continue
        shown = relabel(rows, labels, paths)
        if isinstance(shown, list):
            return Ranking(shown, file, [])
        notes.append(f"{file} is about other runs ({shown}): not shown")
    return Ranking([], None, notes)
