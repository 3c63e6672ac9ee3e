"""harness.api end to end: the demo experiment run in this process (twice, as a notebook would),
its results against the files the run wrote and against what the commands print; errors as
HarnessError subclasses, never SystemExit."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest
from conftest import run_cli
from isolated import in_fresh_process
from run_files import rows, write_run

from harness import api
from harness.analysis.check import check as library_check
from harness.errors import ConfigError, InputError, RunFailed

BOOM = """
from harness.metrics.base import Metric


class Boom(Metric):
    name = "boom"
    fields = {"v": "a value"}

    def score(self, examples, summaries):
        raise RuntimeError("boom on purpose")
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> api.RunResult:
    tmp = tmp_path_factory.mktemp("api_demo")
    return api.run([f"results_dir={tmp}"])


@pytest.mark.slow
@in_fresh_process
def test_the_demo_runs_in_process_and_its_aggregates_are_the_files(demo):
    assert [r.label for r in demo] == ["lead", "centrality"] and all(r.status == "done" for r in demo)
    assert demo.root is not None and all(r.folder.parent == demo.root for r in demo)
    for run in demo:
        fields = json.loads((run.folder / "metrics.json").read_text())["fields"]
        assert set(run.fields) == set(fields)
        for key, meta in fields.items():
            summary = run.fields[key]
            assert (summary.mean, summary.n, summary.missing) == (meta["mean"], meta["n"], meta["missing"])
            assert summary.ci95 == tuple(meta["ci95"]) and summary.higher_is_better == meta["higher_is_better"]
        scores = rows(run.folder / "scores.jsonl")
        assert list(run.documents()) == [r["doc_id"] for r in scores]
        assert run.documents()[scores[0]["doc_id"]]["rouge/rougeLsum"] == scores[0]["rouge/rougeLsum"]


@pytest.mark.slow
@in_fresh_process
def test_compare_gives_the_table_harness_compare_prints(demo, tmp_path):
    comparison = api.compare(demo.folders, fields=["rouge/rougeLsum", "facts/recall"], baseline="lead")
    proc = run_cli("compare", *map(str, demo.folders), "--fields", "rouge/rougeLsum", "facts/recall",
                   "--baseline", "lead", "--out", str(tmp_path))  # fmt: skip
    assert comparison.table.strip() in proc.stdout
    assert comparison.labels == ["lead", "centrality"] and comparison.documents == 18
    for key in ("rouge/rougeLsum", "facts/recall"):
        for run in demo:
            assert comparison.cell(run.label, key).mean == pytest.approx(run.fields[key].mean)
    assert comparison.best("facts/recall") == ["lead"] and comparison.cell("centrality", "facts/recall").mark == "worse"
    assert comparison.files == [] and comparison.passed  # nothing written without out; no gate


@pytest.mark.slow
@in_fresh_process
def test_a_failed_gate_is_a_verdict_and_out_writes_the_files(demo, tmp_path):
    gated = api.compare(demo.folders, baseline="lead", fail_if_worse=["facts/recall"], out=tmp_path, plots=False)
    assert not gated.passed and [g["run"] for g in gated.gate if g["failed"]] == ["centrality"]
    assert sorted(p.name for p in gated.files) == sorted(
        ["comparison.md", "comparison.csv", "comparison_tests.csv", "comparison.tex", "comparison.json"]
    )


@pytest.mark.slow
@in_fresh_process
def test_check_and_score_through_the_api(demo):
    centrality = demo["centrality"]
    result = api.check(centrality.folder, "facts/recall>=0.5")
    documents = centrality.documents()
    assert result.failing_documents == [d for d, row in documents.items() if row["facts/recall"] < 0.5]
    assert result == library_check(centrality.folder, ["facts/recall>=0.5"])
    handlers = logging.getLogger().handlers[:]
    rescored = api.score(demo["lead"].folder, ["format"])
    assert logging.getLogger().handlers == handlers  # the run's run.log no longer receives the caller's lines
    assert rescored.run.folder == demo["lead"].folder and rescored.run.mean("format/compliant") == 1.0
    assert "rouge/rougeLsum" in rescored.run.fields  # the other metrics' scores are kept


@pytest.mark.slow
@in_fresh_process
def test_runs_follow_one_another_in_one_process_and_leave_it_as_it_was(tmp_path):
    argv, handlers = sys.argv[:], logging.getLogger().handlers[:]
    first = api.run(["model=lead", "metrics=[format]", f"results_dir={tmp_path}"])
    second = api.run(f"model=centrality metrics=[format] results_dir={tmp_path}")  # a string, split as a shell would
    assert first.run.label == "lead" and second.run.label == "centrality"
    assert first.run.folder != second.run.folder
    assert sys.argv == argv and logging.getLogger().handlers == handlers
    assert "run centrality" in (second.run.folder / "run.log").read_text()
    assert "run centrality" not in (first.run.folder / "run.log").read_text()
    assert [r.label for r in api.load(tmp_path)] == ["lead", "centrality"]  # timestamp folders in order


def test_a_refused_config_raises_config_error_and_writes_nothing(tmp_path):
    with pytest.raises(ConfigError, match="unknown model 'nosuch'"):
        api.run(["model=nosuch", f"results_dir={tmp_path / 'r'}"])
    with pytest.raises(ConfigError, match="dataset.limit: expected int"):
        api.run(["model=lead", "dataset.limit=abc", f"results_dir={tmp_path / 'r'}"])
    assert not (tmp_path / "r").exists()


def test_an_error_message_keeps_no_secret(tmp_path, capsys):
    """As the command line prints it: a URL's password is redacted in the raised message."""
    path = f"{tmp_path}/https://user:hunter22secret@example.invalid/docs.jsonl"
    with pytest.raises(ConfigError, match="file not found") as e:
        api.run(["model=lead", "dataset=local", f"dataset.path={path}", f"results_dir={tmp_path / 'r'}"])
    assert "hunter22secret" not in str(e.value) and "REDACTED" in str(e.value)
    captured = capsys.readouterr()
    assert "hunter22secret" not in captured.out + captured.err


@pytest.mark.slow
@in_fresh_process
def test_a_failed_run_raises_run_failed_or_is_returned(tmp_path, monkeypatch):
    (tmp_path / "apiboom.py").write_text(BOOM)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "conf" / "metrics").mkdir(parents=True)
    (tmp_path / "conf" / "metrics" / "boom.yaml").write_text("boom:\n  _target_: apiboom.Boom\n")
    overrides = ["model=lead", "metrics=[boom]", "dataset.limit=2", f"results_dir={tmp_path / 'r'}"]
    with pytest.raises(RunFailed, match="1 run\\(s\\) failed"):
        api.run(overrides, config_dir=tmp_path / "conf")
    result = api.run(overrides, config_dir=tmp_path / "conf", raise_on_failure=False)
    assert result.run.status == "failed" and "boom on purpose" in result.run.error and not result.run.ok
    assert result.failed == [result.run]
    with pytest.raises(InputError, match="not a finished run"):
        result.run.documents()


def test_results_of_hand_made_runs(tmp_path):
    write_run(tmp_path / "sweep" / "0_a", "a", {"d1": {"support/score": 0.5}, "d2": {"support/score": None}})
    write_run(tmp_path / "sweep" / "1_b", "b", {"d1": {"support/score": 1.0}, "d2": {"support/score": 1.0}})
    loaded = api.load(tmp_path / "sweep")
    assert [r.label for r in loaded] == ["a", "b"] and loaded["a"].fields["support/score"].missing == 1
    with pytest.raises(KeyError, match="Did you mean 'a'"):
        loaded["aa"]
    with pytest.raises(ConfigError, match="2 runs, not one"):
        _ = loaded.run
    with pytest.raises(ConfigError, match="Did you mean 'support/score'"):
        loaded["a"].mean("support/scor")
    assert loaded["a"].documents()["d2"]["support/score"] is None
    with pytest.raises(InputError, match="not a folder"):
        api.load(tmp_path / "missing")


@pytest.mark.parametrize(
    "option, message",
    [
        ({"samples": 0}, "--samples"),
        ({"alpha": 1.0}, "--alpha must be between 0 and 1"),
        ({"family": "each"}, "'metric' or 'all'"),
    ],
)
def test_compare_settings_out_of_range_are_config_errors_as_in_the_command(tmp_path, option, message):
    write_run(tmp_path / "sweep" / "0_a", "a", {"d1": {"m/score": 0.5}})
    with pytest.raises(ConfigError, match=message):
        api.compare(tmp_path / "sweep", **option)
    if "family" not in option:  # the command refuses --family by its choices
        flag, value = next(iter(option.items()))
        proc = run_cli("compare", str(tmp_path / "sweep"), f"--{flag}", str(value), check=False)
        assert proc.returncode == 2 and message in proc.stderr


# ---- meta-eval -------------------------------------------------------------------------------

REFERENCE = "the cat sat on the mat ."
SUMMARIES = {"s1": "the cat sat on the mat . it was happy .", "s2": "the cat sat on a rug .", "s3": "a dog ran away ."}


def judged(path: Path) -> str:
    with open(path, "w") as f:
        for d in range(4):
            for rank, (system, text) in enumerate(SUMMARIES.items()):
                record = {"doc_id": f"doc{d}", "system_id": system, "summary": text, "reference": REFERENCE,
                          "scores": {"quality": 3 - rank + 0.1 * d}}  # fmt: skip
                f.write(json.dumps(record) + "\n")
    return str(path)


def test_meta_eval_gives_what_the_command_writes(tmp_path):
    from harness.cli.meta_eval import main

    data = judged(tmp_path / "judged.jsonl")
    options = [
        "--metrics",
        "rouge",
        "--fields",
        "rouge/rouge1",
        "rouge/rouge2",
        "--compare",
        "rouge/rouge1",
        "rouge/rouge2",
    ]
    assert (
        main(
            ["--data", data, "--human", "scores.quality", *options, "--bootstrap", "30", "--out", str(tmp_path / "cli")]
        )
        == 0
    )
    result = api.meta_eval(data, "scores.quality", ["rouge"], fields=["rouge/rouge1", "rouge/rouge2"],
                           compare=[("rouge/rouge1", "rouge/rouge2")], bootstrap=30)  # fmt: skip
    assert result.payload == json.loads((tmp_path / "cli" / "meta_eval.json").read_text())
    assert result.files == []
    value, ci = result.correlation("rouge/rouge1", "scores.quality", "summary", "kendall")
    assert value == pytest.approx(1.0)  # each document's three summaries ordered as the humans order them
    written = api.meta_eval(data, "scores.quality", bootstrap=0, out=tmp_path / "api")
    assert [p.name for p in written.files] == ["meta_eval.json", "meta_eval.md", "meta_eval_scores.jsonl"]


def test_meta_eval_option_errors_are_config_errors(tmp_path):
    data = judged(tmp_path / "judged.jsonl")
    with pytest.raises(ConfigError, match="invalid choice: 'nowhere'"):
        api.meta_eval(data, "scores.quality", against="nowhere")
    with pytest.raises(ConfigError, match="--bootstrap"):
        api.meta_eval(data, "scores.quality", bootstrap=-1)
    with pytest.raises(ConfigError, match="no kendall for field 'rouge/nosuch'"):
        api.meta_eval(data, "scores.quality", fields=["rouge/rouge1"], bootstrap=0).correlation(
            "rouge/nosuch", "scores.quality"
        )


@pytest.mark.slow
@in_fresh_process
def test_the_callers_log_handlers_stay_open(tmp_path):
    """Hydra reconfigures logging in the caller's process (dictConfig closes every handler): a
    handler the caller had (a test runner's capture, a notebook's) must not be closed by a run."""
    import io
    import logging

    class Capture(logging.StreamHandler):  # as pytest's log capture: its stream dies with close()
        def close(self) -> None:
            self.stream.close()
            super().close()

    handler = Capture(io.StringIO())
    mine = logging.getLogger("a.callers.logger")
    mine.addHandler(handler)
    try:
        api.run(["model=lead", "metrics=[format]", f"results_dir={tmp_path / 'r'}"])
        mine.warning("still here")
        assert "still here" in handler.stream.getvalue()
    finally:
        mine.removeHandler(handler)
