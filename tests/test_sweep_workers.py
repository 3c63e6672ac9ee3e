"""A joblib sweep's workers are forked from the launching process, so they do not import the
harness, Hydra and numpy again (bench/sweep_parallel.md has the CPU this saves); they start as new
interpreters when torch is loaded, since CUDA does not survive a fork."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import types
from pathlib import Path

import pytest
from conftest import run_cli
from omegaconf import OmegaConf

from harness.cli.hydra_callbacks import JOBLIB_LAUNCHER, fork_joblib_workers

# A backend whose summaries say whether the process that imported it had the launching process's
# modules: harness.cli.main is imported by `harness run` itself, never by a job or a new worker.
PROBE = """
import sys
from dataclasses import dataclass

from harness.models.base import Backend, Generation

INHERITED = "harness.cli.main" in sys.modules


@dataclass
class Options:
    batch_size: int = 8


class Probe(Backend):
    Options = Options
    runtime_fields = ("batch_size",)

    def generate(self, requests):
        # Before this job has scored anything: did the worker inherit what every job's scoring imports?
        preloaded = all(m in sys.modules for m in ("scipy.special", "harness.metrics.fast_rouge"))
        return [Generation(text=f"- inherited {INHERITED}, preloaded {preloaded}") for _ in requests]
"""


@pytest.fixture
def default_start_method():
    """loky's start method as it was: fork_joblib_workers sets it for the whole process."""
    from joblib.externals.loky.backend.context import get_start_method, set_start_method

    before = get_start_method()
    yield
    set_start_method(before, force=True)


def launcher_config(target: str) -> object:
    return OmegaConf.create({"hydra": {"launcher": {"_target_": target}}})


def test_only_the_joblib_launcher_gets_forked_workers(default_start_method, monkeypatch):
    monkeypatch.delitem(sys.modules, "torch", raising=False)  # another test of this process may have loaded it
    assert fork_joblib_workers(launcher_config(JOBLIB_LAUNCHER))
    from joblib.externals.loky.backend.context import get_start_method

    assert get_start_method() == "fork"
    assert not fork_joblib_workers(launcher_config("hydra._internal.core_plugins.basic_launcher.BasicLauncher"))
    assert not fork_joblib_workers(OmegaConf.create({"hydra": {}}))


def test_with_torch_loaded_the_workers_start_fresh(default_start_method, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))
    assert not fork_joblib_workers(launcher_config(JOBLIB_LAUNCHER))


@pytest.mark.slow
def test_a_joblib_sweeps_jobs_run_in_forked_workers(tmp_path):
    if importlib.util.find_spec("hydra_plugins.hydra_joblib_launcher") is None:
        pytest.skip("hydra-joblib-launcher is not installed (pip install -e '.[test]' installs it)")
    (tmp_path / "forkprobe.py").write_text(PROBE)
    (tmp_path / "configs" / "model").mkdir(parents=True)
    for name in ("probe-a", "probe-b", "probe-c"):
        (tmp_path / "configs" / "model" / f"{name}.yaml").write_text(f"backend: forkprobe.Probe\nlabel: {name}\n")
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    run_cli(
        "run",
        "-m",
        "--config-dir",
        str(tmp_path / "configs"),
        f"results_dir={tmp_path / 'results'}",
        "model=probe-a,probe-b,probe-c",
        "dataset.limit=2",
        "metrics=[format]",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        cwd=tmp_path,
        env=env,
    )
    texts = [
        json.loads(line)["raw"]
        for path in Path(tmp_path / "results").rglob("generations.jsonl")
        for line in path.read_text().splitlines()
    ]
    assert len(texts) == 6 and all(t == "- inherited True, preloaded True" for t in texts), texts
