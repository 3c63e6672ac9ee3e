"""openai_chat / openai_completions against a real HTTP server on 127.0.0.1 with injected faults."""

from __future__ import annotations

import random
import time

import pytest
from openai_server import FakeOpenAI, LogNormal

from harness.errors import ConfigError
from harness.models.base import Request
from harness.models.http_retry import RetryPolicy
from harness.models.openai_compat import OpenAIChat, OpenAICompletions, ServerUnreachable, TooManyFailures

KEY_ENV = "HARNESS_TEST_OPENAI_KEY"
KEY = "sk-test-7f3a9c0e51d2b8aa"


def requests(n: int, system: str = "You write bullets.") -> list[Request]:
    return [Request(f"d{i}", f"DOC-{i} body text", f"Summarize DOC-{i} body text", system) for i in range(n)]


def backend(server: FakeOpenAI, cls=OpenAIChat, **options) -> OpenAIChat:
    config = {
        "model_id": "tiny",
        "base_url": server.url,
        "api_key_env": KEY_ENV,
        "timeout_s": 5.0,
        "max_retries": 3,
        "backoff_base_s": 0.01,
        "backoff_max_s": 5.0,
        "max_concurrency": 4,
        "generation": {"temperature": 0, "max_tokens": 64},
    }
    return cls.from_config({**config, **options})


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)


def test_chat_sends_messages_key_and_generation_settings_and_keeps_order():
    with FakeOpenAI() as server:
        gens = backend(server).generate(requests(10))
        assert [g.text.split("\n")[0] for g in gens] == [
            "- first point about You write bullets. Summarize" for _ in range(10)
        ]
        assert len(server.seen) == 10
        by_doc = {s.body["messages"][1]["content"]: s for s in server.seen}
        first = by_doc["Summarize DOC-0 body text"]
        assert first.path == "/v1/chat/completions"
        assert first.body["messages"][0] == {"role": "system", "content": "You write bullets."}
        assert first.body["model"] == "tiny" and first.body["temperature"] == 0 and first.body["max_tokens"] == 64
        assert {s.authorization for s in server.seen} == {f"Bearer {KEY}"}
    g = gens[3]
    assert g.error is None and g.finish_reason == "stop" and g.input_tokens > 0 and g.output_tokens > 0
    assert g.latency_s is not None and g.latency_s >= 0


def test_requests_run_concurrently():
    with FakeOpenAI(delay_s=0.3) as server:
        gens = backend(server, max_concurrency=8).generate(requests(8))
    assert all(g.text for g in gens)
    assert server.peak_in_flight == 8, f"8 allowed in flight, at most {server.peak_in_flight} at once"


def test_completions_flavour_joins_system_and_prompt():
    with FakeOpenAI() as server:
        gens = backend(server, cls=OpenAICompletions).generate(requests(2))
        assert server.seen[0].path == "/v1/completions"
        assert {s.body["prompt"] for s in server.seen} == {
            "You write bullets.\n\nSummarize DOC-0 body text",
            "You write bullets.\n\nSummarize DOC-1 body text",
        }
    assert all(g.text.startswith("- first point") for g in gens)


def test_faults_are_retried_as_configured_and_permanent_ones_recorded():
    with FakeOpenAI(slow_s=1.5, retry_after=1.0) as server:
        server.plan = {
            "DOC-0": ["500", "503"],  # two transient errors, then fine
            "DOC-1": ["429"],  # rate limited: wait Retry-After
            "DOC-2": ["malformed"],
            "DOC-3": ["drop"],
            "DOC-4": ["slow"],  # longer than timeout_s: retried
            "DOC-5": ["400"],  # the request is wrong: not retried
            "DOC-6": ["500"] * 10,  # never recovers: 1 + max_retries attempts, then failed
        }
        gens = backend(server, timeout_s=0.5, max_retries=3).generate(requests(8))
        attempts = {i: len(server.requests_for(f"DOC-{i} ")) for i in range(8)}
        gap = [s.at for s in server.requests_for("DOC-1 ")]
    assert attempts == {0: 3, 1: 2, 2: 2, 3: 2, 4: 2, 5: 1, 6: 4, 7: 1}
    assert gap[1] - gap[0] >= 0.95, "Retry-After: 1 was not honoured"
    ok = [i for i, g in enumerate(gens) if g.text is not None]
    assert ok == [0, 1, 2, 3, 4, 7]
    assert gens[5].text is None and "HTTP 400" in gens[5].error and "1 attempt" in gens[5].error
    assert gens[6].text is None and "HTTP 500" in gens[6].error and "4 attempts" in gens[6].error
    assert all(gens[i].error is None for i in ok)


def test_backoff_grows_exponentially():
    with FakeOpenAI() as server:
        server.plan = {"DOC-0": ["500", "500", "500"]}
        backend(server, backoff_base_s=0.2, max_retries=3).generate(requests(1))
        times = [s.at for s in server.seen]
    waits = [b - a for a, b in zip(times, times[1:])]
    # equal jitter: retry k waits between base*2^k/2 and base*2^k. The server sees the lower bound
    # (a busy machine only adds to a wait); the upper bound is checked on the drawn waits, not the clock.
    for k, wait in enumerate(waits):
        assert wait >= 0.2 * 2**k / 2 - 0.02, waits
    policy, rng = RetryPolicy(max_retries=3, backoff_base_s=0.2), random.Random(0)
    for k in range(3):
        drawn = [policy.wait_s(k, None, rng) for _ in range(200)]
        assert 0.2 * 2**k / 2 <= min(drawn) and max(drawn) <= 0.2 * 2**k, (k, min(drawn), max(drawn))


def test_max_failures_aborts_a_broken_run_with_a_clear_error():
    with FakeOpenAI() as server:
        server.always = "500"
        b = backend(server, max_retries=1, max_failures=2, max_concurrency=1)
        with pytest.raises(TooManyFailures, match=r"3 documents failed \(max_failures: 2\)") as err:
            b.generate(requests(10))
        assert len(server.seen) == 6, "requests kept going after the bound was passed"
    assert KEY not in str(err.value)


def test_failures_below_the_bound_do_not_abort():
    with FakeOpenAI() as server:
        server.plan = {"DOC-1": ["400"], "DOC-2": ["400"]}
        gens = backend(server, max_failures=2).generate(requests(4))
    assert [g.text is None for g in gens] == [False, True, True, False]


def test_key_is_redacted_from_errors_and_never_stored():
    with FakeOpenAI() as server:
        server.always = "401echo"
        b = backend(server, max_failures=5)
        gens = b.generate(requests(1))
        assert server.seen[0].authorization == f"Bearer {KEY}"
    assert gens[0].text is None and "HTTP 401" in gens[0].error
    assert KEY not in gens[0].error and "***" in gens[0].error
    assert KEY not in repr(vars(b)) and KEY not in repr(b.options) and KEY not in repr(b.identity())


def test_key_echoed_by_a_retried_error_stays_out_of_logs(caplog):
    caplog.set_level("DEBUG")
    with FakeOpenAI() as server:
        server.plan = {"DOC-0": ["500echo", "500echo"]}
        gens = backend(server, max_retries=1).generate(requests(1))
    assert gens[0].text is None and "***" in gens[0].error
    assert "bad key" in caplog.text and KEY not in caplog.text and KEY not in gens[0].error


def test_missing_key_variable_fails_before_any_request(monkeypatch):
    monkeypatch.delenv(KEY_ENV)
    with FakeOpenAI() as server:
        with pytest.raises(ConfigError, match=KEY_ENV):
            backend(server).generate(requests(2))
        assert server.seen == []


def test_unreachable_server_stops_the_batch_before_any_retry(caplog):
    caplog.set_level("INFO")
    b = OpenAIChat.from_config(
        {"model_id": "x", "base_url": "http://127.0.0.1:9/v1", "max_retries": 5, "backoff_base_s": 1}
    )
    with pytest.raises(
        ServerUnreachable, match=r"model\.base_url: cannot reach http://127\.0\.0\.1:9/v1: connection refused"
    ):
        b.generate(requests(4))
    assert b.failures == 0 and "retry" not in caplog.text  # stopped before any document was tried


def test_a_dropped_connection_is_a_recorded_failure():
    with FakeOpenAI() as server:
        server.always = "drop"
        gens = backend(server, max_retries=1).generate(requests(1))
    assert gens[0].text is None and "connection error" in gens[0].error


def test_timeout_bounds_the_whole_request_even_when_the_server_drips_bytes():
    with FakeOpenAI(drip_s=0.1) as server:  # ~30 s for the whole reply, 0.1 s per read
        server.always = "drip"
        gens = backend(server, timeout_s=1.0, max_retries=1, backoff_base_s=0.01).generate(requests(1))
    # Each read is quick, so only a bound on the whole request ends an attempt before the reply is complete.
    assert gens[0].text is None and "no complete response within 1s" in gens[0].error
    assert len(server.seen) == 2


def test_runtime_options_stay_out_of_the_cache_identity():
    with FakeOpenAI() as server:
        a, b = backend(server, max_concurrency=1, timeout_s=9), backend(server, max_concurrency=32, max_retries=0)
        assert a.identity() == b.identity()
        assert backend(server, generation={"temperature": 0.7}).identity() != a.identity()
        assert "api_key_env" not in a.identity() and a.identity()["base_url"] == server.url


def test_unknown_or_impossible_options_are_rejected():
    with pytest.raises(ConfigError, match="Did you mean 'max_retries'"):
        OpenAIChat.from_config({"model_id": "x", "max_retrys": 3})
    with pytest.raises(ConfigError, match="max_concurrency: must be at least 1"):
        OpenAIChat.from_config({"model_id": "x", "max_concurrency": 0})


# -- The continuous window ----------------------------------------------------------------------


def test_a_slow_request_holds_one_slot_while_the_others_go_on():
    with FakeOpenAI(slow_s=1.5) as server:
        server.plan = {"DOC-0 ": ["slow"]}
        order = [i for i, _ in backend(server, max_concurrency=2).completions(requests(6))]
    # Batch-wise, DOC-2 would wait for DOC-0's reply; in a window it takes DOC-1's free slot, so
    # DOC-0's reply is the last one handed over.
    assert order[-1] == 0 and sorted(order) == list(range(6)), order


def test_never_more_than_max_concurrency_in_flight():
    with FakeOpenAI(latency=LogNormal(median_s=0.02, sigma=1.0)) as server:
        gens = backend(server, max_concurrency=3).generate(requests(30))
    assert all(g.text for g in gens) and server.peak_in_flight == 3


def test_completions_are_handed_over_in_finishing_order_with_their_index():
    with FakeOpenAI(latency=lambda prompt: 0.4 if "DOC-1 " in prompt else 0.0) as server:
        got = list(backend(server, max_concurrency=4).completions(requests(4)))
    assert [i for i, _ in got][-1] == 1
    assert sorted(i for i, _ in got) == [0, 1, 2, 3]
    for _i, g in got:
        assert g.text.startswith("- first point about You write bullets. Summarize") and g.error is None


def test_the_window_and_batches_give_identical_generations():
    from harness.models.base import Backend

    def strip(g):
        return {**g.to_json(), "latency_s": None}

    with FakeOpenAI(latency=LogNormal(median_s=0.01, sigma=1.0)) as server:
        reqs = [Request(f"d{i}", f"DOC-{i} body", f"Summarize DOC-{i} body number {i}", "sys") for i in range(20)]
        window = backend(server, max_concurrency=4).generate(reqs)
        batches = dict(Backend.completions(backend(server, max_concurrency=4), reqs))  # the former batch-wise path
    assert [strip(g) for g in window] == [strip(batches[i]) for i in range(20)]
    assert [g.text.split("\n")[0] for g in window] == [
        f"- first point about sys Summarize DOC-{i} body" for i in range(20)
    ]


def test_a_server_that_goes_away_mid_run_stops_the_run_naming_it():
    server = FakeOpenAI(delay_s=0.05).__enter__()
    b = backend(server, max_concurrency=2, max_retries=2, backoff_base_s=0.01, max_failures=100)
    stream = b.completions(requests(40))
    done = [next(stream) for _ in range(4)]
    server.__exit__(None, None, None)
    with pytest.raises(
        ServerUnreachable,
        match=r"cannot reach http://127\.0\.0\.1:\d+/v1: connection refused.*no further request was sent",
    ):
        done.extend(stream)
    assert 4 <= len(done) < 40
    assert b.failures < 5, "documents kept failing one by one after the server was gone"


def test_a_caller_that_stops_reading_stops_the_sending():
    with FakeOpenAI(delay_s=0.1) as server:
        stream = backend(server, max_concurrency=2).completions(requests(30))
        next(stream)
        stream.close()  # e.g. the cache could not be written: nothing more goes out
        time.sleep(0.3)  # a request already on its way may still arrive; no new one is started
        assert len(server.seen) <= 4  # the first reply's window (2) and at most the 2 in flight


def test_the_test_server_does_not_record_a_request_whose_client_died_mid_send():
    # A client killed between a request's headers and its body (tests/test_shards.py kills a run)
    # sent no request: recording it (an empty prompt) made a later count of prompts fail.
    import socket

    with FakeOpenAI() as server:
        host, port = server.url.split("//")[1].split("/")[0].split(":")
        with socket.create_connection((host, int(port))) as conn:
            conn.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n")
        deadline = time.monotonic() + 60  # a guard, not a timing assertion: the handler starts, then ends
        while not (server.peak_in_flight and server.in_flight == 0):
            assert time.monotonic() < deadline, "the server never handled the request"
            time.sleep(0.01)
        assert server.seen == []
