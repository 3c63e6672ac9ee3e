"""Sharded runs (`shard.count=N shard.index=i`) and `harness merge`, through the CLI on real files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from openai_server import FakeOpenAI
from tiny_models import (
    kill,
    one_at_a_time_chat,
    run_harness,
    run_whole_and_in_shards,
    start_harness,
    user_model_run_args,
    wait_while_running,
    write_docs,
)

OFFLINE = ["metrics=[rouge,format,extractive]", "bootstrap_samples=200"]
MERGED_FILES = ("generations.jsonl", "scores.jsonl", "metrics.json")


def jobs(root: Path, model: str) -> list[Path]:
    return sorted(p.parent for p in root.rglob("run.json") if p.parent.name.endswith(model) and "merged" not in p.parts)


def doc_ids(folder: Path, name: str = "generations.jsonl") -> list[str]:
    return [json.loads(line)["doc_id"] for line in (folder / name).read_text().splitlines()]


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    """The demo set for two models, unsharded and as a 4-shard sweep, then merged."""
    tmp = tmp_path_factory.mktemp("shards")
    run_whole_and_in_shards(tmp, "lead,centrality", 4, OFFLINE)
    (sweep_dir,) = {p.parent for p in (tmp / "parts").rglob("multirun.yaml")}
    assert sorted(p.name for p in (sweep_dir / "merged").iterdir() if p.is_dir() and not p.name.endswith("plots")) == [
        "centrality",
        "lead",
    ]
    merged = run_harness("merge", str(tmp / "parts"))  # docs/scaling.md's command after a sweep that merged itself
    assert merged.returncode == 0, merged.stderr[-3000:]
    assert merged.stdout.count("already merged: 4 shards (18 documents) in ") == 2, merged.stdout
    assert not (tmp / "parts" / "merged").exists()  # idempotent: nothing written a second time
    return tmp


@pytest.mark.slow
def test_four_shards_merged_equal_the_unsharded_run_byte_for_byte(sharded):
    for model in ("lead", "centrality"):
        (whole,) = jobs(sharded / "whole", model)
        shards = jobs(sharded / "parts", model)
        assert len(shards) == 4
        sizes = [len(doc_ids(s)) for s in shards]
        assert sorted(sizes) == [4, 4, 5, 5] and sum(sizes) == len(doc_ids(whole)) == 18  # the share, not all documents
        (merged,) = (sharded / "parts").glob(f"*/*/merged/{model}")  # at the end of the sweep
        for name in MERGED_FILES:
            assert (merged / name).read_bytes() == (whole / name).read_bytes(), (
                f"{model}: {name} merged by the sweep differs"
            )
        info = json.loads((merged / "run.json").read_text())
        assert info["status"] == "done" and sorted(m["index"] for m in info["merged_from"]) == [0, 1, 2, 3]
        # the model's price (extractive: free) is kept, so the merged run has a cost per 1,000 summaries too
        assert info["generation"]["price"] == json.loads((whole / "run.json").read_text())["generation"]["price"]
        assert info["generation"]["price"]["input_per_million"] == 0.0
        assert (
            info["dataset"]["examples"] == 18
            and info["dataset"]["fingerprint"] == json.loads((whole / "run.json").read_text())["dataset"]["fingerprint"]
        )
    assert len(list((sharded / "parts").glob("*/*/merged/comparison.md"))) == 1


@pytest.mark.slow
def test_each_shard_records_its_share_and_the_order_hash(sharded):
    records = [json.loads((s / "shard.json").read_text()) for s in jobs(sharded / "parts", "lead")]
    assert sorted(r["index"] for r in records) == [0, 1, 2, 3] and {r["count"] for r in records} == {4}
    assert len({r["order_hash"] for r in records}) == 1 and records[0]["order"] == "dataset"
    for s in jobs(sharded / "parts", "lead"):
        record = json.loads((s / "shard.json").read_text())
        start, end = record["positions"]
        assert doc_ids(s) == record["doc_ids"][start:end]
        assert json.loads((s / "run.json").read_text())["shard"]["order_hash"] == record["order_hash"]


@pytest.mark.slow
def test_merge_refuses_a_missing_shard_naming_its_documents(tmp_path):
    for index in (0, 2):
        proc = run_harness(
            "run",
            f"results_dir={tmp_path}",
            "model=lead",
            "shard.count=3",
            f"shard.index={index}",
            "dataset.limit=9",
            *OFFLINE,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
    (record,) = {
        json.loads(p.read_text())["order_hash"]: json.loads(p.read_text()) for p in tmp_path.rglob("shard.json")
    }.values()
    missing = record["doc_ids"][3:6]
    proc = run_harness("merge", str(tmp_path))
    assert proc.returncode == 2
    assert f"3 document(s) missing: {', '.join(missing)}" in proc.stderr and "shard.index 1" in proc.stderr
    assert not list(tmp_path.rglob("merged*")), "a refused merge wrote a folder"


@pytest.mark.slow
def test_merge_refuses_a_document_in_two_finished_shards(tmp_path):
    for index in (0, 1, 1):  # shard 1 run twice: two finished folders hold its documents
        proc = run_harness(
            "run",
            f"results_dir={tmp_path}",
            "model=lead",
            "shard.count=2",
            f"shard.index={index}",
            "dataset.limit=6",
            *OFFLINE,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
    twice = doc_ids(next(p.parent for p in tmp_path.rglob("shard.json") if json.loads(p.read_text())["index"] == 1))
    proc = run_harness("merge", str(tmp_path))
    assert proc.returncode == 2
    assert f"3 document(s) in more than one shard: {', '.join(twice)}" in proc.stderr
    assert not list(tmp_path.rglob("merged*"))


@pytest.mark.parametrize(
    "override, message",
    [
        (["shard.count=4", "shard.index=4"], "shard.index: must be at least 0 and at most 3, got 4"),
        (["shard.count=0"], "shard.count: must be at least 1 and at most 100000, got 0"),
        (["shard.cout=2"], "Did you mean 'count'?"),
    ],
)
def test_shard_keys_are_checked_before_anything_is_written(tmp_path, override, message):
    proc = run_harness("run", f"results_dir={tmp_path}", "model=lead", *override)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr[-2000:]
    assert not any(tmp_path.iterdir())


def cache_lines(results: Path) -> list[bytes]:
    files = list((results / ".cache").rglob("*.jsonl"))
    return files[0].read_bytes().splitlines(keepends=True) if files else []


@pytest.mark.slow
def test_a_killed_shard_resumes_from_the_cache_and_the_merge_is_complete(tmp_path):
    n_docs = 8
    data = write_docs(tmp_path / "docs.jsonl", n_docs)
    results = tmp_path / "results"
    with FakeOpenAI(delay_s=0.3) as server:

        def shard_command(index: int) -> list[str]:
            return user_model_run_args(
                tmp_path,
                "chat",
                one_at_a_time_chat(server.url),
                data,
                f"results_dir={results}",
                "shard.count=2",
                f"shard.index={index}",
                *OFFLINE,
            )

        proc = start_harness(*shard_command(1))
        wait_while_running(proc, lambda: len(cache_lines(results)) >= 2, "the shard ended before it could be killed")
        kill(proc)
        saved = {json.loads(line)["doc_id"] for line in cache_lines(results)}
        # the killed run's last request is served (or dropped) before the count starts again
        deadline = time.monotonic() + 120  # a guard, not a timing assertion
        while server.in_flight:
            assert time.monotonic() < deadline, "the killed run's request never ended"
            time.sleep(0.05)
        server.seen.clear()
        for index in (1, 0):  # the killed shard again, on its own; then the other
            done = run_harness(*shard_command(index))
            assert done.returncode == 0, done.stderr[-3000:]
        sent = sorted(f"doc{int(s.prompt.split('DOC-')[1].split(' ')[0]):02d}" for s in server.seen)

    every = [f"doc{i:02d}" for i in range(n_docs)]
    assert saved <= set(every[4:]) and sent == sorted(set(every) - saved), (
        "the re-run shard generated saved documents again"
    )
    merged = run_harness("merge", str(results))
    assert merged.returncode == 0, merged.stderr[-3000:]
    (folder,) = [p.parent for p in results.rglob("merged/*/run.json")]
    assert doc_ids(folder) == every
    assert sum(json.loads(line)["cached"] for line in (folder / "generations.jsonl").read_text().splitlines()) == len(
        saved
    )
    assert "not merged" in merged.stderr  # the killed shard's folder (status running) is left out, said so


@pytest.mark.slow
def test_progress_adds_up_the_shards_running_in_parallel(tmp_path):
    data = write_docs(tmp_path / "docs.jsonl", 12)
    results = tmp_path / "results"
    with FakeOpenAI(delay_s=0.6) as server:
        model = one_at_a_time_chat(server.url)
        shard = [f"results_dir={results}", "shard.count=2"]
        # both commands (and so the model's YAML) written before either shard starts reading them
        commands = [
            user_model_run_args(tmp_path, "chat", model, data, *shard, f"shard.index={i}", *OFFLINE) for i in (0, 1)
        ]
        procs = [start_harness(*command) for command in commands]
        seen_running, least_done = None, 12
        deadline = time.monotonic() + 120
        while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
            if results.is_dir() and list(results.rglob("progress.json")):
                report = run_harness("progress", str(results))
                if report.returncode == 0 and "docs/s across 2 running" in report.stdout:
                    seen_running = report.stdout
                    least_done = min(least_done, int(report.stdout.split("documents ")[1].split("/")[0]))
            time.sleep(0.3)
        assert [p.wait() for p in procs] == [0, 0]
    assert seen_running is not None, "progress never showed both shards running"
    done, total = map(int, seen_running.split("documents ")[1].split(" ")[0].split("/"))
    assert total == 12 and least_done < 12 and "ETA " in seen_running  # seen mid-way (12/12 while both score)
    final = run_harness("progress", str(results))
    assert "documents 12/12 (100.0%)" in final.stdout and "2 done" in final.stdout, final.stdout
