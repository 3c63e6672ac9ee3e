"""The issue's end-to-end case: a sweep of a priced HTTP model (the fake OpenAI server on
127.0.0.1) and two baselines (lead, centrality) shows tokens, latency and the cost per 1,000
summaries in the terminal's compact table, in comparison.md/.csv/.json/.tex, in the report, with
the quality-vs-cost (Pareto) plot; the report's plots are rendered in Chromium and a screenshot
is kept."""

from __future__ import annotations

import csv
import json
import os
import pty
import re
import subprocess
from pathlib import Path

import pytest
from headless_chromium import launched
from openai_server import FakeOpenAI
from tiny_models import harness_command, run_harness, user_model_run_args, write_docs

pytestmark = pytest.mark.slow

PRICE = {"input_per_million": 2.5, "output_per_million": 10.0, "currency": "USD"}
N_DOCS = 12


def latency_of(prompt: str) -> float:
    """The fake server's delay per request: 10, 20, ... 50 ms by the document's number."""
    number = int(prompt.split("DOC-")[1].split()[0])
    return 0.01 * (1 + number % 5)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cost")
    with FakeOpenAI() as server:
        server.latency = latency_of
        model = {
            "backend": "openai_chat",
            "model_id": "fake-model",
            "base_url": server.url,
            "api_key_env": None,
            "max_concurrency": 2,
            "timeout_s": 5.0,
            "max_retries": 0,
            "generation": {"temperature": 0, "max_tokens": 64},
            "label": "hosted",
            "price": PRICE,
        }
        data = write_docs(tmp / "docs.jsonl", N_DOCS)
        args = user_model_run_args(tmp, "hosted", model, data, "metrics=[rouge,format]", f"results_dir={tmp / 'r'}")
        args = ["run", "-m", *("model=hosted,lead,centrality" if a == "model=hosted" else a for a in args[1:])]
        done = run_harness(*args)
        assert done.returncode == 0, done.stderr[-3000:]
    (folder,) = {p.parent.parent for p in (tmp / "r").rglob("run.json")}
    return folder


def rows(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "generations.jsonl").read_text().splitlines()]


def expected_cost(folder: Path) -> float:
    """By hand from the server-reported tokens: the mean summary at 2.50/1M in and 10.00/1M out, x 1,000."""
    generated = rows(folder)
    tokens_in = sum(r["input_tokens"] for r in generated) / len(generated)
    tokens_out = sum(r["output_tokens"] for r in generated) / len(generated)
    return (tokens_in * 2.5 + tokens_out * 10.0) / 1e6 * 1000


def run_folder(sweep: Path, name: str) -> Path:
    (folder,) = [p for p in sweep.iterdir() if p.name.endswith("_" + name)]
    return folder


def test_run_json_records_tokens_latency_and_price(sweep):
    hosted = run_folder(sweep, "hosted")
    info = json.loads((hosted / "run.json").read_text())["generation"]
    generated = rows(hosted)
    assert info["price"] == {**PRICE, "per_hour": None}
    assert info["input_tokens"] == sum(r["input_tokens"] for r in generated) > 0
    assert info["output_tokens"] == sum(r["output_tokens"] for r in generated) > 0
    import numpy as np

    latencies = [r["latency_s"] for r in generated]
    assert min(latencies) >= 0.01  # the server slept at least 10 ms for each
    want = np.percentile(latencies, [50, 95, 99])
    assert [info["latency_s"][k] for k in ("p50", "p95", "p99")] == pytest.approx(list(want), abs=1e-4)
    lead = json.loads((run_folder(sweep, "lead") / "run.json").read_text())["generation"]
    assert lead["price"] == {"input_per_million": 0.0, "output_per_million": 0.0, "per_hour": None, "currency": "USD"}


def test_files_hold_tokens_latency_and_cost_per_1000(sweep, tmp_path):
    out = tmp_path / "out"
    shown = run_harness("compare", str(sweep), "--out", str(out)).stdout  # a pipe: the full Markdown table
    want = expected_cost(run_folder(sweep, "hosted"))
    cost_cell = f"{float(f'{want:.4g}'):.6f}".rstrip("0").rstrip(".") + " USD"
    assert "Cost and latency:" in shown and shown.startswith((out / "comparison.md").read_text())
    table = {line.split(" | ")[0].strip("| "): line for line in shown.splitlines() if line.startswith("| ")}
    assert cost_cell in table["hosted"] and "| 0 USD |" in table["lead"] and "| 0 USD |" in table["centrality"]

    by_model = {r["model"]: r for r in csv.DictReader((out / "comparison.csv").open())}
    assert float(by_model["hosted"]["generation cost_per_1000"]) == pytest.approx(want, rel=1e-6)
    assert float(by_model["lead"]["generation cost_per_1000"]) == 0.0
    hosted_rows = rows(run_folder(sweep, "hosted"))
    assert float(by_model["hosted"]["generation input_tokens_per_summary"]) == pytest.approx(
        sum(r["input_tokens"] for r in hosted_rows) / N_DOCS, abs=1e-4
    )
    assert float(by_model["hosted"]["generation latency_p95_s"]) > 0

    runs = {r["label"]: r for r in json.loads((out / "comparison.json").read_text())["runs"]}
    assert runs["hosted"]["generation"]["cost_per_1000"] == pytest.approx(want, rel=1e-6)
    assert runs["hosted"]["generation"]["requests"] == N_DOCS
    assert runs["centrality"]["generation"]["currency"] == "USD"
    tex = (out / "comparison.tex").read_text()
    assert "cost per 1,000 summaries" in tex and cost_cell in tex

    plot = (out / "comparison_plots" / "pareto_rouge_rouge1.svg").read_text()
    assert "<!-- rouge/rouge1 against cost: which models are worth their price -->" in plot
    assert "<!-- on the frontier: no model is cheaper and better -->" in plot
    # the fake server's replies share no word with the references: the priced model is worse and
    # dearer than the free baselines, so it is dominated (drawn hollow, named in the legend)
    assert "<!-- dominated: another model is as cheap and as good (or better) -->" in plot


def test_format_prints_one_format_alone(sweep, tmp_path):
    done = run_harness("compare", str(sweep), "--out", str(tmp_path / "o"), "--format", "csv")
    assert done.returncode == 0
    parsed = list(csv.DictReader(done.stdout.splitlines()))
    assert [r["model"] for r in parsed] == ["hosted", "lead", "centrality"]
    assert "wrote " in done.stderr and "wrote " not in done.stdout
    as_json = run_harness("compare", str(sweep), "--out", str(tmp_path / "j"), "--format", "json").stdout
    assert json.loads(as_json)["tool"] == "harness compare"


def in_terminal(*args: str, columns: int) -> str:
    """`harness ...` with its stdout on a pseudo-terminal `columns` wide; what it printed."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": str(columns), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(harness_command(*args), stdout=follower, stderr=subprocess.PIPE, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process has ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    return b"".join(chunks).decode().replace("\r\n", "\n")


@pytest.mark.parametrize("columns", [80, 160])
def test_a_terminal_gets_the_compact_table_within_its_width(sweep, tmp_path, columns):
    shown = in_terminal("compare", str(sweep), "--out", str(tmp_path / "o"), "--no-plots", columns=columns)
    table = shown.split("\n\n")[0].splitlines()
    assert all(len(line) <= columns for line in table), table
    assert table[0].split()[:2] == ["model", "n"] and "$/1k summaries" in table[0] and "latency p50/p95 (s)" in table[0]
    hosted = next(line for line in table if line.startswith("hosted"))
    want = expected_cost(run_folder(sweep, "hosted"))
    assert f"{float(f'{want:.4g}'):g} USD" in hosted
    tokens = rows(run_folder(sweep, "hosted"))
    mean_in = sum(r["input_tokens"] for r in tokens) / len(tokens)
    mean_out = sum(r["output_tokens"] for r in tokens) / len(tokens)
    assert f"{mean_in:,.0f}/{mean_out:,.0f}" in hosted
    assert re.search(r"\b12\b", hosted)  # n
    assert re.search(r"0\.\d{3}\*? [a-c]", next(line for line in table if line.startswith("centrality")))  # letters
    assert "CIs, tests and every column:" in shown and "comparison.md" in shown
    assert "| model |" not in shown  # not the Markdown table
    if columns == 80:
        assert "Not shown (terminal too narrow):" in shown


@pytest.mark.browser
def test_the_report_shows_the_cost_table_and_the_pareto_plot_in_a_browser(sweep, tmp_path):
    page_file = tmp_path / "report.html"
    assert run_harness("report", str(sweep), "--out", str(page_file)).returncode == 0
    want = expected_cost(run_folder(sweep, "hosted"))
    with launched() as browser:
        tab = browser.new_page(viewport={"width": 1300, "height": 1000})
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto(page_file.as_uri())
        tab.wait_for_selector("#cost")
        header = tab.eval_on_selector_all("#cost thead th", "hs => hs.map(h => h.textContent)")
        assert "cost per 1,000 summaries" in header and "latency p50 / p95 / p99 (s)" in header
        row = tab.eval_on_selector_all("#cost tbody tr", "rs => rs.map(r => r.textContent)")
        assert any(r.startswith("hosted") and f"{float(f'{want:.4g}'):g} USD" in r for r in row)
        figure = tab.locator("figure", has_text="pareto_rouge_rouge1.svg")
        caption = figure.locator("figcaption").text_content() or ""
        assert "against the cost of 1,000 summaries" in caption and "hollow points are dominated" in caption
        figure.scroll_into_view_if_needed()
        shot = tmp_path / "pareto.png"
        figure.screenshot(path=str(shot))
        assert shot.stat().st_size > 5_000  # a drawn figure, not an empty box
        size = figure.locator("img").evaluate("i => [i.naturalWidth, i.naturalHeight]")
        assert size[0] > 300 and size[1] > 200  # the SVG decoded and has its size
        forest = tab.locator("figure", has_text="forest_rouge_rouge1.svg")
        forest.scroll_into_view_if_needed()
        forest.screenshot(path=str(tmp_path / "forest.png"))
        print(f"screenshots: {shot}, {tmp_path / 'forest.png'}")
        assert errors == []
    svg = json.loads(
        re.search(r"id='report-data'>(.*?)</script>", page_file.read_text(), re.S)  # the page's data block
        .group(1)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
    )["plots"]
    pareto = next(p for p in svg if p["name"] == "pareto_rouge_rouge1")["svg"]
    forest_svg = next(p for p in svg if p["name"] == "forest_rouge_rouge1")["svg"]
    assert "<!-- on the frontier: no model is cheaper and better -->" in pareto
    assert "<!-- rouge/rouge1: each model's mean with its 95% confidence interval -->" in forest_svg
    assert "<!-- best mean -->" in forest_svg and "<!-- other models -->" in forest_svg


def test_the_python_api_gives_each_runs_cost(sweep):
    from harness import api

    result = api.compare(sweep, cost=True)
    hosted = result.cost("hosted")
    assert hosted is not None and hosted.per_1000 == pytest.approx(expected_cost(run_folder(sweep, "hosted")), rel=1e-6)
    assert hosted.requests == N_DOCS and hosted.latency is not None
    lead = result.cost("lead")
    assert lead is not None and lead.per_1000 == 0.0 and lead.latency is None
    assert "Cost and latency:" in result.table
