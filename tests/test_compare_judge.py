"""`harness compare` shows the judge's cost beside the quality it measured, from run.json's
`judge` records (hand-written here with hand-computed costs): requests, cached share, tokens,
cost only when priced, failures; nothing for a run without a judge."""

from __future__ import annotations

import csv
import json
import re

import pytest
from conftest import run_cli
from run_files import set_run_info
from test_compare import make_run

# gpt-4o-mini's prices in conf/judge: 0.15 USD per million input tokens, 0.60 per million output.
# support_judge: 1,200,000 in, 300,000 out -> 0.18 + 0.18 = 0.36 USD
# facts:           400,000 in,  50,000 out -> 0.06 + 0.03 = 0.09 USD; total 0.45 USD
PRICED = {
    "metrics": {
        "support_judge": {
            "label": "gpt-4o-mini",
            "backend": "openai_chat",
            "requests": 90,
            "duplicates": 5,
            "cached": 10,
            "failed": 2,
            "input_tokens": 1_200_000,
            "output_tokens": 300_000,
            "latency_s": 12.5,
            "wall_s": 3.1,
            "cached_share": 0.1,
            "mean_latency_s": 0.1389,
            "cost": 0.36,
            "currency": "USD",
        },
        "facts": {
            "label": "gpt-4o-mini",
            "backend": "openai_chat",
            "requests": 10,
            "cached": 0,
            "failed": 0,
            "input_tokens": 400_000,
            "output_tokens": 50_000,
            "latency_s": 2.0,
            "wall_s": 1.0,
            "cached_share": 0.0,
            "mean_latency_s": 0.2,
            "cost": 0.09,
            "currency": "USD",
        },
    },
    "total": {
        "requests": 100,
        "duplicates": 5,
        "cached": 10,
        "failed": 2,
        "input_tokens": 1_600_000,
        "output_tokens": 350_000,
        "latency_s": 14.5,
        "wall_s": 4.1,
        "cached_share": 0.0909,
        "cost": 0.45,
        "currency": "USD",
    },
}
UNPRICED = {
    "metrics": {
        "support_judge": {
            "label": "local-llama",
            "backend": "openai_chat",
            "requests": 0,
            "cached": 40,
            "failed": 0,
            "input_tokens": 0,
            "output_tokens": 0,
            "cached_share": 1.0,
        }
    },
    "total": {"requests": 0, "cached": 40, "failed": 0, "input_tokens": 0, "output_tokens": 0, "cached_share": 1.0},
}
VALUES = [0.5, 0.6, 0.7, 0.4, 0.55, 0.65]


def judge_rows(text: str) -> list[list[str]]:
    """The judge table of compare's Markdown: its rows as cells (header first)."""
    lines = text.split("Judge:\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in lines if not line.startswith("|---")]


def test_cost_beside_quality_in_every_output_and_nothing_for_a_run_without_a_judge(tmp_path):
    runs = tmp_path / "runs"
    set_run_info(make_run(runs, "A", VALUES), judge=PRICED)
    set_run_info(make_run(runs, "B", [v - 0.1 for v in VALUES]), judge=UNPRICED)
    make_run(runs, "C", [v + 0.1 for v in VALUES])  # no judge
    out = tmp_path / "out"
    shown = run_cli("compare", str(runs), "--out", str(out), "--no-plots").stdout
    table = judge_rows(shown)
    assert table == [
        ["model", "judge", "requests sent", "cached (share)", "tokens in", "tokens out", "cost", "failed"],
        ["A", "gpt-4o-mini", "100 (+5 duplicates)", "10 (9%)", "1,600,000", "350,000", "0.45 USD", "2"],
        ["B", "local-llama", "0", "40 (100%)", "0", "0", "not priced", "0"],
    ]  # C has no row
    assert (out / "comparison.md").read_text() == shown.split("wrote ")[0].rstrip("\n") + "\n"

    data = json.loads((out / "comparison.json").read_text())
    a, b, c = data["runs"]
    assert a["judge"]["total"] == {
        "requests": 100,
        "duplicates": 5,
        "cached": 10,
        "failed": 2,
        "input_tokens": 1_600_000,
        "output_tokens": 350_000,
        "cached_share": 0.0909,
        "cost": 0.45,
        "currency": "USD",
    }
    per_metric = a["judge"]["metrics"]
    assert per_metric["support_judge"]["cost"] + per_metric["facts"]["cost"] == pytest.approx(0.45, abs=1e-12)
    assert per_metric["facts"]["label"] == "gpt-4o-mini" and a["judge"]["label"] == "gpt-4o-mini"
    assert "cost" not in b["judge"]["total"] and b["judge"]["total"]["cached_share"] == 1.0
    assert "judge" not in c

    csv_rows = {r["model"]: r for r in csv.DictReader((out / "comparison.csv").open())}
    assert csv_rows["A"]["judge cost"] == "0.45" and csv_rows["A"]["judge currency"] == "USD"
    assert csv_rows["A"]["judge support_judge cost"] == "0.36" and csv_rows["A"]["judge facts input_tokens"] == "400000"
    assert csv_rows["B"]["judge cost"] == "" and csv_rows["B"]["judge input_tokens"] == "0"
    assert csv_rows["C"]["judge"] == "" and csv_rows["C"]["judge requests"] == ""


def test_unpriced_judges_show_tokens_and_no_cost_column(tmp_path):
    runs = tmp_path / "runs"
    set_run_info(make_run(runs, "A", VALUES), judge=UNPRICED)
    make_run(runs, "B", [v + 0.1 for v in VALUES])
    shown = run_cli("compare", str(runs), "--out", str(tmp_path / "out"), "--no-plots").stdout
    assert judge_rows(shown) == [
        ["model", "judge", "requests sent", "cached (share)", "tokens in", "tokens out", "failed"],
        ["A", "local-llama", "0", "40 (100%)", "0", "0", "0"],
    ]
    assert "USD" not in shown
    runs_json = json.loads((tmp_path / "out/comparison.json").read_text())["runs"]
    assert "cost" not in json.dumps(runs_json[0]["judge"])  # no judge cost is made up
    # nor a generation cost: the models have no price
    assert [r["generation"]["cost_per_1000"] for r in runs_json] == [None, None]
    assert [r["generation"]["why_no_cost"] for r in runs_json] == ["not priced", "not priced"]


def test_runs_without_a_judge_show_no_judge_table_or_fields(tmp_path):
    runs = tmp_path / "runs"
    make_run(runs, "A", VALUES)
    make_run(runs, "B", [v + 0.1 for v in VALUES])
    run_cli("compare", str(runs), "--out", str(tmp_path / "out"), "--no-plots")
    assert "Judge" not in (tmp_path / "out/comparison.md").read_text()
    assert "judge" not in (tmp_path / "out/comparison.csv").read_text().splitlines()[0]
    assert all("judge" not in r for r in json.loads((tmp_path / "out/comparison.json").read_text())["runs"])


def test_a_hostile_judge_label_and_currency_stay_text_in_markdown_and_csv(tmp_path):
    runs = tmp_path / "runs"
    hostile = json.loads(json.dumps(PRICED))
    hostile["metrics"]["support_judge"]["label"] = "| <img src=x onerror=alert(1)> |\n\x1b[31mred"
    for part in (*hostile["metrics"].values(), hostile["total"]):
        part["currency"] = "=HYPERLINK(1)"
    set_run_info(make_run(runs, "A", VALUES), judge=hostile)
    make_run(runs, "B", [v + 0.1 for v in VALUES])
    shown = run_cli("compare", str(runs), "--out", str(tmp_path / "out"), "--no-plots").stdout
    row = judge_rows(shown)[1]
    assert len(row) == 8 and "<img" not in shown and "\x1b" not in shown
    assert row[6] == "0.45 =HYPERLINK(1)"  # inside a cell: not a formula start
    cells = {r["model"]: r for r in csv.DictReader((tmp_path / "out/comparison.csv").open())}
    assert cells["A"]["judge currency"] == "'=HYPERLINK(1)"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("input_tokens", -5, r"judge'\.total\.input_tokens must be a whole number >= 0, got -5"),
        ("cost", float("nan"), r"judge'\.total\.cost must be a finite number >= 0"),
        ("requests", "many", r"judge'\.total\.requests must be a whole number"),
    ],
)
def test_a_damaged_judge_record_is_refused_naming_the_file_and_field(tmp_path, field, value, message):
    runs = tmp_path / "runs"
    damaged = json.loads(json.dumps(PRICED))
    damaged["total"][field] = value
    set_run_info(make_run(runs, "A", VALUES), judge=damaged)
    refused = run_cli("compare", str(runs), "--no-plots", check=False)
    assert refused.returncode == 2
    assert "run.json: field 'judge" in refused.stderr
    assert re.search(message, refused.stderr), refused.stderr
