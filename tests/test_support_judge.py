"""`support_judge`'s verdict path against the loopback OpenAI-compatible server with a scripted
judge (tests/fake_judge.py): verdicts, FineSurE categories, evidence; replies repaired or asked
again once; unreadable and failed bullets never counted; the cache; the run's judge end to end."""

from __future__ import annotations

import json

import openai_server
import pytest
from fake_judge import RETRY_MARK, SHAPES, ScriptedJudge, Truth
from openai_server import FakeOpenAI
from tiny_models import run_folders, run_harness

from harness.errors import ConfigError
from harness.metrics.loading import build_metrics, metric_spec
from harness.metrics.support_judge import (
    CATEGORIES,
    MAX_QUOTES,
    MAX_TEXT_CHARS,
    SupportJudge,
    SupportJudgeOptions,
    category_field,
    read_category,
    read_factcheck,
    yes_probability,
)
from harness.records import Example, Summary
from harness.run.pipeline import check_metric_options

ARTICLE = (
    "The Harbour Bridge in Lisbon reopened on Monday after two years of repairs. "
    "The work cost 40 million euros, the city council said. "
    "Mayor Ana Costa cut the ribbon in front of a crowd of about 300 people."
)
TRUTH = {
    "The bridge reopened on Monday.": Truth(
        True, evidence=["The Harbour Bridge in Lisbon reopened on Monday after two years of repairs."], reason="stated"
    ),
    "The repairs cost 90 million euros.": Truth(False, "entity", reason="the article says 40 million"),
    "The mayor refused to attend.": Truth(False, "predicate", reason="she cut the ribbon"),
    "The bridge was painted blue.": Truth(False, "out-of-context", reason="not in the article"),
    "About 300 people watched.": Truth(True, evidence=["Mayor Ana Costa cut the ribbon in front of a crowd."]),
    "The council paid for the work on Friday.": Truth(False, "circumstantial"),
}
DOCS = {
    "d1": ("The bridge reopened on Monday.", "The repairs cost 90 million euros.", "The bridge was painted blue."),
    "d2": ("About 300 people watched.", "The mayor refused to attend."),
    "d3": ("The bridge reopened on Monday.", "About 300 people watched.", "The council paid for the work on Friday."),
}


def examples(docs=DOCS) -> list[Example]:
    return [Example(d, f"{ARTICLE} Ref {d}.") for d in docs]  # the marker lets a test script one document


def summaries(docs=DOCS) -> list[Summary]:
    return [Summary(d, "", bullets) for d, bullets in docs.items()]


def judge_config(server, **more) -> dict:
    options = {"generation": {"temperature": 0.0, "seed": 0, "max_tokens": 512}, "logprobs": False}
    return openai_server.judge_config(server, **{**options, **more})


@pytest.fixture
def fake(monkeypatch):
    judge = ScriptedJudge(TRUTH)
    monkeypatch.setattr(openai_server, "reply_text", judge)
    return judge


@pytest.fixture
def server(fake):
    with FakeOpenAI() as s:
        yield s


def metric(server, tmp_path, **more) -> SupportJudge:
    return SupportJudge(SupportJudgeOptions(judge=judge_config(server, **more), cache_dir=str(tmp_path)))


def test_verdicts_categories_evidence_and_reasons_are_carried(server, tmp_path):
    rows = metric(server, tmp_path).score(examples(), summaries())
    assert server.answered == 3  # one request per summary, every bullet in it
    d1 = rows[0].details["bullets"]
    assert [b["verdict"] for b in d1] == ["supported", "unsupported", "unsupported"]
    assert [b["category"] for b in d1] == [None, "entity", "out-of-context"]
    assert d1[0]["evidence"] == TRUTH["The bridge reopened on Monday."].evidence
    assert d1[1]["reason"] == "the article says 40 million"
    assert all(b["method"] == "verdict" and b["p_supported"] is None for r in rows for b in r.details["bullets"])
    assert [b["score"] for b in d1] == [1.0, 0.0, 0.0] and [b["supported"] for b in d1] == [True, False, False]
    want = {
        "d1": {"score": 1 / 3, "unsupported": 2.0, "cat_entity": 1.0, "cat_out_of_context": 1.0},
        "d2": {"score": 1 / 2, "unsupported": 1.0, "cat_predicate": 1.0},
        "d3": {"score": 2 / 3, "unsupported": 1.0, "cat_circumstantial": 1.0},
    }
    for row, (doc, expected) in zip(rows, want.items()):
        cats = {category_field(c): expected.get(category_field(c), 0.0) for c in CATEGORIES}
        assert row.values == {
            **cats,
            "score": pytest.approx(expected["score"]),
            "unsupported": expected["unsupported"],
            "unreadable": 0.0,
            "failed": 0.0,
            "p_supported_mean": None,
        }, doc


def test_a_judge_that_errs_is_scored_by_its_own_verdicts(monkeypatch, tmp_path):
    """With a seeded 40% error rate the scores follow what the judge said, bullet by bullet."""
    noisy = ScriptedJudge(TRUTH, error_rate=0.4, seed=7)
    flipped = [s for s in TRUTH if noisy.wrong(s)]
    assert 0 < len(flipped) < len(TRUTH), "the seed should flip some sentences, not all"
    monkeypatch.setattr(openai_server, "reply_text", noisy)
    with FakeOpenAI() as server:
        rows = metric(server, tmp_path).score(examples(), summaries())
    for row, bullets in zip(rows, DOCS.values()):
        said = [TRUTH[b].supported != (b in flipped) for b in bullets]
        assert [b["supported"] for b in row.details["bullets"]] == said
        assert row.values["score"] == pytest.approx(sum(said) / len(said))
        assert row.values["unsupported"] == len(said) - sum(said)


@pytest.mark.parametrize(
    "shape", ["fenced", "prose", "trailing commas", "renumbered", "one too many", "truncated", "unreadable once"]
)
def test_broken_replies_are_repaired_or_asked_again_once(shape, fake, server, tmp_path):
    fake.shapes = {"Ref d1.": shape}
    rows = metric(server, tmp_path).score(examples(), summaries())
    asked = len(server.requests_for("Ref d1."))
    assert asked == (2 if shape in ("truncated", "unreadable once") else 1)
    retries = [s for s in server.requests_for("Ref d1.") if RETRY_MARK in s.prompt]
    assert len(retries) == asked - 1
    if retries:
        assert "JSON list of 3 objects" in retries[0].prompt
    assert [b["verdict"] for b in rows[0].details["bullets"]] == ["supported", "unsupported", "unsupported"]
    assert [b["category"] for b in rows[0].details["bullets"]] == [None, "entity", "out-of-context"]
    assert rows[0].values["score"] == pytest.approx(1 / 3) and rows[0].values["unreadable"] == 0.0


def test_an_unreadable_bullet_is_never_supported_nor_zero(fake, server, tmp_path):
    fake.shapes = {"Ref d2.": "unreadable"}
    rows = metric(server, tmp_path).score(examples(), summaries())
    assert len(server.requests_for("Ref d2.")) == 2  # the reply and one stricter retry, no more
    d2 = rows[1]
    assert [b["verdict"] for b in d2.details["bullets"]] == ["unreadable", "unreadable"]
    assert all(b["supported"] is None and b["score"] is None for b in d2.details["bullets"])
    assert d2.details["bullets"][0]["reply"] == SHAPES["unreadable"]([], True)
    assert d2.values["score"] is None and d2.values["unsupported"] is None  # unknown, not 0
    assert d2.values["unreadable"] == 2.0 and d2.values["cat_predicate"] is None
    assert rows[0].values["score"] == pytest.approx(1 / 3)  # the other documents are unaffected
    # the retry is a request of its own: cached, so a second run asks nothing
    answered = server.answered
    metric(server, tmp_path).score(examples(), summaries())
    assert server.answered == answered


def test_failed_requests_count_as_failed_and_are_asked_again_next_run(fake, server, tmp_path):
    server.plan = {"Ref d1.": ["500"]}
    rows = metric(server, tmp_path).score(examples(), summaries())
    d1 = rows[0]
    assert [b["verdict"] for b in d1.details["bullets"]] == ["error"] * 3
    assert "500" in d1.details["bullets"][0]["error"] and d1.details["bullets"][0]["supported"] is None
    assert d1.values["score"] is None and d1.values["failed"] == 3.0 and d1.values["unreadable"] == 0.0
    assert rows[1].values["score"] == pytest.approx(1 / 2)
    again = metric(server, tmp_path)
    [row] = again.score(examples()[:1], summaries()[:1])
    assert again.judge.usage.requests == 1 and row.values["score"] == pytest.approx(1 / 3)  # not cached


def test_a_second_run_sends_no_request(fake, server, tmp_path):
    first = metric(server, tmp_path)
    first.score(examples(), summaries())
    assert (server.answered, first.judge.usage.requests) == (3, 3)
    second = metric(server, tmp_path)
    rows = second.score(examples(), summaries())
    assert server.answered == 3 and second.judge.usage.cached == 3 and second.judge.usage.requests == 0
    assert rows[0].values["score"] == pytest.approx(1 / 3)
    # another seed is another judge: its own cache, and another signature
    third = metric(server, tmp_path, generation={"temperature": 0.0, "seed": 1, "max_tokens": 512})
    third.score(examples()[:1], summaries()[:1])
    assert third.judge.usage.requests == 1 and third.signature() != second.signature()


def test_an_empty_summary_asks_nothing(server, tmp_path):
    [row] = metric(server, tmp_path).score([Example("d0", ARTICLE)], [Summary("d0", "", ())])
    assert server.seen == [] and row.values["score"] is None and row.values["unsupported"] == 0.0


def test_the_old_judge_model_option_says_to_choose_a_judge(tmp_path):
    with pytest.raises(ConfigError, match=r"metrics\.support_judge\.judge_model: .*judge=NAME.*harness list judges"):
        build_metrics(metric_spec(["support_judge"], {"support_judge": {"judge_model": {"backend": "openai_chat"}}}))
    # a run checks every metric's options before any work: a user's old config file is refused there
    old = {"mine": {"metric": "support_judge", "judge_model": {"backend": "openai_chat"}, "threshold": 0.5}}
    with pytest.raises(ConfigError, match=r"metrics\.mine\.judge_model: .*judge=NAME"):
        check_metric_options(old)


def test_without_a_judge_the_shipped_config_is_skipped_with_the_reason():
    [metric_] = build_metrics(metric_spec(["support_judge"]))
    assert metric_.judge is None and "judge=NAME" in metric_.unavailable
    assert metric_.keys()[:4] == [
        "support_judge/score",
        "support_judge/unsupported",
        "support_judge/unreadable",
        "support_judge/failed",
    ]


@pytest.mark.parametrize(
    "written, category",
    [
        ("entity", "entity"),
        ("Entity error", "entity"),
        ("out_of_context", "out-of-context"),
        ("Out of context", "out-of-context"),
        ("circumstance error", "circumstantial"),
        ("none", None),
        ("", None),
        (None, None),
        ("sarcasm", "other"),
    ],
)
def test_read_category(written, category):
    assert read_category(written) == category


def test_yes_probability_sums_the_spellings_of_each_answer():
    import math

    top = [{"Yes": math.log(0.3), " yes": math.log(0.1), "\u2581YES": math.log(0.1), "No": math.log(0.2),
            "\u0120no": math.log(0.05), "Maybe": math.log(0.25)}]  # fmt: skip
    assert yes_probability(top) == pytest.approx(0.5 / 0.75)
    assert yes_probability([{"No": -0.1}]) == 0.0
    assert yes_probability([{"Maybe": -0.1}]) is None and yes_probability(None) is None
    assert yes_probability([{"Yes": -2000.0, "No": -2001.0}]) == pytest.approx(1 / (1 + math.exp(-1)))  # no 0/0


@pytest.mark.slow
def test_a_run_with_the_judge_end_to_end(fake, server, tmp_path):
    """`harness run ... judge=openai-compatible judge.base_url=...` on the demo dataset: per-bullet
    details in scores.jsonl, the judge's account in run.json; a second run is served from the cache."""
    results = tmp_path / "results"
    args = [
        "run",
        "model=lead",
        "dataset.limit=4",
        "metrics=[support_judge]",
        "judge=openai-compatible",
        f"judge.base_url={server.url}",
        "judge.logprobs=false",
        f"results_dir={results}",
    ]
    fake.default = TRUTH["The bridge reopened on Monday."]  # the demo's lead bullets
    first = run_harness(*args)
    assert first.returncode == 0, first.stderr[-3000:]
    assert server.answered == 4
    second = run_harness(*args)
    assert second.returncode == 0, second.stderr[-3000:]
    assert server.answered == 4
    for run, (requests, cached) in zip(sorted(run_folders(results)), [(4, 0), (0, 4)]):
        rows = [json.loads(line) for line in (run / "scores.jsonl").read_text().splitlines()]
        assert len(rows) == 4 and all(r["support_judge/score"] == 1.0 for r in rows)
        bullets = rows[0]["details"]["support_judge"]["bullets"]
        assert bullets and all(b["verdict"] == "supported" and b["method"] == "verdict" for b in bullets)
        assert bullets[0]["evidence"] == TRUTH["The bridge reopened on Monday."].evidence
        usage = json.loads((run / "run.json").read_text())["judge"]
        record = usage["metrics"]["support_judge"]
        assert (record["requests"], record["cached"], record["failed"]) == (requests, cached, 0)
        assert (record["input_tokens"] > 0) == (requests > 0) and usage["total"]["requests"] == requests
        fields = json.loads((run / "metrics.json").read_text())["fields"]
        assert "judge:openai_chat:fake-model@" in fields["support_judge/score"]["signature"]


def test_a_hostile_reason_and_evidence_are_clipped_not_stored_whole():
    # A reply is the judge's text: a 200,000-character reason or thousands of quotes would make
    # every scores.jsonl line and the report that large. What is kept is capped, and says so.
    huge = "why " * 50_000
    item = {"sentence": 1, "supported": False, "category": "entity", "reason": huge, "evidence": ["q" * 5_000] * 1_000}
    (check,) = read_factcheck(json.dumps([item]), 1)
    assert check is not None and check.reason is not None
    assert len(check.reason) == MAX_TEXT_CHARS and check.reason.endswith("…")
    assert check.reason.startswith("why why")
    assert len(check.evidence) == MAX_QUOTES
    assert all(len(q) == MAX_TEXT_CHARS and q.endswith("…") for q in check.evidence)
    short = {"sentence": 1, "supported": True, "reason": "fine", "evidence": ["a quote"]}
    (kept,) = read_factcheck(json.dumps([short]), 1)
    assert kept is not None and kept.reason == "fine" and kept.evidence == ["a quote"]
