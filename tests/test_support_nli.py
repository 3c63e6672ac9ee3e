"""`support_nli` and the shared NLI scorer: known-answer aggregation through a small seam, and a
tiny random NLI model loaded through the same config path a user's `model: /path` takes."""

from __future__ import annotations

import pytest
import torch
from tiny_encoders import build_tiny_nli

from harness.errors import ConfigError, MetricUnavailable
from harness.metrics.loading import build_metrics, metric_spec
from harness.metrics.nli import NLIScorer, NLISettings, entailment_index
from harness.metrics.support_nli import SupportNLI, SupportNLIOptions
from harness.records import Example, Summary
from harness.text.tokens import split_sentences

SOURCE = "The bridge reopened on Monday. The work cost 40 million euros. Two years of repairs ended."


class TableScorer:
    """Entailment probabilities from a table: the seam for known-answer tests."""

    def __init__(self, table: dict[tuple[str, str], float]):
        self.table = table
        self.seen: list[tuple[str, str]] = []

    def premises(self, text, hypotheses):
        return split_sentences(text)

    def entailment(self, pairs):
        self.seen.extend(pairs)
        return [self.table.get(p, 0.0) for p in pairs]


def test_max_over_source_then_mean_or_min_over_bullets():
    s1, s2, s3 = split_sentences(SOURCE)
    b1, b2 = "The bridge is open again.", "Repairs cost 90 million euros."
    table = {(s1, b1): 0.9, (s3, b1): 0.6, (s2, b2): 0.3, (s1, b2): 0.1}
    summary = Summary("d1", "", (b1, b2))
    scorer = TableScorer(table)
    [row] = SupportNLI(SupportNLIOptions(threshold=0.5), scorer=scorer).score([Example("d1", SOURCE)], [summary])
    assert len(scorer.seen) == 6  # every bullet against every source sentence
    assert row.values == {"score": pytest.approx((0.9 + 0.3) / 2), "unsupported": 1.0}
    b = row.details["bullets"]
    assert (b[0]["score"], b[0]["evidence"], b[0]["evidence_index"], b[0]["supported"]) == (0.9, [s1], [0], True)
    assert (b[1]["score"], b[1]["evidence"], b[1]["supported"]) == (0.3, [s2], False)
    [low] = SupportNLI(SupportNLIOptions(aggregate="min"), scorer=TableScorer(table)).score(
        [Example("d1", SOURCE)], [summary]
    )
    assert low.values["score"] == pytest.approx(0.3)


def test_empty_source_supports_nothing():
    [row] = SupportNLI(scorer=TableScorer({})).score([Example("d1", "")], [Summary("d1", "", ("A claim.",))])
    assert row.values == {"score": 0.0, "unsupported": 1.0}


def direct_entailment(folder, premise: str, hypothesis: str, index: int) -> float:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    with torch.no_grad():
        logits = model(**tok(premise, hypothesis, return_tensors="pt")).logits
    return torch.softmax(logits, -1)[0, index].item()


def test_tiny_model_through_the_user_config_path(tiny_nli_dir):
    [metric] = build_metrics(
        metric_spec(["support_nli"], {"support_nli": {"model": str(tiny_nli_dir), "batch_size": 2}})
    )
    bullets = ("the bridge reopened on monday", "the work cost two million euros")
    [row] = metric.score([Example("d1", SOURCE)], [Summary("d1", "", bullets)])
    sentences = split_sentences(SOURCE)
    expected = [max(direct_entailment(tiny_nli_dir, s, b, 0) for s in sentences) for b in bullets]
    got = [b["score"] for b in row.details["bullets"]]
    assert got == pytest.approx(expected, abs=1e-4)
    assert row.values["score"] == pytest.approx(sum(expected) / 2, abs=1e-4)
    assert set(row.values) == {"score", "unsupported"}


def test_label_mapping():
    assert entailment_index({0: "CONTRADICTION", 1: "NEUTRAL", 2: "ENTAILMENT"}, None, "m") == 2
    assert entailment_index({0: "entailment", 1: "not_entailment"}, None, "m") == 0
    assert entailment_index({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, "LABEL_1", "m") == 1
    assert entailment_index({0: "LABEL_0", 1: "LABEL_1"}, 1, "m") == 1
    with pytest.raises(ConfigError, match="entailment_label"):
        entailment_index({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, None, "m")
    with pytest.raises(ConfigError, match="not a label"):
        entailment_index({0: "entailment", 1: "neutral"}, "yes", "m")


def test_relabelled_model_uses_the_entailment_column(tmp_path):
    folder = build_tiny_nli(tmp_path / "nli", {0: "contradiction", 1: "neutral", 2: "entailment"})
    scorer = NLIScorer(NLISettings(model=str(folder)), "m")
    assert scorer.entail == 2
    [p] = scorer.entailment([("the cat sat", "a cat sat")])
    assert p == pytest.approx(direct_entailment(folder, "the cat sat", "a cat sat", 2), abs=1e-5)


def test_long_source_is_chunked_to_the_model_limit(tiny_nli_dir):
    scorer = NLIScorer(NLISettings(model=str(tiny_nli_dir), granularity="chunk", max_length=40), "m")
    source = " ".join(f"The council approved plan {i} for new homes." for i in range(12))
    chunks = scorer.premises(source, ["the council approved a plan"])
    assert 1 < len(chunks) < 12
    assert " ".join(chunks) == " ".join(split_sentences(source))  # nothing dropped, order kept
    room = 40 - scorer.n_tokens("the council approved a plan") - 4
    assert all(scorer.n_tokens(c) <= room for c in chunks)
    probs = scorer.entailment([(c, "the council approved a plan") for c in chunks])
    assert all(0.0 <= p <= 1.0 for p in probs)


def test_batching_does_not_change_scores(tiny_nli_dir):
    pairs = [
        ("the bridge reopened", "the bridge is open"),
        ("a dog ran in the park", "the cat sat"),
        ("x", "the vote passed"),
    ]
    one = NLIScorer(NLISettings(model=str(tiny_nli_dir), batch_size=1), "m").entailment(pairs)
    many = NLIScorer(NLISettings(model=str(tiny_nli_dir), batch_size=8), "m").entailment(pairs)
    assert one == pytest.approx(many, abs=1e-5)


def test_missing_weights_fail_at_startup_with_the_reason(tmp_path):
    with pytest.raises(MetricUnavailable, match="cannot load NLI model .*support_nli.model"):
        SupportNLI(SupportNLIOptions(model=str(tmp_path / "no-such-model")))
    with pytest.raises(ConfigError, match="name an NLI model"):
        SupportNLI(SupportNLIOptions(model=None))
