"""`harness meta-eval --benchmark aggrefact` measuring an LLM judge: a scripted judge on the
loopback server, right with probability p on balanced labelled claims, scores balanced accuracy
p within sampling error, through the same support_judge metric and judge config a run uses."""

from __future__ import annotations

import json
import math
from pathlib import Path

import openai_server
import pytest
from benchmark_fixtures import write_simulated_aggrefact
from fake_judge import ScriptedJudge, Truth
from openai_server import FakeOpenAI

from harness.cli.meta_eval import main


def judged(server, data: Path, out: Path, *more: str) -> dict:
    argv = [
        "--benchmark",
        "aggrefact",
        "--data",
        str(data),
        "--metrics",
        "support_judge",
        "--judge",
        "openai-compatible",
    ]
    argv += ["--set", f"judge.base_url={server.url}", "--set", "support_judge.cache_dir=" + str(out.parent / "cache")]
    assert main([*argv, *more, "--out", str(out), "--bootstrap", "200"]) == 0
    (written,) = out.glob("*.json")
    return json.loads(written.read_text())


@pytest.mark.parametrize("p", [0.8, 0.65])
def test_a_judge_of_accuracy_p_scores_p_and_a_second_run_asks_nothing(tmp_path, monkeypatch, p):
    n = 160
    sim = write_simulated_aggrefact(tmp_path / "sim", n=n, p=p, seed=11)
    # The judge's answer is the one written into each claim: P(Yes) .9 for [answer=1], .1 for [answer=0].
    judge = ScriptedJudge({}, default=Truth(True), chunk_p=lambda claim, chunk: 0.9 if "[answer=1]" in claim else 0.1)
    monkeypatch.setattr(openai_server, "reply_text", judge)
    with FakeOpenAI() as server:
        payload = judged(server, sim.folder, tmp_path / "out")
        rows = payload["results"]["support_judge/score"]["datasets"]
        standard_error = math.sqrt(p * (1 - p) / n)
        for name in ("SimA", "SimB"):
            assert rows[name]["threshold_from"] == "dev" and rows[name]["threshold"] == pytest.approx(0.5)
            value = rows[name]["balanced_accuracy"]["value"]
            assert value == pytest.approx(sim.realised(name))  # exactly what the judge's answers give
            assert abs(value - p) < 3 * standard_error
        asked = server.answered
        assert asked > 0
        judged(server, sim.folder, tmp_path / "again")
        assert server.answered == asked  # every reply came from the cache
