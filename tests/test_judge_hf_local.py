"""A local Hugging Face causal model as the judge, through the shipped `judge=hf-local` config a
user would choose: no server, P(supported) read from the model's own first-token distribution."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli
from tiny_models import build_tiny_judge, write_docs


@pytest.mark.slow
def test_a_local_causal_judge_gives_probabilities_through_the_shipped_config(tmp_path):
    judge_dir = build_tiny_judge(tmp_path / "tiny-judge")
    data = write_docs(tmp_path / "docs.jsonl", 2)
    results = tmp_path / "results"
    argv = ["run", "model=lead", "dataset=local", f"dataset.path={data}", "metrics=[support_judge]"]
    argv += ["judge=hf-local", f"judge.pretrained={judge_dir}", "judge.batch_size=4"]
    argv += ["judge.generation.max_new_tokens=24", f"results_dir={results}", f"cache_dir={tmp_path / 'cache'}"]
    run_cli(*argv)
    [run] = [p.parent for p in results.rglob("run.json")]
    rows = [json.loads(line) for line in (run / "scores.jsonl").read_text().splitlines()]
    bullets = [b for r in rows for b in r["details"]["support_judge"]["bullets"]]
    assert bullets and all(b["method"] == "logprobs" for b in bullets)
    assert all(0.0 <= b["p_supported"] <= 1.0 for b in bullets)
    # the tiny judge answers only Yes/No, so its factcheck JSON is unreadable: counted, never supported
    assert all(b["verdict"] in ("supported", "unsupported", "unreadable") for b in bullets)
    usage = json.loads((run / "run.json").read_text())["judge"]["total"]
    assert usage["requests"] > 0 and usage["failed"] == 0

    run_cli(*argv)  # again: every answer from the cache
    runs = sorted(p.parent for p in results.rglob("run.json"))
    again = json.loads((runs[-1] / "run.json").read_text())["judge"]["total"]
    assert again["requests"] == 0 and again["cached"] == usage["requests"] + usage["cached"]
