"""Score files that lie: a hand-edited or damaged scores.jsonl (a value out of its field's declared
range, Infinity, a deleted or duplicated line, a document the run never generated) is refused by
the one reader every command goes through (compare, report, merge), naming file, line and field."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import run_cli
from test_compare import make_run

from harness.analysis.runs import load_run, scan
from harness.errors import ConfigError, InputError
from harness.metrics.base import Metric, Scored, check_metric_class
from harness.registry import METRICS
from harness.run.scores import read_scores

VALUES = [0.50, 0.62, 0.55, 0.48, 0.70, 0.66]


def ranged_run(root: Path, name: str = "run", values: list[float | None] | None = None) -> Path:
    """A finished run whose field m/score declares the range [0, 1], as a metric with a range writes it."""
    folder = make_run(root, name, values or VALUES)
    metrics = json.loads((folder / "metrics.json").read_text())
    metrics["fields"]["m/score"]["range"] = [0, 1]
    for meta in metrics["fields"].values():
        meta["missing"] = len(values or VALUES) - meta["n"]
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


def edit_line(path: Path, number: int, text: str | None) -> None:
    """Line `number` (1-based) replaced by `text`, or deleted when None."""
    lines = path.read_text().splitlines(keepends=True)
    if text is None:
        del lines[number - 1]
    else:
        lines[number - 1] = text + "\n"
    path.write_text("".join(lines))


def refused(folder: Path) -> str:
    with pytest.raises(InputError) as error:
        load_run(folder)
    return str(error.value)


@pytest.mark.parametrize("value", ["1.5", "-0.25", "Infinity", "-Infinity", "1e999"])
def test_a_value_out_of_its_fields_range_or_infinite_names_file_line_and_field(tmp_path, value):
    run = ranged_run(tmp_path)
    scores = run / "scores.jsonl"
    edit_line(scores, 3, f'{{"doc_id": "d2", "m/score": {value}, "m/count": 1.0}}')
    message = refused(run)
    assert f"{scores}:3" in message and "'m/score'" in message, message


def test_an_infinite_value_is_refused_in_a_field_without_a_range(tmp_path):
    run = ranged_run(tmp_path)
    scores = run / "scores.jsonl"
    edit_line(scores, 2, '{"doc_id": "d1", "m/score": 0.5, "m/count": Infinity}')
    message = refused(run)
    assert f"{scores}:2" in message and "'m/count'" in message and "finite" in message, message


def test_values_inside_the_range_and_nan_not_computable_are_read(tmp_path):
    run = ranged_run(tmp_path, values=[0.0, 1.0, 0.5, 0.25, 0.75, 0.5])
    scores = run / "scores.jsonl"
    edit_line(scores, 3, '{"doc_id": "d2", "m/score": NaN, "m/count": 1.0}')
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["fields"]["m/score"].update(n=5, missing=1, mean=(0.0 + 1.0 + 0.25 + 0.75 + 0.5) / 5)
    (run / "metrics.json").write_text(json.dumps(metrics))
    loaded = load_run(run)
    assert [loaded.scores[d]["m/score"] for d in ("d0", "d1")] == [0.0, 1.0]
    assert math.isnan(loaded.scores["d2"]["m/score"])


def test_a_deleted_line_is_named_even_when_its_values_were_null(tmp_path):
    run = ranged_run(tmp_path, values=[0.5, None, 0.6, 0.4, 0.5, 0.7])
    edit_line(run / "scores.jsonl", 2, None)  # d1: every value it had for m/score was null
    message = refused(run)
    assert str(run / "scores.jsonl") in message and "d1" in message, message
    assert f"{run / 'generations.jsonl'}:2" in message, message


def test_a_deleted_line_with_values_names_the_missing_document(tmp_path):
    run = ranged_run(tmp_path)
    edit_line(run / "scores.jsonl", 4, None)
    message = refused(run)
    assert str(run / "scores.jsonl") in message and "d3" in message and "'m/score'" in message, message


def test_a_duplicated_line_is_named(tmp_path):
    run = ranged_run(tmp_path)
    scores = run / "scores.jsonl"
    scores.write_text(scores.read_text() + scores.read_text().splitlines(keepends=True)[1])
    message = refused(run)
    assert f"{scores}:7" in message and "d1" in message and "line 2" in message, message


def test_a_document_not_in_generations_is_named(tmp_path):
    run = ranged_run(tmp_path)
    scores = run / "scores.jsonl"
    edit_line(scores, 5, '{"doc_id": "intruder", "m/score": 0.5, "m/count": 1.0}')
    message = refused(run)
    assert f"{scores}:5" in message and "'doc_id'" in message and "intruder" in message, message
    assert "generations.jsonl" in message, message


def test_a_value_added_where_metrics_json_counted_none_is_named(tmp_path):
    run = ranged_run(tmp_path, values=[0.5, None, 0.6, 0.4, 0.5, 0.7])
    edit_line(run / "scores.jsonl", 2, '{"doc_id": "d1", "m/score": 0.99, "m/count": 1.0}')
    message = refused(run)
    assert str(run / "scores.jsonl") in message and "'m/score'" in message and "5" in message, message


@pytest.mark.parametrize("value", ["0.99", "0", "1"])
def test_a_value_edited_inside_its_range_is_caught_by_the_mean_metrics_json_recorded(tmp_path, value):
    run = ranged_run(tmp_path)
    edit_line(run / "scores.jsonl", 2, f'{{"doc_id": "d1", "m/score": {value}, "m/count": 1.0}}')
    message = refused(run)
    assert str(run / "scores.jsonl") in message and "'m/score'" in message and "metrics.json" in message, message


def test_the_reader_is_the_one_compare_uses(tmp_path):
    run = ranged_run(tmp_path)
    fields = json.loads((run / "metrics.json").read_text())["fields"]
    rows = read_scores(run / "scores.jsonl", fields, run / "generations.jsonl")
    assert list(rows) == [f"d{i}" for i in range(len(VALUES))]
    assert [rows[d]["m/score"] for d in rows] == VALUES


def test_compare_exits_2_on_a_value_out_of_range(tmp_path):
    base = ranged_run(tmp_path, "base")
    cand = ranged_run(tmp_path, "cand")
    edit_line(cand / "scores.jsonl", 2, '{"doc_id": "d1", "m/score": 7, "m/count": 1.0}')
    proc = run_cli("compare", str(base), str(cand), "--no-plots", "--samples", "200", check=False)
    assert proc.returncode == 2, proc.stderr
    assert f"{cand / 'scores.jsonl'}:2" in proc.stderr and "'m/score'" in proc.stderr and "[0, 1]" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_scan_refuses_a_sweep_with_one_damaged_run(tmp_path):
    ranged_run(tmp_path / "sweep", "0_a")
    damaged = ranged_run(tmp_path / "sweep", "1_b")
    edit_line(damaged / "scores.jsonl", 1, None)
    with pytest.raises(InputError, match="d0"):
        scan([tmp_path / "sweep"])


# ---- ranges are declared by the metrics ----


def test_built_in_metrics_declare_ranges_where_their_fields_have_them():
    rouge = METRICS.get("rouge")
    assert all(rouge.ranges[f] == (0.0, 1.0) for f in rouge.fields)
    fmt = METRICS.get("format")
    assert fmt.ranges["compliant"] == (0.0, 1.0) and fmt.ranges["bullets"] == (0.0, None)
    assert METRICS.get("support").ranges["score"] == (0.0, 1.0)
    assert "density" not in METRICS.get("extractive").ranges or METRICS.get("extractive").ranges["density"] == (
        0.0,
        None,
    )


def test_a_run_records_each_fields_range_in_metrics_json():
    from harness.metrics.scoring import score_documents
    from harness.records import Example, Summary

    metric = METRICS.get("rouge")()
    table = score_documents(
        [metric], [Example("a", "The cat sat.", ("The cat sat.",))], [Summary("a", "- The cat sat.", ("The cat sat.",))]
    )
    assert table.fields["rouge/rouge1"]["range"] == [0.0, 1.0]


class _Ranged(Metric):
    name = "ranged"
    fields = {"share": "a share"}

    def score(self, examples, summaries):
        return [Scored({"share": 0.5}) for _ in summaries]


@pytest.mark.parametrize(
    "ranges, needle",
    [
        ({"other": (0, 1)}, "other"),
        ({"share": (1, 0)}, "share"),
        ({"share": ("a", 1)}, "share"),
        ({"share": (0,)}, "share"),
    ],
)
def test_a_metric_declaring_a_bad_range_breaks_the_contract(ranges, needle):
    cls = type("Bad", (_Ranged,), {"ranges": ranges})
    with pytest.raises(ConfigError, match="ranges") as error:
        check_metric_class(cls, "metrics.bad")
    assert needle in str(error.value)


# ---- merge reads each shard's scores through the same reader ----


@pytest.fixture(scope="module")
def two_shards(tmp_path_factory) -> Path:
    """Both shards of a 2-shard run of `lead` on 6 demo documents, finished and not merged."""
    root = tmp_path_factory.mktemp("shards")
    for index in (0, 1):
        run_cli(
            "run",
            f"results_dir={root}",
            "model=lead",
            "dataset.limit=6",
            "metrics=[rouge,format]",
            "bootstrap_samples=200",
            "shard.count=2",
            f"shard.index={index}",
        )
    return root


def shard_copy(two_shards: Path, tmp_path: Path) -> tuple[Path, list[Path]]:
    import shutil

    root = tmp_path / "results"
    shutil.copytree(two_shards, root)
    return root, sorted(p.parent for p in root.rglob("shard.json"))


def merged_folders(root: Path) -> list[Path]:
    return [p for p in root.rglob("merged*") if p.is_dir()]


@pytest.mark.slow
def test_merge_refuses_a_shard_with_a_deleted_score_line_and_writes_nothing(two_shards, tmp_path):
    root, (first, _) = shard_copy(two_shards, tmp_path)
    scores = first / "scores.jsonl"
    deleted = json.loads(scores.read_text().splitlines()[1])["doc_id"]
    metrics_before = (first / "metrics.json").read_bytes()
    edit_line(scores, 2, None)
    proc = run_cli("merge", str(root), check=False)
    assert proc.returncode == 2, proc.stderr
    assert str(scores) in proc.stderr and repr(deleted) in proc.stderr and "Traceback" not in proc.stderr
    assert merged_folders(root) == [], "a refused merge wrote a folder"
    assert (first / "metrics.json").read_bytes() == metrics_before


@pytest.mark.slow
def test_merge_refuses_a_shard_with_a_value_out_of_range(two_shards, tmp_path):
    root, (_, second) = shard_copy(two_shards, tmp_path)
    scores = second / "scores.jsonl"
    row = json.loads(scores.read_text().splitlines()[0])
    edit_line(scores, 1, json.dumps({**row, "rouge/rouge1": 1.7}))
    proc = run_cli("merge", str(root), check=False)
    assert proc.returncode == 2, proc.stderr
    assert f"{scores}:1" in proc.stderr and "'rouge/rouge1'" in proc.stderr and "[0, 1]" in proc.stderr
    assert merged_folders(root) == []


@pytest.mark.slow
def test_merge_of_intact_shards_still_works_and_keeps_the_ranges(two_shards, tmp_path):
    root, _ = shard_copy(two_shards, tmp_path)
    run_cli("merge", str(root))
    (merged,) = [p.parent for p in root.rglob("metrics.json") if "merged" in p.parts]
    fields = json.loads((merged / "metrics.json").read_text())["fields"]
    assert fields["rouge/rouge1"]["range"] == [0.0, 1.0] and fields["format/bullets"]["range"] == [0.0, None]
    assert len(read_scores(merged / "scores.jsonl", fields, merged / "generations.jsonl")) == 6
