"""`support_nli` with `checker: seq2seq`: a MiniCheck-Flan-T5-style checker (P(supported) from the
first decoder step's logits of "1" vs "0"), a tiny random T5 loaded through the same config path
a user's `support_nli.model=/path checker=seq2seq` takes."""

from __future__ import annotations

import pytest
import torch
from tiny_models import build_tiny_t5

from harness.errors import ConfigError
from harness.metrics.loading import build_metrics, metric_spec
from harness.records import Example, Summary
from harness.text.tokens import split_sentences

SOURCE = (
    "The bridge reopened on Monday after two years of repairs. The work cost 40 million euros. "
    "The mayor cut the ribbon. A crowd of 300 people watched."
)
BULLETS = ("The bridge is open again.", "Repairs cost 90 million euros.")


@pytest.fixture(scope="module")
def tiny_checker(tmp_path_factory):
    """The tiny T5 with live output rows for "1" and "0" (tiny_models keeps only letters live)."""
    from transformers import T5ForConditionalGeneration

    folder = build_tiny_t5(tmp_path_factory.mktemp("tiny-checker"))
    model = T5ForConditionalGeneration.from_pretrained(folder)
    torch.manual_seed(1)
    with torch.no_grad():
        for byte in b"10":
            model.lm_head.weight[byte + 3] = torch.randn(model.config.d_model) * 4  # ByT5: byte b is id b + 3
    model.save_pretrained(folder)
    return folder


def direct(folder, premise: str, claim: str) -> float:
    """MiniCheck-Flan-T5's reading, written out: softmax over the first step's logits of "1", "0"."""
    from transformers import AutoTokenizer, T5ForConditionalGeneration

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = T5ForConditionalGeneration.from_pretrained(folder).eval()
    ids = tokenizer(f"predict: {premise}</s>{claim}", return_tensors="pt").input_ids
    with torch.no_grad():
        logits = model(input_ids=ids, decoder_input_ids=torch.zeros((1, 1), dtype=torch.long)).logits[0, 0]
    one, zero = logits[ord("1") + 3], logits[ord("0") + 3]
    return float(torch.exp(one) / (torch.exp(one) + torch.exp(zero)))


def metric(folder, **options):
    [m] = build_metrics(
        metric_spec(["support_nli"], {"support_nli": {"model": str(folder), "checker": "seq2seq", **options}})
    )
    return m


def test_each_bullet_scores_its_best_sentence_as_the_model_reads_it(tiny_checker):
    [row] = metric(tiny_checker, device="cpu").score([Example("d1", SOURCE)], [Summary("d1", "", BULLETS)])
    sentences = split_sentences(SOURCE)
    assert len(sentences) == 4
    scores = []
    for bullet, claim in zip(row.details["bullets"], BULLETS):
        by_sentence = [direct(tiny_checker, s, claim) for s in sentences]
        assert len({round(p, 4) for p in by_sentence}) > 1, "the tiny checker should tell sentences apart"
        best = max(range(4), key=by_sentence.__getitem__)
        assert bullet["score"] == pytest.approx(by_sentence[best], abs=1e-4)
        assert bullet["evidence"] == [sentences[best]] and bullet["method"] == "seq2seq"
        scores.append(by_sentence[best])
    assert row.values["score"] == pytest.approx(sum(scores) / 2, abs=1e-4)


def test_chunks_keep_the_claim_and_take_the_max(tiny_checker):
    """Chunks packed up to max_length (bytes, for ByT5): each chunk is read whole beside the claim,
    and the bullet's score is the best chunk's."""
    m = metric(tiny_checker, device="cpu", granularity="chunk", max_length=140)
    premises = m.scorer.premises(SOURCE, BULLETS)
    assert len(premises) >= 2 and " ".join(premises) == " ".join(split_sentences(SOURCE))
    [row] = m.score([Example("d1", SOURCE)], [Summary("d1", "", BULLETS)])
    for bullet, claim in zip(row.details["bullets"], BULLETS):
        want = max(direct(tiny_checker, chunk, claim) for chunk in premises)
        assert bullet["score"] == pytest.approx(want, abs=1e-4)


def test_a_long_premise_is_cut_never_the_claim(tiny_checker):
    m = metric(tiny_checker, device="cpu", max_length=64)
    long_sentence = "The council met again and again " * 10 + "to talk."
    claim = "A short claim."
    kept = m.scorer._fit(long_sentence, claim)
    assert long_sentence.startswith(kept) and len(kept) < len(long_sentence)
    assert m.scorer.n_tokens(f"predict: {kept}</s>{claim}") + 1 <= 64  # and the final </s>
    [p] = m.scorer.entailment([(long_sentence, claim)])
    assert p == pytest.approx(direct(tiny_checker, kept, claim), abs=1e-4)


def test_an_unknown_checker_is_refused(tiny_checker):
    with pytest.raises(ConfigError, match="checker"):
        metric(tiny_checker, checker="bart")
