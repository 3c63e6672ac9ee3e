"""End-to-end runs of the CLI as a user types them: default experiment, sweeps, precomputed
outputs, a model added by YAML alone, bad input, typos, and re-scoring."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import run_cli, shared_file


def run_dirs(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob("run.json"))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.slow
def test_default_experiment_compares_two_baselines_on_the_demo_set(tmp_path):
    proc = run_cli("run", f"results_dir={tmp_path}", cwd=tmp_path)
    runs = run_dirs(tmp_path)
    assert [json.loads((d / "run.json").read_text())["label"] for d in runs] == ["lead", "centrality"]
    for d in runs:
        for name in ("config.yaml", "run.json", "generations.jsonl", "scores.jsonl", "metrics.json", "run.log"):
            assert (d / name).is_file(), f"{d / name} missing"
        info = json.loads((d / "run.json").read_text())
        assert (
            info["status"] == "done" and info["dataset"]["examples"] >= 15 and len(info["dataset"]["fingerprint"]) == 16
        )
        metrics = json.loads((d / "metrics.json").read_text())["fields"]
        assert (
            0 < metrics["rouge/rougeLsum"]["mean"] < 1
            and metrics["rouge/rougeLsum"]["n"] == info["dataset"]["examples"]
        )
        lo, hi = metrics["rouge/rouge1"]["ci95"]
        assert lo <= metrics["rouge/rouge1"]["mean"] <= hi
        generations = read_jsonl(d / "generations.jsonl")
        assert all(len(g["bullets"]) == 3 for g in generations)  # lead-3 / top-3 sentences as bullets
    sweep = runs[0].parent
    table = (sweep / "comparison.md").read_text()
    assert "| lead |" in table and "| centrality |" in table and "rouge/rougeLsum" in table
    assert "| lead |" in proc.stdout
    with open(sweep / "comparison.csv") as f:
        assert [row["model"] for row in csv.DictReader(f)] == ["lead", "centrality"]


def assert_rouge_equals_rouge_score(run: Path, references: dict[str, list[str]]) -> int:
    """Every ROUGE number in the run equals rouge-score's on the same texts; returns rows checked."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=True)
    generations = {g["doc_id"]: g for g in read_jsonl(run / "generations.jsonl")}
    scores = read_jsonl(run / "scores.jsonl")
    for row in scores:
        expected = scorer.score_multi(references[row["doc_id"]], "\n".join(generations[row["doc_id"]]["bullets"]))
        for t in ("rouge1", "rouge2", "rougeL", "rougeLsum"):
            assert row[f"rouge/{t}"] == expected[t].fmeasure
            assert row[f"rouge/{t}_precision"] == expected[t].precision
            assert row[f"rouge/{t}_recall"] == expected[t].recall
    return len(scores)


def test_precomputed_summeval_system_scores_equal_rouge_score(tmp_path):
    docs = shared_file("summeval/summeval_docs.jsonl")
    outputs = shared_file("summeval/summeval.jsonl")
    run_cli(
        "run",
        f"results_dir={tmp_path}",
        "dataset=local",
        f"dataset.path={docs}",
        "dataset.reference_field=references",
        "model=precomputed",
        f"model.path={outputs}",
        "model.system=M5",
        "metrics=[rouge]",
    )
    (run,) = run_dirs(tmp_path)
    assert json.loads((run / "run.json").read_text())["label"] == "M5"
    references = {r["doc_id"]: r["references"] for r in read_jsonl(docs)}
    assert assert_rouge_equals_rouge_score(run, references) == 100


@pytest.mark.slow
def test_sweep_over_all_16_systems_gives_one_folder_and_row_each_with_exact_rouge(tmp_path):
    docs = shared_file("summeval/summeval_docs.jsonl")
    outputs = shared_file("summeval/summeval.jsonl")
    systems = sorted({r["system_id"] for r in read_jsonl(outputs)})
    run_cli(
        "run",
        "-m",
        f"results_dir={tmp_path}",
        "dataset=local",
        f"dataset.path={docs}",
        "dataset.reference_field=references",
        "dataset.limit=12",
        "model=precomputed",
        f"model.path={outputs}",
        f"model.system={','.join(systems)}",
        "metrics=[rouge]",
    )
    runs = run_dirs(tmp_path)
    assert len(runs) == len(systems) == 16
    assert sorted(json.loads((r / "run.json").read_text())["label"] for r in runs) == systems
    references = {r["doc_id"]: r["references"] for r in read_jsonl(docs)}
    assert all(assert_rouge_equals_rouge_score(run, references) == 12 for run in runs)
    (table,) = list(tmp_path.rglob("comparison.csv"))
    with open(table) as f:
        assert sorted(row["model"] for row in csv.DictReader(f)) == systems


def test_a_model_added_by_yaml_alone_runs(tmp_path):
    user_conf = tmp_path / "my_conf"
    (user_conf / "model").mkdir(parents=True)
    (user_conf / "model" / "lead2-wide.yaml").write_text(
        "backend: centrality\ndamping: 0.5\nmin_words: 2\nlabel: my-centrality\n"
    )
    run_cli(
        "run", "--config-dir", str(user_conf), "model=lead2-wide", f"results_dir={tmp_path / 'out'}", "dataset.limit=4"
    )
    (run,) = run_dirs(tmp_path / "out")
    info = json.loads((run / "run.json").read_text())
    assert info["label"] == "my-centrality" and info["backend"] == "centrality" and info["dataset"]["examples"] == 4


def test_unknown_model_fails_at_start_up_with_suggestion(tmp_path):
    proc = run_cli("run", "model=centraliti", f"results_dir={tmp_path}", check=False)
    assert proc.returncode == 2
    assert (
        "unknown model 'centraliti'" in proc.stderr
        and "Did you mean 'centrality'?" in proc.stderr
        and "lead" in proc.stderr
    )
    assert not list(tmp_path.rglob("run.json"))


def test_typo_in_model_key_fails_before_work(tmp_path):
    user_conf = tmp_path / "c"
    (user_conf / "model").mkdir(parents=True)
    (user_conf / "model" / "typo.yaml").write_text("backend: centrality\ndampng: 0.5\n")
    proc = run_cli("run", "--config-dir", str(user_conf), "model=typo", f"results_dir={tmp_path}", check=False)
    assert proc.returncode == 2
    assert "unknown key 'dampng'" in proc.stderr and "Did you mean 'damping'?" in proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["c"]  # refused at start-up: no run folder left behind


@pytest.mark.slow
def test_bad_records_are_counted_and_strict_makes_them_errors(tmp_path):
    data = tmp_path / "d.jsonl"
    good = [
        {
            "doc_id": f"d{i}",
            "source": f"Story {i} begins here. It has a second sentence. And a third one.",
            "reference": "A story.",
        }
        for i in range(3)
    ]
    lines = [json.dumps(r) for r in good] + [
        '{"doc_id": "broken"',
        json.dumps({"doc_id": "e", "source": "", "reference": "x"}),
    ]
    data.write_text("\n".join(lines) + "\n")
    run_cli("run", "model=lead", "dataset=local", f"dataset.path={data}", f"results_dir={tmp_path / 'a'}")
    (run,) = run_dirs(tmp_path / "a")
    info = json.loads((run / "run.json").read_text())
    assert info["dataset"]["examples"] == 3 and info["skipped"]["count"] == 2
    assert any(":4:" in m and "malformed JSON" in m for m in info["skipped"]["records"])
    proc = run_cli(
        "run",
        "model=lead",
        "dataset=local",
        f"dataset.path={data}",
        "strict=true",
        f"results_dir={tmp_path / 'b'}",
        check=False,
    )
    assert proc.returncode != 0 and f"{data}:4" in proc.stderr


@pytest.mark.slow
def test_score_adds_metrics_to_a_finished_run_and_keeps_the_others(tmp_path):
    run_cli("run", "model=lead", "metrics=[format,extractive]", "dataset.limit=5", f"results_dir={tmp_path}")
    (run,) = run_dirs(tmp_path)
    before_row = read_jsonl(run / "scores.jsonl")[0]
    assert "rouge/rouge1" not in before_row
    before = (run / "generations.jsonl").read_text()
    run_cli("score", str(run), "--metrics", "rouge", "format")
    row = read_jsonl(run / "scores.jsonl")[0]
    assert "rouge/rouge1" in row and row["format/compliant"] == before_row["format/compliant"]
    assert row["extractive/density"] == before_row["extractive/density"]  # not re-scored, kept
    fields = json.loads((run / "metrics.json").read_text())["fields"]
    assert {"rouge/rouge1", "format/compliant", "extractive/density"} <= set(fields)
    assert (run / "generations.jsonl").read_text() == before
    assert json.loads((run / "run.json").read_text())["rescored_metrics"] == ["format", "rouge"]


def test_a_run_with_no_summary_at_all_fails(tmp_path):
    outputs = tmp_path / "outputs.jsonl"
    outputs.write_text(json.dumps({"doc_id": "not-in-the-dataset", "summary": "Something."}) + "\n")
    proc = run_cli(
        "run",
        "model=precomputed",
        f"model.path={outputs}",
        "dataset.limit=2",
        f"results_dir={tmp_path / 'r'}",
        check=False,
    )
    assert proc.returncode != 0 and "nothing to score: all 2 generations failed" in proc.stderr
    (run,) = run_dirs(tmp_path / "r")
    assert json.loads((run / "run.json").read_text())["status"] == "failed"


@pytest.mark.slow
def test_compare_command_reads_run_folders(tmp_path):
    for model in ("lead", "centrality"):
        run_cli("run", f"model={model}", "dataset.limit=6", f"results_dir={tmp_path}")
    proc = run_cli("compare", *map(str, run_dirs(tmp_path)), "--out", str(tmp_path / "cmp"), "--fields", "rouge/rouge1")
    assert "| lead |" in proc.stdout and "| centrality |" in proc.stdout
    assert (tmp_path / "cmp" / "comparison.csv").is_file()


@pytest.mark.parametrize(
    "override, expected",
    [
        ("dataset.limt=3", "Did you mean 'limit'?"),
        ("metrics=[rogue]", "unknown metrics 'rogue'"),
        ("metrics.rouge.use_stemer=false", "Did you mean 'use_stemmer'?"),
        ("resutls_dir=x", "Did you mean 'results_dir'?"),
        ("modle=lead", "Did you mean 'model'?"),
    ],
)
def test_override_typos_fail_before_hydra_writes_anything(tmp_path, override, expected):
    proc = run_cli("run", override, f"results_dir={tmp_path}", check=False)
    assert proc.returncode == 2 and expected in proc.stderr
    assert not any(tmp_path.iterdir())


def test_an_inline_secret_is_neither_echoed_nor_written(tmp_path):
    proc = run_cli(
        "run", "model=gpt-4o-mini", "+model.api_key=sk-INLINE-SECRET", f"results_dir={tmp_path}", check=False
    )
    assert proc.returncode == 2 and "model.api_key: looks like a credential" in proc.stderr
    assert "'api_key_env'" in proc.stderr  # where the variable's name goes
    assert "sk-INLINE-SECRET" not in proc.stderr + proc.stdout and not any(tmp_path.iterdir())
