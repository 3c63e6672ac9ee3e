"""`harness pairwise`: Bradley-Terry and length-controlled fits against independent solutions,
the design, the verdict table, simulated judges with known strengths and biases, and one run of
the real CLI against a judge on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import math
import re

import numpy as np
import pytest
from conftest import run_cli
from openai_server import FakeOpenAI
from pairwise_sim import simulate
from run_files import copy_run_as, rows, write_rows
from scipy.optimize import minimize
from scipy.stats import kendalltau

from harness.analysis.bradley_terry import Outcomes, analyse, fit
from harness.analysis.pairwise.compute import Judged, judge_config
from harness.analysis.pairwise.compute import outcomes as read_outcomes
from harness.analysis.pairwise.design import Planned, all_pairs, plan
from harness.analysis.pairwise.judging import Verdict, label_probabilities, read_verdict
from harness.analysis.pairwise.ranking import load_ranking, ranking_markdown
from harness.errors import ConfigError
from harness.models.base import Generation

STRENGTHS = np.arange(6) * 0.4 - 1.0  # six systems, 0.4 logits apart


def outcomes(systems: int, a, b, y, length=None, doc=None) -> Outcomes:
    n = len(y)
    return Outcomes(
        systems,
        np.arange(n) if doc is None else np.asarray(doc),
        np.asarray(a),
        np.asarray(b),
        np.asarray(y, dtype=float),
        np.zeros(n) if length is None else np.asarray(length, dtype=float),
        np.zeros(n, dtype=bool),
        np.zeros(n, dtype=int),
        np.full(n, 2),
    )


def values(estimates) -> np.ndarray:
    return np.array([e.value for e in estimates])


# ---- the fits against known answers ----


@pytest.mark.parametrize("prior", [0.0, 0.5])
def test_two_systems_strength_difference_is_the_logit_of_the_win_share(prior):
    # 30 wins for system 0, 10 for system 1, 10 ties: share (30 + 5) / 50; a virtual tie of weight
    # `prior` adds prior/2 to each side
    y = [1.0] * 30 + [0.0] * 10 + [0.5] * 10
    out = outcomes(2, [0] * 50, [1] * 50, y)
    theta, _ = fit(out, np.ones((1, 50)), prior=prior)
    share = (35 + prior / 2) / (50 + prior)
    assert theta[0, 0] - theta[0, 1] == pytest.approx(math.log(share / (1 - share)), abs=1e-9)
    assert theta[0].sum() == pytest.approx(0.0, abs=1e-12)


def bt_loglik_solution(systems, a, b, y, length=None):
    """The MLE by a general-purpose optimiser on the written-out likelihood (ties half each way)."""
    a, b, y = np.asarray(a), np.asarray(b), np.asarray(y, dtype=float)

    def negative(params):
        theta = np.r_[0.0, params[: systems - 1]]
        eta = theta[a] - theta[b] + (params[-1] * length if length is not None else 0.0)
        return -np.sum(y * -np.logaddexp(0, -eta) + (1 - y) * -np.logaddexp(0, eta))

    size = systems - 1 + (length is not None)
    solution = minimize(negative, np.zeros(size), method="BFGS", options={"gtol": 1e-10})
    theta = np.r_[0.0, solution.x[: systems - 1]]
    return theta - theta.mean(), (solution.x[-1] if length is not None else None)


def test_three_systems_and_length_term_match_a_general_optimiser():
    rng = np.random.default_rng(7)
    pairs = [(0, 1), (0, 2), (1, 2)] * 40
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    length = rng.normal(size=len(pairs))
    y = rng.choice([0.0, 0.5, 1.0], size=len(pairs), p=[0.3, 0.2, 0.5])
    out = outcomes(3, a, b, y, length)
    theta, _ = fit(out, np.ones((1, len(y))), prior=0.0)
    expected, _ = bt_loglik_solution(3, a, b, y)
    assert theta[0] == pytest.approx(expected, abs=1e-5)
    lc_theta, gamma = fit(out, np.ones((1, len(y))), np.tanh(length), prior=0.0)
    expected, expected_gamma = bt_loglik_solution(3, a, b, y, np.tanh(length))
    assert lc_theta[0] == pytest.approx(expected, abs=1e-5)
    assert gamma[0] == pytest.approx(expected_gamma, abs=1e-5)


def test_a_system_that_wins_everything_keeps_a_finite_strength():
    out = outcomes(3, [0, 0, 1, 0, 0, 1], [1, 2, 2, 1, 2, 2], [1, 1, 1, 1, 1, 1])
    result = analyse(out, samples=50)
    assert all(math.isfinite(e.value) and math.isfinite(e.low) for e in result.strength)
    assert values(result.win_rate) == pytest.approx([1.0, 0.5, 0.0])
    assert result.strength[0].value > result.strength[1].value > result.strength[2].value


# ---- verdicts, both orders ----

# (verdict with a shown first, verdict with b shown first) -> a's score; a flip: the two differ
SCORES = [
    ("A", "B", 1.0),  # a chosen in both orders
    ("B", "A", 0.0),
    ("tie", "tie", 0.5),
    ("A", "A", 0.5),  # the first position chosen both times: the orders disagree
    ("B", "B", 0.5),
    ("A", "tie", 0.5),
    ("tie", "B", 0.5),
    ("A", None, None),  # unreadable: left out
]


@pytest.mark.parametrize("first, second, score", SCORES)
def test_both_orders_combine_into_one_score(first, second, score):
    judged = Judged(Planned("d", 0, 1), (10, 12), (Verdict(first), Verdict(second)))
    assert judged.score == score


def test_verdicts_read_from_text_or_from_the_first_tokens_probabilities():
    assert read_verdict(Generation(text="B"), False).label == "B"
    assert read_verdict(Generation(text="Summary A is better."), False).label == "A"
    assert read_verdict(Generation(text="A or B, hard to say"), False).label is None
    assert read_verdict(Generation(text="Tie."), False).label == "tie"
    failed = read_verdict(Generation(text=None, error="HTTP 500"), False)
    assert failed.label is None and failed.status == "error"
    top = {"A": math.log(0.2), " B": math.log(0.5), "b": math.log(0.1), "tie": math.log(0.1), "x": math.log(0.1)}
    p = label_probabilities(top)
    assert p == pytest.approx({"A": 0.2 / 0.9, "B": 0.6 / 0.9, "tie": 0.1 / 0.9})
    assert read_verdict(Generation(text="A", top_logprobs=[top]), True).label == "B"  # the probabilities decide
    assert read_verdict(Generation(text="A", top_logprobs=[{"x": 0.0}]), True).label == "A"  # none: the text


# (doc, a, b, words of a and b, verdict with a first, verdict with b first)
HAND = [
    ("d1", 0, 1, (10, 20), "A", "B"),  # a (the shorter) wins in both orders
    ("d1", 0, 2, (30, 20), "A", "A"),  # the first position both times: a flip, a tie
    ("d2", 1, 2, (15, 10), "B", "A"),  # b (the shorter) wins in both orders
    ("d2", 0, 1, (12, 12), "tie", "tie"),
    ("d3", 0, 2, (25, 5), "A", "B"),  # a (the longer) wins
    ("d3", 1, 2, (9, 9), "A", None),  # unreadable in one order: left out
]


def test_biases_and_win_rates_of_a_hand_made_table():
    judged = [Judged(Planned(d, a, b), w, (Verdict(v1), Verdict(v2))) for d, a, b, w, v1, v2 in HAND]
    result = analyse(read_outcomes(judged, 3), samples=0)
    assert result.position_flip_rate.value == pytest.approx(1 / 5)  # pair 2 of the 5 read
    assert result.first_position_share.value == pytest.approx(5 / 8)  # 1 + 2 + 1 + 0 + 1 of 2 + 2 + 2 + 0 + 2
    assert result.longer_wins.value == pytest.approx(1 / 3)  # decided with lengths differing: pairs 1, 3, 5
    rates = [[None if e is None else e.value for e in row] for row in result.matrix]
    assert rates == [[None, 0.75, 0.75], [0.25, None, 0.0], [0.25, 1.0, None]]
    assert values(result.win_rate) == pytest.approx([0.75, 0.125, 0.625])
    assert result.comparisons.tolist() == [[0, 2, 2], [2, 0, 1], [2, 1, 0]]
    theta = values(result.strength)
    expected = [np.mean([1 / (1 + np.exp(theta[j] - theta[i])) for j in range(3) if j != i]) for i in range(3)]
    assert values(result.bt_win_rate) == pytest.approx(expected)


# ---- the design ----


def test_every_pair_on_every_document_by_default():
    planned = plan(4, ["d1", "d2"])
    assert [(p.doc_id, p.a, p.b) for p in planned] == [(d, a, b) for d in ("d1", "d2") for a, b in all_pairs(4)]


@pytest.mark.parametrize("systems, docs, k", [(6, 40, 3), (5, 7, 4), (4, 3, 2)])
def test_pairs_per_doc_judges_every_pair_equally_often(systems, docs, k):
    doc_ids = [f"d{i}" for i in range(docs)]
    planned = plan(systems, doc_ids, pairs_per_doc=k, seed=3)
    counts = {pair: 0 for pair in all_pairs(systems)}
    for p in planned:
        counts[(p.a, p.b)] += 1
    total = docs * k
    assert sum(counts.values()) == total
    assert set(counts.values()) <= {total // len(counts), -(-total // len(counts))}  # floor or ceiling
    per_doc = {d: [(p.a, p.b) for p in planned if p.doc_id == d] for d in doc_ids}
    assert all(len(v) == k and len(set(v)) == k for v in per_doc.values())
    assert plan(systems, doc_ids, pairs_per_doc=k, seed=3) == planned  # seeded


def test_max_docs_is_a_seeded_sample_in_dataset_order_and_too_few_pairs_are_refused():
    doc_ids = [f"d{i:02d}" for i in range(30)]
    chosen = dict.fromkeys(p.doc_id for p in plan(3, doc_ids, max_docs=10, seed=1))
    assert len(chosen) == 10 and list(chosen) == sorted(chosen)
    assert dict.fromkeys(p.doc_id for p in plan(3, doc_ids, max_docs=10, seed=1)) == chosen
    assert dict.fromkeys(p.doc_id for p in plan(3, doc_ids, max_docs=10, seed=2)) != chosen
    with pytest.raises(ConfigError, match="some pair would never be judged"):
        plan(6, doc_ids[:4], pairs_per_doc=3)


# ---- simulated judges with known strengths and biases ----


def test_ranking_recovered_under_position_and_length_bias():
    out, truth = simulate(STRENGTHS, 200, flip_rate=0.15, length_effect=1.0, seed=11)
    result = analyse(out, samples=200, seed=0)
    assert kendalltau(values(result.strength), truth.strengths).statistic >= 0.9
    # the CIs hold the true (centred) strengths, shrunk by the ties position flips make: rank only


@pytest.mark.parametrize("seed", [1, 2])
def test_position_and_length_bias_reported_within_three_points(seed):
    out, truth = simulate(STRENGTHS, 600, flip_rate=0.2, length_effect=1.2, seed=seed)
    result = analyse(out, samples=200, seed=seed)
    assert abs(result.position_flip_rate.value - truth.flip_rate) <= 0.03
    assert abs(result.longer_wins.value - truth.longer_wins) <= 0.03
    assert result.longer_wins.value > 0.55  # the injected effect is there to be found
    assert result.first_position_share.value > 0.55  # flips go to the first position
    unbiased, _ = simulate(STRENGTHS, 600, seed=seed)
    plain = analyse(unbiased, samples=0)
    assert plain.position_flip_rate.value == 0.0 and abs(plain.longer_wins.value - 0.5) <= 0.03


def test_length_control_removes_the_length_effect():
    # verbose systems are not the strong ones: raw win rates reward length, LC ones should not
    words = [100, 40, 85, 55, 70, 45]
    out, truth = simulate(STRENGTHS, 400, flip_rate=0.1, length_effect=1.5, mean_words=words, sd_words=15, seed=5)
    result = analyse(out, samples=200, seed=0)
    raw_error = np.abs(values(result.win_rate) - truth.win_rate)
    lc_error = np.abs(values(result.lc_win_rate) - truth.win_rate)
    assert lc_error.mean() < raw_error.mean() / 2
    assert lc_error.max() < 0.05 < 0.1 < raw_error.max()  # over 100 seeds: LC at most .039 off, raw at least .16
    assert result.length_coefficient.low > 0  # the length effect is found
    assert kendalltau(values(result.lc_strength), truth.strengths).statistic >= 0.9
    unbiased, truth_0 = simulate(STRENGTHS, 400, flip_rate=0.1, mean_words=words, sd_words=15, seed=5)
    plain = analyse(unbiased, samples=200, seed=0)
    assert plain.length_coefficient.low < 0 < plain.length_coefficient.high  # no effect: none found


def test_a_system_against_itself_wins_half_within_its_ci():
    out, _ = simulate([0.0, 0.0, 0.8], 200, flip_rate=0.15, length_effect=1.0, seed=4, same_summaries=(0, 1))
    result = analyse(out, samples=500, seed=0)
    for i, j in ((0, 1), (1, 0)):
        cell = result.matrix[i][j]
        assert cell.low < 0.5 < cell.high
    against = analyse(out, samples=500, seed=0, reference=1)
    for rate in (against.win_rate[0], against.lc_win_rate[0]):
        assert rate.low <= 0.5 <= rate.high


# ---- the command, end to end, against a judge on 127.0.0.1 ----

QUALITY = {"good": 3, "copy": 3, "mid": 2, "bad": 1}


def between(prompt: str, tag: str) -> str:
    return re.search(f"<{tag}>\n(.*?)\n</{tag}>", prompt, re.S).group(1)


def position_biased(article: str) -> bool:
    """Documents on which the judge always says "A" (about a third)."""
    return hashlib.sha256(article.encode()).digest()[0] % 3 == 0


def judge_reply(prompt: str):
    """Prefers the summary of the better system (its tag), says tie between equals, and on
    position-biased documents always answers "A"; the verdict comes as text and first token."""
    quality = [QUALITY[re.search(r"\[(\w+)\]", between(prompt, t)).group(1)] for t in ("summary_a", "summary_b")]
    if position_biased(between(prompt, "article")):
        verdict = "A"
    else:
        verdict = "A" if quality[0] > quality[1] else "B" if quality[1] > quality[0] else "tie"
    return verdict, [{verdict: -0.05, "C": -3.0}]


@pytest.fixture(scope="module")
def systems(tmp_path_factory):
    """Four run folders of one demo-dataset run: summaries tagged by system, longer for worse ones."""
    tmp = tmp_path_factory.mktemp("pairwise")
    run_cli("run", "model=lead", "metrics=[format]", f"results_dir={tmp / 'res'}")
    (base,) = (p.parent for p in (tmp / "res").rglob("run.json"))
    sweep = tmp / "sweep"
    sweep.mkdir()
    for n, (label, keep) in enumerate((("good", 1), ("copy", 1), ("mid", 2), ("bad", 3))):
        folder = copy_run_as(base, sweep / f"{n}_{label}", label)
        generations = rows(folder / "generations.jsonl")
        for g in generations:
            g["bullets"] = [f"[{'good' if label == 'copy' else label}] {b}" for b in g["bullets"][:keep]]
        write_rows(folder / "generations.jsonl", generations)
    return tmp, sweep


@pytest.mark.slow
def test_cli_ranks_reports_biases_and_asks_nothing_twice(systems):
    tmp, sweep = systems
    with FakeOpenAI(reply=judge_reply) as server:
        args = ["pairwise", str(sweep), "--judge", "openai-compatible", "--set", f"judge.base_url={server.url}"]
        args += ["--set", "judge.label=fake", f"--cache-dir={tmp / 'cache'}", "--samples", "200"]
        first = run_cli(*args)
        sent = server.answered
        articles = {between(s.prompt, "article") for s in server.seen}
        second = run_cli(*args)
        assert server.answered == sent  # the second run sends nothing
    data = json.loads((sweep / "pairwise" / "pairwise.json").read_text())
    docs = data["documents"]
    # each distinct prompt is sent once: per document the 6 orders of different summaries and
    # one for the two identical systems (both of their orders, and good or copy against another, read alike)
    assert sent == docs * 7 and data["judge"]["requests"] == sent and data["judge"]["cached"] == 0
    assert f"0 sent, {sent} cached" in second.stdout and (sweep / "pairwise" / "pairwise-1.json").is_file()
    assert json.loads((sweep / "pairwise" / "pairwise-1.json").read_text())["ranking"] == data["ranking"]
    assert data["counts"] == {"planned": docs * 6, "read": docs * 6, "no_summary": 0, "unreadable": 0, "failed": 0}
    ranking = [row["label"] for row in data["ranking"]]
    assert set(ranking[:2]) == {"good", "copy"} and ranking[2:] == ["mid", "bad"]
    biased = sum(map(position_biased, articles))
    assert len(articles) == docs and 0 < biased < docs
    # on a biased document every pair flips (between different systems: the loser shown first wins once)
    assert data["position_bias"]["flip_rate"]["value"] == pytest.approx(biased / docs, abs=1e-4)
    # the longer summary is always the worse one: it wins no decided pair
    assert data["length_bias"]["longer_wins"]["value"] == 0.0
    good, copy = data["systems"].index("good"), data["systems"].index("copy")
    same = data["win_matrix"]["rows_beat_columns"][good][copy]
    assert same["value"] == 0.5 and same["low"] <= 0.5 <= same["high"]
    assert "| 1 |" in first.stdout and "position bias" in first.stdout
    assert (sweep / "pairwise" / "pairwise.md").read_text().startswith("# Pairwise comparison")
    rows_back = load_ranking(sweep / "pairwise")  # what compare and the report call
    assert rows_back == data["ranking"] and all(line in first.stdout for line in ranking_markdown(rows_back))


def test_ranking_table_keeps_hostile_labels_inert():
    estimate = {"value": 0.5, "low": 0.4, "high": 0.6}
    row = {"rank": 1, "label": "x|y\x1b[2J<b>", "strength": estimate, "win_rate": estimate, "lc_win_rate": estimate}
    lines = ranking_markdown([{**row, "against": "average", "comparisons": 3}])
    assert "\x1b" not in "".join(lines) and "x\\|y" in lines[2] and "<b>" not in lines[2]
    assert lines[2].count(" | ") == 6  # seven cells: the pipe in the label splits none


@pytest.mark.slow
def test_the_judge_the_runs_recorded_is_the_default_and_the_design_is_balanced(systems, tmp_path):
    _, sweep = systems
    import shutil

    copy = tmp_path / "sweep"
    shutil.copytree(sweep, copy, ignore=shutil.ignore_patterns("pairwise"))
    with FakeOpenAI(reply=judge_reply) as server:
        recorded = {"backend": "openai_chat", "model_id": "auto", "base_url": "http://127.0.0.1:9/v1", "max_retries": 0}
        for config in copy.glob("*/config.yaml"):
            config.write_text(config.read_text() + "judge:\n" + "".join(f"  {k}: {v}\n" for k, v in recorded.items()))
        args = ["pairwise", str(copy), "--max-docs", "5", "--pairs-per-doc", "2", "--seed", "3", "--samples", "50"]
        args += ["--set", f"judge.base_url={server.url}"]  # the recorded judge, moved
        run_cli(*args, f"--cache-dir={tmp_path / 'cache'}", "--out", str(tmp_path / "out"))
        assert server.seen and all(s.body["model"] == "fake-model" for s in server.seen)
    data = json.loads((tmp_path / "out" / "pairwise.json").read_text())
    assert data["documents"] == 5 and data["counts"]["planned"] == 10 and data["counts"]["read"] == 10
    assert data["per_pair"] == {"min": 1, "max": 2}  # 10 comparisons over 6 pairs
    assert data["judge"]["label"] == "fake-model" and data["settings"]["pairs_per_doc"] == 2


def test_judge_config_is_a_shipped_judge_with_overrides():
    composed = judge_config("openai-compatible", ["judge.base_url=http://127.0.0.1:9/v1", "judge.label=j"], [], [])
    assert composed["base_url"] == "http://127.0.0.1:9/v1" and composed["label"] == "j"
    assert composed["backend"] == "openai_chat"
    with pytest.raises(ConfigError, match="unknown judge 'openai-compatibel'.*openai-compatible"):
        judge_config("openai-compatibel", [], [], [])
    with pytest.raises(ConfigError, match="only the judge's options"):
        judge_config("openai-compatible", ["rouge.use_stemmer=false"], [], [])
    with pytest.raises(ConfigError, match="record no judge: choose one with --judge NAME"):
        judge_config(None, [], [], [])


@pytest.mark.slow
def test_failed_requests_leave_their_pairs_out_exit_1_and_are_asked_again(systems, tmp_path):
    _, sweep = systems
    marker = "Port Callan's Harbour Bridge will close"  # one document's article
    with FakeOpenAI(reply=judge_reply) as server:
        server.plan[marker] = ["500"] * 100
        args = ["pairwise", str(sweep), "--judge", "openai-compatible", "--set", f"judge.base_url={server.url}"]
        args += ["--set", "judge.max_retries=0", f"--cache-dir={tmp_path / 'cache'}", "--out", str(tmp_path / "out")]
        args += ["--samples", "50"]
        failed = run_cli(*args, check=False)
        assert failed.returncode == 1 and "7 judge request(s) failed" in failed.stderr, failed.stderr[-2000:]
        data = json.loads((tmp_path / "out" / "pairwise.json").read_text())
        planned = data["documents"] * 6
        assert data["counts"] == {
            "planned": planned,
            "read": planned - 6,
            "no_summary": 0,
            "unreadable": 0,
            "failed": 12,
        }
        assert data["judge"]["failed"] == 7
        server.plan.clear()
        asked = server.answered
        again = run_cli(*args)
        assert server.answered - asked == 7  # only the failed ones are asked again
        assert "7 sent" in again.stdout


@pytest.mark.slow  # about 10 s
def test_self_comparison_ci_covers_one_half_about_95_percent_of_the_time():
    replicates = 200
    covered = 0
    for seed in range(replicates):
        out, _ = simulate([0.0, 0.0, 0.8], 200, flip_rate=0.15, length_effect=1.0, seed=seed, same_summaries=(0, 1))
        cell = analyse(out, samples=500, seed=seed).matrix[0][1]
        covered += cell.low <= 0.5 <= cell.high
    slack = 3 * math.sqrt(0.95 * 0.05 / replicates)  # Monte Carlo error (measured: 0.955)
    assert 0.95 - slack <= covered / replicates <= 0.95 + slack


@pytest.mark.slow
def test_the_api_ranks_as_the_command_writes_only_when_asked_and_raises_instead_of_exiting(systems, tmp_path):
    from harness import api

    tmp, sweep = systems
    with FakeOpenAI(reply=judge_reply) as server:
        options = {"set": [f"judge.base_url={server.url}", "judge.label=fake"], "samples": 200}
        result = api.pairwise(sweep, "openai-compatible", cache_dir=tmp_path / "cache", **options)
        sent = server.answered
        assert result.files == [] and not (tmp_path / "out").exists()  # nothing written without out
        again = api.pairwise(sweep, "openai-compatible", cache_dir=tmp_path / "cache", out=tmp_path / "out", **options)
        assert server.answered == sent  # cached
        with pytest.raises(ConfigError, match="judgee"):
            api.pairwise(sweep, "judgee", cache_dir=tmp_path / "cache")
    assert result.missing == 0 and result.payload["counts"]["read"] == result.payload["counts"]["planned"] > 0
    assert set(result.ranking[:2]) == {"good", "copy"} and result.ranking[2:] == ["mid", "bad"]
    assert [p.name for p in again.files] == ["pairwise.json", "pairwise.md"]
    assert json.loads((tmp_path / "out" / "pairwise.json").read_text())["ranking"] == result.payload["ranking"]
    assert "| 1 |" in result.table and "position bias" in result.table
