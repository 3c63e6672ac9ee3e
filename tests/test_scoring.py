"""One scoring path: `harness run`, `harness score` and `harness meta-eval` score through
`harness.metrics.scoring.score_documents`, with one missing-input policy."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import run_cli

from harness.analysis.meta_eval.scoring import resolve_spec, score_all
from harness.cli.meta_eval import main as meta_eval_main
from harness.errors import InputError, PluginError
from harness.metrics.base import Metric, Scored
from harness.metrics.loading import build_metrics
from harness.metrics.scoring import score_documents
from harness.records import Example, Summary
from harness.text.bullets import parse_bullets

SOURCE = "The council approved a new bridge on Monday. It will cost $4 million. Work starts in May."
EXAMPLES = [
    Example("d1", SOURCE, references=("The council approved a bridge.\nIt costs $4 million.",)),
    Example("d2", SOURCE, references=("Work on a bridge starts in May.",)),
]


def summary(doc_id: str, text: str) -> Summary:
    parsed = parse_bullets(text)
    return Summary(doc_id, text, parsed.bullets, style=parsed.style)


SUMMARIES = [
    summary("d1", "- The council approved a new bridge.\n- It will cost $4 million."),
    summary("d2", "- Work starts in May."),
]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_rows_follow_the_pairs_and_a_metric_without_its_input_is_skipped_with_the_reason():
    metrics = build_metrics({"rouge": {}, "facts": {}, "extractive": {}})
    # meta-eval's shape: one document, several systems' summaries
    examples = [EXAMPLES[0], EXAMPLES[0], EXAMPLES[1]]
    summaries = [SUMMARIES[0], summary("d1", "- A bridge."), SUMMARIES[1]]
    table = score_documents(metrics, examples, summaries, hints={"facts": "set dataset.facts_field"})
    assert [r["doc_id"] for r in table.rows] == ["d1", "d1", "d2"]
    assert table.skipped == {"facts": "the dataset has no source facts (set dataset.facts_field)"}
    assert not any(key.startswith("facts/") for row in table.rows for key in row)
    assert set(table.fields) == {f"rouge/{f}" for f in metrics[0].fields} | {
        f"extractive/{f}" for f in metrics[2].fields
    }
    # the longer, closer summary of d1 beats the one-word one; each pair is scored on its own
    assert table.rows[0]["rouge/rouge1"] > table.rows[1]["rouge/rouge1"] > 0
    alone = score_documents(metrics[:1], examples[1:2], summaries[1:2])
    assert alone.rows[0]["rouge/rouge1"] == table.rows[1]["rouge/rouge1"]


def test_a_document_without_its_input_gets_none_not_zero():
    metrics = build_metrics({"rouge": {}})
    examples = [EXAMPLES[0], Example("d3", SOURCE)]  # d3 has no reference
    table = score_documents(metrics, examples, [SUMMARIES[0], summary("d3", "- A bridge.")])
    assert table.skipped == {}
    assert table.rows[0]["rouge/rouge1"] > 0 and table.rows[1]["rouge/rouge1"] is None


class Leaky(Metric):
    name = "leaky"
    fields: ClassVar[dict[str, str]] = {"declared": "a declared field"}

    def score(self, examples, summaries):
        return [Scored({"declared": 1.0, "undeclared": 2.0}) for _ in examples]


def test_a_metric_emitting_an_undeclared_field_is_an_error():
    with pytest.raises(PluginError, match=r"leaky emitted undeclared fields \['undeclared'\]"):
        score_documents([Leaky()], EXAMPLES[:1], SUMMARIES[:1])


def test_meta_eval_skips_a_metric_whose_input_no_record_has_as_harness_run_does():
    spec = resolve_spec(["rouge", "facts"])
    scores = score_all(spec, list(EXAMPLES), list(SUMMARIES))
    assert scores.skipped == {"facts": "the dataset has no source facts (pass --facts-field FIELD)"}
    assert set(scores.signatures) == {"rouge"} and all(k.startswith("rouge/") for k in scores.columns)
    with pytest.raises(InputError, match=r"no metric can run on these records \('facts': the dataset has no source"):
        score_all(resolve_spec(["facts"]), list(EXAMPLES), list(SUMMARIES))


def test_harness_run_lists_a_metric_without_its_input_as_skipped_and_scores_the_others(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text(
        "".join(
            json.dumps({"doc_id": e.doc_id, "source": e.source, "reference": e.references[0]}) + "\n" for e in EXAMPLES
        )
    )
    run_cli(
        "run", "model=lead", "dataset=local", f"dataset.path={data}", "metrics=[rouge,facts]", f"results_dir={tmp_path}"
    )
    (folder,) = [p.parent for p in tmp_path.rglob("run.json")]
    metrics = json.loads((folder / "metrics.json").read_text())
    # both ways to get facts: the data's, or a judge's
    assert metrics["skipped"] == {
        "facts": "the dataset has no source facts (set dataset.facts_field; "
        "or let a judge extract them: choose one with judge=NAME (`harness list judges`))"
    }
    assert metrics["fields"]["rouge/rouge1"]["n"] == 2 and not any(k.startswith("facts/") for k in metrics["fields"])
    assert json.loads((folder / "run.json").read_text())["status"] == "done"


def test_meta_eval_lists_the_skipped_metric_in_its_protocol_and_says_so(tmp_path, caplog):
    rows = [
        {
            "doc_id": e.doc_id,
            "system_id": f"s{i}",
            "summary": s.raw,
            "source": e.source,
            "reference": e.references[0],
            "h": i,
        }
        for i, (e, s) in enumerate(zip(EXAMPLES * 2, SUMMARIES * 2))
    ]
    data = tmp_path / "m.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    args = ["--data", str(data), "--human", "h", "--metrics", "rouge", "facts", "--bootstrap", "0", "--out", str(out)]
    with caplog.at_level("WARNING", logger="harness"):
        assert meta_eval_main(args) == 0
    reason = "the dataset has no source facts (pass --facts-field FIELD)"
    assert f"metric facts skipped: {reason}" in caplog.messages
    protocol = json.loads((out / "meta_eval.json").read_text())["protocol"]
    assert protocol["skipped_metrics"] == {"facts": reason} and list(protocol["metric_signatures"]) == ["rouge"]


def test_meta_eval_in_processes_scores_as_in_one():
    spec = resolve_spec(["rouge", "extractive"])
    examples, summaries = [*EXAMPLES, *EXAMPLES], [*SUMMARIES, *SUMMARIES[::-1]]
    one = score_all(spec, examples, summaries, workers=1)
    two = score_all(spec, examples, summaries, workers=2)
    assert one.columns.keys() == two.columns.keys()
    for key in one.columns:
        assert one.columns[key].tolist() == pytest.approx(two.columns[key].tolist(), nan_ok=True, abs=0), key


@pytest.mark.slow
def test_run_and_meta_eval_give_the_same_scores_for_the_same_summaries(tmp_path):
    """The demo's two baselines scored by `harness run`, then their summaries (with the demo's
    sources, references and facts) scored by `harness meta-eval`: every value is equal."""
    run_cli("run", f"results_dir={tmp_path / 'runs'}", cwd=tmp_path)
    demo = {r["id"]: r for r in read_jsonl(Path(__file__).resolve().parents[1] / "harness/resources/demo_news.jsonl")}
    records, run_scores = [], {}
    for folder in sorted(p.parent for p in (tmp_path / "runs").rglob("run.json")):
        system = json.loads((folder / "run.json").read_text())["label"]
        run_scores.update({(system, r["doc_id"]): r for r in read_jsonl(folder / "scores.jsonl")})
        for g in read_jsonl(folder / "generations.jsonl"):
            doc = demo[g["doc_id"]]
            records.append(
                {
                    "doc_id": g["doc_id"],
                    "system_id": system,
                    "summary": g["raw"],
                    "source": doc["source"],
                    "reference": "\n".join(doc["reference"]),
                    "facts": doc["facts"],
                    "human": len(records) % 5,  # any number: only the metric scores are compared
                }
            )
    data = tmp_path / "judged.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records))
    # Not `format`: it also reads what a run records beside the text (the prompt asked for bullets,
    # finish reason), which a meta-eval record does not carry; its inputs differ, not its scoring.
    fields = ["rouge", "support", "facts", "extractive"]
    out = tmp_path / "meta"
    args = ["--data", str(data), "--human", "human", "--facts-field", "facts", "--metrics", *fields]
    assert meta_eval_main([*args, "--bootstrap", "0", "--out", str(out)]) == 0
    meta_rows = read_jsonl(out / "meta_eval_scores.jsonl")
    assert len(meta_rows) == len(run_scores) == 36
    compared = 0
    for row in meta_rows:
        ran = run_scores[row["system_id"], row["doc_id"]]
        keys = {k for k in ran if k.split("/")[0] in fields}
        assert set(row["metrics"]) == keys
        for key in keys:
            assert row["metrics"][key] == ran[key] or (ran[key] is None and row["metrics"][key] is None), key
            compared += ran[key] is not None and not math.isnan(ran[key])
    assert compared > 36 * 20  # ROUGE alone has 12 fields per summary


def test_each_faithfulness_field_records_its_method_and_other_fields_none():
    from harness.metrics.facts import Facts, FactsOptions

    metrics = build_metrics({"rouge": {}, "support": {}})
    table = score_documents(metrics, EXAMPLES, SUMMARIES)
    assert {k: v.get("method") for k, v in table.fields.items() if k.startswith("support/")} == {
        "support/score": "lexical",
        "support/unsupported": "lexical",
    }
    assert not any("method" in v for k, v in table.fields.items() if k.startswith("rouge/"))
    # facts: lexical unless an NLI model is set (the scorer given here, so nothing is loaded)
    assert Facts().field_method("recall") == "lexical"
    assert Facts(FactsOptions(model="some/nli"), scorer=object()).field_method("recall") == "nli"
    from harness.metrics.support_judge import SupportJudge
    from harness.metrics.support_nli import SupportNLI

    assert (SupportNLI.method, SupportJudge.method) == ("nli", "llm-judge")
