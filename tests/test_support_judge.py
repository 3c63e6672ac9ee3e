"""`support_judge` against the loopback OpenAI-compatible server with scripted replies."""

from __future__ import annotations

import openai_server
import pytest
from openai_server import FakeOpenAI

from harness.errors import ConfigError, MetricUnavailable
from harness.metrics.loading import build_metrics, metric_spec
from harness.metrics.support_judge import SupportJudge, SupportJudgeOptions, parse_evidence, parse_verdict
from harness.records import Example, Summary

ARTICLE = "The bridge reopened on Monday after two years of repairs. The work cost 40 million euros."
REPLIES = {
    "reopened on Monday": "VERDICT: SUPPORTED\nEVIDENCE: The bridge reopened on Monday after two years of repairs.",
    "cost 90 million": "VERDICT: UNSUPPORTED\nEVIDENCE: NONE",
    "painted blue": "I think it is probably fine, hard to say.",
}


def scripted(prompt: str) -> str:
    statement = prompt.split("Statement:")[-1]
    return next((reply for marker, reply in REPLIES.items() if marker in statement), "garbage")


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(openai_server, "reply_text", scripted)
    with FakeOpenAI() as s:
        yield s


def judge(server, tmp_path, **options) -> SupportJudge:
    model = {
        "backend": "openai_chat",
        "base_url": server.url,
        "model_id": "judge-1",
        "max_retries": 0,
        "max_failures": 100,
    }
    return SupportJudge(SupportJudgeOptions(judge_model=model, cache_dir=str(tmp_path), **options))


SUMMARY = Summary(
    "d1", "", ("The bridge reopened on Monday.", "The repairs cost 90 million euros.", "The bridge was painted blue.")
)


def test_verdicts_parsed_and_unparseable_never_supported(server, tmp_path):
    [row] = judge(server, tmp_path).score([Example("d1", ARTICLE)], [SUMMARY])
    bullets = row.details["bullets"]
    assert [b["verdict"] for b in bullets] == ["supported", "unsupported", "unparseable"]
    assert [b["supported"] for b in bullets] == [True, False, False]
    assert bullets[0]["evidence"] == ["The bridge reopened on Monday after two years of repairs."]
    assert bullets[2]["reply"] == "I think it is probably fine, hard to say."
    assert row.values == {"score": pytest.approx(1 / 3), "unsupported": 2.0, "unreadable": 1.0, "failed": 0.0}


def test_second_run_is_served_from_the_cache(server, tmp_path):
    judge(server, tmp_path).score([Example("d1", ARTICLE)], [SUMMARY])
    assert server.answered == 3
    again = judge(server, tmp_path)
    [row] = again.score([Example("d1", ARTICLE)], [SUMMARY])
    assert again.calls == 0 and server.answered == 3  # zero new requests
    assert row.values["unsupported"] == 2.0
    # another judge model is another cache
    other = judge(server, tmp_path, system="Be strict.")
    other.score([Example("d1", ARTICLE)], [SUMMARY])
    assert other.calls == 3


def test_failed_requests_are_recorded_not_cached_and_not_supported(server, tmp_path):
    server.always = "500"
    metric = judge(server, tmp_path)
    [row] = metric.score([Example("d1", ARTICLE)], [Summary("d1", "", ("The bridge reopened on Monday.",))])
    bullet = row.details["bullets"][0]
    assert bullet["verdict"] == "error" and "500" in bullet["error"] and bullet["supported"] is None
    assert row.values == {"score": None, "unsupported": None, "unreadable": 0.0, "failed": 1.0}  # no score, not 0
    server.always = None
    retry = judge(server, tmp_path)
    [row] = retry.score([Example("d1", ARTICLE)], [Summary("d1", "", ("The bridge reopened on Monday.",))])
    assert retry.calls == 1 and row.values["score"] == 1.0


@pytest.mark.parametrize(
    "reply, verdict",
    [
        ("VERDICT: SUPPORTED", "supported"),
        ("**Verdict:** Unsupported\nEvidence: none", "unsupported"),
        ("verdict - not supported", "unsupported"),
        ("Supported.", "supported"),
        ("NO", "unsupported"),
        ("VERDICT: SUPPORTED\nVERDICT: UNSUPPORTED", None),  # conflicting
        ("The statement is supported by the article", None),  # not the format asked for
        ("", None),
        (None, None),
    ],
)
def test_parse_verdict(reply, verdict):
    assert parse_verdict(reply) == verdict


def test_parse_evidence():
    assert parse_evidence('VERDICT: SUPPORTED\nEVIDENCE: "It rained."') == ["It rained."]
    assert parse_evidence("VERDICT: UNSUPPORTED\nEVIDENCE: NONE") == []


def test_judge_model_needs_a_backend_and_template_placeholders(tmp_path):
    with pytest.raises(ConfigError, match="backend"):
        SupportJudge(SupportJudgeOptions(judge_model={"model_id": "x"}, cache_dir=str(tmp_path)))
    with pytest.raises(ConfigError, match="unknown backend"):
        SupportJudge(
            SupportJudgeOptions(judge_model={"backend": "openai_chatt", "model_id": "x"}, cache_dir=str(tmp_path))
        )
    with pytest.raises(ConfigError, match="bullet"):
        SupportJudge(SupportJudgeOptions(template="{source}", cache_dir=str(tmp_path)))


def test_shipped_config_builds(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    [metric] = build_metrics(metric_spec(["support_judge"], {"support_judge": {"cache_dir": str(tmp_path)}}))
    assert metric.keys() == [
        "support_judge/score",
        "support_judge/unsupported",
        "support_judge/unreadable",
        "support_judge/failed",
    ]
    assert metric.backend.options.api_key_env == "OPENAI_API_KEY"


def test_missing_api_key_fails_at_startup(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(MetricUnavailable, match="OPENAI_API_KEY is not set"):
        build_metrics(metric_spec(["support_judge"], {"support_judge": {"cache_dir": str(tmp_path)}}))
