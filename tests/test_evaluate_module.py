"""The ROUGE `evaluate` module loads from a local path (no hub) and matches the harness metric."""

from __future__ import annotations

import evaluate
import pytest
from rouge_score import rouge_scorer

import harness.metrics.evaluate_rouge as module


def test_evaluate_load_by_path_matches_rouge_score():
    rouge = evaluate.load(module.__file__)
    predictions = [
        "Here is a summary:\n- The council approved the budget.\n- Taxes rise by 2%.",
        "The mayor resigned. A vote follows in May.",
    ]
    references = [
        ["The council passed its budget.\nTaxes go up 2%.", "Budget approved."],
        ["Mayor quits; vote in May."],
    ]
    result = rouge.compute(predictions=predictions, references=references)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rougeLsum"], use_stemmer=True)
    texts = ["The council approved the budget.\nTaxes rise by 2%.", "The mayor resigned.\nA vote follows in May."]
    expected = [scorer.score_multi(refs, text) for refs, text in zip(references, texts)]
    assert result["rouge1"] == pytest.approx(sum(e["rouge1"].fmeasure for e in expected) / 2, abs=1e-12)
    assert result["rougeLsum_recall"] == pytest.approx(sum(e["rougeLsum"].recall for e in expected) / 2, abs=1e-12)


def test_plain_string_references_equal_single_alternatives():
    rouge = evaluate.load(module.__file__)
    predictions = ["- The mayor resigned.\n- A vote follows in May."]
    as_strings = rouge.compute(predictions=predictions, references=["Mayor quits; vote in May."])
    as_lists = rouge.compute(predictions=predictions, references=[["Mayor quits; vote in May."]])
    assert as_strings == as_lists and as_strings["rouge1"] > 0


def test_prediction_without_references_is_a_clear_error():
    rouge = evaluate.load(module.__file__)
    with pytest.raises(ValueError, match=r"references\[1\]: no reference"):
        rouge.compute(predictions=["- The mayor resigned.", "- A vote follows."], references=[["Mayor quits."], []])
