"""The pairwise ranking beside `harness compare`'s tables and in the report: a hand-made
pairwise.json over hand-made run folders (the cells written out by hand), one about other runs
left out with a note, and one real `harness pairwise` through a judge on 127.0.0.1 followed by
compare and report."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import pytest
from conftest import run_cli
from headless_chromium import launched
from openai_server import FakeOpenAI
from run_files import copy_run_as, rows, write_rows, write_run

from harness.analysis.pairwise.ranking import load_ranking, ranking_cells, ranking_markdown, ranking_text

DOCS = ["d1", "d2", "d3", "d4"]
FAST = ["--no-plots", "--samples", "200"]
HOSTILE = "=x|y\x1b[2J<b>"  # a label with a cell separator, a terminal escape, a tag and a formula start


def estimate(value: float, low: float, high: float) -> dict:
    return {"value": value, "low": low, "high": high}


def pairwise_file(folder: Path, systems: list[tuple[str, str]], judge: str = "fake-judge") -> Path:
    """A pairwise.json as `harness pairwise` writes it (the keys compare and the report read):
    `systems` is (label, run folder), best first."""
    ranking = [
        {
            "rank": i + 1,
            "label": label,
            "path": path,
            "strength": estimate(0.5 - 0.5 * i, 0.25 - 0.5 * i, 0.75 - 0.5 * i),
            "win_rate": estimate(0.75 - 0.25 * i, 0.625 - 0.25 * i, 0.875 - 0.25 * i),
            "lc_win_rate": estimate(0.7 - 0.2 * i, 0.6 - 0.2 * i, 0.8 - 0.2 * i),
            "lc_strength": estimate(0.0, 0.0, 0.0),
            "against": "average",
            "comparisons": 8,
        }
        for i, (label, path) in enumerate(systems)
    ]
    data = {"tool": "harness pairwise", "format": 1, "systems": [s[0] for s in systems], "judge": {"label": judge}}
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "pairwise.json"
    file.write_text(json.dumps({**data, "paths": [s[1] for s in systems], "ranking": ranking}))
    return file


# the hand-made file's cells, written out: strength, win rate, LC win rate with their CIs
EXPECTED = [
    ["1", "{0}", "0.500 [0.250, 0.750]", "75.0% [62.5%, 87.5%]", "70.0% [60.0%, 80.0%]", "fake-judge", "8"],
    ["2", "{1}", "0.000 [-0.250, 0.250]", "50.0% [37.5%, 62.5%]", "50.0% [40.0%, 60.0%]", "fake-judge", "8"],
    ["3", "{2}", "-0.500 [-0.750, -0.250]", "25.0% [12.5%, 37.5%]", "30.0% [20.0%, 40.0%]", "fake-judge", "8"],
]


def m_scores(values: list[float]) -> dict[str, dict[str, float | None]]:
    """The field m/score of each of DOCS, in order."""
    return {d: {"m/score": v} for d, v in zip(DOCS, values)}


@pytest.fixture
def sweep(tmp_path) -> Path:
    """Three hand-made runs of one dataset, the third with a hostile label."""
    root = tmp_path / "sweep"
    for n, (label, values) in enumerate((("lead", [0.5, 0.6, 0.4, 0.5]), ("ours", [0.6, 0.7, 0.5, 0.6]))):
        write_run(root / f"{n}_{label}", label, m_scores(values))
    write_run(root / "2_odd", HOSTILE, m_scores([0.3, 0.4, 0.2, 0.3]))
    return root


def test_compare_shows_the_ranking_of_the_same_runs_in_markdown_csv_and_json(sweep, tmp_path):
    pairwise_file(sweep / "pairwise", [("ours", str(sweep / "1_ours")), ("lead", "elsewhere/0_lead"), (HOSTILE, "x")])
    out = tmp_path / "out"
    result = run_cli("compare", str(sweep), "--out", str(out), *FAST)
    # the Markdown: every cell escaped, the pipe in the label splitting none, no escape or tag left
    lines = result.stdout.partition("Pairwise ranking (Bradley-Terry), from ")[2].splitlines()[4:7]
    shown = ["ours", "lead", r"=x\|y\\u001b\[2J&lt;b&gt;"]
    assert lines == ["| " + " | ".join(c.format(*shown) for c in row) + " |" for row in EXPECTED]
    assert "Pairwise ranking (Bradley-Terry), from " in result.stdout and "\x1b" not in result.stdout
    assert "note:" not in result.stdout + result.stderr
    # the CSV: numbers in columns, the label's formula start defused and its escape written out
    table = list(csv.DictReader(io.StringIO((out / "comparison_ranking.csv").read_text())))
    assert [r["model"] for r in table] == ["ours", "lead", "'" + HOSTILE.replace("\x1b", "\\u001b")]
    assert [float(r["lc_win_rate_low"]) for r in table] == pytest.approx([0.6, 0.4, 0.2])
    assert [r["judge"] for r in table] == ["fake-judge"] * 3 and [r["rank"] for r in table] == ["1", "2", "3"]
    # the JSON: the rows as the pairwise file has them, labelled as compare labels the runs
    record = json.loads((out / "comparison.json").read_text())
    assert record["ranking"]["source"] == str(sweep / "pairwise" / "pairwise.json")
    assert [r["label"] for r in record["ranking"]["rows"]] == ["ours", "lead", HOSTILE]
    assert "comparison_ranking.csv" in record["files"]
    assert json.loads(run_cli("compare", str(sweep), "--format", "json", *FAST).stdout)["ranking"] == record["ranking"]


def test_the_latex_tables_end_with_the_ranking_its_labels_escaped(sweep, tmp_path):
    pairwise_file(sweep / "pairwise", [("ours", str(sweep / "1_ours")), ("lead", "elsewhere/0_lead"), (HOSTILE, "x")])
    out = tmp_path / "out"
    run_cli("compare", str(sweep), "--out", str(out), *FAST)
    tex = (out / "comparison.tex").read_text()
    assert tex == run_cli("compare", str(sweep), "--format", "latex", *FAST).stdout
    ranking = tex.rpartition(r"\begin{table}")[2]
    rows = [line.removesuffix(r" \\").split(" & ") for line in ranking.splitlines() if line.endswith(r" \\")]
    # LaTeX's specials written out by hand: brackets braced (never an optional argument), % escaped
    shown = ["ours", "lead", r"=x\textbar{}y\textbackslash{}u001b{[}2J\textless{}b\textgreater{}"]
    special = {"%": r"\%", "[": "{[}", "]": "{]}"}
    expected = [
        [c.format(*shown) if k == 1 else "".join(special.get(ch, ch) for ch in c) for k, c in enumerate(row)]
        for row in EXPECTED
    ]
    assert rows[0][:3] == ["rank", "system", "BT strength"]
    assert rows[1:] == expected
    assert "Pairwise ranking (Bradley-Terry)" in ranking and "\x1b" not in tex


def test_a_ranking_of_other_runs_is_left_out_with_a_note(sweep, tmp_path):
    # two of the three runs, and a third that is not compared here
    other = pairwise_file(tmp_path / "other", [("ours", "a"), ("lead", "b"), ("gpt", "c")])
    result = run_cli("compare", str(sweep), "--pairwise", str(other), "--out", str(tmp_path / "out"), *FAST)
    assert "Pairwise ranking" not in result.stdout and "| 1 | ours" not in result.stdout
    assert f"note: {other} is about other runs (it ranks ours, lead, gpt; compared: lead, ours," in result.stderr
    assert not (tmp_path / "out" / "comparison_ranking.csv").exists()
    notes = json.loads((tmp_path / "out" / "comparison.json").read_text())["ranking"]
    assert notes["rows"] == [] and notes["source"] is None and "about other runs" in notes["notes"][0]


def test_a_row_naming_another_existing_run_folder_is_not_matched_by_its_label(sweep, tmp_path):
    # same labels, but the folders are another sweep's, which exists here: other runs
    for n, label in enumerate(("lead", "ours")):
        write_run(tmp_path / "old" / f"{n}_{label}", label, m_scores([0.1] * 4))
    systems = [("ours", str(tmp_path / "old/1_ours")), ("lead", str(tmp_path / "old/0_lead")), (HOSTILE, "x")]
    pairwise_file(sweep / "pairwise", systems)
    result = run_cli("compare", str(sweep), "--out", str(tmp_path / "out"), *FAST)
    assert "Pairwise ranking" not in result.stdout and "about other runs" in result.stderr


def test_the_newest_ranking_of_the_same_runs_is_shown_and_a_path_match_takes_compares_label(sweep, tmp_path):
    folder = sweep / "pairwise"
    pairwise_file(folder, [("lead", "p"), ("ours", "q"), (HOSTILE, "r")], judge="old-judge")
    (folder / "pairwise.json").rename(folder / "pairwise-1.json")
    # the newest names the runs by folder under other labels
    systems = [("A", str(sweep / "1_ours")), ("B", str(sweep / "0_lead")), ("C", str(sweep / "2_odd"))]
    pairwise_file(folder, systems, judge="new-judge")
    (folder / "pairwise.json").rename(folder / "pairwise-2.json")
    result = run_cli("compare", str(sweep), "--out", str(tmp_path / "out"), *FAST)
    assert "| 1 | ours | 0.500 [0.250, 0.750] |" in result.stdout and "new-judge" in result.stdout
    assert "old-judge" not in result.stdout and "pairwise-2.json" in result.stdout


def test_a_given_file_that_is_no_pairwise_result_is_refused(sweep, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"tool": "harness compare"}))
    result = run_cli("compare", str(sweep), "--pairwise", str(bad), "--out", str(tmp_path / "out"), check=False)
    assert result.returncode == 2 and "not a pairwise.json written by harness pairwise" in result.stderr
    assert not (tmp_path / "out").exists()


# ---- a real `harness pairwise`, then compare and report ----


def between(prompt: str, tag: str) -> str:
    return re.search(f"<{tag}>\n(.*?)\n</{tag}>", prompt, re.S).group(1)


def fewer_bullets_wins(prompt: str):
    """The judge prefers the shorter summary (fewer lines), ties between equals."""
    a, b = (len(between(prompt, t).splitlines()) for t in ("summary_a", "summary_b"))
    verdict = "A" if a < b else "B" if b < a else "tie"
    return verdict, [{verdict: -0.05, "C": -3.0}]


def embedded(page: str) -> dict:
    block = re.search(r"<script type='application/json' id='report-data'>(.*?)</script>", page, re.S).group(1)
    return json.loads(html.unescape(block))  # the page writes <, >, & and ' as entities


THIRD = "<img src=x onerror=alert(1)>three"  # a label that would run as markup


@pytest.fixture(scope="module")
def judged(tmp_path_factory) -> Path:
    """Three copies of one demo run with 1, 2 and 3 bullets, judged by `harness pairwise`."""
    tmp = tmp_path_factory.mktemp("joined")
    run_cli("run", "model=lead", "metrics=[format]", f"results_dir={tmp / 'res'}")
    (base,) = (p.parent for p in (tmp / "res").rglob("run.json"))
    sweep = tmp / "sweep"
    for n, (label, keep) in enumerate((("one", 1), ("two", 2), (THIRD, 3))):
        folder = copy_run_as(base, sweep / f"{n}_{label[-5:]}", label)
        generations = rows(folder / "generations.jsonl")
        for g in generations:
            g["bullets"] = g["bullets"][:keep]
        write_rows(folder / "generations.jsonl", generations)
        run_cli("score", str(folder))  # the scores follow the shortened summaries
    with FakeOpenAI(reply=fewer_bullets_wins) as server:
        args = ["pairwise", str(sweep), "--judge", "openai-compatible", "--set", f"judge.base_url={server.url}"]
        run_cli(*args, "--set", "judge.label=fake", f"--cache-dir={tmp / 'cache'}", "--samples", "200")
    return sweep


@pytest.mark.slow
def test_a_real_pairwise_run_joins_compare_and_the_report(judged, tmp_path):
    sweep = judged
    written = load_ranking(sweep / "pairwise")
    assert [r["label"] for r in written] == ["one", "two", THIRD] and {r["judge"] for r in written} == {"fake"}

    result = run_cli("compare", str(sweep), "--out", str(tmp_path / "cmp"), *FAST)
    assert all(line in result.stdout for line in ranking_markdown(written)), result.stdout
    record = json.loads((tmp_path / "cmp" / "comparison.json").read_text())["ranking"]
    assert record["rows"] == written and record["source"] == str(sweep / "pairwise" / "pairwise.json")

    run_cli("report", str(sweep), "--out", str(tmp_path / "report.html"), "--samples", "200")
    section = embedded((tmp_path / "report.html").read_text())["ranking"]
    header, cells = ranking_cells(written)
    assert section["header"] == header and section["rows"] == cells and section["notes"] == []
    assert [row[1] for row in section["rows"]] == ["one", "two", THIRD]

    # the report of two of the runs: the three-run ranking is left out, with a note on the page
    two = run_cli(
        "report", str(sweep / "0_one"), str(sweep / "1_two"), "--pairwise", str(sweep / "pairwise"),
        "--out", str(tmp_path / "two.html"), "--samples", "200",
    )  # fmt: skip
    section = embedded((tmp_path / "two.html").read_text())["ranking"]
    assert section["rows"] == [] and "about other runs" in section["notes"][0] and "note:" in two.stderr


@pytest.mark.browser
def test_the_reports_ranking_section_in_chromium_shows_labels_as_text(judged, tmp_path):
    page_file = tmp_path / "report.html"
    run_cli("report", str(judged), "--out", str(page_file), "--samples", "200")
    with launched() as chromium:
        tab = chromium.new_page()
        errors, requests, dialogs = [], [], []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("request", lambda r: requests.append(r.url))
        tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        tab.goto(page_file.as_uri())
        tab.wait_for_selector("#ranking")
        systems = tab.eval_on_selector_all("#ranking tbody th", "cells => cells.map(c => c.textContent)")
        first = tab.eval_on_selector_all("#ranking tbody tr:first-child td", "cells => cells.map(c => c.textContent)")
        images = tab.locator("#ranking img").count()
    header, cells = ranking_cells(load_ranking(judged / "pairwise"))
    assert systems == ["one", "two", THIRD] and images == 0  # the label is text, not an image
    assert first == [cells[0][0], *cells[0][2:]]
    assert errors == [] and dialogs == [] and {u for u in requests if not u.startswith("data:")} == {page_file.as_uri()}


def test_the_terminal_table_aligns_columns_and_keeps_escapes_inert():
    row = {"rank": 1, "label": HOSTILE, "path": "p", "against": "average", "comparisons": 12, "judge": "j\x07"}
    row |= {k: estimate(0.5, 0.25, 0.75) for k in ("strength", "win_rate", "lc_win_rate")}
    lines = ranking_text([row, {**row, "rank": 2, "label": "b"}])
    assert "\x1b" not in "".join(lines) and "\x07" not in "".join(lines)
    assert lines[1].startswith("   1  =x|y\\u001b[2J<b>  ") and lines[2].startswith("   2  b  ")
    assert len({line.index("0.500 [0.250, 0.750]") for line in lines[1:]}) == 1  # one column
