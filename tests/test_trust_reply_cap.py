"""Attack: a reply (or a precomputed summary) of millions of characters. A run keeps at most
`max_reply_chars` of each reply for parsing and scoring, and says so in the generation row
(`reply_cut`, `reply_chars`) and in run.json; the full reply stays in the generation cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from harness.config.schema import RunSettings, parse
from harness.errors import ConfigError

ARTICLE = "The council approved a new budget on Monday. It raises spending on schools by ten percent."


def test_the_cap_is_a_checked_setting_with_a_generous_default() -> None:
    assert RunSettings().max_reply_chars >= 100_000
    for bad in (0, -1, 10**12, float("nan")):
        with pytest.raises(ConfigError, match="max_reply_chars"):
            parse(RunSettings, {"max_reply_chars": bad}, "config")


@pytest.mark.slow
def test_a_huge_precomputed_summary_is_cut_and_the_cut_recorded(tmp_path: Path) -> None:
    huge = "- " + " ".join(["The council approved the budget."] * 2_000)  # 64k characters
    short = "- The council approved the budget.\n- Schools get more."
    data = tmp_path / "docs.jsonl"
    data.write_text(
        "".join(
            json.dumps({"doc_id": d, "source": ARTICLE, "reference": "Budget approved."}) + "\n" for d in ("a", "b")
        )
    )
    outputs = tmp_path / "outputs.jsonl"
    outputs.write_text(
        json.dumps({"doc_id": "a", "summary": huge}) + "\n" + json.dumps({"doc_id": "b", "summary": short}) + "\n"
    )
    proc = run_cli(
        "run",
        "model=precomputed",
        f"model.path={outputs}",
        "dataset=local",
        f"dataset.path={data}",
        "metrics=[format]",
        "max_reply_chars=1000",
        f"results_dir={tmp_path / 'res'}",
        cwd=tmp_path,
        timeout=300,
    )
    (generations,) = (tmp_path / "res").rglob("generations.jsonl")
    rows = {r["doc_id"]: r for r in map(json.loads, generations.read_text().splitlines())}
    assert rows["a"]["reply_cut"] is True and rows["a"]["reply_chars"] == len(huge)
    assert rows["a"]["raw"] == huge[:1000]
    assert rows["b"]["reply_cut"] is False and rows["b"]["raw"] == short
    (run_json,) = (tmp_path / "res").rglob("run.json")
    assert json.loads(run_json.read_text())["generation"]["reply_cut"] == 1
    assert "max_reply_chars" in proc.stderr + proc.stdout  # the cut is said, not only recorded
