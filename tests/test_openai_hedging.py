"""Hedged requests and the grouped cache writes of the HTTP window, against the real loopback
server (tests/openai_server.py): every claim is checked with the server's own request counts."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from openai_server import FakeOpenAI, LogNormal
from tiny_models import (
    docs_once,
    kill,
    run_folders,
    run_harness,
    start_harness,
    user_model_run_args,
    wait_while_running,
)

from harness.errors import ConfigError
from harness.fileio import append_lines_durably
from harness.models.base import Request
from harness.models.cache import GenerationCache
from harness.models.openai_compat import OpenAIChat

N_DOCS = 12


def requests(n: int) -> list[Request]:
    return [Request(f"d{i}", f"DOC-{i} body", f"Summarize DOC-{i} body", "") for i in range(n)]


def backend(server: FakeOpenAI, **options) -> OpenAIChat:
    config = {"model_id": "tiny", "base_url": server.url, "max_concurrency": 4, "max_retries": 0, "timeout_s": 10.0}
    return OpenAIChat.from_config({**config, **options})  # type: ignore[return-value]


def sent_per_document(server: FakeOpenAI, n: int) -> list[int]:
    return [len(server.requests_for(f"DOC-{i} ")) for i in range(n)]


def wait_for(condition, what: str, timeout: float = 30.0) -> None:
    """Poll a count the server keeps (a handler may still be sleeping when the client is done)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_hedging_off_sends_exactly_one_request_per_document():
    with FakeOpenAI(latency=LogNormal(median_s=0.01, sigma=1.5)) as server:  # a long tail, no duplicates
        chat = backend(server)
        got = dict(chat.completions(requests(N_DOCS)))
    assert sorted(got) == list(range(N_DOCS)) and all(g.error is None for g in got.values())
    assert sent_per_document(server, N_DOCS) == [1] * N_DOCS
    stats = chat.request_stats()
    assert stats is not None and stats["requests"] == N_DOCS and stats["hedged"] == 0 == stats["cancelled"]


def test_only_the_slow_request_gets_a_duplicate_and_the_first_answer_wins():
    with FakeOpenAI(slow_s=2.0) as server:
        server.plan["DOC-3 "] = ["slow"]  # the first request for DOC-3 stalls; its duplicate is answered at once
        chat = backend(server, hedge_after_s=0.5, hedge_max_extra=1.0)
        got = list(chat.completions(requests(N_DOCS)))
        wait_for(lambda: server.abandoned >= 1, "the slow request was not cut off")
        slow, duplicate = server.requests_for("DOC-3 ")
        assert slow.abandoned and not duplicate.abandoned and slow.fault == "slow" and duplicate.fault == "ok"
        assert duplicate.body == slow.body  # the same request, sent again
        seen = len(server.seen)
    # Only a request that outlived hedge_after_s got a duplicate (the others answer at once).
    assert sent_per_document(server, N_DOCS) == [1, 1, 1, 2] + [1] * (N_DOCS - 4)
    assert sorted(i for i, _ in got) == list(range(N_DOCS))  # each document handed over once
    (text,) = [g.text for i, g in got if i == 3]
    assert text is not None and "DOC-3" in text
    stats = chat.request_stats()
    assert stats is not None
    assert (stats["requests"], stats["hedged"], stats["hedges_won"], stats["cancelled"]) == (seen, 1, 1, 1)
    assert stats["discarded"] == 0 == stats["retries"]


def test_no_duplicate_beyond_the_budget():
    with FakeOpenAI(slow_s=0.6) as server:
        server.plan["DOC-1 "] = ["slow"]
        chat = backend(server, hedge_after_s=0.1, hedge_max_extra=0.0)
        got = dict(chat.completions(requests(4)))
    assert sent_per_document(server, 4) == [1, 1, 1, 1] and got[1].text is not None
    assert chat.request_stats()["hedged"] == 0  # type: ignore[index]


def test_a_duplicate_answers_for_a_first_request_that_fails_for_good():
    with FakeOpenAI(delay_s=0.4) as server:
        server.plan["DOC-0 "] = ["drop", "ok"]  # the first request is dropped at 0.4 s, after its duplicate left
        chat = backend(server, hedge_after_s=0.1, hedge_max_extra=1.0)
        ((i, generation),) = list(chat.completions(requests(1)))
    assert [s.fault for s in server.seen] == ["drop", "ok"]
    assert generation.error is None and generation.text is not None and chat.failures == 0
    stats = chat.request_stats()
    assert stats is not None and (stats["requests"], stats["hedged"], stats["hedges_won"]) == (2, 1, 1)


def test_the_budget_waits_for_the_final_drain():
    # 8 documents, 2 slots, a budget of 0.25 x 8 = 2 duplicates. DOC-2 and DOC-3 stall while
    # documents still wait: no duplicate for them (a budget that grew with the documents started
    # would have spent one there). DOC-6 and DOC-7 stall in the final drain: both get one.
    with FakeOpenAI(slow_s=0.8) as server:
        for doc in (2, 3, 6, 7):
            server.plan[f"DOC-{doc} "] = ["slow"]
        chat = backend(server, max_concurrency=2, hedge_after_s=0.2, hedge_max_extra=0.25)
        got = dict(chat.completions(requests(8)))
    assert sent_per_document(server, 8) == [1, 1, 1, 1, 1, 1, 2, 2]
    assert sorted(got) == list(range(8)) and all(g.error is None for g in got.values())
    stats = chat.request_stats()
    assert stats is not None and (stats["hedged"], stats["hedges_won"]) == (2, 2)


def test_no_more_duplicates_than_the_budget_of_the_whole_run():
    with FakeOpenAI(slow_s=0.5) as server:
        for doc in range(8):
            server.plan[f"DOC-{doc} "] = ["slow"]  # every first request stalls; every duplicate would win
        chat = backend(server, max_concurrency=8, hedge_after_s=0.1, hedge_max_extra=0.25)
        got = dict(chat.completions(requests(8)))
    sent = sent_per_document(server, 8)
    assert sum(sent) == 8 + 2 and max(sent) == 2  # 0.25 x 8 documents: two duplicates
    assert all(g.error is None for g in got.values())


@pytest.mark.parametrize("options", [{"hedge_after_s": 0}, {"hedge_after_s": -1.0}, {"hedge_max_extra": -0.1}])
def test_impossible_hedging_options_are_refused(options):
    with pytest.raises(ConfigError, match="hedge_"):
        OpenAIChat.from_config({"model_id": "m", **options})


def test_hedging_options_stay_out_of_the_cache_identity():
    plain = OpenAIChat.from_config({"model_id": "m"}).identity()
    hedged = OpenAIChat.from_config({"model_id": "m", "hedge_after_s": 0.7, "hedge_max_extra": 0.2}).identity()
    assert plain == hedged


def test_a_group_is_stored_with_one_write_and_a_torn_group_keeps_its_whole_lines(tmp_path):
    cache = GenerationCache(tmp_path / "c.jsonl")
    cache.put_many([(f"k{i}", {"doc_id": f"d{i}", "generation": {"text": f"t{i}"}}) for i in range(3)])
    data = (tmp_path / "c.jsonl").read_bytes()
    assert [json.loads(line)["key"] for line in data.splitlines()] == ["k0", "k1", "k2"]
    # A kill in the middle of a group's write: two whole lines, then a torn one.
    append_lines_durably(tmp_path / "c.jsonl", [data.splitlines()[0].replace(b"k0", b"k3")])
    with open(tmp_path / "c.jsonl", "ab") as f:
        f.write(data.splitlines()[1].replace(b"k1", b"k4")[:20])
    reread = GenerationCache(tmp_path / "c.jsonl")
    assert sorted(k for k in ["k0", "k1", "k2", "k3", "k4"] if reread.get(k)) == ["k0", "k1", "k2", "k3"]
    assert (tmp_path / "c.jsonl.rejected").read_bytes().startswith(b'{"schema_version"')
    with pytest.raises(ValueError, match="newline"):
        append_lines_durably(tmp_path / "c.jsonl", ["ok", "two\nlines"])


def hedged_model(url: str, concurrency: int = 4, **options) -> dict:
    return {
        "backend": "openai_chat",
        "model_id": "fake-model",
        "base_url": url,
        "max_concurrency": concurrency,
        "max_retries": 0,
        "generation": {"temperature": 0},
        **options,
    }


def cache_lines(results: Path) -> list[bytes]:
    files = list((results / ".cache").rglob("*.jsonl"))
    return files[0].read_bytes().splitlines(keepends=True) if files else []


@pytest.mark.slow
def test_a_hedged_run_stores_the_winner_once_and_records_the_duplicates(tmp_path):
    with FakeOpenAI(slow_s=3.0) as server:
        server.plan["DOC-5 "] = ["slow"]
        data = docs_once(tmp_path / "docs.jsonl", N_DOCS)
        model = hedged_model(server.url, hedge_after_s=1.0, hedge_max_extra=1.0)
        args = user_model_run_args(tmp_path, "hedged", model, data, "metrics=[format]", f"results_dir={tmp_path / 'r'}")
        done = run_harness(*args)
        assert done.returncode == 0, done.stderr[-3000:]
        wait_for(lambda: server.abandoned >= 1, "the slow request was not cut off")
        assert len(server.requests_for("DOC-5 ")) == 2
        seen, abandoned = len(server.seen), server.abandoned
    keys = [json.loads(line)["key"] for line in cache_lines(tmp_path / "r")]
    assert len(keys) == len(set(keys)) == N_DOCS  # the winner stored once, the loser never
    folder = run_folders(tmp_path / "r")[-1]
    rows = [json.loads(line) for line in (folder / "generations.jsonl").read_text().splitlines()]
    assert sorted(r["doc_id"] for r in rows) == [f"doc{i:02d}" for i in range(N_DOCS)]
    sent = json.loads((folder / "run.json").read_text())["generation"]["requests"]
    assert sent["requests"] == seen and sent["hedged"] == seen - N_DOCS >= 1
    assert sent["hedges_won"] >= 1 and sent["cancelled"] == abandoned


@pytest.mark.slow
def test_sigkill_while_groups_are_written_loses_nothing_stored_and_resume_sends_only_the_rest(tmp_path):
    n = 60
    with FakeOpenAI(latency=LogNormal(median_s=0.1, sigma=1.0)) as server:
        data = docs_once(tmp_path / "docs.jsonl", n)
        model = hedged_model(server.url, concurrency=8, hedge_after_s=0.3)
        args = user_model_run_args(tmp_path, "many", model, data, "metrics=[format]", f"results_dir={tmp_path / 'r'}")
        proc = start_harness(*args)
        wait_while_running(proc, lambda: len(cache_lines(tmp_path / "r")) >= 10, "run ended before it could be killed")
        kill(proc)
        kept = cache_lines(tmp_path / "r")
        assert 10 <= len(kept) < n
        saved = {json.loads(line)["doc_id"] for line in kept if line.endswith(b"\n")}
        server.seen.clear()
        done = run_harness(*args)
        assert done.returncode == 0, done.stderr[-3000:]
        resent = {f"doc{int(s.prompt.split('DOC-')[1].split(' ')[0]):02d}" for s in server.seen}
    assert not resent & saved  # nothing stored before the kill was asked for again
    keys = [json.loads(line)["key"] for line in cache_lines(tmp_path / "r")]
    assert len(keys) == len(set(keys)) == n  # no duplicate, no torn line left in the cache
    folder = run_folders(tmp_path / "r")[-1]
    rows = [json.loads(line) for line in (folder / "generations.jsonl").read_text().splitlines()]
    assert sorted(r["doc_id"] for r in rows) == [f"doc{i:02d}" for i in range(n)]
    assert sum(r["cached"] for r in rows) == len(saved)
