"""The `facts` metric's per-document details (harness/metrics/facts_detail.py): what the metric
writes reads back to the same JSON, key for key and in order; a hand-edited detail reads leniently
(the report still draws), a value of the wrong type as absent."""

from __future__ import annotations

import json

from harness.metrics.facts import Alignment, Facts, FactsOptions, KeyFacts
from harness.metrics.facts_detail import FactEntry, FactsDetail, facts_hash
from harness.records import Example, Summary

FACTS = ("Anna Berg won the race.", "Anna Berg lives in Oslo.", "The race was held in 2019.")
SUMMARY = Summary("d1", "", ("Anna Berg won the race held in 2019.", "She trained for a year."))


def written() -> list[dict]:
    metric = Facts(FactsOptions())
    aligned = metric.score([Example("d1", "source", (), FACTS)], [SUMMARY])[0].details
    unreadable = metric._row(KeyFacts(list(FACTS), "judge:x", problem="no JSON", reply="{oops"), Alignment(), SUMMARY)
    repaired = Alignment([1.0, 0.0, 1.0], [True, False, True], [[0], [], [1]], [["e"], [], ["f"]], ["fact 2: repaired"])
    judged = metric._row(KeyFacts(list(FACTS), "judge:x"), repaired, SUMMARY)
    return [aligned, unreadable.details, judged.details]


def test_what_the_metric_writes_reads_back_to_the_same_json():
    for detail in written():
        read = FactsDetail.from_json(detail)
        assert read is not None
        assert json.dumps(read.to_json()) == json.dumps(detail)  # same keys, same order, same values
    aligned, unreadable, judged = (FactsDetail.from_json(d) for d in written())
    assert aligned.texts() == FACTS and aligned.facts_hash == facts_hash(FACTS) and aligned.provenance == "dataset"
    assert [f.bullets for f in aligned.facts] == [(0,), (), (0,)] and aligned.bullet_has_fact == (True, False)
    assert unreadable.problem == "no JSON" and unreadable.reply == "{oops" and unreadable.facts[0].stated is None
    assert "bullet_has_fact" not in unreadable.to_json() and unreadable.threshold == 0.5
    assert judged.problems == ("fact 2: repaired",) and [f.stated for f in judged.facts] == [True, False, True]


def test_a_hand_edited_detail_reads_leniently():
    edited = {
        "provenance": 7,
        "threshold": True,
        "facts": ["not an object", {"fact": "A.", "stated": 1, "bullets": [0, True, "1", 2]}, {"score": "high"}],
        "bullet_has_fact": [True, "yes", False],
        "problems": ["kept", 3],
    }
    read = FactsDetail.from_json(edited)
    assert read == FactsDetail(
        provenance=None,
        threshold=None,
        facts=(FactEntry("A.", stated=True, bullets=(0, 2)), FactEntry(None)),
        bullet_has_fact=(True, None, False),
        problems=("kept",),
    )
    assert read.texts() == ("A.", "None")
    assert FactsDetail.from_json(None) is None and FactsDetail.from_json([1]) is None
