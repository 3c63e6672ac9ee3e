"""Resume after SIGKILL and re-scoring without model calls, through `harness run` and
`harness score`, against a slow loopback server that counts every request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openai_server import FakeOpenAI
from tiny_models import (
    docs_once,
    kill,
    one_at_a_time_chat,
    run_folders,
    run_harness,
    start_harness,
    user_model_run_args,
    wait_while_running,
)

N_DOCS = 10


def command(tmp_path: Path, server: FakeOpenAI, metrics: str = "[rouge,format]") -> list[str]:
    data = docs_once(tmp_path / "docs.jsonl", N_DOCS)
    model = one_at_a_time_chat(server.url)
    return user_model_run_args(
        tmp_path, "slow-chat", model, data, f"metrics={metrics}", f"results_dir={tmp_path / 'results'}"
    )


def cache_lines(tmp_path: Path) -> list[bytes]:
    files = list((tmp_path / "results" / ".cache").rglob("*.jsonl"))
    assert len(files) <= 1
    return files[0].read_bytes().splitlines(keepends=True) if files else []


def prompts_sent(server: FakeOpenAI) -> list[str]:
    return [s.prompt.split("DOC-")[1].split(" ")[0] for s in server.seen]


@pytest.mark.slow
def test_sigkill_mid_run_then_the_same_command_generates_only_the_missing_documents(tmp_path):
    with FakeOpenAI(delay_s=0.4) as server:
        args = command(tmp_path, server)
        proc = start_harness(*args)
        # kill once 3 generations are on disk
        wait_while_running(proc, lambda: len(cache_lines(tmp_path)) >= 3, "run ended before it could be killed")
        kill(proc)
        kept = cache_lines(tmp_path)
        assert 3 <= len(kept) < N_DOCS and all(line.endswith(b"\n") for line in kept)
        first_run = prompts_sent(server)
        server.seen.clear()

        done = run_harness(*args)
        assert done.returncode == 0, done.stderr[-3000:]
        second_run = prompts_sent(server)

    saved_before = {json.loads(line)["doc_id"] for line in kept}
    missing = {f"doc{i:02d}" for i in range(N_DOCS)} - saved_before
    assert sorted(f"doc{int(i):02d}" for i in second_run) == sorted(missing), "resume re-generated saved documents"
    assert len(first_run) + len(second_run) <= N_DOCS + 1  # at most the one request in flight is repeated

    folder = run_folders(tmp_path / "results")[-1]
    rows = [json.loads(line) for line in (folder / "generations.jsonl").read_text().splitlines()]
    assert sorted(r["doc_id"] for r in rows) == [f"doc{i:02d}" for i in range(N_DOCS)]  # each exactly once
    assert sum(r["cached"] for r in rows) == len(saved_before)
    keys = [json.loads(line)["key"] for line in cache_lines(tmp_path)]
    assert len(keys) == len(set(keys)) == N_DOCS  # no duplicate and no torn line in the cache
    info = json.loads((folder / "run.json").read_text())
    assert info["status"] == "done" and info["generation"]["from_cache"] == len(saved_before)


@pytest.mark.slow
def test_rescoring_a_finished_run_makes_no_model_calls(tmp_path):
    with FakeOpenAI() as server:
        args = command(tmp_path, server)
        first = run_harness(*args)
        assert first.returncode == 0, first.stderr[-3000:]
        assert len(server.seen) == N_DOCS
        folder = run_folders(tmp_path / "results")[-1]

        rescored = run_harness("score", str(folder), "--metrics", "rouge", "extractive")
        assert rescored.returncode == 0, rescored.stderr[-3000:]
        assert "extractive/" in (folder / "metrics.json").read_text()

        other_metrics = run_harness(*command(tmp_path, server, metrics="[extractive]"))
        assert other_metrics.returncode == 0, other_metrics.stderr[-3000:]
        assert len(server.seen) == N_DOCS, "re-scoring called the model"

    info = json.loads((run_folders(tmp_path / "results")[-1] / "run.json").read_text())
    assert info["generation"]["from_cache"] == N_DOCS and info["generation"]["generated"] == 0


@pytest.mark.slow
def test_sigkill_while_scoring_then_harness_score_finishes_the_run(tmp_path):
    """A real kill between generation and the scores: `harness score` completes the run (status done)."""
    data = tmp_path / "docs.jsonl"
    with open(data, "w") as f:
        for i in range(250):
            source = " ".join(
                f"Sentence {j} of story {i} says the council approved item {j * i} after a debate." for j in range(30)
            )
            f.write(
                json.dumps({"doc_id": f"d{i}", "source": source, "reference": [f"Story {i}: items approved."]}) + "\n"
            )
    proc = start_harness(
        "run",
        "model=lead",
        "dataset=local",
        f"dataset.path={data}",
        "metrics=[support,format]",
        f"results_dir={tmp_path / 'results'}",
    )
    wait_while_running(
        proc,
        lambda: bool(list((tmp_path / "results").rglob("generations.jsonl"))),  # generation done, scoring under way
        "run ended before it could be killed",
        poll=0.02,
    )
    kill(proc)
    (folder,) = run_folders(tmp_path / "results")
    assert (
        json.loads((folder / "run.json").read_text())["status"] == "running" and not (folder / "metrics.json").exists()
    )

    done = run_harness("score", str(folder))
    assert done.returncode == 0, done.stderr[-3000:]
    info = json.loads((folder / "run.json").read_text())
    assert info["status"] == "done" and info["error"] is None and info["ended"]
    assert json.loads((folder / "metrics.json").read_text())["fields"]["support/score"]["n"] == 250
    assert not [p for p in folder.rglob("*") if ".tmp" in p.name]
