"""Outputs safe in every viewer: hostile labels, metric names and text (a formula, a pipe, a newline,
HTML, LaTeX specials, a `$`, terminal escapes, bidi overrides) come out of every table writer as
inert text: CSV neutralised (OWASP), Markdown escaped, LaTeX escaped, plots drawn literally, the
HTML report's data block unable to close itself."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from conftest import run_cli
from test_compare import make_run

from harness.analysis import escape
from harness.analysis.compare import CompareOptions, compare_runs, write_outputs
from harness.analysis.runs import scan
from harness.analysis.significance import Settings
from harness.analysis.tables import to_csv

HOSTILE = [
    '=HYPERLINK("http://evil","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1",
    "\r=1",
    "a|b",
    "two\nlines",
    "<script>alert(1)</script>",
    "</script><img src=x onerror=alert(2)>",
    "[click](javascript:alert(3))",
    "back\\|slash",
    "50% & $x_1$ #1 {a} ~^\\",
    "m$\\badcommand$",
    "cost $5 and $6",
    "${oc.env:HOME}",
    "quote\"'`tick`",
    "rtl\u202etxt.exe",
    "esc\x1b[31mred",
    "[opt] first",
]
VALUES = [0.50, 0.62, 0.55, 0.48, 0.70, 0.66, 0.52, 0.58]


# ---- CSV ----


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\tx", "-2+3", '=HYPERLINK("x")'])
def test_a_csv_text_cell_that_a_spreadsheet_would_run_gets_a_quote(text):
    assert escape.csv_cell(text) == "'" + text


def test_a_carriage_return_cannot_start_a_row_of_its_own():
    assert escape.csv_cell("\r=1") == "'\n=1" and escape.csv_cell("a\r\n=b") == "a\n=b"
    rows = list(csv.reader(io.StringIO(to_csv([{"model": "x\r=cmd()", "n": 1}]), newline="")))
    assert rows == [["model", "n"], ["x\n=cmd()", "1"]]


@pytest.mark.parametrize(
    "text, cell",
    [
        ("esc\x1b[2Jcleared", "esc\\u001b[2Jcleared"),  # `cat file.csv` would clear the screen
        ("\x1b]8;;http://x\x07link\x1b]8;;\x07", "\\u001b]8;;http://x\\u0007link\\u001b]8;;\\u0007"),
        ("rtl\u202etxt.exe", "rtl\\u202etxt.exe"),
        ("=x\x1b[31m", "'=x\\u001b[31m"),
        ("two\nlines\tand a tab", "two\nlines\tand a tab"),  # quoted by the csv module: kept
    ],
)
def test_terminal_escapes_and_bidi_overrides_in_a_csv_cell_are_shown_not_run(text, cell):
    assert escape.csv_cell(text) == cell


@pytest.mark.parametrize("value", ["plain", "", "a=b", "0.5", -0.25, 0.5, 3, None, True])
def test_other_csv_cells_and_every_number_stay_as_they_are(value):
    assert escape.csv_cell(value) == value


def test_negative_numbers_stay_numeric_in_the_written_csv():
    text = to_csv([{"model": "-lead", "m/score": -0.25, "n": 3}, {"model": "=1+1", "m/score": 0.5, "n": 3}])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0] == {"model": "'-lead", "m/score": "-0.25", "n": "3"}
    assert rows[1]["model"] == "'=1+1" and float(rows[0]["m/score"]) == -0.25


# ---- Markdown ----


def md_cells(row: str) -> list[str]:
    """The cells of one GFM table row, as a renderer splits it (a backslash escapes the next character)."""
    cells, current, i = [], "", 0
    body = row.strip()
    assert body.startswith("|") and body.endswith("|"), row
    body = body[1:-1]
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            current += body[i : i + 2]
            i += 2
            continue
        if body[i] == "|":
            cells.append(current)
            current = ""
        else:
            current += body[i]
        i += 1
    return [*cells, current]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_markdown_cell_is_one_cell_on_one_line_without_markup(text):
    cell = escape.md_cell(text)
    assert "\n" not in cell and "\r" not in cell
    assert len(md_cells(f"| {cell} | x |")) == 2
    assert "<" not in cell and ">" not in cell  # no tag can open
    assert re.search(r"(?<!\\)\[", cell) is None  # no link can start
    assert "\x1b" not in cell and "\u202e" not in cell


def test_markdown_cell_keeps_ordinary_names_readable():
    assert escape.md_cell("flan-t5-base (beam=4)") == "flan-t5-base (beam=4)"
    assert escape.md_cell("rouge/rougeLsum") == "rouge/rougeLsum"


# ---- LaTeX ----


def test_every_latex_special_is_escaped():
    assert escape.tex("&%$#_{}~^\\") == (r"\&\%\$\#\_\{\}\textasciitilde{}\textasciicircum{}\textbackslash{}")
    assert escape.tex("[opt]") == "{[}opt{]}"  # never an optional argument of the row's \\
    assert "\n" not in escape.tex("two\nlines") and "\x1b" not in escape.tex("esc\x1bx")


# ---- every writer of a comparison ----


@pytest.fixture
def hostile_runs(tmp_path) -> Path:
    for i, label in enumerate(HOSTILE[:10] + HOSTILE[12:]):
        folder = make_run(tmp_path / "runs", f"{i}_run", [v + 0.01 * i for v in VALUES])
        info = json.loads((folder / "run.json").read_text())
        (folder / "run.json").write_text(json.dumps({**info, "label": label}))
    return tmp_path / "runs"


def test_compare_writes_every_format_with_hostile_labels(hostile_runs, tmp_path):
    runs, _ = scan([hostile_runs])
    result = compare_runs(runs, CompareOptions(settings=Settings(samples=200)))
    written = write_outputs(tmp_path / "out", runs, result.comparison, result.text, [], plots=True)
    md, table_csv, tests_csv, tex, _ = (p.read_text(encoding="utf-8") for p in written[:5])
    for table in re.findall(r"(?:^\|.*\n)+", md, re.M):  # each table: its rows as wide as its header
        rows = table.splitlines()
        assert {len(md_cells(row)) for row in rows} == {len(md_cells(rows[0]))}, "a label broke a Markdown row"
    assert "<script" not in md and "<img" not in md and "\x1b" not in md and "\u202e" not in md
    for text in (table_csv, tests_csv):
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                assert not cell or cell[0] not in "=+-@\t\r" or _number(cell), cell
    assert "$x_1$" not in tex and r"\$x\_1\$" in tex and "\x1b" not in tex
    plot_dir = written[-1]
    assert plot_dir.is_dir() and any(plot_dir.glob("forest_*.svg")) and any(plot_dir.glob("pairs_*.svg"))


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("label", ["m$\\badcommand$", "cost $5 and $6", "$"])
def test_a_dollar_in_a_label_is_drawn_as_text(tmp_path, label):
    from harness.analysis import plots

    for i, name in enumerate([label, "other"]):
        folder = make_run(tmp_path / "runs", f"{i}_r", [v + 0.02 * i for v in VALUES])
        info = json.loads((folder / "run.json").read_text())
        (folder / "run.json").write_text(json.dumps({**info, "label": name}))
    runs, _ = scan([tmp_path / "runs"])
    column = compare_runs(runs, CompareOptions(settings=Settings(samples=200))).comparison.columns[0]
    drawn = plots.forest(column), plots.heatmap(column), plots.length_vs_score(runs, column.key, runs[0].doc_ids)
    assert all(svg.startswith("<?xml") for svg in drawn)


def test_meta_eval_markdown_escapes_human_and_metric_names():
    from harness.analysis.meta_eval.output import _pair_table

    lines = _pair_table(
        {
            "a": "<b>a|x</b>",
            "b": "[b](javascript:x)",
            "tests": {"h|uman\n": {"global": {"pearson": {"a": 0.5, "b": 0.4, "p_bootstrap": 0.1, "p_williams": 0.2}}}},
        }
    )
    row = next(line for line in lines if line.startswith("| h"))
    assert len(md_cells(row)) == 7 and "\n" not in row
    title = next(line for line in lines if line.startswith("## "))
    assert "<b>" not in title and re.search(r"(?<!\\)\[", title) is None


# ---- the HTML report ----


def test_report_page_keeps_hostile_text_inside_its_data_block(hostile_runs):
    from harness.analysis.report import page

    data = {"runs": [{"label": label} for label in HOSTILE], "docs": [{"id": "</script><script>x()</script>"}]}
    html = page(data)
    assert html.count("<script") == 2 and html.count("</script") == 2  # the data block and the script only
    block = re.search(r"id='report-data'>(.*?)</script>", html, re.S).group(1)
    decoded = json.loads(block.replace("&lt;", "<").replace("&gt;", ">").replace("&#x27;", "'").replace("&amp;", "&"))
    assert [r["label"] for r in decoded["runs"]] == HOSTILE  # shown as given, as text


# ---- a sweep whose table fails says so and exits non-zero ----


def test_a_sweep_whose_table_fails_is_reported_and_fails_the_command(tmp_path):
    from harness.cli.hydra_callbacks import CompareSweep
    from harness.run import command

    make_run(tmp_path / "sweep", "0_a", VALUES)
    damaged = make_run(tmp_path / "sweep", "1_b", VALUES)
    (damaged / "scores.jsonl").write_text("")  # metrics.json counts documents the file lacks
    command._session = command.Session()
    config = type("C", (), {"hydra": type("H", (), {"sweep": type("S", (), {"dir": str(tmp_path / "sweep")})})})
    CompareSweep().on_multirun_end(config)
    assert command._session.table_error is not None and "scores.jsonl" in command._session.table_error


@pytest.mark.slow
def test_a_sweep_with_a_dollar_label_writes_its_table_and_exits_0(tmp_path):
    proc = run_cli(
        "run",
        "-m",
        f"results_dir={tmp_path}",
        "model=lead,centrality",
        "+model.label=m$\\badcommand$",
        "dataset.limit=4",
        "metrics=[rouge]",
        "bootstrap_samples=100",
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (md,) = list(tmp_path.rglob("comparison.md"))
    assert "m$\\\\badcommand$" in md.read_text(encoding="utf-8")
    assert list(md.parent.glob("comparison_plots/forest_*.svg"))


def test_compare_prints_no_terminal_escape_from_a_label(tmp_path):
    for i, label in enumerate(["base", "evil\x1b[2J\x1b]0;owned\x07\u202e"]):
        folder = make_run(tmp_path / "runs", f"{i}_r", [v + 0.01 * i for v in VALUES])
        info = json.loads((folder / "run.json").read_text())
        (folder / "run.json").write_text(json.dumps({**info, "label": label}))
    proc = run_cli(
        "compare",
        str(tmp_path / "runs"),
        "--baseline",
        "base",
        "--fail-if-worse",
        "m/score",
        "--no-plots",
        "--samples",
        "200",
        "--out",
        str(tmp_path / "out"),
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "\x1b" not in proc.stdout + proc.stderr and "\x07" not in proc.stdout and "\u202e" not in proc.stdout
    assert "evil\\u001b" in proc.stdout  # the label is shown, its control characters made visible
    gate = [line for line in proc.stdout.splitlines() if line.startswith(("gate passed", "GATE FAILED"))]
    assert gate and all("\\u001b" in line for line in gate if "evil" in line)


def test_a_label_starting_with_an_underscore_keeps_its_place_in_the_legend(tmp_path):
    from harness.analysis import plots

    for i, name in enumerate(["_private", "other"]):
        folder = make_run(tmp_path / "runs", f"{i}_r", [v + 0.02 * i for v in VALUES])
        info = json.loads((folder / "run.json").read_text())
        (folder / "run.json").write_text(json.dumps({**info, "label": name}))
    runs, _ = scan([tmp_path / "runs"])
    svg = plots.length_vs_score(runs, "m/score", runs[0].doc_ids)
    # two runs' points, then one legend marker per run: the "_private" run is not left out
    assert svg.count('<g id="legend_') == 1 and svg.count('<g id="PathCollection_') == 4
