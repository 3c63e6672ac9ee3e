"""Known answers for the cost table: cost per 1,000 summaries (per token and per hour) worked out
by hand, latency percentiles against numpy on a known list, the Pareto frontier of a hand-made
table, the judge's cost per 1,000 summaries, and a model config's `price` checked where it is
given."""

from __future__ import annotations

import numpy as np
import pytest

from harness.analysis import cost
from harness.analysis.judge_usage import RunJudge, Use
from harness.config.price import Price
from harness.errors import ConfigError
from harness.run.pipeline import check
from harness.stats import percentiles


def test_cost_per_1000_summaries_per_token_by_hand():
    # 4 summaries, 1,000 + 1,200 + 800 + 1,000 = 4,000 input tokens (mean 1,000) and 4 x 150 = 600
    # output tokens (mean 150). At 2.50 / 1M input and 10.00 / 1M output one summary costs
    # 1,000 * 2.5e-6 + 150 * 1e-5 = 0.0025 + 0.0015 = 0.004; 1,000 summaries 4.00.
    value, why = cost.per_1000(Price(2.5, 10.0), 4000, 600, 4, None)
    assert value == pytest.approx(4.0) and why == ""


def test_cost_per_1000_summaries_per_hour_by_hand():
    # A server at 1.80 / hour making 0.5 summaries/s: 1,800 summaries an hour, 0.001 each, 1.00 per 1,000.
    value, why = cost.per_1000(Price(per_hour=1.8), 0, 0, 0, 0.5)
    assert value == pytest.approx(1.0) and why == ""
    assert "no throughput" in cost.per_1000(Price(per_hour=1.8), 0, 0, 0, None)[1]


def test_no_cost_is_made_up():
    assert cost.per_1000(None, 4000, 600, 4, 1.0) == (None, "not priced")
    assert cost.per_1000(Price(2.5, 10.0), 0, 0, 0, 1.0) == (None, "no token counts")
    assert cost.per_1000(Price(), 0, 0, 0, None) == (0.0, "")  # free: an extractive baseline


def test_judge_cost_per_1000_counts_cached_questions_at_the_same_rate():
    # 30 questions sent for 0.06 (0.002 each) and 10 answered from the cache: 40 questions for 8
    # summaries = 5 per summary = 0.01 per summary = 10.00 per 1,000.
    use = Use(
        requests=30, duplicates=0, cached=10, failed=0, input_tokens=1, output_tokens=1, cost=0.06, currency="USD"
    )
    judge = RunJudge(["j"], use)
    assert cost.judge_per_1000(judge, 8) == pytest.approx(10.0)
    unpriced = RunJudge(["j"], Use(30, 0, 10, 0, 1, 1))
    assert cost.judge_per_1000(unpriced, 8) is None and cost.judge_per_1000(None, 8) is None


LATENCIES = [0.12, 0.31, 0.05, 1.7, 0.44, 0.29, 0.33, 0.9, 0.21, 0.18, 2.4, 0.27]


def test_latency_percentiles_match_numpy():
    got = percentiles(LATENCIES)
    expected = np.percentile(LATENCIES, [50, 95, 99])
    assert got is not None
    assert [got["p50"], got["p95"], got["p99"]] == pytest.approx(list(expected), abs=1e-12)
    # and by hand: sorted, p50 is halfway between the 6th and 7th values (0.29, 0.31)
    assert got["p50"] == pytest.approx(0.30)
    assert percentiles([]) is None and percentiles([0.5]) == {"p50": 0.5, "p95": 0.5, "p99": 0.5}


def test_pareto_frontier_on_a_hand_made_table():
    #            cost  quality
    table = {
        "free-baseline": (0.0, 0.30),  # cheapest: on the frontier
        "small": (0.2, 0.45),  # on
        "medium": (0.5, 0.44),  # dominated by small (cheaper and better)
        "large": (2.0, 0.60),  # on (best)
        "pricey-equal": (3.0, 0.60),  # dominated by large (as good, cheaper)
        "twin-of-small": (0.2, 0.45),  # a tie with small: neither dominates the other
    }
    off = dict(zip(table, cost.dominated(list(table.values()), higher_is_better=True)))
    assert off == {
        "free-baseline": False,
        "small": False,
        "medium": True,
        "large": False,
        "pricey-equal": True,
        "twin-of-small": False,
    }
    # lower is better (an error rate): the order flips
    assert cost.dominated([(0.0, 0.3), (1.0, 0.1), (2.0, 0.2)], higher_is_better=False) == [False, False, True]


def test_a_price_is_checked_where_it_is_given():
    with pytest.raises(ConfigError, match="not both"):
        Price(input_per_million=1.0, per_hour=2.0)
    config = {"model": {"backend": "lead", "price": {"per_hour": -1}}, "dataset": {"name": "x", "path": "x"}}
    with pytest.raises(ConfigError, match=r"model 'lead' price\.per_hour: must be a finite number >= 0"):
        check(config, "lead")
    config["model"]["price"] = {"per_hour": 1, "currncy": "EUR"}
    with pytest.raises(ConfigError, match=r"model 'lead' price: unknown key 'currncy'"):
        check(config, "lead")


def test_cost_cells_show_why_a_cost_is_missing():
    run = cost.RunCost(
        summaries=2,
        documents=2,
        counted=2,
        input_tokens=2000,
        output_tokens=300,
        requests=3,
        from_cache=1,
        latency={"p50": 0.5, "p95": 1.25, "p99": 1.45},
        per_s=2.0,
        wall_s=3.0,
        generate_s=1.0,
        price=None,
        per_1000=None,
        why_no_cost="not priced",
    )
    assert run.cells() == [
        "2",
        "1,000.0",
        "150.0",
        "3",
        "1 (50%)",
        "0.50 / 1.25 / 1.45",
        "2.00",
        "3.0",
        "– (not priced)",
        "– (no judge)",
    ]


def test_the_judge_column_shows_only_when_a_judge_is_priced():
    plain = cost.RunCost(2, 2, 2, 20, 10, 2, 0, None, 1.0, 2.0, 1.0, Price(1.0, 2.0), 0.02, "")
    judged = cost.RunCost(2, 2, 2, 20, 10, 2, 0, None, 1.0, 2.0, 1.0, Price(1.0, 2.0), 0.02, "", 10.0, "USD")
    header, rows = cost.table(["a"], [plain])
    assert "judge cost per 1,000 summaries" not in header and len(rows[0]) == len(header)
    header, rows = cost.table(["a", "b"], [plain, judged])
    assert header[-1] == "judge cost per 1,000 summaries"
    # 20 + 10 tokens per 2 summaries at 1 and 2 per million: (10 * 1 + 5 * 2) / 1e6 = 2e-5 each, 0.02 per 1,000
    assert rows == [
        ["a", "2", "10.0", "5.0", "2", "0 (0%)", "–", "1.00", "2.0", "0.02 USD", "– (no judge)"],
        ["b", "2", "10.0", "5.0", "2", "0 (0%)", "–", "1.00", "2.0", "0.02 USD", "10 USD"],
    ]
    assert cost.per_1000(Price(1.0, 2.0), 20, 10, 2, None) == (pytest.approx(0.02), "")


def test_an_hourly_price_charges_the_time_a_judge_took():
    # 3.60 an hour for 10 seconds: 0.01, whatever the tokens; per-token prices charge the tokens
    assert Price(per_hour=3.6).charge(1_000_000, 1_000_000, 10.0) == pytest.approx(0.01)
    assert Price(2.0, 8.0).charge(500_000, 250_000, 10.0) == pytest.approx(1.0 + 2.0)
    assert Price().free and not Price(per_hour=0.5).free and not Price(0.0, 0.1).free


VALUES = [0.2, 0.4, 0.5, 0.3, 0.6, 0.45]


def test_compare_shows_the_cost_table_when_asked_or_when_a_model_is_priced(tmp_path):
    from conftest import run_cli
    from run_files import set_run_info
    from test_compare import make_run

    runs = tmp_path / "runs"
    make_run(runs, "A", VALUES)
    make_run(runs, "B", [v + 0.1 for v in VALUES])
    plain = run_cli("compare", str(runs), "--no-plots", "--out", str(tmp_path / "o1"), "--format", "md").stdout
    assert "Cost and latency:" not in plain  # nobody priced, nobody asked
    asked = run_cli("compare", str(runs), "--no-plots", "--out", str(tmp_path / "o2"), "--cost", "--format", "md")
    rows = [line for line in asked.stdout.splitlines() if line.startswith("| A |") or line.startswith("| B |")]
    assert [row.split(" | ")[-1] for row in rows[-2:]] == ["– (not priced) |"] * 2

    # A: a self-hosted server at 3.60 an hour making 2 summaries/s: 7,200 an hour, 0.0005 each, 0.50 per 1,000
    set_run_info(runs / "A", generation={"price": {"per_hour": 3.6, "currency": "EUR"}, "documents_per_s": 2.0})
    priced = run_cli("compare", str(runs), "--no-plots", "--out", str(tmp_path / "o3"), "--format", "md").stdout
    table = priced.split("Cost and latency:")[1]
    assert "| A | 6 | – | – | – | 0 (0%) | – | 2.00 | – | 0.5 EUR |" in table
    assert "| B | 6 | – | – | – | 0 (0%) | – | – | – | – (not priced) |" in table
