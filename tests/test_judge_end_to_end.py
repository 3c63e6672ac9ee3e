"""The judge issue's "done when", end to end through the command line: a user's own JSONL with no
references and no key facts, `harness run ... judge=<config>` with a priced judge, gives key-fact
recall and conciseness, per-bullet verdicts with error categories and evidence, the judge's
tokens and cost; `harness compare` shows the cost and the report carries all of it."""

from __future__ import annotations

import json

import openai_server
import pytest
from conftest import run_cli
from fake_judge import ScriptedJudge, Truth
from openai_server import FakeOpenAI
from test_facts_judge import SENTENCES, e2e_script, user_file
from test_report import embedded

# lead-3 takes each article's first three sentences as its bullets; the judge finds one wrong
WRONG = "It sells rye bread."
TRUTH = {s: Truth(True, evidence=[s]) for doc in SENTENCES.values() for s in doc[:3]}
TRUTH[WRONG] = Truth(False, category="entity", evidence=[SENTENCES["u1"][0]], reason="the bread is not named")


@pytest.mark.slow
def test_own_articles_judged_end_to_end(tmp_path, monkeypatch):
    data = user_file(tmp_path)
    facts, verdicts = e2e_script(1), ScriptedJudge(TRUTH)
    monkeypatch.setattr(
        openai_server,
        "reply_text",
        lambda p: facts(p) if "<key_facts>" in p or "key facts of this" in p else verdicts(p),
    )
    results = tmp_path / "results"
    argv = ["run", "model=lead", "dataset=local", f"dataset.path={data}", "dataset.reference_field=null"]
    argv += ["judge=openai-compatible", "+judge.price.input_per_million=2.0", "+judge.price.output_per_million=8.0"]
    with FakeOpenAI() as server:
        run_cli(*argv, f"judge.base_url={server.url}", f"results_dir={results}", f"cache_dir={tmp_path / 'cache'}")
        sent = server.answered
    [run] = [p.parent for p in results.rglob("run.json")]
    metrics = json.loads((run / "metrics.json").read_text())
    fields = metrics["fields"]
    # key facts 1, 4, 2 of each article; lead-3 states 1 and 2: recall 2/3; bullets 1 and 2 of 3 state one
    assert fields["facts/recall"]["mean"] == pytest.approx(2 / 3)
    assert fields["facts/conciseness"]["mean"] == pytest.approx(2 / 3)
    assert fields["facts/recall"]["method"] == fields["support_judge/score"]["method"] == "llm-judge"
    assert fields["support_judge/unsupported"]["mean"] == pytest.approx(0.5)  # one bullet in two documents
    assert fields["support_judge/cat_entity"]["mean"] == pytest.approx(0.5)
    assert "support_judge" not in metrics["skipped"] and "facts" not in metrics["skipped"]
    rows = {r["doc_id"]: r for r in map(json.loads, (run / "scores.jsonl").read_text().splitlines())}
    wrong = rows["u1"]["details"]["support_judge"]["bullets"][1]
    assert (wrong["bullet"], wrong["verdict"], wrong["category"]) == (WRONG, "unsupported", "entity")
    assert wrong["evidence"] == [SENTENCES["u1"][0]] and wrong["reason"] == "the bread is not named"
    assert rows["u1"]["details"]["facts"]["provenance"].startswith("judge:fake-model@")

    judge = json.loads((run / "run.json").read_text())["judge"]["total"]
    assert judge["requests"] == sent  # every request the server answered, counted once
    expected = (judge["input_tokens"] * 2.0 + judge["output_tokens"] * 8.0) / 1e6
    assert judge["input_tokens"] > 0 and judge["cost"] == pytest.approx(expected) and judge["currency"] == "USD"

    shown = run_cli("compare", str(run)).stdout
    assert "Judge" in shown and "USD" in shown
    page = tmp_path / "report.html"
    run_cli("report", str(run), "--out", str(page))
    mine = embedded(page.read_text(encoding="utf-8"))["docs"]
    u1 = next(d for d in mine if d["id"] == "u1")["models"][0]
    assert u1["bullets"][1]["judge"]["verdict"] == "unsupported" and u1["bullets"][1]["judge"]["category"]
    assert [f for f, _ in u1["facts"]] == [SENTENCES["u1"][i] for i in (0, 3, 1)]
    assert u1["provenance"].startswith("judge:fake-model@")
