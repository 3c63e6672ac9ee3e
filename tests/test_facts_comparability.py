"""harness compare's guard on key facts: runs are compared only where their facts agree, and only
when a facts column is compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.analysis.comparability import NotComparable, check
from harness.analysis.runs import Run
from harness.errors import EXIT_USAGE

SIGNATURE = "facts|judge:openai_chat:j@abc+keyfacts@1,align@2|max_facts:10|harness:0.1.0"


def run(label: str, facts: dict[str, list[str] | None]) -> Run:
    fields = {
        "facts/recall": {"signature": SIGNATURE, "higher_is_better": True},
        "rouge/rouge1": {"signature": "rouge|harness:0.1.0", "higher_is_better": True},
    }
    scores = {}
    for doc_id, listed in facts.items():
        entry = {"provenance": "judge:j@abc+keyfacts@1", "facts": [{"fact": f} for f in listed or []]}
        scores[doc_id] = {"doc_id": doc_id, "facts/recall": 0.5, "rouge/rouge1": 0.3, "details": {"facts": entry}}
    info = {"dataset": {"name": "local", "fingerprint": "f"}, "prompt": {"name": "p", "hash": "h"}}
    return Run(Path(label), label, info, fields, scores, list(facts))


def test_runs_whose_facts_differ_on_a_shared_document_are_refused():
    a = run("a", {"d1": ["X won."], "d2": ["Y lost."]})
    b = run("b", {"d1": ["X won."], "d2": ["Y lost badly."]})
    with pytest.raises(NotComparable) as refused:
        check([a, b], ["facts/recall"])
    message = str(refused.value)
    assert "key facts of facts (1 of 2 shared documents differ)" in message and "d2: 1 facts, hash" in message
    assert "| a | b |" in message.replace("| |", "|")  # the runs are named
    assert refused.value.exit_code == EXIT_USAGE


def test_same_facts_or_no_facts_column_compare():
    a = run("a", {"d1": ["X won."], "d2": ["Y lost."]})
    b = run("b", {"d1": ["X won."], "d2": None})  # no facts recorded (the judge gave none): not a difference
    assert check([a, b], ["facts/recall"]) == ["d1", "d2"]
    c = run("c", {"d1": ["Z."], "d2": ["Y lost."]})
    assert check([a, c], ["rouge/rouge1"]) == ["d1", "d2"]  # facts left out with --fields
