"""openai_chat through `harness run` against a fault-injecting server on 127.0.0.1: every
document completes or is recorded as failed, a broken endpoint aborts the run, and the API key
reaches no file under the results folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openai_server import FakeOpenAI
from tiny_models import (
    kill,
    run_folders,
    run_harness,
    start_harness,
    user_model_run_args,
    wait_while_running,
    write_docs,
)

KEY_ENV = "HARNESS_E2E_API_KEY"
KEY = "sk-e2e-SECRET-5d1c9a77e0b24f"


def setup_run(tmp_path: Path, server: FakeOpenAI, n_docs: int, **options) -> list[str]:
    model = {
        "backend": "openai_chat",
        "model_id": "fake-model",
        "base_url": server.url,
        "api_key_env": KEY_ENV,
        "max_concurrency": 4,
        "timeout_s": 1.0,
        "max_retries": 2,
        "backoff_base_s": 0.01,
        "generation": {"temperature": 0, "max_tokens": 64},
        **options,
    }
    data = write_docs(tmp_path / "docs.jsonl", n_docs)
    return user_model_run_args(
        tmp_path, "fake-chat", model, data, "metrics=[rouge,format]", f"results_dir={tmp_path / 'results'}"
    )


def files_containing(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_faults_are_retried_or_recorded_and_the_key_is_never_written(tmp_path):
    with FakeOpenAI(slow_s=2.0) as server:
        server.plan = {
            "DOC-0 ": ["500", "503"],
            "DOC-1 ": ["429"],
            "DOC-2 ": ["malformed"],
            "DOC-3 ": ["drop"],
            "DOC-4 ": ["slow"],
            "DOC-5 ": ["400"],
            "DOC-6 ": ["500"] * 5,
            "DOC-7 ": ["401echo"],
        }
        server.retry_after = 0.5
        done = run_harness(*setup_run(tmp_path, server, 10), env={KEY_ENV: KEY})
        assert done.returncode == 0, done.stderr[-3000:]
        assert {s.authorization for s in server.seen} == {f"Bearer {KEY}"}
        attempts = {i: len(server.requests_for(f"DOC-{i} ")) for i in range(10)}
    assert attempts == {0: 3, 1: 2, 2: 2, 3: 2, 4: 2, 5: 1, 6: 3, 7: 1, 8: 1, 9: 1}

    (folder,) = run_folders(tmp_path / "results")
    rows = {r["doc_id"]: r for r in map(json.loads, (folder / "generations.jsonl").read_text().splitlines())}
    assert sorted(rows) == [f"doc{i:02d}" for i in range(10)]  # every document exactly once
    failed = sorted(d for d, r in rows.items() if r["error"])
    assert failed == ["doc05", "doc06", "doc07"]
    assert all(rows[d]["raw"] is None for d in failed)
    assert all(r["raw"].startswith("- first point about") for d, r in rows.items() if d not in failed)
    info = json.loads((folder / "run.json").read_text())
    assert info["status"] == "done" and info["generation"]["failed"] == 3 and info["generation"]["generated"] == 7
    assert {f["doc_id"] for f in info["generation"]["failures"]} == set(failed)

    assert files_containing(tmp_path / "results", KEY) == []
    assert KEY not in done.stdout + done.stderr
    assert list((tmp_path / "results").rglob("*.jsonl")), "the grep above saw no files"


def test_a_broken_endpoint_aborts_the_run_with_a_clear_error(tmp_path):
    with FakeOpenAI() as server:
        server.always = "500"
        done = run_harness(
            *setup_run(tmp_path, server, 12, max_failures=2, max_retries=0, max_concurrency=1), env={KEY_ENV: KEY}
        )
        sent = len(server.seen)
    assert done.returncode != 0
    assert "3 documents failed (max_failures: 2)" in done.stderr
    assert sent == 3
    (folder,) = run_folders(tmp_path / "results")
    info = json.loads((folder / "run.json").read_text())
    assert info["status"] == "failed" and "max_failures" in info["error"]
    assert files_containing(tmp_path / "results", KEY) == []


def test_a_missing_key_variable_fails_before_any_request(tmp_path):
    with FakeOpenAI() as server:
        done = run_harness(*setup_run(tmp_path, server, 3), env={KEY_ENV: ""})
        assert server.seen == []
    assert done.returncode != 0 and KEY_ENV in done.stderr


@pytest.mark.slow
def test_each_generation_is_stored_as_it_finishes_while_a_slow_one_holds_its_slot(tmp_path):
    """A request stuck for a minute holds one slot: the other documents finish, each is in the
    cache at once, and a killed run resumes sending only the stuck one."""
    with FakeOpenAI(slow_s=60.0) as server:
        server.plan = {"DOC-0 ": ["slow"]}
        args = setup_run(tmp_path, server, 8, max_concurrency=2, timeout_s=120.0)
        run = start_harness(*args, env={KEY_ENV: KEY})
        cache = tmp_path / "results" / ".cache" / "generations"
        try:
            wait_while_running(
                run,
                lambda: sum(len(p.read_bytes().splitlines()) for p in cache.glob("*.jsonl")) >= 7,
                "the other documents were not stored",
                poll=0.1,
            )
        finally:
            kill(run)
        stored = [json.loads(line)["doc_id"] for p in cache.glob("*.jsonl") for line in p.read_bytes().splitlines()]
        assert sorted(stored) == [f"doc{i:02d}" for i in range(1, 8)]

        done = run_harness(*args, env={KEY_ENV: KEY})
        assert done.returncode == 0, done.stderr[-3000:]
        sent = {i: len(server.requests_for(f"DOC-{i} ")) for i in range(8)}
    assert sent == {0: 2, **{i: 1 for i in range(1, 8)}}
    folder = run_folders(tmp_path / "results")[-1]
    info = json.loads((folder / "run.json").read_text())
    assert info["status"] == "done" and info["generation"]["from_cache"] == 7 and info["generation"]["generated"] == 1
