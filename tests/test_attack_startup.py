"""Attack suite, start-up: what a new user gets wrong on a first run, each through the real CLI.

A mistake in the command or its inputs is a config error at start-up (exit 2, nothing written,
a message naming the setting, file, line and field), and a secret is never echoed or written.
"""

from __future__ import annotations

import json

import test_attack_inputs_config
from conftest import run_cli
from test_attack_inputs_config import (
    assert_config_error,
    assert_secret_nowhere,
    doc,
    harness_run,
    run_json,
    write_jsonl,
)

tmp = test_attack_inputs_config.tmp  # the same fixture: a fresh folder with the attack data

KEY_SHAPED_LIKE_A_NAME = "gsk_8fJ2kLmN0pQrStUvWxYz1234567890ABCDEFghijkl"  # a valid identifier


# ---- 1. the environment variable named by *_env is set, and a key-like name is never echoed ----


def test_a_key_pasted_as_api_key_env_that_is_a_valid_name_is_refused_unechoed(tmp):
    proc = harness_run(tmp, "model=gpt-4o-mini", f"model.api_key_env={KEY_SHAPED_LIKE_A_NAME}")
    assert_config_error(tmp, proc, "model.api_key_env", "not set")
    assert_secret_nowhere(tmp, proc, KEY_SHAPED_LIKE_A_NAME)


def test_a_judge_key_pasted_as_its_api_key_env_is_refused_unechoed(tmp):
    proc = harness_run(
        tmp,
        "model=lead",
        "metrics=[support_judge]",
        "judge=gpt-4o-mini",
        f"judge.api_key_env={KEY_SHAPED_LIKE_A_NAME}",
    )
    assert_config_error(tmp, proc, "judge.api_key_env", "not set")
    assert_secret_nowhere(tmp, proc, KEY_SHAPED_LIKE_A_NAME)


def test_an_unset_conventional_variable_is_named_at_start_up(tmp):
    proc = harness_run(tmp, "model=gpt-4o-mini", "model.api_key_env=HARNESS_TEST_UNSET_KEY")
    assert_config_error(tmp, proc, "model.api_key_env", "HARNESS_TEST_UNSET_KEY", "not set")


def test_a_local_server_without_a_key_needs_no_variable(tmp):
    """api_key_env null (a local vLLM server) passes the start-up check; the run then fails
    on the unreachable server, not on a key."""
    proc = harness_run(
        tmp,
        "model=llama-3.1-8b-vllm",
        "model.base_url=http://127.0.0.1:9/v1",
        "model.max_retries=0",
        "dataset.limit=1",
        "metrics=[format]",
    )
    assert proc.returncode == 1 and "api_key_env" not in proc.stderr


# ---- 2. precomputed outputs: a missing file is a config error; a missing system field is named ----


def test_precomputed_file_not_found_is_refused_before_any_folder(tmp):
    proc = harness_run(tmp, "model=precomputed", f"model.path={tmp / 'in' / 'nonexistent.jsonl'}")
    assert_config_error(tmp, proc, "model.path: file not found", "nonexistent.jsonl")


def test_precomputed_file_without_the_system_field_says_the_field_is_missing(tmp):
    docs = write_jsonl(tmp / "in" / "docs.jsonl", [doc("d1"), doc("d2")])
    outputs = write_jsonl(
        tmp / "in" / "out.jsonl", [{"doc_id": "d1", "summary": "A."}, {"doc_id": "d2", "summary": "B."}]
    )
    proc = harness_run(
        tmp,
        "model=precomputed",
        f"model.path={outputs}",
        "model.system=X",
        "dataset=local",
        f"dataset.path={docs}",
        "metrics=[format]",
    )
    assert proc.returncode == 1
    assert f"{outputs}:1: field 'system_id' missing" in proc.stderr, proc.stderr[-2000:]


# ---- 3. OpenAI temperature is at most 2 ----


def test_openai_temperature_above_two_is_refused(tmp):
    proc = harness_run(tmp, "model=gpt-4o-mini", "model.generation.temperature=2.5", env={"OPENAI_API_KEY": "sk-test"})
    assert_config_error(tmp, proc, "temperature", "2")


# ---- 4. labels become folder names safe in any shell and on Windows ----


def test_a_label_with_shell_and_windows_unsafe_characters_becomes_a_safe_folder(tmp):
    label = '<img src=x onerror=alert(1)> a:b"c|d?e*f'
    proc = harness_run(tmp, "model=lead", f"run_label='{label}'", "dataset.limit=2", "metrics=[format]")
    assert proc.returncode == 0, proc.stderr[-2000:]
    (run,) = [p.parent for p in (tmp / "res").rglob("run.json")]
    for part in run.relative_to(tmp / "res").parts:
        assert not set(part) & set('<>:"|?* '), part
    assert run_json(tmp)["label"] == label


# ---- 5. meta-eval --where on a field no record has ----


def test_meta_eval_where_on_an_unknown_field_suggests_the_field(tmp):
    rows = [
        {"doc_id": f"d{i}", "system_id": s, "summary": "A cat sat.", "reference": "A cat sat on the mat.", "q": i}
        for i in range(3)
        for s in ("M0", "M1")
    ]
    data = write_jsonl(tmp / "in" / "m.jsonl", rows)
    proc = run_cli(
        "meta-eval",
        "--data",
        str(data),
        "--human",
        "q",
        "--metrics",
        "rouge",
        "--where",
        "sytem_id=M0",
        "--out",
        str(tmp / "out"),
        cwd=tmp,
        check=False,
        timeout=180,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "sytem_id" in proc.stderr and "Did you mean 'system_id'?" in proc.stderr
    assert not (tmp / "out").exists()


# ---- 6. format/redundancy is not applicable to prose nobody asked to be bullets ----


def test_redundancy_of_unrequested_prose_is_not_applicable_with_the_reason(tmp):
    docs = write_jsonl(tmp / "in" / "docs.jsonl", [doc("d1"), doc("d2")])
    prose = "The council approved a budget. The council approved a budget today. Parks get playgrounds."
    outputs = write_jsonl(tmp / "in" / "out.jsonl", [{"doc_id": d, "summary": prose} for d in ("d1", "d2")])
    proc = harness_run(
        tmp, "model=precomputed", f"model.path={outputs}", "dataset=local", f"dataset.path={docs}", "metrics=[format]"
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (metrics,) = (tmp / "res").rglob("metrics.json")
    fields = json.loads(metrics.read_text())["fields"]
    redundancy, bullets = fields["format/redundancy"], fields["format/bullets"]
    assert redundancy["mean"] is None and redundancy["n"] == 0
    assert redundancy["not_applicable"]["reasons"] == bullets["not_applicable"]["reasons"]
