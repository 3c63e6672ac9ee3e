"""Configs come from Hydra's own search path, and one set of schemas checks them.

Each case runs the real CLI in a subprocess: a config Hydra finds (through `--config-dir`,
`hydra.searchpath` or a search-path plugin) is one `harness list` shows and `harness run`
accepts, and a typo in an override of its keys gets "did you mean" from the schema of the
backend or metric class it names, with nothing written.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli
from test_attack_inputs_config import assert_config_error, doc, harness_run, run_json, write_jsonl

import harness.config.docs as docs
from harness.config.groups import keys_at, schema_node
from harness.config.schema import DatasetConfig, RunSettings, parse
from harness.errors import ConfigError

PLUGIN = """
from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin


class TeamConfigs(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        search_path.append(provider="team-configs", path="file://{folder}")
"""


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    return tmp_path


@pytest.fixture
def plugin_env(tmp: Path) -> dict[str, str]:
    """A Hydra search-path plugin (installed the way plugins are: a `hydra_plugins` package on
    the path) that adds a folder holding a model, a dataset without a `limit` key and a prompt."""
    team = tmp / "in" / "team"
    (team / "model").mkdir(parents=True)
    (team / "dataset").mkdir()
    (team / "model" / "team-centrality.yaml").write_text("backend: centrality\ndamping: 0.5\n")
    data = write_jsonl(tmp / "in" / "d.jsonl", [doc("a"), doc("b"), doc("c")])
    (team / "dataset" / "team-docs.yaml").write_text(
        f"name: team-docs\nloader: local\npath: {data}\nid_field: doc_id\n"
    )
    package = tmp / "in" / "plugins" / "hydra_plugins" / "team_configs"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN.format(folder=team))
    return {"PYTHONPATH": os.pathsep.join([str(tmp / "in" / "plugins"), os.environ.get("PYTHONPATH", "")])}


def test_configs_added_by_a_search_path_plugin_are_listed_and_run(tmp, plugin_env):
    listed = run_cli("list", "models", env=plugin_env)
    assert "team-centrality" in listed.stdout and "centrality" in listed.stdout
    proc = harness_run(
        tmp, "model=team-centrality", "dataset=team-docs", "dataset.limit=2", "metrics=[format]", env=plugin_env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    info = run_json(tmp)
    assert info["model"] == "team-centrality" and info["dataset"]["examples"] == 2


def test_a_typo_in_a_plugin_models_key_is_answered_from_its_backends_schema(tmp, plugin_env):
    proc = harness_run(tmp, "model=team-centrality", "model.dampng=0.3", env=plugin_env)
    assert_config_error(tmp, proc, "model.dampng", "unknown key 'dampng'", "Did you mean 'damping'?")


def test_an_unknown_choice_lists_what_the_plugin_adds(tmp, plugin_env):
    proc = harness_run(tmp, "model=team-centraliti", env=plugin_env)
    assert_config_error(tmp, proc, "unknown model 'team-centraliti'", "Did you mean 'team-centrality'?")


def test_a_missing_searchpath_folder_is_refused(tmp):
    proc = harness_run(tmp, "model=lead", f"hydra.searchpath=[file://{tmp / 'in' / 'nope'}]")
    assert_config_error(tmp, proc, "config folder not found", "nope")


def test_a_user_prompt_file_takes_every_prompt_key_as_an_override(tmp):
    (tmp / "in" / "prompt").mkdir()
    (tmp / "in" / "prompt" / "short.yaml").write_text("name: short\ntemplate: 'Bullets, {n_bullets}: {source}'\n")
    data = write_jsonl(tmp / "in" / "d.jsonl", [doc("a"), doc("b")])
    proc = harness_run(
        tmp,
        "--config-dir",
        str(tmp / "in"),
        "model=lead",
        "dataset=local",
        f"dataset.path={data}",
        "prompt=short",
        "prompt.n_bullets=2",  # not in the file: the schema node supplies the key
        "metrics=[format]",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert run_json(tmp)["prompt"]["name"] == "short"


@pytest.mark.slow
def test_list_shows_backend_options_and_run_settings_from_the_schemas():
    listed = run_cli("list", "backends").stdout
    assert "openai_chat" in listed and "max_concurrency" in listed and "requests in flight" in listed
    settings = run_cli("list", "settings").stdout
    assert all(f.name in settings for f in dataclasses.fields(RunSettings))


def test_setting_types_read_the_same_with_or_without_postponed_annotations():
    from typing import Literal, Optional

    from harness.config.catalog import type_name

    # a plugin module without `from __future__ import annotations` gives classes and typing objects
    assert [type_name(t) for t in (int, str, float, bool, dict)] == ["int", "str", "float", "bool", "dict"]
    assert type_name(Optional[int]) == "Optional[int]"  # noqa: UP045 (the spelling a plugin may use)
    assert type_name(Literal["a", "b"]) == "Literal['a', 'b']"
    assert type_name("int | None") == "int | None"  # as written, with postponed annotations


# ---- one schema behind every check ------------------------------------------------------


def test_the_override_check_and_parse_know_the_same_keys():
    config = {"model": {"backend": "openai_chat"}, "metrics": {"rouge_nostem": {"metric": "rouge"}}}
    groups = ["model", "dataset", "prompt", "metrics", "experiment", "tracking"]
    model = keys_at(["model"], config, groups)
    assert model is not None and "max_concurrency" in model.known and "api_key_env" in model.known
    metric = keys_at(["metrics", "rouge_nostem"], config, groups)
    assert metric is not None and "use_stemmer" in metric.known  # from the class the entry names
    dataset = keys_at(["dataset"], config, groups)
    assert dataset is not None and set(dataset.known) == set(schema_node(DatasetConfig))
    with pytest.raises(ConfigError, match="unknown key 'limt'.*Did you mean 'limit'"):
        parse(DatasetConfig, {"name": "d", "limt": 3}, "dataset")


def test_a_registered_backend_declares_its_generation_settings(monkeypatch):
    """A backend class outside the shipped list (a plugin) is checked through its own schema."""
    import copy
    from dataclasses import make_dataclass

    import harness.registry
    from harness.config.generation_keys import check_generation
    from harness.models.base import Backend

    BACKENDS = copy.deepcopy(harness.registry.BACKENDS)  # the registration ends with the test
    monkeypatch.setattr(harness.registry, "BACKENDS", BACKENDS)

    class Echo(Backend):
        Options = make_dataclass("EchoOptions", [("generation", dict, dataclasses.field(default_factory=dict))])

        @classmethod
        def generation_settings(cls) -> tuple[str, frozenset[str]]:
            return "the echo server's parameters", frozenset({"loudness", "repeat"})

        def generate(self, requests):  # the backend contract asks for one
            raise NotImplementedError

    globals()["Echo"] = Echo  # importable as test_config_sources:Echo
    BACKENDS.register("test_echo", f"{__name__}:Echo")
    config = {"model": {"backend": "test_echo"}}
    assert keys_at(["model", "generation"], config, ["model"]).known == ["loudness", "repeat"]
    with pytest.raises(ConfigError, match="unknown setting 'lodness'.*Did you mean 'loudness'"):
        check_generation("test_echo", {"lodness": 2}, "model 'echo'")


# ---- the reference's tables (docs/reference.md) are generated ----------------------------------------------------


def test_the_reference_config_tables_are_up_to_date():
    # In its own process: a backend registered by another test must not count.
    proc = subprocess.run([sys.executable, "-m", "harness.config.docs", "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr + "\nrun: python -m harness.config.docs"


def test_the_docs_check_fails_on_a_stale_reference(tmp):
    readme = tmp / "reference.md"
    readme.write_text(f"# x\n\n{docs.BEGIN}\n| stale |\n{docs.END}\n")
    assert docs.main(["--check", "--file", str(readme)]) == 1
    assert docs.main(["--file", str(readme)]) == 0
    assert docs.main(["--check", "--file", str(readme)]) == 0
    assert "| `results_dir` |" in readme.read_text()


def test_list_reads_every_config_folder_given(tmp):
    for folder, name in (("one", "first-model"), ("two", "second-model")):
        (tmp / "in" / folder / "model").mkdir(parents=True)
        (tmp / "in" / folder / "model" / f"{name}.yaml").write_text("backend: centrality\n")
    listed = run_cli("list", "models", "--config-dir", str(tmp / "in" / "one"), "--config-dir", str(tmp / "in" / "two"))
    lines = listed.stdout.splitlines()
    assert any(line.split() == ["first-model", "centrality"] for line in lines), listed.stdout
    assert any(line.split() == ["second-model", "centrality"] for line in lines), listed.stdout
