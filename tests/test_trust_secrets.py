"""Trust, round two, class 1: secrets by other roads than `api_key_env`.

A credential inside a base_url (user:password@, ?api-key=), an environment variable holding a key
interpolated into another option (${oc.env:...}), a key with stray whitespace or a line ending:
none reaches a file under the results folder, Hydra's own files, a log, stdout or stderr (a
failing run's traceback too), the HTML report or the MLflow store; where it would become part of
a name (a run folder, a label) the run is refused, naming the option and never the value.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from pathlib import Path

import pytest
from conftest import run_cli
from openai_server import FakeOpenAI

from harness import fileio, redaction
from harness.config.env_names import config_secrets, credential_variables
from harness.errors import ConfigError
from harness.run import credentials
from harness.run.preflight import check_env_set

PASSWORD = "pw-Userinfo-7f3a9c1e55"
QUERY_KEY = "qk-Query-0b8d2e4f6a"
LABEL_KEY = "lk-Label-91c3e5a7b2"
GEN_TOKEN = "gt-Generation-4d6f8a0c2e"
HEADER_KEY = "sk-Header-13579bdf02"


@pytest.fixture
def fresh(monkeypatch):
    """An empty secret registry for the test (the process-wide one is restored after)."""
    monkeypatch.setattr(redaction, "_values", set())
    monkeypatch.setattr(redaction, "_pattern", None)


# ---- the layer: what is blanked, and what is left alone -------------------------------------


@pytest.mark.parametrize(
    "text, secret",
    [
        (f"http://alice:{PASSWORD}@host:8000/v1", PASSWORD),
        (f"https://{PASSWORD}@github.com/x.git", PASSWORD),  # a token as the user name
        (f"postgresql://bob:{PASSWORD}@db.example/mlflow", PASSWORD),
        (f"https://x.openai.azure.com/v1?api-version=2024&api-key={QUERY_KEY}", QUERY_KEY),
        (f"https://generativelanguage.googleapis.com/v1?key={QUERY_KEY}", QUERY_KEY),
        (f"https://h/v1?a=1&token={QUERY_KEY}&b=2", QUERY_KEY),
        (f"https://h/v1?access_token={QUERY_KEY}", QUERY_KEY),
        (f"https://h/callback#access_token={QUERY_KEY}", QUERY_KEY),  # OAuth's implicit flow
        (f"https://blob.example/c?sv=2022&sig={QUERY_KEY}", QUERY_KEY),
        (f"error at 'http://u:{PASSWORD}@h/v1': refused", PASSWORD),
        (f'{{"base_url": "http://u:{PASSWORD}@h/v1?API_KEY={QUERY_KEY}"}}', QUERY_KEY),
        (f"http://h/v1?API_KEY={QUERY_KEY}", QUERY_KEY),
        (f"a=1&amp;key={QUERY_KEY}", QUERY_KEY),  # inside HTML
    ],
)
def test_url_credentials_are_blanked_by_their_form(fresh, text, secret):
    out = redaction.redact(text)
    assert PASSWORD not in out and QUERY_KEY not in out and redaction.MARK in out
    before, after = text.split(secret)[0].rsplit("//", 1)[0], text.split(secret)[-1]
    assert before in out and after in out  # the rest stays readable


@pytest.mark.parametrize(
    "text",
    [
        "https://api.openai.com/v1",
        "sqlite:////tmp/results/mlflow.db",
        "file:///tmp/mlartifacts",
        "mail alice@example.com about the key points",
        "https://h/v1?api-version=2024-02-01&model=x",
        "- The key=value store was approved.",
        "monkey=3 donkey=4",
    ],
)
def test_ordinary_text_is_left_alone(fresh, text):
    assert redaction.redact(text) == text


def test_a_registered_secret_is_blanked_in_every_spelling(fresh):
    redaction.add([f"  {HEADER_KEY}\r\n"])  # pasted with a space and a Windows line ending
    for text in (
        HEADER_KEY,
        repr(f"Bearer {HEADER_KEY}\r\n"),
        json.dumps({"k": f"{HEADER_KEY}\r\n"}),
        f"b'Authorization: Bearer {HEADER_KEY}\\r\\n'",
    ):
        assert HEADER_KEY not in redaction.redact(text), text
    odd = 'p@ss"w\\rd-long'
    redaction.add([odd])
    assert "ss" not in redaction.redact(json.dumps({"k": odd}))
    assert "ss" not in redaction.redact("http://h/?x=" + "p%40ss%22w%5Crd-long")


def test_a_value_too_short_to_search_for_is_not_blanked_in_ordinary_text(fresh):
    redaction.add(["abc", ""])
    assert redaction.redact("abc abc") == "abc abc"


def test_every_file_write_goes_through_the_layer(fresh, tmp_path):
    redaction.add([HEADER_KEY])
    fileio.atomic_write_text(tmp_path / "a.txt", f"key {HEADER_KEY}")
    fileio.atomic_write_json(tmp_path / "b.json", {"k": HEADER_KEY, "url": f"http://u:{PASSWORD}@h"})
    fileio.atomic_write_jsonl(tmp_path / "c.jsonl", [{"k": HEADER_KEY}])
    fileio.create_exclusive_text(tmp_path / "d.txt", HEADER_KEY)
    fileio.create_unique_text(tmp_path / "d.txt", HEADER_KEY)
    fileio.append_line_durably(tmp_path / "e.jsonl", json.dumps({"text": HEADER_KEY}))
    files = sorted(tmp_path.iterdir())
    assert len(files) == 6
    for path in files:
        text = path.read_text()
        assert HEADER_KEY not in text and PASSWORD not in text and redaction.MARK in text, path
    assert json.loads((tmp_path / "b.json").read_text())["k"] == redaction.MARK  # still valid JSON


def test_meta_eval_outputs_are_written_through_the_layer(fresh, tmp_path):
    from harness.fileio import write_numbered_set  # what harness meta-eval writes its results with

    redaction.add([HEADER_KEY])
    payload = json.dumps({"signature": f"judge|key:{HEADER_KEY}"})
    write_numbered_set(tmp_path, "meta_eval", lambda stem: {f"{stem}.json": payload})
    text = (tmp_path / "meta_eval.json").read_text()
    assert HEADER_KEY not in text and json.loads(text)["signature"] == "judge|key:REDACTED"
    assert [p.name for p in tmp_path.iterdir()] == ["meta_eval.json"]  # no temporary left


def test_log_records_are_redacted_message_and_traceback(fresh):
    redaction.add([LABEL_KEY])
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger = logging.getLogger("test_trust_secrets")
    logger.addHandler(handler)
    try:
        logger.error("calling %s with %s", f"http://u:{PASSWORD}@h", LABEL_KEY)
        try:
            raise RuntimeError(f"server said: bad key {LABEL_KEY!r}")
        except RuntimeError:
            logger.exception("request failed")
    finally:
        logger.removeHandler(handler)
    text = out.getvalue()
    assert "Traceback" in text and "request failed" in text and "calling" in text
    assert LABEL_KEY not in text and PASSWORD not in text


def test_stdout_and_stderr_are_redacted_inside_a_command_and_restored_after(fresh, capsys):
    redaction.add([GEN_TOKEN])
    before = sys.stdout, sys.stderr
    with redaction.redacted_streams():
        print(f"token {GEN_TOKEN}")
        print(f"url http://u:{PASSWORD}@h", file=sys.stderr)
    assert (sys.stdout, sys.stderr) == before
    out, err = capsys.readouterr()
    assert "token REDACTED" in out and GEN_TOKEN not in out
    assert "url http://REDACTED@h" in err and PASSWORD not in err


# ---- which values are secrets ------------------------------------------------------------------


def test_config_secrets_are_env_named_interpolated_credentials_and_url_parts():
    environ = {
        "HKEY": HEADER_KEY,  # named by an *_env option
        "MY_API_KEY": LABEL_KEY,  # credential-named and interpolated
        "SERVICE_TOKEN": "tok-not-used-anywhere",  # credential-named, not in the config
        "HOME_DIR": "/home/someone",  # in the config but not a credential
    }
    config = {
        "model": {"api_key_env": "HKEY", "base_url": f"http://alice:{PASSWORD}@h/v1?api-key={QUERY_KEY}&x=1"},
        "run_label": f"x-{LABEL_KEY}",
        "dataset": {"path": "/home/someone/data.jsonl"},
    }
    assert config_secrets(config, environ) == {HEADER_KEY, LABEL_KEY, "alice", PASSWORD, QUERY_KEY}


@pytest.mark.parametrize(
    "name, credential",
    [
        *[(n, True) for n in ("OPENAI_API_KEY", "HF_TOKEN", "GITHUB_TOKEN", "DB_PASSWORD", "MY_SECRET")],
        *[(n, True) for n in ("AWS_SECRET_ACCESS_KEY", "ANTHROPIC_KEY", "MLFLOW_TRACKING_PASSWORD", "api_key")],
        *[(n, False) for n in ("TOKENIZERS_PARALLELISM", "XAUTHORITY", "HOME", "PATH", "KEYBOARD", "MONKEY")],
        *[(n, False) for n in ("PWD", "OLDPWD", "SSH_AUTH_SOCK")],  # paths a config may hold
    ],
)
def test_credential_variables_are_told_by_whole_parts_of_their_name(name, credential):
    assert (name in credential_variables({name: "some-value-123"})) is credential


@pytest.mark.parametrize("option", credentials.NAME_OPTIONS)
def test_a_credential_in_a_name_is_refused_naming_the_option_not_the_value(fresh, monkeypatch, option):
    monkeypatch.setenv("MY_API_KEY", LABEL_KEY)
    config: object = f"runs-{LABEL_KEY}"
    for part in reversed(option.split(".")):
        config = {part: config}
    with pytest.raises(ConfigError) as caught:
        credentials.guard(config)
    assert str(caught.value).startswith(f"{option}: holds a credential")
    assert LABEL_KEY not in str(caught.value)


def test_a_url_password_in_a_label_is_refused_even_when_no_variable_holds_it(fresh):
    with pytest.raises(ConfigError, match="run_label"):
        credentials.guard({"run_label": f"http://u:{PASSWORD}@h"})


@pytest.mark.parametrize(
    "hydra",
    [
        {"run": {"dir": "out/${oc.env:MY_API_KEY}"}},
        {"sweep": {"dir": "multirun", "subdir": "${hydra.job.num}_${oc.env:MY_API_KEY,none}"}},
        {"sweep": {"dir": "${env:MY_API_KEY}"}},
        {"run": {"dir": f"out/http://u:{PASSWORD}@h"}},
    ],
)
def test_hydra_output_folders_interpolating_a_credential_are_refused(fresh, monkeypatch, hydra):
    monkeypatch.setenv("MY_API_KEY", LABEL_KEY)
    with pytest.raises(ConfigError, match=r"^hydra\.(run|sweep)\.(dir|subdir): holds a credential") as caught:
        credentials.guard_output_dirs(hydra)
    assert LABEL_KEY not in str(caught.value) and PASSWORD not in str(caught.value)


def test_hydra_output_folders_from_plain_variables_pass(fresh, monkeypatch):
    monkeypatch.setenv("HARNESS_TEST_OUT", LABEL_KEY)
    credentials.guard_output_dirs({"run": {"dir": "out/${oc.env:HARNESS_TEST_OUT}"}, "sweep": {"dir": "multirun"}})


def test_a_plain_label_passes(fresh, monkeypatch):
    monkeypatch.setenv("MY_API_KEY", LABEL_KEY)
    credentials.guard({"run_label": "gpt-4o-mini", "model": {"label": "mine"}, "experiment_name": "default"})


@pytest.mark.parametrize("value", [f"{HEADER_KEY}\n", f"{HEADER_KEY}\r\n", f" {HEADER_KEY}", f"{HEADER_KEY} x"])
def test_a_key_with_stray_whitespace_is_refused_at_start_up_unechoed(monkeypatch, value):
    monkeypatch.setenv("HARNESS_TEST_KEY", value)
    with pytest.raises(ConfigError) as caught:
        check_env_set({"model": {"api_key_env": "HARNESS_TEST_KEY"}})
    message = str(caught.value)
    assert "model.api_key_env" in message and "HARNESS_TEST_KEY" in message and "line ending" in message
    assert HEADER_KEY not in message


def test_hydra_files_are_scrubbed_in_place(fresh, tmp_path):
    redaction.add([GEN_TOKEN])
    hydra_dir = tmp_path / ".hydra"
    hydra_dir.mkdir()
    (hydra_dir / "overrides.yaml").write_text(f"- model.base_url='http://u:{PASSWORD}@h/v1'\n- +x={GEN_TOKEN}\n")
    (hydra_dir / "config.yaml").write_text("seed: 0\n")
    for name in ("overrides.yaml", "config.yaml"):
        credentials.scrub_file(hydra_dir / name)
    text = (hydra_dir / "overrides.yaml").read_text()
    assert PASSWORD not in text and GEN_TOKEN not in text and "model.base_url" in text
    assert (hydra_dir / "config.yaml").read_text() == "seed: 0\n"


# ---- every sink of real runs, through the CLI --------------------------------------------------


PLANTED = (PASSWORD, QUERY_KEY, LABEL_KEY, GEN_TOKEN, HEADER_KEY)


def assert_nowhere(tmp: Path, procs, secrets=PLANTED) -> list[Path]:
    """No secret in stdout or stderr of any command, nor in any file written under `tmp`
    (results, Hydra's files, the cache, the report, the MLflow store); returns the files checked."""
    checked = [p for p in tmp.rglob("*") if p.is_file() and p.parent != tmp / "in"]
    for proc in procs:
        for secret in secrets:
            assert secret not in proc.stdout and secret not in proc.stderr, (secret, proc.args)
    for path in checked:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, f"{secret} written to {path}"
    return checked


def write_docs(path: Path, n: int) -> Path:
    rows = [
        {"doc_id": f"d{i}", "source": "The council met. It approved a budget. Schools get more.", "reference": "- ok"}
        for i in range(n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    write_docs(tmp_path / "in" / "docs.jsonl", 3)
    return tmp_path


def server_args(tmp: Path, server: FakeOpenAI, *extra: str) -> list[str]:
    host = server.url.split("://", 1)[1]
    return [
        "model=gpt-4o-mini",
        f"model.base_url='http://alice:{PASSWORD}@{host}?api-key={QUERY_KEY}'",
        "model.api_key_env=HARNESS_TEST_HEADER_KEY",
        "+model.generation.user=${oc.env:HARNESS_TEST_GEN_TOKEN}",
        "dataset=local",
        f"dataset.path={tmp / 'in' / 'docs.jsonl'}",
        "metrics=[format,rouge]",
        "bootstrap_samples=100",
        f"results_dir={tmp / 'res'}",
        *extra,
    ]


ENV = {"HARNESS_TEST_HEADER_KEY": HEADER_KEY, "HARNESS_TEST_GEN_TOKEN": GEN_TOKEN, "MY_API_KEY": LABEL_KEY}


@pytest.mark.slow
def test_a_run_with_secrets_by_every_road_writes_none_report_and_mlflow_included(tmp):
    pytest.importorskip("mlflow")
    pytest.importorskip("sqlalchemy")
    with FakeOpenAI() as server:
        run = run_cli("run", *server_args(tmp, server, "tracking=mlflow"), cwd=tmp, env=ENV, check=False)
        seen = list(server.seen)
    assert run.returncode == 0, run.stderr[-3000:]
    # the secrets were really used: the key in the header, the generation option in the body
    assert seen and all(s.authorization == f"Bearer {HEADER_KEY}" for s in seen)
    assert all(s.body.get("user") == GEN_TOKEN for s in seen)
    (folder,) = [p.parent for p in (tmp / "res").rglob("run.json") if "mlartifacts" not in p.parts]
    assert {"config.yaml", "overrides.yaml", "hydra.yaml"} <= {p.name for p in folder.rglob("*.yaml")}
    assert (tmp / "res" / "mlflow.db").is_file() and json.loads((folder / "run.json").read_text())["tracking"]["run_id"]
    report = run_cli("report", str(tmp / "res"), "--out", str(tmp / "report.html"), cwd=tmp, env=ENV, check=False)
    compare = run_cli("compare", str(tmp / "res"), "--out", str(tmp / "table"), cwd=tmp, env=ENV, check=False)
    assert report.returncode == 0 and compare.returncode == 0, report.stderr[-2000:] + compare.stderr[-2000:]
    checked = assert_nowhere(tmp, [run, report, compare])
    assert tmp / "report.html" in checked and tmp / "res" / "mlflow.db" in checked
    assert "REDACTED" in (folder / "config.yaml").read_text()  # the URL is kept, its credentials blanked


@pytest.mark.slow
def test_a_sweep_keeps_secrets_out_of_multirun_yaml_and_every_job(tmp):
    with FakeOpenAI() as server:
        run = run_cli(
            "run", "-m", *server_args(tmp, server, "model.max_concurrency=1,2"), cwd=tmp, env=ENV, check=False
        )
    assert run.returncode == 0, run.stderr[-3000:]
    checked = assert_nowhere(tmp, [run])
    assert any(p.name == "multirun.yaml" for p in checked)
    assert len([p for p in checked if p.name == "run.json"]) == 2


SALTED_METRIC = """
from dataclasses import dataclass
from harness.metrics.base import Metric, Scored


@dataclass
class Options:
    salt: str = ""


class Salted(Metric):
    name = "salted"
    fields = {"n": "bullets"}
    lower_is_better = frozenset()
    no_direction = frozenset()
    requires = frozenset()
    Options = Options

    def score(self, examples, summaries):
        return [Scored({"n": float(len(s.bullets))}) for s in summaries]
"""


@pytest.mark.slow
def test_a_rescore_with_a_metric_option_from_a_credential_variable_writes_none(tmp):
    (tmp / "in" / "salted.py").write_text(SALTED_METRIC)
    (tmp / "in" / "metrics").mkdir()
    (tmp / "in" / "metrics" / "salted.yaml").write_text(
        "salted:\n  _target_: salted.Salted\n  salt: ${oc.env:MY_API_KEY}\n"
    )
    env = {**ENV, "PYTHONPATH": str(tmp / "in")}
    data = f"dataset.path={tmp / 'in' / 'docs.jsonl'}"
    run = run_cli(
        "run", "model=lead", "dataset=local", data, "metrics=[format]", f"results_dir={tmp / 'res'}", cwd=tmp, env=env
    )
    (folder,) = [p.parent for p in (tmp / "res").rglob("run.json")]
    score = run_cli("score", str(folder), "--config-dir", str(tmp / "in"), "--metrics", "salted", cwd=tmp, env=env)
    assert "salted/n" in (folder / "metrics.json").read_text()
    assert "salt: REDACTED" in (folder / "config.yaml").read_text()
    assert_nowhere(tmp, [run, score])


LEAKY_METRIC = """
from dataclasses import dataclass
from harness.metrics.base import Metric


@dataclass
class Options:
    salt: str = ""


class Leaky(Metric):
    name = "leaky"
    fields = {"x": "never computed"}
    lower_is_better = frozenset()
    no_direction = frozenset()
    requires = frozenset()
    Options = Options

    def score(self, examples, summaries):
        raise RuntimeError(f"the store refused {self.options.salt!r}\\r\\n")
"""


@pytest.mark.slow
def test_a_failing_runs_traceback_and_recorded_error_hold_no_secret(tmp):
    (tmp / "in" / "leaky.py").write_text(LEAKY_METRIC)
    (tmp / "in" / "metrics").mkdir()
    (tmp / "in" / "metrics" / "leaky.yaml").write_text(
        "leaky:\n  _target_: leaky.Leaky\n  salt: ${oc.env:MY_API_KEY}\n"
    )
    run = run_cli(
        "run",
        "--config-dir",
        str(tmp / "in"),
        "model=lead",
        "dataset=local",
        f"dataset.path={tmp / 'in' / 'docs.jsonl'}",
        "metrics=[format,leaky]",
        f"results_dir={tmp / 'res'}",
        cwd=tmp,
        env={**ENV, "PYTHONPATH": str(tmp / "in")},
        check=False,
    )
    assert run.returncode == 1, run.stderr[-3000:]
    assert "Traceback" in run.stdout + run.stderr and "the store refused" in run.stdout + run.stderr
    (folder,) = [p.parent for p in (tmp / "res").rglob("run.json")]
    info = json.loads((folder / "run.json").read_text())
    assert info["status"] == "failed" and "the store refused" in info["error"]
    assert "Traceback" in (folder / "run.log").read_text()
    assert_nowhere(tmp, [run])


@pytest.mark.slow
@pytest.mark.parametrize(
    "override, option",
    [
        ("run_label=${oc.env:MY_API_KEY}", "run_label"),
        ("+model.label=${oc.env:MY_API_KEY}", "model.label"),
        ("experiment_name=exp-${oc.env:MY_API_KEY}", "experiment_name"),
        ("run_label='http://alice:" + PASSWORD + "@h'", "run_label"),
        ("hydra.run.dir=out/${oc.env:MY_API_KEY}", "hydra.run.dir"),
    ],
)
def test_a_credential_that_would_name_a_run_folder_is_refused_before_anything_is_written(tmp, override, option):
    run = run_cli(
        "run", "model=lead", "metrics=[format]", override, f"results_dir={tmp / 'res'}", cwd=tmp, env=ENV, check=False
    )
    assert run.returncode == 2, run.stderr[-3000:]
    assert f"{option}: holds a credential" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp / "res").exists() and not (tmp / "outputs").exists() and not (tmp / "multirun").exists()
    assert_nowhere(tmp, [run])


@pytest.mark.slow
@pytest.mark.slow
def test_a_credential_copied_onto_the_command_line_is_not_echoed_by_a_start_up_error(tmp):
    run = run_cli(
        "run", "model=lead", f"prompt={LABEL_KEY}", f"results_dir={tmp / 'res'}", cwd=tmp, env=ENV, check=False
    )
    assert run.returncode == 2 and "unknown prompt 'REDACTED'" in run.stderr, run.stderr[-2000:]
    assert_nowhere(tmp, [run])


@pytest.mark.slow
def test_a_printed_resolved_config_shows_no_interpolated_credential(tmp):
    run = run_cli(
        "run", "model=lead", "+model.note=${oc.env:MY_API_KEY}", "--cfg", "job", "--resolve", env=ENV, cwd=tmp
    )
    assert "note: REDACTED" in run.stdout
    assert_nowhere(tmp, [run])


def test_a_key_with_a_line_ending_is_refused_through_the_cli_unechoed(tmp):
    run = run_cli(
        "run",
        "model=gpt-4o-mini",
        "model.api_key_env=HARNESS_TEST_HEADER_KEY",
        f"results_dir={tmp / 'res'}",
        cwd=tmp,
        env={"HARNESS_TEST_HEADER_KEY": f"{HEADER_KEY}\r\n"},
        check=False,
    )
    assert run.returncode == 2 and "model.api_key_env" in run.stderr and "line ending" in run.stderr
    assert not (tmp / "res").exists()
    assert_nowhere(tmp, [run])
