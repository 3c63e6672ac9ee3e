"""`bertscore` with a tiny random BERT built here, and the greedy matching on known vectors."""

from __future__ import annotations

import math

import pytest
import torch

from harness.errors import ConfigError, MetricUnavailable
from harness.metrics.bertscore import BERTScore, BERTScoreOptions, greedy_match
from harness.metrics.loading import build_metrics, metric_spec
from harness.records import Example, Summary


def unit(*xs):
    v = torch.tensor(xs, dtype=torch.float)
    return v / v.norm()


def test_greedy_match_known_answer():
    e1, e2 = unit(1, 0), unit(0, 1)
    diag = unit(1, 1)  # cos 0.7071 to both
    cand = torch.stack([e1, diag])
    ref = torch.stack([e1])
    w2, w1 = torch.ones(2), torch.ones(1)
    p, r, f = greedy_match(cand, ref, w2, w1)
    assert p == pytest.approx((1 + math.sqrt(0.5)) / 2)
    assert r == pytest.approx(1.0)
    assert f == pytest.approx(2 * p * r / (p + r))
    # a zero-weight (special) token is matched against but never counts on its own side
    p, _, _ = greedy_match(cand, torch.stack([e1, e2]), torch.tensor([1.0, 0.0]), torch.ones(2))
    assert p == pytest.approx(1.0)


def metric(folder, **options) -> BERTScore:
    return BERTScore(BERTScoreOptions(model=str(folder), layer=options.pop("layer", 2), **options))


def summary(text: str) -> Summary:
    return Summary("d1", text, tuple(text.split("\n")))


def test_identical_text_scores_one_and_best_reference_wins(tiny_bert_dir):
    m = metric(tiny_bert_dir)
    ref = "the bridge reopened on monday after two years"
    other = "a red dog ran in the park"
    [same] = m.score([Example("d1", "", (ref,))], [summary(ref)])
    assert same.values == {k: pytest.approx(1.0, abs=1e-5) for k in ("precision", "recall", "f1")}
    [diff] = m.score([Example("d1", "", (other,))], [summary(ref)])
    assert diff.values["f1"] < 0.999
    [multi] = m.score([Example("d1", "", (other, ref))], [summary(ref)])
    assert multi.values["f1"] == pytest.approx(1.0, abs=1e-5) and multi.details == {"best_reference": 1}


def test_layer_idf_and_rescaling_change_scores_as_defined(tiny_bert_dir):
    example = Example("d1", "", ("the council approved the plan for new homes",))
    cand = [summary("the mayor said the vote passed")]
    plain = metric(tiny_bert_dir).score([example], cand)[0].values
    assert metric(tiny_bert_dir, layer=1).score([example], cand)[0].values["f1"] != pytest.approx(plain["f1"])
    assert metric(tiny_bert_dir, idf=True).score([example], cand)[0].values["f1"] != pytest.approx(plain["f1"])
    base = {"precision": 0.5, "recall": 0.25, "f1": 0.4}
    scaled = metric(tiny_bert_dir, rescale_with_baseline=True, baseline=base).score([example], cand)[0].values
    for k in base:
        assert scaled[k] == pytest.approx((plain[k] - base[k]) / (1 - base[k]))


def test_no_reference_or_empty_summary_is_none(tiny_bert_dir):
    m = metric(tiny_bert_dir)
    rows = m.score(
        [Example("d1", "", ()), Example("d2", "", ("the cat sat",))], [summary("the cat"), Summary("d2", "", ())]
    )
    assert all(v is None for row in rows for v in row.values.values())


def test_startup_errors(tiny_bert_dir, tmp_path):
    with pytest.raises(MetricUnavailable, match="cannot load encoder"):
        BERTScore(BERTScoreOptions(model=str(tmp_path / "missing")))
    with pytest.raises(ConfigError, match="baseline"):
        BERTScore(BERTScoreOptions(model=str(tiny_bert_dir), rescale_with_baseline=True, baseline={"f1": 0.8}))
    with pytest.raises(ConfigError, match="out of range"):
        metric(tiny_bert_dir, layer=7)


def test_shipped_config_through_the_user_path(tiny_bert_dir):
    [m] = build_metrics(metric_spec(["bertscore"], {"bertscore": {"model": str(tiny_bert_dir), "layer": 2}}))
    assert m.keys() == ["bertscore/precision", "bertscore/recall", "bertscore/f1"]


def test_equals_the_bert_score_package_when_installed(tiny_bert_dir):
    """Cross-check against bert_score itself (pure code; no weights downloaded) on the tiny model."""
    bert_score = pytest.importorskip("bert_score")
    cands = ["the mayor said the vote passed", "a red dog ran in the park"]
    refs = [["the council approved the plan for new homes", "the vote passed"], ["the dog ran"]]
    for idf in (False, True):
        expected = bert_score.score(cands, refs, model_type=str(tiny_bert_dir), num_layers=2, idf=idf, batch_size=4)
        rows = metric(tiny_bert_dir, idf=idf).score(
            [Example(str(i), "", tuple(r)) for i, r in enumerate(refs)], [summary(c) for c in cands]
        )
        for k, field in enumerate(("precision", "recall", "f1")):
            for i in range(2):
                assert rows[i].values[field] == pytest.approx(float(expected[k][i]), abs=1e-4)
