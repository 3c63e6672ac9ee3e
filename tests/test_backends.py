"""hf_seq2seq and hf_causal on tiny random models saved to a folder, loaded like a user's model."""

from __future__ import annotations

import pytest
import torch

from harness.errors import ConfigError
from harness.models.base import Request
from harness.models.hf_causal import HFCausal
from harness.models.hf_common import count_new_tokens, run_in_batches
from harness.models.hf_seq2seq import HFSeq2Seq

INSTRUCTION = "Write 3 bullets."


def requests(n: int = 6) -> list[Request]:
    """Documents of very different lengths, so length sorting reorders them."""
    out = []
    for i in range(n):
        source = " ".join(["the quick fox"] * (1 + (i * 7) % 11)) + f" doc{i}"
        out.append(Request(f"d{i}", source, f"Article:\n{source}\n{INSTRUCTION}", "You write bullets."))
    return out


def seq2seq(folder, **options) -> HFSeq2Seq:
    return HFSeq2Seq.from_config({"pretrained": str(folder), "generation": {"max_new_tokens": 12}, **options})


def causal(folder, **options) -> HFCausal:
    return HFCausal.from_config({"pretrained": str(folder), "generation": {"max_new_tokens": 12}, **options})


@pytest.mark.parametrize("make", [seq2seq, causal], ids=["seq2seq", "causal"])
def test_batched_outputs_match_one_at_a_time_in_request_order(make, tiny_t5_dir, tiny_causal_dir):
    folder = tiny_t5_dir if make is seq2seq else tiny_causal_dir
    reqs = requests()
    batched = make(folder, batch_size=4).generate(reqs)
    single = make(folder, batch_size=1)
    one_by_one = [single.generate([r])[0] for r in reqs]
    assert [g.text for g in batched] == [g.text for g in one_by_one]
    assert [g.input_tokens for g in batched] == [g.input_tokens for g in one_by_one]
    # longer documents have more input tokens: outputs were put back in request order
    lengths = [len(r.source) for r in reqs]
    assert sorted(range(6), key=lambda i: lengths[i]) == sorted(range(6), key=lambda i: batched[i].input_tokens)
    assert len(set(lengths)) > 3


def test_generation_records_tokens_finish_reason_latency(tiny_t5_dir):
    gens = seq2seq(tiny_t5_dir, batch_size=3).generate(requests())
    for g in gens:
        assert g.error is None and isinstance(g.text, str)
        assert 1 <= g.output_tokens <= 12 and g.finish_reason in ("stop", "length")
        assert g.finish_reason == "stop" or g.output_tokens == 12
        assert g.input_tokens > 0 and g.latency_s > 0 and g.truncated is False


def test_truncation_cuts_the_article_keeps_the_instruction_and_is_recorded(tiny_t5_dir):
    backend = seq2seq(tiny_t5_dir, max_input_tokens=120, prefix="summarize: ")
    reqs = requests()
    gens = backend.generate(reqs)
    long_docs = [
        i for i, r in enumerate(reqs) if len(r.prompt.encode()) + len("summarize: ") + 1 > 120
    ]  # ByT5: 1 token per byte + </s>
    assert long_docs and len(long_docs) < len(reqs)
    assert [g.truncated for g in gens] == [i in long_docs for i in range(len(reqs))]
    assert all(g.input_tokens <= 120 for g in gens)
    assert max(g.input_tokens for g in gens) >= 118
    text, n, truncated = backend.fit(reqs[long_docs[0]], 120)
    assert truncated and n <= 120 and text.startswith("summarize: Article:\n") and text.endswith(INSTRUCTION)


def test_seq2seq_can_ignore_the_prompt_and_read_the_bare_article(tiny_t5_dir):
    backend = seq2seq(tiny_t5_dir, use_prompt=False)
    backend.load()
    r = requests()[0]
    assert backend.fit(r, None)[0] == r.source


def test_newline_token_becomes_a_line_break(tiny_t5_dir):
    assert seq2seq(tiny_t5_dir, newline_token="<n>").clean(" One.<n> Two. ") == "One.\nTwo."


def test_causal_uses_the_chat_template_and_decodes_only_new_tokens(tiny_causal_dir):
    backend = causal(tiny_causal_dir, batch_size=3)
    reqs = requests()
    gens = backend.generate(reqs)
    text, _, _ = backend.fit(reqs[0], None)
    assert text == f"<s>system: You write bullets.\n<s>user: {reqs[0].prompt}\n<s>assistant:"
    assert backend.tokenizer.padding_side == "left"
    for g, _r in zip(gens, reqs):
        assert "Article" not in g.text and "assistant" not in g.text  # the prompt is not echoed
        assert 1 <= g.output_tokens <= 12


def test_causal_plain_prompt_without_chat_template(tiny_causal_dir):
    backend = causal(tiny_causal_dir, use_chat_template=False)
    backend.load()
    r = requests()[0]
    assert backend.fit(r, None)[0] == f"You write bullets.\n\n{r.prompt}"
    assert backend.generate([r])[0].text is not None


def test_causal_truncation_keeps_the_chat_template_closing(tiny_causal_dir):
    backend = causal(tiny_causal_dir, max_input_tokens=40)
    backend.load()
    r = requests()[3]
    text, n, truncated = backend.fit(r, 40)
    assert truncated and n <= 40 and text.endswith(f"{INSTRUCTION}\n<s>assistant:")
    assert backend.generate([r])[0].truncated


def test_the_model_limit_applies_when_max_input_tokens_is_unset(tiny_t5_dir):
    backend = seq2seq(tiny_t5_dir)
    backend.load()
    assert backend.input_limit() == 512  # the tokenizer's model_max_length
    long = Request("x", "word " * 400, "word " * 400)
    g = backend.generate([long])[0]
    assert g.truncated and g.input_tokens == 512


def test_causal_default_limit_leaves_room_for_the_output(tiny_causal_dir):
    backend = causal(tiny_causal_dir)
    backend.load()
    assert backend.input_limit() == 512 - 12


def test_sampling_is_seeded(tiny_t5_dir):
    opts = {"generation": {"do_sample": True, "top_k": 50, "max_new_tokens": 12}, "seed": 3}
    a = seq2seq(tiny_t5_dir, **opts).generate(requests(2))
    b = seq2seq(tiny_t5_dir, **opts).generate(requests(2))
    assert [g.text for g in a] == [g.text for g in b]


def test_unreachable_hub_id_says_to_use_a_local_folder(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    backend = HFSeq2Seq.from_config({"pretrained": "no-such-org/no-such-model-xyz"})
    with pytest.raises(ConfigError, match="set model.pretrained to a local folder"):
        backend.generate(requests(1))


def test_weights_load_lazily(tiny_t5_dir):
    backend = seq2seq(tiny_t5_dir)
    assert backend.model is None  # a fully cached run never pays for loading
    assert backend.generate([]) == [] and backend.model is None


def test_options_are_validated():
    assert HFSeq2Seq.from_config({"pretrained": "x", "batch_size": "auto"}).options.batch_size == "auto"
    with pytest.raises(ConfigError, match="batch_size"):
        HFSeq2Seq.from_config({"pretrained": "x", "batch_size": "big"})
    with pytest.raises(ConfigError, match="Did you mean 'max_input_tokens'"):
        HFCausal.from_config({"pretrained": "x", "max_input_token": 5})
    with pytest.raises(ConfigError, match="pretrained"):
        HFCausal.from_config({})
    with pytest.raises(ConfigError, match="batch_size: must be at least 1"):
        HFCausal.from_config({"pretrained": "x", "batch_size": 0})


def test_batch_size_and_device_stay_out_of_the_cache_identity():
    a = HFSeq2Seq.from_config({"pretrained": "x", "batch_size": 1, "device": "cpu"})
    b = HFSeq2Seq.from_config({"pretrained": "x", "batch_size": "auto"})
    assert a.identity() == b.identity()
    assert HFSeq2Seq.from_config({"pretrained": "x", "generation": {"num_beams": 2}}).identity() != a.identity()


def test_auto_batch_size_halves_on_out_of_memory_and_keeps_the_smaller_size():
    seen: list[list[int]] = []

    def run_batch(indices: list[int]) -> None:
        seen.append(indices)
        if len(indices) > 2:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")

    size = run_in_batches(10, 8, True, run_batch, list(range(10)))
    assert size == 2
    assert [len(b) for b in seen] == [8, 4, 2, 2, 2, 2, 2]
    assert sorted(i for b in seen if len(b) <= 2 for i in b) == list(range(10))


def test_fixed_batch_size_is_honoured_and_out_of_memory_propagates():
    seen: list[int] = []
    assert run_in_batches(7, 3, False, lambda b: seen.append(len(b)), list(range(7))) == 3
    assert seen == [3, 3, 1]

    def oom(indices: list[int]) -> None:
        raise torch.OutOfMemoryError("simulated")

    with pytest.raises(torch.OutOfMemoryError):
        run_in_batches(4, 4, False, oom, list(range(4)))


def test_count_new_tokens_stops_at_the_first_end_token():
    assert count_new_tokens([5, 6, 2, 0, 0], {2}) == (3, "stop")
    assert count_new_tokens([5, 6, 7], {2}) == (3, "length")
