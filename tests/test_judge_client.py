"""The judge client against the loopback OpenAI-compatible server: cache, usage, cost, prompts."""

from __future__ import annotations

import pytest
from openai_server import FakeOpenAI, judge_config

from harness.errors import ConfigError
from harness.judge.client import Judge, Usage
from harness.judge.prompts import load_prompt


@pytest.fixture
def server():
    with FakeOpenAI() as s:
        yield s


def test_replies_cached_counted_and_priced(server, tmp_path):
    price = {"input_per_million": 2.0, "output_per_million": 10.0}
    judge = Judge(judge_config(server, price=price), cache_dir=str(tmp_path))
    requests = [judge.request("claim", f"d{i}", "src", document=f"doc {i}", claim="c") for i in range(3)]
    replies = judge.ask(requests + requests[:1])  # a repeated question is sent once
    assert len(replies) == 4 and replies[0].text == replies[3].text
    assert server.answered == 3
    record = judge.record()
    usage = judge.usage
    assert (usage.requests, usage.cached, usage.failed) == (3, 0, 0)
    assert usage.input_tokens > 0 and usage.output_tokens > 0
    # cost from the server's own token counts, summed exactly
    assert record["cost"] == pytest.approx((usage.input_tokens * 2.0 + usage.output_tokens * 10.0) / 1e6)
    assert record["label"] == "judge-1" and record["currency"] == "USD"

    again = Judge(judge_config(server, price=price), cache_dir=str(tmp_path))
    again.ask(requests)
    assert server.answered == 3  # a second run sends no request
    assert (again.usage.requests, again.usage.cached) == (0, 3)
    assert again.record()["cost"] == 0 and again.record()["cached_share"] == 1.0


def test_per_request_settings_change_the_key_only_when_given(server, tmp_path):
    judge = Judge(judge_config(server), cache_dir=str(tmp_path))
    plain = judge.request("claim", "d", "s", document="x", claim="y")
    onetoken = judge.request("claim", "d", "s", generation=judge.logprob_settings(), document="x", claim="y")
    assert judge.key(plain) != judge.key(onetoken)
    assert judge.key(plain) == judge.key(judge.request("claim", "d", "s", document="x", claim="y"))


def test_failed_requests_are_counted_not_cached(server, tmp_path):
    server.always = "500"
    judge = Judge(judge_config(server), cache_dir=str(tmp_path))
    [reply] = judge.ask([judge.request("claim", "d", "s", document="x", claim="y")])
    assert reply.text is None and reply.error
    assert (judge.usage.requests, judge.usage.failed) == (1, 1)
    server.always = None
    again = Judge(judge_config(server), cache_dir=str(tmp_path))
    [reply] = again.ask([again.request("claim", "d", "s", document="x", claim="y")])
    assert reply.text and again.usage.requests == 1  # asked again


def test_signature_names_identity_and_prompt_versions_not_transport(server, tmp_path):
    a = Judge(judge_config(server), cache_dir=str(tmp_path))
    b = Judge(judge_config(server, max_concurrency=2, timeout_s=5), cache_dir=str(tmp_path))
    c = Judge(judge_config(server, generation={"temperature": 0.7}), cache_dir=str(tmp_path))
    assert a.signature(["factcheck"]) == b.signature(["factcheck"]) != c.signature(["factcheck"])
    assert load_prompt("factcheck").version in a.signature(["factcheck"])


def test_a_users_prompt_file_replaces_the_shipped_one(server, tmp_path):
    mine = tmp_path / "claim.txt"
    mine.write_text("# my wording\n[system]\nBe terse.\n[user]\nDoc: {document}\nClaim: {claim}\nYes or No?\n")
    judge = Judge(judge_config(server, prompts={"claim": str(mine)}), cache_dir=str(tmp_path))
    request = judge.request("claim", "d", "s", document="A {claim} B", claim="C")
    assert request.system == "Be terse." and request.prompt == "Doc: A {claim} B\nClaim: C\nYes or No?"
    assert judge.signature(["claim"]) != Judge(judge_config(server), cache_dir=str(tmp_path)).signature(["claim"])
    broken = tmp_path / "broken.txt"
    broken.write_text("[user]\nno placeholders here\n")
    with pytest.raises(ConfigError, match=r"judge.prompts.claim .*must contain \{document\}, \{claim\}"):
        Judge(judge_config(server, prompts={"claim": str(broken)}), cache_dir=str(tmp_path)).prompt("claim")
    with pytest.raises(ConfigError, match="no such file"):
        Judge(judge_config(server, prompts={"claim": str(tmp_path / "nope.txt")}), cache_dir=str(tmp_path)).prompt(
            "claim"
        )


def test_bad_settings_and_a_missing_key_fail_at_start(server, tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="judge.price.input_per_million"):
        Judge(judge_config(server, price={"input_per_million": -1}), cache_dir=str(tmp_path))
    with pytest.raises(ConfigError, match="judge: unknown key 'bogus'"):
        Judge(judge_config(server, bogus=1), cache_dir=str(tmp_path))
    monkeypatch.delenv("HARNESS_TEST_JUDGE_KEY", raising=False)
    with pytest.raises(ConfigError, match="judge.api_key_env"):
        Judge(judge_config(server, api_key_env="HARNESS_TEST_JUDGE_KEY"), cache_dir=str(tmp_path))


def test_usage_total_sums_and_prices_only_when_every_part_is_priced():
    a = Usage(requests=2, cached=2, input_tokens=100, output_tokens=10, latency_s=1.5).record(None)
    b = Usage(requests=1, input_tokens=50, output_tokens=5, latency_s=0.5).record(None)
    total = Usage.total([a, b])
    assert total["requests"] == 3 and total["input_tokens"] == 150 and total["cached_share"] == 0.4
    assert "cost" not in total


def test_model_id_auto_takes_the_one_model_the_server_lists(server, tmp_path):
    judge = Judge(judge_config(server, model_id="auto"), cache_dir=str(tmp_path))
    assert judge.label == "fake-model" and judge.identity["options"]["model_id"] == "fake-model"
    [reply] = judge.ask([judge.request("claim", "d", "s", document="x", claim="y")])
    assert reply.text and server.requests_for("Claim")[0].body["model"] == "fake-model"
    server.served = ["a", "b"]
    with pytest.raises(ConfigError, match=r"judge.model_id: auto, but the server serves 2 models \(a, b\)"):
        Judge(judge_config(server, model_id="auto"), cache_dir=str(tmp_path))
    server.served = []
    with pytest.raises(ConfigError, match="lists no model"):
        Judge(judge_config(server, model_id="auto"), cache_dir=str(tmp_path))


def test_model_id_auto_with_no_server_says_so(tmp_path):
    with pytest.raises(ConfigError, match="judge.model_id: auto needs the server's model list"):
        Judge(
            {"backend": "openai_chat", "model_id": "auto", "base_url": "http://127.0.0.1:9/v1"}, cache_dir=str(tmp_path)
        )


def test_hedged_duplicates_are_counted_as_sent(tmp_path):
    """A judge with hedge_after_s: the slow first request gets a duplicate, which answers; the
    record says two requests went out for the one question (both are paid for)."""
    with FakeOpenAI(slow_s=3.0) as server:
        server.plan["DOC-SLOW"] = ["slow", "ok"]  # the first attempt is slow, the duplicate is not
        judge = Judge(
            judge_config(server, hedge_after_s=0.3, hedge_max_extra=1.0, max_concurrency=2), cache_dir=str(tmp_path)
        )
        requests = [judge.request("claim", f"d{i}", "s", document=f"DOC-{i}", claim="c") for i in ("SLOW", "FAST")]
        replies = judge.ask(requests)
        assert all(r.text and not r.error for r in replies)
        assert len(server.requests_for("DOC-SLOW")) == 2 and len(server.requests_for("DOC-FAST")) == 1
        record = judge.record()
        assert (record["requests"], record["duplicates"], record["failed"]) == (2, 1, 0)
        assert Usage.total([record, record])["duplicates"] == 2
