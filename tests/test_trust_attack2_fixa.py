"""Trust, attack two: secrets and terminal output.

Credential query parameters recognised by their name in any case and spelling (X-Api-Key,
subscription-key, apiKey), a secret in a base_url's fragment, a credential variable holding bytes
that are not UTF-8, and labels with terminal escapes in the run's log line and progress bar.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli
from openai_server import FakeOpenAI

from harness import redaction

SECRET = "sk-Attack2-5e7a9c1b3d"


@pytest.fixture
def fresh(monkeypatch):
    """An empty secret registry for the test (the process-wide one is restored after)."""
    monkeypatch.setattr(redaction, "_values", set())
    monkeypatch.setattr(redaction, "_pattern", None)


CREDENTIAL_NAMES = [
    "X-Api-Key",
    "x-api-key",
    "X-API-KEY",
    "apiKey",
    "access-token",
    "subscription-key",
    "Ocp-Apim-Subscription-Key",
    "client_secret",
    "auth",
    "signature",
    "X-Amz-Signature",
    "X-Goog-Credential",
    "api_keys",
]


@pytest.mark.parametrize("name", CREDENTIAL_NAMES)
def test_a_credential_query_parameter_is_blanked_whatever_its_spelling(fresh, name):
    url = f"http://127.0.0.1:8000/v1?a=1&{name}={SECRET}&b=2"
    out = redaction.redact(url)
    assert SECRET not in out and out == f"http://127.0.0.1:8000/v1?a=1&{name}={redaction.MARK}&b=2"
    assert redaction.url_credentials(url) == [SECRET]  # registered too, so every spelling is blanked


@pytest.mark.slow
def test_a_run_with_header_like_credential_parameters_in_base_url_writes_none(tmp_path):
    rows = [
        {"doc_id": f"d{i}", "source": "The council met. It approved a budget.", "reference": "- ok"} for i in range(3)
    ]
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    with FakeOpenAI() as server:
        host = server.url.split("://", 1)[1]
        run = run_cli(
            "run",
            "model=gpt-4o-mini",
            f"model.base_url='http://{host}?X-Api-Key={SECRET}&Ocp-Apim-Subscription-Key={SECRET}2'",
            "model.api_key_env=HARNESS_TEST_OK_KEY",
            "dataset=local",
            f"dataset.path={tmp_path / 'docs.jsonl'}",
            "metrics=[format]",
            f"results_dir={tmp_path / 'res'}",
            cwd=tmp_path,
            env={"HARNESS_TEST_OK_KEY": "sk-plain-key-123456"},
        )
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.name == "config.yaml" and path.parent.name == ".hydra" for path in written)
    assert any(path.name == "config.yaml" and path.parent.name != ".hydra" for path in written)
    leaks = [path for path in written if SECRET.encode() in path.read_bytes()]
    assert leaks == [] and SECRET not in run.stdout + run.stderr


@pytest.mark.parametrize("name", ["monkey", "author", "keyboard", "sigma", "api-version", "model", "tokenizer"])
def test_a_parameter_whose_name_only_contains_a_credential_word_is_left_alone(fresh, name):
    url = f"http://h/v1?{name}=plain-value-123"
    assert redaction.redact(url) == url and redaction.url_credentials(url) == []


def test_a_credential_after_an_ordinary_parameter_separated_by_a_semicolon_is_blanked(fresh):
    out = redaction.redact(f"http://h/v1?a=1;X-Api-Key={SECRET}")
    assert SECRET not in out and out.endswith(f";X-Api-Key={redaction.MARK}")


# ---- a credential variable holding bytes that are not UTF-8 ----------------------------------


def test_a_secret_with_undecodable_bytes_is_registered_in_its_spellings(fresh):
    raw = SECRET + "\udcff\udcfe"  # how Python holds an environment variable's bytes \xff\xfe
    redaction.add([raw])
    assert redaction.redact(f"x {raw} y") == f"x {redaction.MARK} y"
    assert SECRET not in redaction.redact(f"http://h/?u={SECRET}%FF%FE")


def run_with_bytes_env(tmp_path: Path, extra_env: dict[bytes, bytes], *args: str) -> subprocess.CompletedProcess:
    """`harness run ...` with environment variables holding raw bytes (a shell's $'\\xff')."""
    env = {k.encode(): v.encode() for k, v in os.environ.items()} | extra_env
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", *args, f"results_dir={tmp_path / 'res'}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=300,
    )
    return proc


@pytest.mark.parametrize(
    "variable, args",
    [
        ("HARNESS_TEST_ATTACK_KEY", ["model=gpt-4o-mini", "model.api_key_env=HARNESS_TEST_ATTACK_KEY"]),
        (
            "HARNESS_TEST_ATTACK_TOKEN",
            [
                "model=gpt-4o-mini",
                "model.api_key_env=HARNESS_TEST_OK_KEY",
                "+model.generation.user=${oc.env:HARNESS_TEST_ATTACK_TOKEN}",
            ],
        ),
    ],
)
def test_a_credential_variable_with_bytes_that_are_not_utf8_is_refused_naming_it(tmp_path, variable, args):
    run = run_with_bytes_env(
        tmp_path,
        {variable.encode(): SECRET.encode() + b"\xff\xfe", b"HARNESS_TEST_OK_KEY": b"sk-plain-key-123456"},
        *args,
    )
    err = run.stderr.decode("utf-8", "replace")
    assert run.returncode == 2, err
    assert variable in err and "Traceback" not in err and SECRET not in err
    assert SECRET not in run.stdout.decode("utf-8", "replace")
    assert not (tmp_path / "res").exists()


# ---- a base_url with a fragment ---------------------------------------------------------------


def test_a_base_url_with_a_fragment_is_refused_without_echoing_it():
    from harness.errors import ConfigError
    from harness.models.openai_compat import OpenAIOptions

    with pytest.raises(ConfigError) as caught:
        OpenAIOptions(model_id="m", base_url=f"http://127.0.0.1:8000/v1#{SECRET}")
    message = str(caught.value)
    assert message.startswith("model.base_url:") and "fragment" in message and SECRET not in message
    OpenAIOptions(model_id="m", base_url="http://127.0.0.1:8000/v1")  # without one it passes


def test_a_base_url_with_a_fragment_is_refused_before_anything_is_written(tmp_path):
    run = run_cli(
        "run",
        "model=gpt-4o-mini",
        f"model.base_url='http://127.0.0.1:9/v1#{SECRET}'",
        "model.api_key_env=HARNESS_TEST_OK_KEY",
        f"results_dir={tmp_path / 'res'}",
        cwd=tmp_path,
        env={"HARNESS_TEST_OK_KEY": "sk-plain-key-123456"},
        check=False,
    )
    assert run.returncode == 2 and "model.base_url" in run.stderr and "fragment" in run.stderr
    assert SECRET not in run.stdout + run.stderr
    assert not (tmp_path / "res").exists() and not (tmp_path / "outputs").exists()


# ---- labels with terminal escapes ---------------------------------------------------------------

HOSTILE_LABEL = "\x1b[31mred\x1b]0;title\x07"


@pytest.mark.slow
def test_a_label_with_terminal_escapes_is_shown_inert_in_the_log_line_and_progress_bar(tmp_path):
    (tmp_path / "cfg" / "model").mkdir(parents=True)
    (tmp_path / "cfg" / "model" / "evil.yaml").write_text(
        json.dumps({"defaults": ["lead", "_self_"], "label": HOSTILE_LABEL})  # JSON is YAML
    )
    rows = [
        {"doc_id": f"d{i}", "source": "The council met. It approved a budget.", "reference": "- ok"} for i in range(3)
    ]
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    run = run_cli(
        "run",
        "--config-dir",
        str(tmp_path / "cfg"),
        "model=evil",
        "dataset=local",
        f"dataset.path={tmp_path / 'docs.jsonl'}",
        "metrics=[format]",
        f"results_dir={tmp_path / 'res'}",
        cwd=tmp_path,
    )
    shown = "\\u001b[31mred\\u001b]0;title\\u0007"
    out = run.stdout + run.stderr
    assert "\x1b" not in out and "\x07" not in out
    assert f"run {shown}: model evil" in out and f"generate {shown}:" in run.stderr


@pytest.mark.parametrize(
    "name", ["SK_ATTACK_8C43FC7B37153A8A2BAF11B6", "SK_PROJ_A1B2C3D4E5F6G7H8", "KEY_0123456789ABCDEF"]
)
def test_a_pasted_key_shaped_like_a_variable_name_is_not_echoed(name):
    from harness.config.env_names import unset_message

    message = unset_message("model.api_key_env", name)
    assert name not in message and "8C43" not in message and "named by model.api_key_env" in message


@pytest.mark.parametrize("name", ["OPENAI_API_KEY", "HF_TOKEN_2", "AZURE_OPENAI_KEY_V2", "MY_KEY_20240601"])
def test_an_ordinary_variable_name_is_still_named(name):
    from harness.config.env_names import unset_message

    assert f"the environment variable {name} is not set" in unset_message("model.api_key_env", name)
