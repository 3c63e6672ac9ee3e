"""`support_judge`'s probability path (judge.logprobs: true): P(supported) from the first token's
Yes/No logprobs, the maximum over sentence-aligned chunks of the article, with the fallbacks when
a server gives no logprobs; and both paths against a real llama.cpp server."""

from __future__ import annotations

import re
import threading

import openai_server
import pytest
from fake_judge import ScriptedJudge, Truth
from openai_server import FakeOpenAI

from harness.metrics.support_judge import SupportJudge, SupportJudgeOptions
from harness.records import Example, Summary

# Twelve sentences, each with its marker; at chunk_tokens=64 about three fit in a chunk.
TOPICS = [
    "The city council met on Tuesday to discuss the new harbour plan",
    "Engineers said the old pier was no longer safe for heavy lorries",
    "The tunnel under the river cost 90 million euros to build",
    "Work on the tunnel began in the spring of last year",
    "Local shops complained about the noise from the building site",
    "A spokesman said the tunnel would open to traffic in June",
    "The mayor promised that bus fares would not rise this year",
    "Two new ferries will join the fleet before the summer season",
    "Fishermen asked for a quieter route past the northern beaches",
    "The harbour master warned of strong tides during the works",
    "Schools near the site will close early on two Fridays",
    "The council will publish the full budget next month",
]
SENTENCES = [f"{text}, report S{i:02d} said." for i, text in enumerate(TOPICS)]
ARTICLE = " ".join(SENTENCES)
# P(Yes) for a claim against a chunk, by the first marker in the chunk; the tunnel claim's
# best chunk is neither the first nor the last.
TUNNEL = "The tunnel cost 90 million euros."
FERRIES = "Three new ferries will join the fleet."
P_FIRST_MARKER = {
    TUNNEL: {
        0: 0.30,
        1: 0.41,
        2: 0.88,
        3: 0.62,
        4: 0.20,
        5: 0.15,
        6: 0.35,
        7: 0.25,
        8: 0.10,
        9: 0.12,
        10: 0.05,
        11: 0.07,
    },
    FERRIES: {
        0: 0.05,
        1: 0.06,
        2: 0.04,
        3: 0.08,
        4: 0.09,
        5: 0.11,
        6: 0.21,
        7: 0.33,
        8: 0.18,
        9: 0.02,
        10: 0.03,
        11: 0.01,
    },
}
TRUTH = {TUNNEL: Truth(True), FERRIES: Truth(False, "entity", reason="two ferries, not three")}


class Recorder:
    """The scripted per-chunk probability, and every (claim, chunk, p) it answered with."""

    def __init__(self, table=P_FIRST_MARKER):
        self.table, self.answered, self.lock = table, [], threading.Lock()

    def __call__(self, claim: str, chunk: str) -> float:
        first = int(re.search(r"S(\d\d)", chunk).group(1))
        p = self.table[claim][first]
        with self.lock:
            self.answered.append((claim, chunk, p))
        return p


def highest(recorder: Recorder, claim: str) -> float:
    return max(p for c, _chunk, p in recorder.answered if c == claim)


def judge_config(server, **more) -> dict:
    generation = {"temperature": 0.0, "seed": 0, "max_tokens": 512}
    options = {"generation": generation, "logprobs": True, "top_logprobs": 5, "chunk_tokens": 64}
    return openai_server.judge_config(server, **{**options, **more})


def metric(server, tmp_path, **more) -> SupportJudge:
    return SupportJudge(SupportJudgeOptions(judge=judge_config(server, **more), cache_dir=str(tmp_path)))


def score(server, tmp_path, bullets=(TUNNEL, FERRIES), **more):
    [row] = metric(server, tmp_path, **more).score([Example("d1", ARTICLE)], [Summary("d1", "", tuple(bullets))])
    return row


def test_p_supported_is_the_max_over_chunks(monkeypatch, tmp_path):
    recorder = Recorder()
    monkeypatch.setattr(openai_server, "reply_text", ScriptedJudge(TRUTH, chunk_p=recorder))
    with FakeOpenAI() as server:
        row = score(server, tmp_path)
        claims = [s for s in server.seen if "<claim>" in s.prompt]
    chunks = {chunk for _claim, chunk, _p in recorder.answered}
    assert len(chunks) >= 3 and len(claims) == 2 * len(chunks)  # every bullet against every chunk
    assert all(s.body["logprobs"] is True and s.body["max_tokens"] == 1 for s in claims)
    tunnel, ferries = row.details["bullets"]
    for bullet, claim in ((tunnel, TUNNEL), (ferries, FERRIES)):
        assert bullet["p_supported"] == pytest.approx(highest(recorder, claim), abs=1e-4)
        assert bullet["method"] == "logprobs" and bullet["score"] == bullet["p_supported"]
    best_tunnel = max((p, chunk) for c, chunk, p in recorder.answered if c == TUNNEL)[1]
    assert best_tunnel != ARTICLE[: len(best_tunnel)], "the best chunk should not be the first"
    # the verdict path gave no evidence: the best chunk's sentence that states the claim
    assert tunnel["evidence"] == [SENTENCES[2]] and SENTENCES[2] in best_tunnel
    assert (tunnel["supported"], ferries["supported"]) == (True, False)
    assert ferries["verdict"] == "unsupported" and ferries["category"] == "entity"
    assert row.values["score"] == pytest.approx((tunnel["p_supported"] + ferries["p_supported"]) / 2, abs=1e-4)
    assert row.values["p_supported_mean"] == pytest.approx(row.values["score"])
    assert row.values["unsupported"] == 1.0 and row.values["cat_entity"] == 1.0


def test_the_verdicts_evidence_is_kept_over_the_chunks(monkeypatch, tmp_path):
    truth = {**TRUTH, TUNNEL: Truth(True, evidence=["quoted by the judge"])}
    monkeypatch.setattr(openai_server, "reply_text", ScriptedJudge(truth, chunk_p=Recorder()))
    with FakeOpenAI() as server:
        row = score(server, tmp_path)
    assert row.details["bullets"][0]["evidence"] == ["quoted by the judge"]


def test_without_logprobs_the_claims_yes_no_then_the_verdict_decide(monkeypatch, tmp_path):
    """A server that returns no logprobs: the one-word answers count (1 or 0, the best chunk's);
    where they cannot be read either, the verdict does. No probability is made up."""
    table = {
        TUNNEL: dict.fromkeys(range(12), 0.2),
        FERRIES: dict.fromkeys(range(12), 0.9),
    }  # disagree with the verdicts
    monkeypatch.setattr(openai_server, "reply_text", ScriptedJudge(TRUTH, chunk_p=Recorder(table), logprobs=False))
    with FakeOpenAI() as server:
        row = score(server, tmp_path)
    tunnel, ferries = row.details["bullets"]
    assert (tunnel["method"], ferries["method"]) == ("verdict", "verdict")
    assert tunnel["p_supported"] is None and ferries["p_supported"] is None
    assert (tunnel["score"], ferries["score"]) == (0.0, 1.0)  # every chunk said No / Yes
    assert (tunnel["verdict"], ferries["verdict"]) == ("supported", "unsupported")
    assert row.values["p_supported_mean"] is None

    unreadable = {claim: dict.fromkeys(range(12)) for claim in table}  # "Maybe", no logprobs
    monkeypatch.setattr(openai_server, "reply_text", ScriptedJudge(TRUTH, chunk_p=Recorder(unreadable)))
    with FakeOpenAI() as server:
        row = score(server, tmp_path / "2")
    assert [(b["method"], b["score"]) for b in row.details["bullets"]] == [("verdict", 1.0), ("verdict", 0.0)]


def test_a_failed_chunk_leaves_a_bullet_below_the_threshold_unscored(monkeypatch, tmp_path):
    """A missing chunk could only raise the max: a known max over the threshold stands, one
    below it is not a verdict."""
    recorder = Recorder()
    monkeypatch.setattr(openai_server, "reply_text", ScriptedJudge(TRUTH, chunk_p=recorder))
    with FakeOpenAI() as server:
        server.plan = {"S11 said.\n</document>": ["500", "500"]}  # the last chunk, for both claims
        row = score(server, tmp_path)
    tunnel, ferries = row.details["bullets"]
    assert highest(recorder, TUNNEL) > 0.5 and "500" in tunnel["error"]
    assert tunnel["score"] == pytest.approx(highest(recorder, TUNNEL), abs=1e-4)
    assert ferries["score"] is None and ferries["supported"] is None and "500" in ferries["error"]
    assert row.values["score"] is None and row.values["failed"] == 2.0


def test_an_unreadable_verdict_still_has_its_probability(monkeypatch, tmp_path):
    recorder = Recorder()
    monkeypatch.setattr(openai_server, "reply_text", ScriptedJudge(TRUTH, chunk_p=recorder, shape="unreadable"))
    with FakeOpenAI() as server:
        row = score(server, tmp_path)
    assert [b["verdict"] for b in row.details["bullets"]] == ["unreadable", "unreadable"]
    want = [highest(recorder, TUNNEL), highest(recorder, FERRIES)]
    assert [b["score"] for b in row.details["bullets"]] == pytest.approx(want, abs=1e-4)
    assert row.values["unreadable"] == 2.0 and row.values["cat_entity"] is None  # categories unknown
    assert row.values["score"] == pytest.approx(sum(want) / 2, abs=1e-4)


def test_a_second_run_asks_nothing_and_logprob_settings_sign_the_metric(monkeypatch, tmp_path):
    monkeypatch.setattr(openai_server, "reply_text", ScriptedJudge(TRUTH, chunk_p=Recorder()))
    with FakeOpenAI() as server:
        first = metric(server, tmp_path)
        first.score([Example("d1", ARTICLE)], [Summary("d1", "", (TUNNEL,))])
        sent = server.answered
        again = metric(server, tmp_path)
        again.score([Example("d1", ARTICLE)], [Summary("d1", "", (TUNNEL,))])
        assert server.answered == sent and again.judge.usage.requests == 0
        assert "chunk_tokens:64" in first.signature() and "logprobs:True" in first.signature()
        assert metric(server, tmp_path, chunk_tokens=128).signature() != first.signature()


# -- a real server: llama-cpp-python's (see tests/test_llama_server.py) serving a tiny random Llama --
# built to answer every question with Yes or No (tiny_models.build_tiny_judge): real first-token
# probabilities from a real server, and nonsense where JSON is asked for.

N_CTX = 4096  # the factcheck prompt is longer than 512 of the tiny byte-level tokens


@pytest.fixture(scope="module")
def tiny_judge_gguf(tmp_path_factory):
    pytest.importorskip(
        "llama_cpp.server.app", reason="llama-cpp-python[server] is not installed (see test_llama_server.py)"
    )
    pytest.importorskip("gguf", reason="the gguf package (test extra) writes the tiny model file")
    from tiny_gguf import convert_llama
    from tiny_models import build_tiny_judge

    folder = tmp_path_factory.mktemp("tiny-judge")
    return convert_llama(build_tiny_judge(folder / "hf"), folder / "tiny-judge.gguf")


@pytest.fixture(scope="module")
def tiny_judge_server(tiny_judge_gguf):
    from test_llama_server import serve_gguf

    with serve_gguf(tiny_judge_gguf, tiny_judge_gguf.parent, n_ctx=N_CTX) as url:
        yield url


def real_judge(url: str, tmp_path) -> SupportJudge:
    config = {
        "backend": "openai_chat",
        "model_id": "tiny-judge",
        "base_url": url,
        "max_retries": 0,
        "max_failures": 100,
        "generation": {"temperature": 0.0, "seed": 0, "max_tokens": 32, "repeat_penalty": 1.0},
        "logprobs": True,
        "top_logprobs": 5,
        "chunk_tokens": 64,
    }
    return SupportJudge(SupportJudgeOptions(judge=config, cache_dir=str(tmp_path)))


@pytest.mark.server
def test_a_real_server_gives_a_probability_per_bullet_and_a_verdict_or_unreadable(tiny_judge_server, tmp_path):
    support = real_judge(tiny_judge_server, tmp_path)
    [row] = support.score([Example("d1", " ".join(SENTENCES[:6]))], [Summary("d1", "", (TUNNEL, FERRIES))])
    usage = support.judge.usage
    assert usage.failed == 0 and usage.requests >= 1 + 2 * 2  # a factcheck (maybe a retry), >= 2 chunks per bullet
    for bullet in row.details["bullets"]:
        assert bullet["method"] == "logprobs" and 0.0 <= bullet["p_supported"] <= 1.0
        assert bullet["score"] == bullet["p_supported"]
        assert bullet["verdict"] in ("supported", "unsupported", "unreadable")  # the model says "Yes No Yes ..."
    assert row.values["failed"] == 0 and row.values["unreadable"] in (0.0, 1.0, 2.0)  # counted, not crashed
    assert 0.0 <= row.values["score"] <= 1.0


@pytest.mark.server
def test_a_real_servers_probability_is_the_python_apis(tiny_judge_server, tiny_judge_gguf, tmp_path):
    """One chunk: P(supported) equals p(Yes) / (p(Yes) + p(No)) over the first token's five likeliest,
    as llama-cpp-python's own Python API computes them on the same file and prompt."""
    import math

    from llama_cpp import Llama

    from harness.judge.prompts import load_prompt

    article = SENTENCES[2]
    support = real_judge(tiny_judge_server, tmp_path)
    [row] = support.score([Example("d1", article)], [Summary("d1", "", (TUNNEL,))])
    prompt = load_prompt("claim")
    messages = [
        {"role": "system", "content": prompt.system},
        {"role": "user", "content": prompt.render(document=article, claim=TUNNEL)},
    ]
    oracle = Llama(model_path=str(tiny_judge_gguf), n_ctx=N_CTX, n_threads=1, verbose=False, logits_all=True)
    try:
        reply = oracle.create_chat_completion(
            messages=messages, logprobs=True, top_logprobs=5, temperature=0.0, seed=0, max_tokens=1, repeat_penalty=1.0
        )
    finally:
        oracle.close()
    first = reply["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
    yes = sum(math.exp(a["logprob"]) for a in first if a["token"].strip() in ("Yes", "yes"))
    no = sum(math.exp(a["logprob"]) for a in first if a["token"].strip() in ("No", "no"))
    assert yes > 0 and no > 0, first
    [bullet] = row.details["bullets"]
    assert bullet["p_supported"] == pytest.approx(yes / (yes + no), abs=1e-3)
