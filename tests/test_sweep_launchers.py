"""A sweep on Hydra's joblib and submitit_local launchers: jobs run in other processes, and the
sweep still ends with one comparison table equal to the sequential sweep's, and the right exit code."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from pathlib import Path

import pytest
from tiny_models import run_harness, run_whole_and_in_shards, write_model_config

LAUNCHERS = {
    "joblib": ("hydra_plugins.hydra_joblib_launcher", ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]),
    "submitit_local": (
        "hydra_plugins.hydra_submitit_launcher",
        ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10"],
    ),
    # Not in the test extra: hydra-ray-launcher pins an older cloudpickle than joblib wants. `pip install -e '.[ray]'`
    # in its own environment runs this case.
    "ray": ("hydra_plugins.hydra_ray_launcher", ["hydra/launcher=ray"]),
}
COMMON = ["dataset.limit=6", "metrics=[rouge,format]", "bootstrap_samples=200"]


def needs_plugin(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        extra = "ray" if "ray" in module else "test"
        pytest.skip(f"{module} is not installed (pip install -e '.[{extra}]' installs it)")


def demo_outputs(path: Path) -> Path:
    """A third system's summaries for the demo documents: each article's last two sentences."""
    from harness.data import builtin_path

    with open(builtin_path("demo_news.jsonl")) as f, open(path, "w") as out:
        for line in f:
            doc = json.loads(line)
            sentences = [s for s in doc["source"].replace("\n", " ").split(". ") if s.strip()]
            out.write(json.dumps({"doc_id": doc["id"], "summary": sentences[-2:]}) + "\n")
    return path


def sweep(tmp_path: Path, name: str, launcher: list[str], models: str = "lead,centrality,tail") -> tuple[object, Path]:
    config_dir = tmp_path / "configs"
    if not (config_dir / "model" / "tail.yaml").exists():
        write_model_config(
            config_dir,
            "tail",
            {"backend": "precomputed", "path": str(demo_outputs(tmp_path / "tail.jsonl")), "label": "tail"},
        )
    results = tmp_path / name
    proc = run_harness(
        "run", "-m", "--config-dir", str(config_dir), f"results_dir={results}", f"model={models}", *COMMON, *launcher
    )
    (sweep_dir,) = {p.parent for p in results.rglob("multirun.yaml")}
    return proc, sweep_dir


def table_without_paths(sweep_dir: Path) -> dict[str, str]:
    """The sweep's comparison files, with the one column that names run folders removed and the
    columns that time the run (throughput, wall time, latency: measurements, never the same twice)."""
    rows = list(csv.DictReader(io.StringIO((sweep_dir / "comparison.csv").read_text())))
    assert rows, f"{sweep_dir}/comparison.csv has no rows"
    timed = ("summaries_per_s", "generate_s", "wall_s", "latency_p50_s", "latency_p95_s", "latency_p99_s")
    for row in rows:
        assert Path(row.pop("run_dir")).parent == sweep_dir
        for name in timed:
            row.pop(f"generation {name}")
    return {
        "comparison.md": (sweep_dir / "comparison.md").read_text(),
        "comparison.csv": json.dumps(rows),
        "comparison_tests.csv": (sweep_dir / "comparison_tests.csv").read_text(),
    }


def job_processes(sweep_dir: Path) -> list[int]:
    infos = [json.loads(p.read_text()) for p in sorted(sweep_dir.glob("*/run.json"))]
    assert [i["status"] for i in infos] == ["done"] * 3
    return [i["pid"] for i in infos]


@pytest.fixture(scope="module")
def sequential(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweep")
    proc, sweep_dir = sweep(tmp, "sequential", [])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(set(job_processes(sweep_dir))) == 1  # Hydra's basic launcher: one process
    return tmp, sweep_dir


@pytest.mark.slow
@pytest.mark.parametrize("launcher", sorted(LAUNCHERS))
def test_a_sweep_on_a_parallel_launcher_ends_with_the_sequential_sweeps_table(sequential, launcher):
    module, args = LAUNCHERS[launcher]
    needs_plugin(module)
    tmp, sequential_dir = sequential
    proc, sweep_dir = sweep(tmp, launcher, args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    pids = job_processes(sweep_dir)
    assert len(set(pids)) >= 2, f"{launcher}: every job ran in one process ({pids})"
    assert sorted(p.name for p in sweep_dir.iterdir() if p.is_dir() and p.name[0].isdigit()) == [
        "0_lead",
        "1_centrality",
        "2_tail",
    ]
    assert len(list(sweep_dir.parent.iterdir())) == 1, "a job made its own timestamp folder"
    assert table_without_paths(sweep_dir) == table_without_paths(sequential_dir)
    for name in ("generations.jsonl", "scores.jsonl", "metrics.json"):
        for job in ("0_lead", "1_centrality", "2_tail"):
            assert (sweep_dir / job / name).read_bytes() == (sequential_dir / job / name).read_bytes(), f"{job}/{name}"


@pytest.mark.slow
def test_a_job_failing_in_another_process_makes_the_sweep_exit_1_and_names_it(tmp_path):
    module, args = LAUNCHERS["joblib"]
    needs_plugin(module)
    config_dir = tmp_path / "configs"
    empty = tmp_path / "empty.jsonl"
    empty.write_text("".join(json.dumps({"doc_id": f"demo-{i:02d}", "summary": None}) + "\n" for i in range(3)))
    write_model_config(config_dir, "broken", {"backend": "precomputed", "path": str(empty), "label": "broken"})
    write_model_config(
        config_dir,
        "tail",
        {"backend": "precomputed", "path": str(demo_outputs(tmp_path / "tail.jsonl")), "label": "tail"},
    )
    proc, sweep_dir = sweep(tmp_path, "results", args, models="lead,broken")
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "1 run(s) failed" in proc.stderr and "1_broken" in proc.stderr
    assert json.loads((sweep_dir / "1_broken" / "run.json").read_text())["status"] == "failed"
    assert json.loads((sweep_dir / "0_lead" / "run.json").read_text())["status"] == "done"


def test_a_launcher_that_is_not_installed_names_the_extra(tmp_path):
    proc = run_harness("run", "-m", f"results_dir={tmp_path}", "model=lead", "hydra/launcher=no_such_launcher")
    assert proc.returncode == 2
    assert "hydra/launcher/no_such_launcher" in proc.stderr and "harness[slurm]" in proc.stderr
    assert not any(tmp_path.iterdir()), "a refused command wrote something"


def test_shipped_launcher_configs_compose(tmp_path):
    needs_plugin("hydra_plugins.hydra_submitit_launcher")
    needs_plugin("hydra_plugins.hydra_joblib_launcher")
    for choice, key, expected in (("slurm_gpu", "gpus_per_node", "1"), ("local_parallel", "n_jobs", "2")):
        proc = run_harness(
            "run",
            f"results_dir={tmp_path}",
            "model=lead",
            f"hydra/launcher={choice}",
            "--cfg",
            "hydra",
            "--package",
            "hydra.launcher",
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert f"{key}: {expected}" in proc.stdout and "_target_: hydra_plugins." in proc.stdout


@pytest.mark.slow
def test_a_sharded_sweep_on_joblib_is_merged_at_the_end_like_the_unsharded_run(tmp_path):
    module, args = LAUNCHERS["joblib"]
    needs_plugin(module)
    run_whole_and_in_shards(tmp_path, "lead", 3, COMMON, launcher=args)
    (unsharded,) = [p.parent for p in (tmp_path / "whole").rglob("run.json")]
    (merged,) = (tmp_path / "parts").glob("*/*/merged/lead")
    pids = {json.loads(p.read_text())["pid"] for p in (tmp_path / "parts").glob("*/*/*_lead/run.json")}
    assert len(pids) >= 2, "the shards ran in one process"
    for name in ("generations.jsonl", "scores.jsonl", "metrics.json"):
        assert (merged / name).read_bytes() == (unsharded / name).read_bytes(), name
