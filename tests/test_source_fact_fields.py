"""Each source-fact metric, built from its shipped config as a user would, emits exactly its
declared fields for every example (including an empty summary)."""

from __future__ import annotations

import json

import openai_server
import pytest
from fake_judge import ScriptedJudge, Truth
from openai_server import FakeOpenAI

from harness.metrics.loading import build_metrics, metric_spec
from harness.records import Example, Summary

EXAMPLES = [
    Example(
        "d1",
        "The bridge reopened on Monday. It cost 40 million euros.",
        ("The bridge is open again.",),
        ("The bridge reopened.",),
    ),
    Example("d2", "Rain fell all week. The river rose.", ("It rained.",), ("The river rose.",)),
]
SUMMARIES = [Summary("d1", "", ("The bridge reopened on Monday.", "It cost 90 million euros.")), Summary("d2", "", ())]


@pytest.fixture
def judge_server(monkeypatch):
    monkeypatch.setattr(openai_server, "reply_text", ScriptedJudge({}, default=Truth(True)))
    with FakeOpenAI() as server:
        yield server


@pytest.mark.parametrize("name", ["support", "support_nli", "support_judge", "facts", "facts_nli", "bertscore"])
def test_emits_exactly_its_declared_fields(name, tiny_nli_dir, tiny_bert_dir, judge_server, tmp_path):
    overrides = {
        "support_nli": {"support_nli": {"model": str(tiny_nli_dir)}},
        "facts_nli": {"facts": {"model": str(tiny_nli_dir)}},
        "bertscore": {"bertscore": {"model": str(tiny_bert_dir), "layer": 1}},
        "support_judge": {
            "support_judge": {
                "cache_dir": str(tmp_path),
                "judge": {"backend": "openai_chat", "base_url": judge_server.url, "model_id": "j"},
            }
        },
    }.get(name, {})
    config = name.replace("_nli", "") if name == "facts_nli" else name
    [metric] = build_metrics(metric_spec([config], overrides))
    rows = metric.score(EXAMPLES, SUMMARIES)
    assert len(rows) == 2
    for row in rows:
        assert list(row.values) == list(metric.fields)
        assert all(v is None or isinstance(v, float) for v in row.values.values())
        json.dumps(row.details)  # details go to scores.jsonl
    assert metric.keys() == [f"{metric.name}/{f}" for f in metric.fields]
