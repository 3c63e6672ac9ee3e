"""Attack suite for the generation cache, the HTTP backend and metrics/report.

Each case builds a bad input (a corrupt cache line, a server that is down or drips bytes, an
unwritable cache folder, two runs at once, a crafted result file), runs the real CLI in a
subprocess against the loopback test server where it can, and checks the exit code, the message
(file, line, field) and the files on disk: nothing lost or duplicated, no key leaked, no script.

    python -m pytest tests/test_attack_cache_http_metrics.py -q
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import openai_server
import pytest
from conftest import run_cli
from fake_judge import ScriptedJudge, Truth
from openai_server import FakeOpenAI
from run_files import add_constant_field, copy_run_as, rows, write_rows
from tiny_models import docs_once, user_model_run_args, write_docs

KEY_ENV = "HARNESS_ATTACK_KEY"
KEY = "sk-attack-SECRET-93f1c2d4e5b6a7"


# -- helpers ------------------------------------------------------------------------------------


def model_args(tmp_path: Path, base_url: str, n_docs: int, name: str = "fake-chat", **options) -> list[str]:
    """`harness run` arguments for an openai_chat model at base_url over n_docs local documents."""
    model = {
        "backend": "openai_chat",
        "model_id": "fake-model",
        "base_url": base_url,
        "api_key_env": KEY_ENV,
        "max_concurrency": 4,
        "timeout_s": 5.0,
        "max_retries": 1,
        "backoff_base_s": 0.01,
        "generation": {"temperature": 0, "max_tokens": 64},
        **options,
    }
    data = docs_once(tmp_path / f"docs{n_docs}.jsonl", n_docs)
    return user_model_run_args(tmp_path, name, model, data, "metrics=[format]", f"results_dir={tmp_path / 'results'}")


def harness(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_cli(*args, env={KEY_ENV: KEY, **(env or {})}, check=False, timeout=180)


def output(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout + proc.stderr


def run_dirs(results: Path) -> list[Path]:
    return sorted((p.parent for p in results.rglob("run.json")), key=lambda p: p.stat().st_mtime)


def cache_files(root: Path) -> list[Path]:
    return sorted((root / "generations").glob("*.jsonl")) if (root / "generations").is_dir() else []


def files_containing(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def marker(doc: int) -> str:
    return f"DOC-{doc} "  # what write_docs puts in document `doc`'s text, and so in its prompt


# -- Cache: every kind of unreadable line is set aside, named, and only its document regenerated --


def _edit(line: bytes, change) -> bytes:
    entry = json.loads(line)
    change(entry)
    return json.dumps(entry).encode()


def _flip(line: bytes, start: int, stop: int) -> bytes:
    b = bytearray(line)
    b[start:stop] = bytes(x ^ 0xFF for x in b[start:stop])
    return bytes(b)


# name -> (make the bad line from the document's good line, what the warning must say)
BAD_LINES = {
    "flipped_bytes": (lambda l: _flip(l, 20, 24), "not valid UTF-8"),
    "flipped_bit": (lambda l: bytes([l[0] ^ 0x01]) + l[1:], "not valid JSON"),
    "invalid_utf8_in_text": (lambda l: l.replace(b"first point", b"first \xff\xfe point"), "not valid UTF-8"),
    "a_number": (lambda l: b"12345", "not a cache entry: an integer"),
    "foreign_object": (lambda l: b'{"hello":1}', "missing field 'key'"),
    "json_null": (lambda l: b"null", "not a cache entry: null"),
    "nul_bytes": (lambda l: b"\x00" * 16, "not valid JSON"),
    "unknown_field": (lambda l: _edit(l, lambda e: e.update(extra=1)), "unknown field 'extra'"),
    "unknown_generation_field": (
        lambda l: _edit(l, lambda e: e["generation"].update(logits=[1])),
        "unknown field 'generation.logits'",
    ),
    "missing_key": (lambda l: _edit(l, lambda e: e.pop("key")), "missing field 'key'"),
    "missing_generation": (lambda l: _edit(l, lambda e: e.pop("generation")), "missing field 'generation'"),
    "missing_text": (lambda l: _edit(l, lambda e: e["generation"].pop("text")), "missing field 'generation.text'"),
    "text_not_a_string": (
        lambda l: _edit(l, lambda e: e["generation"].update(text=5)),
        "field 'generation.text': expected a string, found an integer",
    ),
    "key_not_a_string": (lambda l: _edit(l, lambda e: e.update(key=7)), "field 'key': expected a string"),
    "future_schema_version": (
        lambda l: _edit(l, lambda e: e.update(schema_version=99)),
        "field 'schema_version': 99 is not supported",
    ),
    "utf8_bom": (lambda l: b"\xef\xbb\xbf" + l, "not valid JSON (Unexpected UTF-8 BOM"),
    "crlf_and_trailing_garbage": (lambda l: l + b"\r garbage", "not valid JSON (Extra data"),
    "truncated_last_line": (lambda l: l[: len(l) // 2], "truncated last line"),  # must stay last
}
N_CACHE_DOCS = len(BAD_LINES) + 2  # two documents keep good lines
INTACT = 2  # the good lines come first in the corrupted file


@pytest.fixture(scope="module")
def corrupted_cache(tmp_path_factory):
    """Run once to fill the cache, corrupt one line per kind, run again, then run a third time
    with the server gone; returns everything the cases check."""
    tmp = tmp_path_factory.mktemp("cache")
    with FakeOpenAI() as server:
        args = model_args(tmp, server.url, N_CACHE_DOCS)
        first = harness(*args)
        assert first.returncode == 0, output(first)[-3000:]
        (cache,) = cache_files(tmp / "results" / ".cache")
        good = {json.loads(line)["doc_id"]: line for line in cache.read_bytes().splitlines()}
        docs = sorted(good)  # doc00, doc01, ...
        bad_docs = dict(zip(BAD_LINES, docs[INTACT:]))
        lines = [good[d] for d in docs[:INTACT]] + [BAD_LINES[k][0](good[d]) for k, d in bad_docs.items()]
        cache.write_bytes(b"\n".join(lines))  # no final newline: the last line is torn
        written = {k: lines[INTACT + i] for i, k in enumerate(BAD_LINES)}
        server.seen.clear()
        second = harness(*args)
        second_seen = list(server.seen)
        rejected_after_second = (cache.parent / (cache.name + ".rejected")).read_bytes()
    third = harness(*args)  # the server is gone: everything must come from the cache
    return {
        "cache": cache,
        "bad_docs": bad_docs,
        "written": written,
        "second": second,
        "third": third,
        "seen": second_seen,
        "rejected": rejected_after_second,
        "results": tmp / "results",
    }


@pytest.mark.parametrize("kind", list(BAD_LINES))
def test_cache_line_is_set_aside_named_and_only_its_document_regenerated(corrupted_cache, kind):
    c = corrupted_cache
    doc = c["bad_docs"][kind]
    number = INTACT + list(BAD_LINES).index(kind) + 1
    said = output(c["second"])
    assert c["second"].returncode == 0, said[-3000:]
    assert f"{c['cache']}, line {number}: {BAD_LINES[kind][1]}" in said  # file, line, what is wrong
    assert f"set aside in {c['cache']}.rejected" in said
    assert c["written"][kind] in c["rejected"].split(b"\n")  # kept byte for byte
    index = int(doc[3:])
    assert len([s for s in c["seen"] if marker(index) in s.prompt]) == 1  # regenerated once
    final = [json.loads(line) for line in c["cache"].read_bytes().splitlines()]
    assert [e["doc_id"] for e in final].count(doc) == 1


def test_cache_after_set_aside_is_complete_without_duplicates_and_intact_documents_reused(corrupted_cache):
    c = corrupted_cache
    assert len(c["seen"]) == len(BAD_LINES)  # nothing but the set-aside documents was sent
    final = [json.loads(line) for line in c["cache"].read_bytes().splitlines()]
    assert len({e["key"] for e in final}) == len(final) == N_CACHE_DOCS
    run = run_dirs(c["results"])[1]
    generated = rows(run / "generations.jsonl")
    assert sorted(r["doc_id"] for r in generated) == [f"doc{i:02d}" for i in range(N_CACHE_DOCS)]
    info = json.loads((run / "run.json").read_text())
    assert info["status"] == "done" and info["generation"]["from_cache"] == INTACT


def test_cache_rejected_lines_do_not_come_back_and_a_full_cache_needs_no_server(corrupted_cache):
    c = corrupted_cache
    third = c["third"]
    assert third.returncode == 0, output(third)[-3000:]
    assert "set aside" not in output(third) and "cannot reach" not in output(third)
    assert (c["cache"].parent / (c["cache"].name + ".rejected")).read_bytes() == c["rejected"]
    info = json.loads((run_dirs(c["results"])[-1] / "run.json").read_text())
    assert info["status"] == "done" and info["generation"]["from_cache"] == N_CACHE_DOCS


# -- Cache: concurrent runs of one model configuration --------------------------------------------


@pytest.mark.slow
def test_two_runs_of_one_model_at_once_send_each_request_once(tmp_path):
    with FakeOpenAI(delay_s=0.5) as server:
        args = model_args(tmp_path, server.url, 6, max_concurrency=1) + [f"cache_dir={tmp_path / 'cache'}"]
        procs = []
        for k in range(2):  # separate results folders, one shared cache
            cmd = [sys.executable, "-m", "harness.cli", *args, f"results_dir={tmp_path / f'results{k}'}"]
            procs.append(
                subprocess.Popen(
                    cmd, env={**os.environ, KEY_ENV: KEY}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
                )
            )
        outs = [p.communicate(timeout=180)[0] for p in procs]
        prompts = [s.prompt for s in server.seen]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert len(prompts) == len(set(prompts)) == 6  # no request sent twice
    (cache,) = cache_files(tmp_path / "cache")
    keys = [json.loads(line)["key"] for line in cache.read_bytes().splitlines()]
    assert len(keys) == len(set(keys)) == 6  # no duplicate cache line
    for k in range(2):
        (run,) = run_dirs(tmp_path / f"results{k}")
        assert sorted(r["doc_id"] for r in rows(run / "generations.jsonl")) == [f"doc{i:02d}" for i in range(6)]
    generated = [
        json.loads((run_dirs(tmp_path / f"results{k}")[0] / "run.json").read_text())["generation"]["generated"]
        for k in range(2)
    ]
    assert sorted(generated) == [0, 6]  # one run generated, the other reused its outputs


@pytest.mark.slow
def test_a_run_waits_for_the_lock_holder_and_goes_on_when_the_holder_is_killed(tmp_path):
    with FakeOpenAI() as server:
        args = model_args(tmp_path, server.url, 1)
        assert harness(*args).returncode == 0
        (cache,) = cache_files(tmp_path / "results" / ".cache")
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                (
                    "import sys, time; from harness.models.cache import GenerationCache\n"
                    f"with GenerationCache({str(cache)!r}).exclusive():\n    print('locked', flush=True); time.sleep(120)"
                ),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout.readline().strip() == "locked"
        log = tmp_path / "waiting.log"
        with open(log, "w") as out:
            waiting = subprocess.Popen(
                [sys.executable, "-m", "harness.cli", *model_args(tmp_path, server.url, 3)],
                env={**os.environ, KEY_ENV: KEY},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            deadline = time.monotonic() + 120
            while "waiting for another run of the same model" not in log.read_text():
                assert waiting.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.1)
            assert len(server.seen) == 1  # nothing sent while the other run holds the cache
            holder.send_signal(signal.SIGKILL)  # a killed holder releases the lock
            holder.wait()
            assert waiting.wait(timeout=120) == 0, log.read_text()[-3000:]
        assert len(server.seen) == 3  # doc00 came from the cache
    keys = [json.loads(line)["key"] for line in cache.read_bytes().splitlines()]
    assert len(keys) == len(set(keys)) == 3


# -- Cache identity under sampling --------------------------------------------------------------


def _seq2seq(batch_size: int, generation: dict):
    from harness.models.hf_seq2seq import HFSeq2Seq

    return HFSeq2Seq.from_config(
        {"pretrained": "/nonexistent/model", "batch_size": batch_size, "generation": generation}
    )


def test_sampling_makes_the_batch_size_part_of_the_cache_identity():
    sample = {"do_sample": True, "top_p": 0.9, "max_new_tokens": 20}
    assert _seq2seq(4, sample).identity() != _seq2seq(8, sample).identity()
    assert _seq2seq(4, {"temperature": 0.7}).identity() != _seq2seq(8, {"temperature": 0.7}).identity()


def test_greedy_decoding_keeps_the_batch_size_out_of_the_cache_identity():
    greedy = {"num_beams": 2, "max_new_tokens": 20}
    assert _seq2seq(4, greedy).identity() == _seq2seq(8, greedy).identity()
    assert "batch_size" not in _seq2seq(4, greedy).identity()  # caches written before stay valid
    assert (
        _seq2seq(4, {"do_sample": False, "temperature": 0.7}).identity()
        == _seq2seq(8, {"do_sample": False, "temperature": 0.7}).identity()
    )


# -- HTTP: unreachable servers, dripping servers, unwritable caches --------------------------------


def test_nothing_listening_at_base_url_stops_the_run_in_seconds_naming_it(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    done = harness(*model_args(tmp_path, url, 12, max_retries=6, backoff_base_s=1.0))
    said = output(done)
    assert done.returncode == 1, said[-3000:]
    assert f"model.base_url: cannot reach {url}: connection refused" in done.stderr
    assert "no request was sent" in done.stderr and "retry" not in said  # no 12 x 6 retries with backoff
    (run,) = run_dirs(tmp_path / "results")
    info = json.loads((run / "run.json").read_text())
    assert info["status"] == "failed" and url in info["error"]
    assert all(not f.read_bytes() for f in cache_files(tmp_path / "results" / ".cache"))


def test_unreachable_url_with_a_password_is_named_without_the_password_or_key(tmp_path):
    port = closed_port()
    done = harness(*model_args(tmp_path, f"http://user:pw-SECRET-77@127.0.0.1:{port}/v1", 2))
    said = output(done)
    assert done.returncode == 1 and f"cannot reach http://127.0.0.1:{port}/v1" in done.stderr
    assert "pw-SECRET-77" not in said and KEY not in said
    (run,) = run_dirs(tmp_path / "results")
    assert "pw-SECRET-77" not in (run / "run.json").read_text()
    assert files_containing(tmp_path / "results", KEY) == []


def test_a_host_name_that_does_not_resolve_stops_the_run_naming_it(tmp_path):
    done = harness(*model_args(tmp_path, "http://no-such-host.invalid:8000/v1", 2))
    assert done.returncode == 1
    assert "cannot reach http://no-such-host.invalid:8000/v1: host name 'no-such-host.invalid' not found" in done.stderr


def test_a_dripping_server_is_cut_off_at_timeout_s_and_the_document_recorded_failed(tmp_path):
    with FakeOpenAI(drip_s=0.05) as server:  # the whole reply would take ~15 s
        server.plan = {marker(1): ["drip"]}
        done = harness(*model_args(tmp_path, server.url, 4, timeout_s=1.0, max_retries=0))
    assert done.returncode == 0, output(done)[-3000:]
    (run,) = run_dirs(tmp_path / "results")
    by_doc = {r["doc_id"]: r for r in rows(run / "generations.jsonl")}
    # Each read is quick, so only a bound on the whole request cuts the reply off; one attempt.
    assert "no complete response within 1s" in by_doc["doc01"]["error"]
    assert len(server.requests_for(marker(1))) == 1
    assert all(by_doc[d]["raw"] for d in ("doc00", "doc02", "doc03"))
    (cache,) = cache_files(tmp_path / "results" / ".cache")
    assert sorted(json.loads(line)["doc_id"] for line in cache.read_bytes().splitlines()) == ["doc00", "doc02", "doc03"]


def _assert_cache_refused_before_any_request(done, server, where: str) -> None:
    assert done.returncode != 0
    assert "cache_dir: cannot write the cache" in done.stderr and where in done.stderr
    assert server.seen == []  # found before the first paid request


def test_cache_dir_that_is_a_file_is_refused_before_any_request(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with FakeOpenAI() as server:
        done = harness(*model_args(tmp_path, server.url, 3), f"cache_dir={blocker}")
        _assert_cache_refused_before_any_request(done, server, str(blocker))
    assert blocker.read_text() == "x"


def test_cache_dir_on_a_read_only_filesystem_is_refused_before_any_request(tmp_path):
    with FakeOpenAI() as server:  # /proc accepts no new folder, even from root
        done = harness(*model_args(tmp_path, server.url, 3), "cache_dir=/proc/harness-attack-cache")
        _assert_cache_refused_before_any_request(done, server, "/proc/harness-attack-cache")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_cache_dir_is_refused_before_any_request(tmp_path):
    cache_dir = tmp_path / "ro-cache"
    (cache_dir / "generations").mkdir(parents=True)
    (cache_dir / "generations").chmod(0o555)
    try:
        with FakeOpenAI() as server:
            done = harness(*model_args(tmp_path, server.url, 3), f"cache_dir={cache_dir}")
            _assert_cache_refused_before_any_request(done, server, str(cache_dir))
    finally:
        (cache_dir / "generations").chmod(0o755)


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only files")
def test_read_only_cache_file_is_refused_before_any_request(tmp_path):
    with FakeOpenAI() as server:
        args = model_args(tmp_path, server.url, 1)
        assert harness(*args).returncode == 0
        (cache,) = cache_files(tmp_path / "results" / ".cache")
        cache.chmod(0o444)
        server.seen.clear()
        done = harness(*model_args(tmp_path, server.url, 3))
        _assert_cache_refused_before_any_request(done, server, str(cache))


# -- Metrics: keyed by config name; a failed judge request is no score ------------------------------


@pytest.fixture(scope="module")
def two_rouge_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("metrics")
    done = harness("run", "model=lead", "metrics=[rouge,rouge_nostem]", f"results_dir={tmp / 'results'}")
    assert done.returncode == 0, output(done)[-3000:]
    (run,) = run_dirs(tmp / "results")
    return run


def test_two_configs_of_one_metric_class_both_appear_under_their_config_names(two_rouge_run):
    scores = rows(two_rouge_run / "scores.jsonl")
    fields = json.loads((two_rouge_run / "metrics.json").read_text())["fields"]
    for name in ("rouge", "rouge_nostem"):
        assert {f"{name}/rouge1", f"{name}/rougeLsum"} <= set(fields)
        assert all(isinstance(r[f"{name}/rouge1"], float) for r in scores)
    assert "use_stemmer:True" in fields["rouge/rouge1"]["signature"]
    assert "use_stemmer:False" in fields["rouge_nostem/rouge1"]["signature"]
    assert any(r["rouge/rouge1"] != r["rouge_nostem/rouge1"] for r in scores)  # two sets, not one copied


def test_rescoring_one_config_keeps_the_other_config_of_the_same_class(two_rouge_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(two_rouge_run, run)
    before = rows(run / "scores.jsonl")
    done = harness("score", str(run), "--metrics", "rouge_nostem")
    assert done.returncode == 0, output(done)[-3000:]
    after = rows(run / "scores.jsonl")
    assert [r["rouge/rouge1"] for r in after] == [r["rouge/rouge1"] for r in before]
    assert [r["rouge_nostem/rouge1"] for r in after] == [r["rouge_nostem/rouge1"] for r in before]


def test_list_metrics_shows_keys_under_the_config_name():
    done = harness("list", "metrics")
    assert done.returncode == 0
    assert re.search(r"rouge_nostem/rouge1\s", done.stdout) and "(keys rouge_nostem/<field>)" in done.stdout


@pytest.fixture
def judge_server(monkeypatch):
    monkeypatch.setattr(openai_server, "reply_text", ScriptedJudge({}, default=Truth(True)))  # every bullet supported
    with FakeOpenAI() as server:
        yield server


def judge_args(tmp_path: Path, url: str) -> list[str]:
    data = write_docs(tmp_path / "docs.jsonl", 4)
    return [
        "run",
        "model=lead",
        "dataset=local",
        f"dataset.path={data}",
        "metrics=[support_judge]",
        "judge=openai-compatible",
        f"judge.base_url={url}",
        "judge.max_retries=0",
        f"judge.api_key_env={KEY_ENV}",
        "judge.logprobs=false",
        f"results_dir={tmp_path / 'results'}",
    ]


def test_a_failed_judge_request_is_no_score_and_counted_not_zero(tmp_path, judge_server):
    judge_server.plan = {marker(1): ["500"]}  # doc01's request (all its bullets) fails
    done = harness(*judge_args(tmp_path, judge_server.url))
    assert done.returncode == 0, output(done)[-3000:]
    (run,) = run_dirs(tmp_path / "results")
    scores = {r["doc_id"]: r for r in rows(run / "scores.jsonl")}
    bullets = scores["doc01"]["details"]["support_judge"]["bullets"]
    assert (
        scores["doc01"]["support_judge/score"] is None and scores["doc01"]["support_judge/failed"] == len(bullets) > 0
    )
    others = [scores[d]["support_judge/score"] for d in ("doc00", "doc02", "doc03")]
    assert all(isinstance(v, float) for v in others)
    stat = json.loads((run / "metrics.json").read_text())["fields"]["support_judge/score"]
    assert stat["n"] == 3 and stat["missing"] == 1
    assert stat["mean"] == pytest.approx(sum(others) / 3)  # the failure does not pull the mean down
    assert json.loads((run / "run.json").read_text())["status"] == "done"
    assert files_containing(tmp_path / "results", KEY) == []


def test_an_unreachable_judge_fails_the_run_naming_its_base_url(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    done = harness(*judge_args(tmp_path, url), "judge.model_id=judge-1")
    assert done.returncode == 1
    assert f"metrics.support_judge.judge.base_url: cannot reach {url}" in done.stderr


def test_an_unreachable_judge_with_model_id_auto_is_refused_before_any_run(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    done = harness(*judge_args(tmp_path, url))  # openai-compatible: model_id auto asks the server first
    assert done.returncode == 2
    assert f"judge.model_id: auto needs the server's model list, and GET {url}/models failed" in done.stderr
    assert not list((tmp_path / "results").rglob("run.json"))


# -- Report: everything printed is escaped -----------------------------------------------------------

PAYLOADS = {
    "metric_value_in_scores": "<img src=x onerror=alert(1)>",
    "metric_name_in_details": "<script>alert(2)</script>",
    "evidence_in_details": "<img src=y onerror=alert(3)>",
    "metric_name_in_metrics_json": "<svg onload=alert(4)>",
    "run_label": "<script>alert(5)</script>",
    "doc_id": "x'><script>alert(6)</script>",
    "bullet_text": "<iframe src=javascript:alert(7)>",
}


@pytest.fixture(scope="module")
def crafted_report(two_rouge_run, tmp_path_factory):
    run = copy_run_as(two_rouge_run, tmp_path_factory.mktemp("report") / "run", PAYLOADS["run_label"])
    gens, scores = rows(run / "generations.jsonl"), rows(run / "scores.jsonl")
    add_constant_field(run, PAYLOADS["metric_name_in_metrics_json"] + "/x", scores)
    gens[0]["doc_id"] = scores[0]["doc_id"] = PAYLOADS["doc_id"]
    gens[0]["bullets"][0] = PAYLOADS["bullet_text"]
    scores[0]["details"] = {
        PAYLOADS["metric_name_in_details"]: {
            "bullets": [
                {
                    "score": PAYLOADS["metric_value_in_scores"],
                    "supported": True,
                    "evidence": [PAYLOADS["evidence_in_details"]],
                }
            ]
        }
    }
    write_rows(run / "generations.jsonl", gens)
    write_rows(run / "scores.jsonl", scores)
    out = run.parent / "report.html"
    done = harness("report", str(run), "--out", str(out))
    assert done.returncode == 0, output(done)[-3000:]
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("where", list(PAYLOADS))
def test_report_escapes_crafted_values(crafted_report, where):
    import html

    payload = PAYLOADS[where]
    assert payload not in crafted_report
    assert html.escape(payload, quote=True) in crafted_report  # shown as text, not dropped
    # the only scripts are the page's own: its JSON data block and its one (CSP-hashed) script
    assert re.findall(r"<script[^>]*>", crafted_report, re.IGNORECASE) == [
        "<script type='application/json' id='report-data'>",
        "<script>",
    ]
    assert not re.search(r"<(iframe|svg onload)", crafted_report, re.IGNORECASE)
    # the only images are the page's own plots, embedded as SVG data (scripts never run inside <img>)
    for tag in re.findall(r"<img[^>]*>", crafted_report, re.IGNORECASE):
        assert re.fullmatch(r"<img alt='[^'<>]*' src='data:image/svg\+xml;base64,[A-Za-z0-9+/=]+'>", tag), tag


@pytest.mark.parametrize(
    "url, said",
    [
        ("htp://127.0.0.1:8000/v1", "model.base_url: expected http://host[:port]/path"),
        ("localhost:8000/v1", "model.base_url: expected http://host[:port]/path"),
        ("http://127.0.0.1:80a0/v1", "model.base_url: not a valid port"),
    ],
)
def test_a_malformed_base_url_is_a_config_error_before_any_work(tmp_path, url, said):
    done = harness(*model_args(tmp_path, url, 2))
    assert done.returncode != 0 and said in done.stderr
    assert not any(cache_files(tmp_path / "results" / ".cache"))
