"""`facts` without a judge: model-free matching with known answers, NLI matching through a tiny
model and a seam. Recall keeps its meaning here (the mean fact score; `hard`: the share stated);
`conciseness` (share of bullets stating a fact) and each fact's `bullets` came with the judge path
(tests/test_facts_judge.py), in the same shape."""

from __future__ import annotations

import math

import pytest

from harness.metrics.facts import Facts, FactsOptions, bullets_of
from harness.metrics.loading import build_metrics, metric_spec
from harness.records import Example, Summary

FACTS = ("Anna Berg won the race.", "Anna Berg lives in Oslo.", "The race was held in 2019.")
SUMMARY = Summary("d1", "", ("Anna Berg won the race held in 2019.", "She trained for a year."))


def score(summary=SUMMARY, facts=FACTS, **options):
    return Facts(FactsOptions(**options)).score([Example("d1", "source text", (), facts)], [summary])[0]


def test_known_answers_with_idf_weights():
    row = score()
    by_fact = {f["fact"]: f for f in row.details["facts"]}
    assert by_fact["Anna Berg won the race."]["score"] == pytest.approx(1.0)
    assert by_fact["The race was held in 2019."]["score"] == pytest.approx(1.0)
    # "anna", "berg" are in 2 of 3 facts, "live", "oslo" in 1: idf log(4/2.5) vs log(4/1.5)
    shared, own = math.log(4 / 2.5), math.log(4 / 1.5)
    partial = 2 * shared / (2 * shared + 2 * own)
    assert by_fact["Anna Berg lives in Oslo."]["score"] == pytest.approx(partial, abs=1e-4)
    assert by_fact["Anna Berg lives in Oslo."]["stated"] is False
    # only the first bullet states a fact (facts 1 and 3); the second states none
    assert row.values == {"recall": pytest.approx((2 + partial) / 3, abs=1e-4), "conciseness": 0.5, "missing": 1.0}
    assert by_fact["Anna Berg won the race."]["evidence"] == ["Anna Berg won the race held in 2019."]
    assert [f["bullets"] for f in row.details["facts"]] == [[0], [], [0]]
    assert row.details["bullet_has_fact"] == [True, False]
    assert row.details["provenance"] == "dataset" and row.details["method"] == "lexical"


def test_uniform_weights_and_hard_recall():
    row = score(weighting="uniform")
    assert row.details["facts"][1]["score"] == pytest.approx(0.5)  # anna, berg found; live, oslo not
    assert score(hard=True).values["recall"] == pytest.approx(2 / 3)


def test_a_changed_number_is_not_stated():
    row = score(facts=("The race was held in 2018.",))
    assert row.details["facts"][0]["score"] < 1.0


def test_no_facts_gives_none_and_empty_summary_states_nothing():
    assert score(facts=()).values == {"recall": None, "conciseness": None, "missing": None}
    empty = score(summary=Summary("d1", "", ()))
    assert empty.values == {"recall": 0.0, "conciseness": None, "missing": 3.0}
    assert empty.not_applicable == {"conciseness": "the summary has no bullets"}


class TableScorer:
    def __init__(self, table):
        self.table = table

    def premises(self, text, hypotheses):
        return text.split("\n")

    def entailment(self, pairs):
        return [self.table.get(p, 0.0) for p in pairs]


def test_nli_matching_takes_the_best_premise_per_fact():
    b1, b2 = SUMMARY.bullets
    table = {(b1, FACTS[0]): 0.8, (b2, FACTS[0]): 0.1, (b2, FACTS[1]): 0.4, (b1, FACTS[2]): 0.7}
    metric = Facts(FactsOptions(threshold=0.5), scorer=TableScorer(table))
    [row] = metric.score([Example("d1", "s", (), FACTS)], [SUMMARY])
    assert [f["score"] for f in row.details["facts"]] == [0.8, 0.4, 0.7]
    assert row.details["facts"][0]["evidence"] == [b1] and row.details["method"] == "nli"
    assert row.values == {"recall": pytest.approx((0.8 + 0.4 + 0.7) / 3), "conciseness": 0.5, "missing": 1.0}
    assert [f["bullets"] for f in row.details["facts"]] == [[0], [], [0]]


def test_nli_model_through_the_user_config_path(tiny_nli_dir):
    [metric] = build_metrics(metric_spec(["facts"], {"facts": {"model": str(tiny_nli_dir)}}))
    assert metric.scorer is not None and metric.requires == frozenset({"facts"})
    [row] = metric.score([Example("d1", "s", (), FACTS)], [SUMMARY])
    scores = [f["score"] for f in row.details["facts"]]
    # whole summary is one chunk; the scorer's own probability for each (summary, fact) pair
    direct = metric.scorer.entailment([(SUMMARY.text.replace("\n", " "), f) for f in FACTS])
    assert scores == pytest.approx(direct, abs=1e-4)
    assert row.values["recall"] == pytest.approx(sum(direct) / 3, abs=1e-4)


def test_evidence_maps_to_the_bullets_it_comes_from():
    bullets = ("Ann won. She was 30.", "The race was long.", "Rain fell.")
    assert bullets_of(["Ann won. She was 30. The race was long."], bullets) == [0, 1]  # a chunk of two bullets
    assert bullets_of(["She was 30."], bullets) == [0]  # a sentence of one
    assert bullets_of(["Rain fell."], bullets) == [2]
    assert bullets_of([], bullets) == []
