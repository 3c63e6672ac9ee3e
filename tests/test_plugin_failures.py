"""A plugin that misbehaves while it runs (calls sys.exit, returns values of the wrong type or
count) fails the run naming the plugin and the rule it broke, through the real CLI; one that exits
while being imported is a config error naming its class path."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import pytest
from conftest import run_cli
from test_plugins import env_for, local_data_args, meta_eval_args, plugin, plugin_cli, plugin_run  # noqa: F401  (the fixture: plugin module, configs, inputs)

from harness.errors import TERMINATION_SIGNALS

FAILING = '''
"""Plugins that break the rules at run time."""

import math
from dataclasses import dataclass

from harness.metrics.base import Metric, Scored
from harness.models.base import Backend, Generation


class Exits(Metric):
    name = "exits"
    fields = {"v": "a value"}

    def score(self, examples, summaries):
        raise SystemExit(0)


@dataclass
class EmitsOptions:
    kind: str = "str"


VALUES = {"str": "0.5", "word": "high", "inf": math.inf, "-inf": -math.inf, "bool": True, "nan": math.nan}


class Emits(Metric):
    """1.0 for every document but b, which gets the value `kind` names."""

    name = "emits"
    fields = {"v": "a value"}
    Options = EmitsOptions

    def score(self, examples, summaries):
        return [Scored({"v": VALUES[self.options.kind] if e.doc_id == "b" else 1.0}) for e in examples]


class TooFew(Metric):
    name = "toofew"
    fields = {"v": "a value"}

    def score(self, examples, summaries):
        return [Scored({"v": 1.0}) for _ in summaries[1:]]


@dataclass
class BadOptions:
    kind: str = "short"


class BadBackend(Backend):
    """The good documents right (first); the others as `kind` says: missing, a str, a dict,
    or a Generation whose text is a number."""

    Options = BadOptions

    def completions(self, requests):
        good = {"a", "c"} if self.options.kind == "int" else {"a"}
        for i in sorted(range(len(requests)), key=lambda i: requests[i].doc_id not in good):
            if requests[i].doc_id in good:
                yield i, Generation("- " + requests[i].source, finish_reason="stop")
            elif self.options.kind == "str":
                yield i, "- a bullet"
            elif self.options.kind == "dict":
                yield i, {"text": "- a bullet"}
            elif self.options.kind == "int":
                yield i, Generation(123)
            elif self.options.kind == "position":
                yield len(requests) + i, Generation("- a bullet")


class ShortBatch(Backend):
    def generate(self, requests):
        return [Generation("- " + r.source) for r in requests][1:]


class ExitingBackend(Backend):
    def generate(self, requests):
        raise SystemExit(0)
'''


@pytest.fixture
def failing(plugin):  # noqa: F811
    (plugin / "src" / "failplug.py").write_text(FAILING)
    (plugin / "src" / "exit0.py").write_text("import sys\n\nsys.exit(0)\n")
    (plugin / "src" / "exit3.py").write_text("import sys\n\nsys.exit(3)\n")
    conf = plugin / "conf"
    (conf / "metrics" / "exits.yaml").write_text("exits:\n  _target_: failplug.Exits\n")
    (conf / "metrics" / "exit0.yaml").write_text("exit0:\n  _target_: exit0.X\n")
    (conf / "metrics" / "exit3.yaml").write_text("exit3:\n  _target_: exit3.X\n")
    for kind in ("str", "word", "inf", "-inf", "bool", "nan"):
        (conf / "metrics" / f"emits_{kind}.yaml").write_text(
            f"emits_{kind}:\n  _target_: failplug.Emits\n  kind: '{kind}'\n"
        )
    (conf / "metrics" / "toofew.yaml").write_text("toofew:\n  _target_: failplug.TooFew\n")
    for kind in ("short", "str", "dict", "int", "position"):
        (conf / "model" / f"bad_{kind}.yaml").write_text(f"_target_: failplug.BadBackend\nkind: {kind}\n")
    (conf / "model" / "short_batch.yaml").write_text("_target_: failplug.ShortBatch\n")
    (conf / "model" / "exiting.yaml").write_text("_target_: failplug.ExitingBackend\n")
    return plugin


def run(root: Path, *overrides: str):
    return plugin_run(root, *overrides, check=False)


def run_info(results: Path) -> dict:
    [run_json] = list(results.rglob("run.json"))
    return json.loads(run_json.read_text())


@pytest.mark.slow
def test_a_metric_calling_sys_exit_fails_run_and_score(failing):
    proc = run(failing, "model=lead", "metrics=[exits]")
    assert proc.returncode == 1, proc.stderr
    info = run_info(failing / "results")
    assert info["status"] == "failed"
    assert "metric 'exits'" in info["error"] and "called sys.exit(0)" in info["error"]
    assert "called sys.exit(0)" in proc.stderr

    results = failing / "results2"
    run(failing, "model=lead", "metrics=[format]", f"results_dir={results}")
    [folder] = [p.parent for p in results.rglob("run.json")]
    proc = plugin_cli(
        failing,
        "score",
        str(folder),
        "--config-dir",
        str(failing / "conf"),
        "--metrics",
        "exits",
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "metric 'exits'" in proc.stderr and "called sys.exit(0)" in proc.stderr
    assert "please report" not in proc.stderr
    info = run_info(results)  # the finished run stays finished; the failed attempt is recorded
    assert info["status"] == "done" and "called sys.exit(0)" in info["rescore_failed"]["error"]


def test_a_backend_calling_sys_exit_fails_the_run(failing):
    proc = run(failing, "model=exiting", "metrics=[format]")
    assert proc.returncode == 1, proc.stderr
    info = run_info(failing / "results")
    assert info["status"] == "failed"
    assert "failplug.ExitingBackend" in info["error"] and "called sys.exit(0)" in info["error"]


@pytest.mark.parametrize("module", ["exit0", "exit3"])
def test_a_module_exiting_at_import_is_a_config_error(failing, module):
    code = module[-1]
    proc = run(failing, "model=lead", f"metrics=[{module}]")
    assert proc.returncode == 2, proc.stderr
    assert f"{module}.X" in proc.stderr and f"called sys.exit({code})" in proc.stderr
    assert not (failing / "results").exists() or not list((failing / "results").rglob("run.json"))

    proc = plugin_cli(
        failing,
        *meta_eval_args(failing, f"{module}:X"),
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert f"{module}:X" in proc.stderr and f"called sys.exit({code})" in proc.stderr


def test_an_entry_point_exiting_at_import_is_marked_in_list_and_the_rest_listed(failing):
    dist = failing / "src" / "exitplug-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: exitplug\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[harness.metrics]\nexits_ep = exit3:X\n")
    proc = run_cli("list", "metrics", env=env_for(failing / "src"), cwd=failing, check=False)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"exits_ep  cannot be loaded \(.*exit3.*called sys\.exit\(3\)", proc.stdout)
    assert "rouge/rouge1" in proc.stdout  # the rest is listed


@pytest.mark.parametrize("kind", ["str", "word", "inf", "-inf", "bool"])
def test_a_metric_value_that_is_not_a_finite_number_fails_the_run(failing, kind):
    proc = run(failing, "model=lead", f"metrics=[emits_{kind}]")
    assert proc.returncode == 1, proc.stderr
    info = run_info(failing / "results")
    assert info["status"] == "failed"
    for part in (f"metric 'emits_{kind}'", "field 'v'", "document 'b'"):
        assert part in info["error"] and part in proc.stderr
    assert "please report" not in proc.stderr


def test_a_nan_value_is_left_out_and_counted_missing(failing):
    proc = run(failing, "model=lead", "metrics=[emits_nan]")
    assert proc.returncode == 0, proc.stderr
    [metrics] = list((failing / "results").rglob("metrics.json"))
    field = json.loads(metrics.read_text())["fields"]["emits_nan/v"]
    assert field["n"] == 2 and field["missing"] == 1 and field["mean"] == 1.0


def test_a_metric_returning_too_few_results_is_blamed_in_run_and_meta_eval(failing):
    proc = run(failing, "model=lead", "metrics=[toofew]")
    assert proc.returncode == 1, proc.stderr
    assert "metric 'toofew'" in proc.stderr and "2 results for 3 summaries" in proc.stderr
    assert "failed" == run_info(failing / "results")["status"]
    proc = plugin_cli(
        failing,
        *meta_eval_args(failing, "failplug.TooFew"),
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "metric 'toofew'" in proc.stderr and "5 results for 6 summaries" in proc.stderr
    assert "please report" not in proc.stderr


@pytest.mark.parametrize(
    "kind, rule",
    [
        ("short", "gave 1 generations for 3 requests"),
        ("short_batch", "returned 2 outputs for 3 requests"),
        ("position", "yielded the position 3"),
        ("str", "gave a str for document"),
        ("dict", "gave a dict for document"),
        ("int", "text must be a str"),
    ],
)
def test_a_backend_breaking_its_contract_fails_the_run_naming_the_rule(failing, kind, rule):
    proc = run(failing, f"model={kind if kind == 'short_batch' else 'bad_' + kind}", "metrics=[format]")
    assert proc.returncode == 1, proc.stderr
    info = run_info(failing / "results")
    assert info["status"] == "failed"
    cls = "failplug.ShortBatch" if kind == "short_batch" else "failplug.BadBackend"
    assert cls in info["error"] and rule in info["error"], info["error"]
    cached = [
        json.loads(line)
        for f in (failing / "results" / ".cache").rglob("*.jsonl")
        for line in f.read_text().splitlines()
    ]
    expected = {"a", "c"} if kind == "int" else set() if kind == "short_batch" else {"a"}
    assert {c["doc_id"] for c in cached} == expected  # finished generations stay in the cache


@pytest.mark.parametrize(
    "attribute, value, needs",
    [
        ("lower_is_better", None, "`lower_is_better` a frozenset or set of field names"),
        ("no_direction", "v", "`no_direction` a frozenset or set of field names"),
        ("headline", "v", "`headline` a tuple or list of field names"),
        ("requires", "references", "`requires` a frozenset or set among facts, references"),
        ("requires", None, "`requires` a frozenset or set among facts, references"),
    ],
)
def test_a_metric_attribute_of_the_wrong_type_is_named(attribute, value, needs):
    from harness.errors import ConfigError
    from harness.metrics.base import Metric, Scored, check_metric_class

    class Typed(Metric):
        name = "typed"
        fields = {"v": "a value"}

        def score(self, examples, summaries):
            return [Scored({"v": 1.0}) for _ in summaries]

    setattr(Typed, attribute, value)
    with pytest.raises(ConfigError) as e:
        check_metric_class(Typed, "metrics.typed")
    assert needs in str(e.value) and f"got {value!r}" in str(e.value)


def test_only_argparse_sets_the_exit_code_through_system_exit(monkeypatch, capsys):
    """A SystemExit from anywhere but argparse (a plugin's sys.exit) is a failure, never the exit code."""
    import harness.cli.list as list_command
    from harness.cli.main import main

    def exits(argv):
        raise SystemExit(0)

    handlers = {s: signal.getsignal(s) for s in TERMINATION_SIGNALS}  # main() installs its own
    try:
        monkeypatch.setattr(list_command, "main", exits)
        assert main(["list"]) == 1
        assert "called sys.exit(0)" in capsys.readouterr().err
        monkeypatch.undo()
        assert main(["list", "--no-such-flag"]) == 2
        assert main(["list", "--help"]) == 0
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)
