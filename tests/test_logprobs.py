"""Per-request generation settings and first-token logprobs: through real HTTP (FakeOpenAI) in
OpenAI's chat and completions formats, into the generation cache, and from a tiny local model.
(The llama.cpp server's logprobs: tests/test_llama_server.py, which starts that server.)"""

from __future__ import annotations

import hashlib
import json
import math

import pytest
from openai_server import FakeOpenAI
from test_openai_backend import KEY_ENV, backend

from harness.models.base import Generation, Request
from harness.models.cache import GenerationCache, request_key
from harness.models.hf_causal import HFCausal
from harness.models.openai_compat import OpenAIChat, OpenAICompletions

# What the scripted server's model "believes" at each output position.
POSITIONS = [
    {"Yes": -0.1, "No": -2.4, "Maybe": -4.0},
    {".": -0.5, "!": -1.0},
    {"a": -1.0},
    {"b": -1.0},
    {"c": -1.0},
    {"d": -1.0},  # a sixth position: never kept
]
JUDGE = {"max_tokens": 1, "logprobs": True, "top_logprobs": 2}


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-test-logprobs")


def judge_reply(prompt: str) -> tuple[str, list[dict[str, float]]]:
    return "Yes", POSITIONS


def ask(server: FakeOpenAI, cls=OpenAIChat, generation: dict | None = None, doc: str = "DOC-1") -> Generation:
    request = Request(doc, f"{doc} text", f"Is {doc} supported?", generation=generation)
    return backend(server, cls).generate([request])[0]


# The two positions' two likeliest, by hand; positions 3-5 keep their one token; the 6th is cut.
EXPECTED_TOP2 = [{"Yes": -0.1, "No": -2.4}, {".": -0.5, "!": -1.0}, {"a": -1.0}, {"b": -1.0}, {"c": -1.0}]


def test_chat_reads_top_logprobs_when_the_request_asks():
    with FakeOpenAI(reply=judge_reply) as server:
        asked = ask(server, generation=JUDGE)
        plain = ask(server, doc="DOC-2")
        sent = server.requests_for("DOC-1")[0].body
        plain_sent = server.requests_for("DOC-2")[0].body
    assert asked.text == "Yes" and asked.top_logprobs == EXPECTED_TOP2
    assert math.isclose(math.exp(asked.top_logprobs[0]["Yes"]), 0.904837, rel_tol=1e-6)
    # The request's settings win over the backend's (max_tokens 64), the rest of those stay.
    assert sent["max_tokens"] == 1 and sent["logprobs"] is True and sent["top_logprobs"] == 2
    assert sent["temperature"] == 0 and sent["model"] == "tiny"
    assert plain.top_logprobs is None
    assert plain_sent["max_tokens"] == 64 and "logprobs" not in plain_sent


def test_completions_reads_top_logprobs_in_its_own_format():
    with FakeOpenAI(reply=judge_reply) as server:
        got = ask(server, OpenAICompletions, {"max_tokens": 1, "logprobs": 2})
        sent = server.requests_for("DOC-1")[0].body
    assert sent["logprobs"] == 2 and sent["max_tokens"] == 1 and sent["prompt"] == "Is DOC-1 supported?"
    assert got.text == "Yes" and got.top_logprobs == EXPECTED_TOP2


def test_a_reply_without_logprobs_asked_or_given_has_none():
    with FakeOpenAI() as server:  # the default reply function returns text only
        got = ask(server, generation=JUDGE)
    assert got.text.startswith("- first point") and got.top_logprobs is None


@pytest.mark.parametrize("cls", [OpenAIChat, OpenAICompletions])
def test_a_malformed_logprobs_block_is_ignored_and_the_text_kept(cls):
    generation = JUDGE if cls is OpenAIChat else {"logprobs": 2}
    with FakeOpenAI(reply=judge_reply) as server:
        server.plan["DOC-1"] = ["badlogprobs"]
        got = ask(server, cls, generation)
    assert got.error is None and got.text == "Yes" and got.top_logprobs is None


def test_non_finite_logprobs_are_dropped():
    def reply(prompt: str):
        return "Yes", [{"Yes": -0.2, "No": float("-inf"), "Maybe": float("nan")}]

    with FakeOpenAI(reply=reply) as server:
        got = ask(server, generation={"logprobs": True, "top_logprobs": 3})
    assert got.top_logprobs == [{"Yes": -0.2}]


@pytest.mark.parametrize("logprob", [5.0, 1000.0, 1e308])
def test_a_logprob_above_zero_is_no_probability_and_the_block_is_ignored(logprob):
    # log p > 0 says p > 1: a server that sends it is not reporting probabilities, so the reply
    # counts as having none (its text still answers) rather than "Yes" winning on an impossible
    # mass (or exp() overflowing in whoever reads it).
    def reply(prompt: str):
        return "No", [{"Yes": logprob, "No": -0.01}]

    with FakeOpenAI(reply=reply) as server:
        got = ask(server, generation={"logprobs": True, "top_logprobs": 2})
    assert got.error is None and got.text == "No" and got.top_logprobs is None


def test_a_logprob_of_zero_is_certainty_and_kept():
    def reply(prompt: str):
        return "Yes", [{"Yes": 0.0, "No": -30.0}]

    with FakeOpenAI(reply=reply) as server:
        got = ask(server, generation={"logprobs": True, "top_logprobs": 2})
    assert got.top_logprobs == [{"Yes": 0.0, "No": -30.0}]


@pytest.mark.parametrize(
    "block",
    [
        {"content": None},
        {"content": [{"token": "Yes", "logprob": -0.1, "top_logprobs": [{"token": 5, "logprob": -0.1}]}]},
        {"content": [{"token": "Yes", "logprob": -0.1, "top_logprobs": [{"token": "Yes", "logprob": "high"}]}]},
        {"content": [["Yes", -0.1]]},
        "oops",
    ],
)
def test_chat_logprobs_blocks_of_the_wrong_shape_give_none(block):
    chat = OpenAIChat.from_config({"model_id": "m", "base_url": "http://127.0.0.1:9/v1"})
    reply = {"choices": [{"message": {"content": "Yes"}, "finish_reason": "stop", "logprobs": block}]}
    assert chat._parse(reply)[0] == "Yes" and chat._parse(reply)[3] is None


# -- the cache key and the cache ------------------------------------------------------------------


def old_key(parts: list) -> str:
    """The key as pipeline.py and support_judge.py built it before per-request settings."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def test_the_cache_key_changes_only_for_requests_with_their_own_settings():
    parts = [{"backend": "openai_chat", "options": {"model_id": "m"}}, "sys", "prompt", 3]
    plain = Request("d", "s", "prompt", "sys")
    assert request_key(parts, plain) == old_key(parts)  # existing caches stay valid
    assert request_key(parts, Request("d", "s", "prompt", "sys", generation={})) == old_key(parts)
    judged = request_key(parts, Request("d", "s", "prompt", "sys", generation=JUDGE))
    stricter = request_key(parts, Request("d", "s", "prompt", "sys", generation={**JUDGE, "top_logprobs": 5}))
    assert len({old_key(parts), judged, stricter}) == 3
    reordered = dict(reversed(list(JUDGE.items())))
    assert request_key(parts, Request("d", "s", "prompt", "sys", generation=reordered)) == judged


def test_top_logprobs_survive_the_cache_and_old_entries_still_load(tmp_path):
    path = tmp_path / "gen.jsonl"
    old_entry = {"schema_version": 1, "key": "old", "doc_id": "d0", "generation": {"text": "x", "truncated": False}}
    path.write_text(json.dumps(old_entry) + "\n")
    cache = GenerationCache(path)
    stored = Generation("Yes", finish_reason="stop", top_logprobs=EXPECTED_TOP2)
    cache.put("new", {"doc_id": "d1", "generation": stored.to_json()})
    bad = {"schema_version": 1, "key": "bad", "generation": {"text": "x", "top_logprobs": [{"Yes": "high"}]}}
    with open(path, "a") as f:
        f.write(json.dumps(bad) + "\n")

    reread = GenerationCache(path)
    assert Generation(**reread.get("new")["generation"]) == stored
    assert Generation(**reread.get("old")["generation"]).top_logprobs is None
    assert reread.get("bad") is None  # set aside, with its reason
    assert "top_logprobs" in (tmp_path / "gen.jsonl.rejected").read_text()


def test_a_cached_logprob_above_zero_is_set_aside_and_asked_again(tmp_path):
    # an entry written before such blocks were refused: its "probability" 148 never reaches a reader
    path = tmp_path / "gen.jsonl"
    impossible = {"schema_version": 1, "key": "k", "generation": {"text": "A", "top_logprobs": [{"A": 5.0}]}}
    path.write_text(json.dumps(impossible) + "\n")
    assert GenerationCache(path).get("k") is None
    assert "top_logprobs" in (tmp_path / "gen.jsonl.rejected").read_text()


# -- a local Hugging Face model --------------------------------------------------------------------


def first_position(folder, prompt: str, k: int) -> tuple[list[tuple[str, float]], str]:
    """The k likeliest first tokens by a plain forward pass (not generate()), and the argmax's text."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": prompt}], add_generation_prompt=True, tokenize=False
    )
    ids = tokenizer(text, add_special_tokens=False, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        logprobs = torch.log_softmax(model(ids).logits[0, -1].float(), dim=-1)
    values, top = logprobs.topk(k)
    return [(tokenizer.decode([t]), v) for t, v in zip(top.tolist(), values.tolist())], tokenizer.decode(
        [top[0].item()]
    )


def test_hf_causal_returns_first_token_logprobs_and_honours_request_settings(tiny_causal_dir):
    backend = HFCausal.from_config({"pretrained": str(tiny_causal_dir), "generation": {"max_new_tokens": 12}})
    prompts = ["the quick brown fox", "a summary lists the main points", "write three bullets"]
    plain = [Request(f"p{i}", "", p) for i, p in enumerate(prompts)]
    judged = [Request(f"j{i}", "", p, generation={"max_tokens": 1, "logprobs": True, "top_logprobs": 5}) for i, p in enumerate(prompts)]  # fmt: skip
    mixed = backend.generate([plain[0], judged[0], plain[1], judged[1], plain[2], judged[2]])
    alone = backend.generate(plain)
    backend.close()

    assert [g.text for g in mixed[0::2]] == [g.text for g in alone]  # the plain ones are untouched
    assert all(g.top_logprobs is None and g.output_tokens > 1 for g in alone)
    for prompt, g in zip(prompts, mixed[1::2]):
        assert g.output_tokens == 1 and len(g.top_logprobs) == 1
        position = g.top_logprobs[0]
        want, argmax = first_position(tiny_causal_dir, prompt, 5)
        assert len(position) == len(dict(want))
        for token, logprob in dict(want).items():
            assert math.isclose(position[token], logprob, abs_tol=1e-4)
        assert sum(math.exp(v) for v in position.values()) <= 1 + 1e-6
        assert max(position, key=position.get) == argmax
        assert g.text == argmax.strip()  # the generated token is the likeliest


def test_hf_request_settings_it_does_not_know_are_refused(tiny_causal_dir):
    from harness.errors import ConfigError

    backend = HFCausal.from_config({"pretrained": str(tiny_causal_dir)})
    with pytest.raises(ConfigError, match="stop: not understood"):
        backend.generate([Request("d", "", "x", generation={"stop": ["\n"]})])
    backend.close()


def test_hf_seq2seq_returns_logprobs_aligned_with_its_output(tiny_t5_dir):
    from harness.models.hf_seq2seq import HFSeq2Seq

    backend = HFSeq2Seq.from_config({"pretrained": str(tiny_t5_dir), "generation": {"max_new_tokens": 12}})
    asked = {"max_new_tokens": 3, "logprobs": True, "top_logprobs": 4}
    [g] = backend.generate([Request("d", "the fox", "summarize: the fox jumps", generation=asked)])
    backend.close()
    assert g.output_tokens == 3 and len(g.top_logprobs) == 3 and all(len(p) == 4 for p in g.top_logprobs)
    # Greedy: each position's likeliest byte is the byte written there.
    assert "".join(max(p, key=p.get) for p in g.top_logprobs).strip() == g.text
    assert all(sum(math.exp(v) for v in p.values()) <= 1 + 1e-6 for p in g.top_logprobs)
