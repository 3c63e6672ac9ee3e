"""Findings of a second outside attack on the integrated tree: each input that crashed or was
silently accepted is now a clear refusal (exit 2 naming what is wrong) or handled as documented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli
from openai_server import FakeOpenAI
from test_compare import make_run
from test_openai_backend import KEY, KEY_ENV, backend, requests

from harness.models.openai_compat import OpenAIChat, OpenAICompletions

GOOD = [0.50, 0.62, 0.55, 0.48, 0.70, 0.66, 0.52, 0.58, 0.61, 0.49, 0.57, 0.63]
FAST = ["--no-plots", "--samples", "200"]


@pytest.mark.parametrize("margin", ["nan", "inf", "-1", "-inf"])
def test_a_gate_margin_that_is_not_a_finite_non_negative_number_is_refused(tmp_path, margin):
    base = make_run(tmp_path, "base", GOOD)
    cand = make_run(tmp_path, "cand", GOOD)
    result = run_cli(
        "compare",
        str(base),
        str(cand),
        "--baseline",
        "base",
        "--fail-if-worse",
        f"m/score:{margin}",
        "--out",
        str(tmp_path / "out"),
        *FAST,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "--fail-if-worse" in result.stderr and margin in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["metrics.json", "run.json"])
@pytest.mark.parametrize("content", ["[]", "3", '"text"', "null"])
def test_a_run_file_that_is_not_a_json_object_is_refused_naming_it(tmp_path, name, content):
    base = make_run(tmp_path, "base", GOOD)
    cand = make_run(tmp_path, "cand", GOOD)
    (cand / name).write_text(content)
    for command in ("compare", "report"):
        result = run_cli(command, str(base), str(cand), "--out", str(tmp_path / command), check=False)
        assert result.returncode == 2, (command, result.stderr)
        assert str(cand / name) in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_a_metrics_json_whose_fields_are_not_objects_is_refused_naming_it(tmp_path):
    base = make_run(tmp_path, "base", GOOD)
    cand = make_run(tmp_path, "cand", GOOD)
    (cand / "metrics.json").write_text(json.dumps({"fields": []}))
    result = run_cli("compare", str(base), str(cand), "--out", str(tmp_path / "out"), check=False)
    assert result.returncode == 2, result.stderr
    assert str(cand / "metrics.json") in result.stderr and "fields" in result.stderr, result.stderr


def rouge_run(root: Path, name: str, values: list[float], direction: object) -> Path:
    """A finished run whose field is a real metric's (rouge/rouge1, higher is better by its class),
    with `direction` as its metrics.json claims it."""
    folder = make_run(root, name, values)
    metrics = json.loads((folder / "metrics.json").read_text())
    metrics["fields"] = {"rouge/rouge1": {**metrics["fields"]["m/score"], "higher_is_better": direction}}
    metrics["fields"]["rouge/rouge1"]["signature"] = "rouge|stem:True|harness:0"
    (folder / "metrics.json").write_text(json.dumps(metrics))
    rows = [json.loads(line) for line in (folder / "scores.jsonl").read_text().splitlines()]
    rows = [{"doc_id": r["doc_id"], "rouge/rouge1": r["m/score"]} for r in rows]
    (folder / "scores.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


def test_a_direction_that_contradicts_the_metric_class_is_refused(tmp_path):
    base = rouge_run(tmp_path, "base", GOOD, True)
    cand = rouge_run(tmp_path, "cand", [v - 0.2 for v in GOOD], False)
    result = run_cli("compare", str(base), str(cand), "--out", str(tmp_path / "out"), *FAST, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert str(cand / "metrics.json") in result.stderr and "rouge/rouge1" in result.stderr, result.stderr
    assert "higher_is_better" in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_runs_that_disagree_on_an_unknown_metric_direction_are_refused(tmp_path):
    base = make_run(tmp_path, "base", GOOD, direction=True)
    cand = make_run(tmp_path, "cand", GOOD, direction=False)
    result = run_cli("compare", str(base), str(cand), "--out", str(tmp_path / "out"), *FAST, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "m/score" in result.stderr and "higher_is_better" in result.stderr, result.stderr
    assert str(base / "metrics.json") in result.stderr or str(cand / "metrics.json") in result.stderr


def test_runs_agreeing_with_the_metric_class_compare(tmp_path):
    base = rouge_run(tmp_path, "base", GOOD, True)
    cand = rouge_run(tmp_path, "cand", [v - 0.2 for v in GOOD], True)
    result = run_cli("compare", str(base), str(cand), "--out", str(tmp_path / "out"), *FAST, check=False)
    assert result.returncode == 0, result.stderr
    assert "rouge/rouge1" in result.stdout


@pytest.fixture
def api_key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)


def test_a_deeply_nested_reply_is_retried_then_the_document_counted_failed(api_key):
    with FakeOpenAI() as server:
        server.plan = {"DOC-0": ["deep"], "DOC-1": ["deep"] * 10}
        gens = backend(server, max_retries=2).generate(requests(3))
        attempts = {i: len(server.requests_for(f"DOC-{i} ")) for i in range(3)}
    assert attempts == {0: 2, 1: 3, 2: 1}
    assert gens[0].text and gens[2].text and gens[0].error is None
    assert gens[1].text is None and "malformed JSON" in gens[1].error and "3 attempts" in gens[1].error


@pytest.mark.parametrize(
    "cls, endpoint", [(OpenAIChat, "/v1/chat/completions"), (OpenAICompletions, "/v1/completions")]
)
def test_a_base_url_with_a_query_keeps_it_after_the_endpoint_path(api_key, cls, endpoint):
    with FakeOpenAI() as server:
        gens = backend(server, cls=cls, base_url=server.url + "/?api-version=2024-06-01").generate(requests(1))
        assert [s.path for s in server.seen] == [f"{endpoint}?api-version=2024-06-01"]
    assert gens[0].text and gens[0].error is None


@pytest.mark.parametrize(
    "overrides, named",
    [
        (["shard.count=1000000000"], "shard.count"),
        (["shard.count=2", "shard.index=2"], "shard.index"),
    ],
)
def test_a_shard_out_of_range_is_refused_before_any_work(tmp_path, overrides, named):
    result = run_cli("run", "model=lead", f"results_dir={tmp_path / 'out'}", *overrides, check=False)
    assert result.returncode == 2, result.stderr
    assert named in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert not any((tmp_path / "out").rglob("run.json"))


@pytest.mark.parametrize(
    "metrics, named",
    [
        (["rouge", "rouge=support"], "rouge"),  # the alias takes an existing entry's name
        (["rouge=support", "rouge"], "rouge"),
        (["support=rouge"], "support"),  # the alias is another registered metric's name
        (["format", "format"], "format"),
    ],
)
def test_a_meta_eval_alias_that_collides_with_a_metric_name_is_refused(tmp_path, metrics, named):
    data = tmp_path / "judged.jsonl"
    data.write_text("")
    result = run_cli("meta-eval", "--data", str(data), "--human", "h", "--metrics", *metrics, check=False)
    assert result.returncode == 2, result.stderr
    assert f"'{named}'" in result.stderr and "--metrics" in result.stderr, result.stderr


def test_a_distinct_meta_eval_alias_is_kept():
    from harness.analysis.meta_eval.scoring import resolve_spec

    assert list(resolve_spec(["rouge", "rouge_plain=rouge", "rouge_nostem"])) == [
        "rouge",
        "rouge_plain",
        "rouge_nostem",
    ]


@pytest.mark.parametrize(
    "name, content, said",
    [
        ("blank.jsonl", "\n\n   \n", "no records"),
        ("blank.csv", "\n\n", "no records"),
        ("header_only.csv", "source,summary\n\n", "no records"),
        ("docs.txt", '{"source": "a"}\n', "dataset.format"),
    ],
)
def test_a_local_dataset_without_records_or_format_is_refused_before_any_work(tmp_path, name, content, said):
    data = tmp_path / name
    data.write_text(content)
    out = tmp_path / "out"
    result = run_cli("run", "model=lead", "dataset=local", f"dataset.path={data}", f"results_dir={out}", check=False)
    assert result.returncode == 2, result.stderr
    assert str(data) in result.stderr and said in result.stderr, result.stderr
    assert not any(out.rglob("run.json"))
