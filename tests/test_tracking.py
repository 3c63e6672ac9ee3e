"""tracking=mlflow: each finished run is logged to MLflow, and read back with MLflow's own client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tiny_models import run_folders, run_harness, write_docs

pytest.importorskip("mlflow", reason='MLflow is an optional extra: pip install -e ".[mlflow]"')
pytest.importorskip("sqlalchemy", reason='the local MLflow store needs SQLAlchemy: pip install -e ".[mlflow]"')

from mlflow.tracking import MlflowClient  # noqa: E402


def args(tmp_path: Path, *extra: str, sweep: bool = False) -> list[str]:
    data = tmp_path / "docs.jsonl"
    if not data.exists():
        write_docs(data, 6)
    return [
        "run",
        *(["-m"] if sweep else []),
        "dataset=local",
        f"dataset.path={data}",
        "metrics=[rouge,format]",
        "bootstrap_samples=200",
        f"results_dir={tmp_path / 'results'}",
        "experiment_name=tracked",
        *extra,
    ]


def runs_in(uri: str, experiment: str) -> list:
    client = MlflowClient(tracking_uri=uri)
    found = client.get_experiment_by_name(experiment)
    assert found is not None, f"no experiment {experiment!r} at {uri}"
    return client.search_runs([found.experiment_id], order_by=["attributes.start_time ASC"])


@pytest.mark.slow
def test_a_sweep_logs_each_run_config_metrics_with_cis_and_folder(tmp_path):
    done = run_harness(*args(tmp_path, "model=lead,centrality", "tracking=mlflow", sweep=True))
    assert done.returncode == 0, done.stderr[-3000:]
    uri = f"sqlite:///{(tmp_path / 'results' / 'mlflow.db').resolve()}"
    runs = runs_in(uri, "tracked")
    folders = {json.loads((f / "run.json").read_text())["label"]: f for f in run_folders(tmp_path / "results")}
    assert sorted(r.info.run_name for r in runs) == sorted(folders) == ["centrality", "lead"]
    client = MlflowClient(tracking_uri=uri)
    for run in runs:
        folder = folders[run.info.run_name]
        info = json.loads((folder / "run.json").read_text())
        assert run.info.status == "FINISHED" and info["tracking"]["run_id"] == run.info.run_id
        assert run.data.tags["harness.run_folder"] == str(folder.resolve())
        # the config, as the folder's config.yaml has it
        assert run.data.params["model.backend"] == run.info.run_name
        assert run.data.params["dataset.path"] == str(tmp_path / "docs.jsonl")
        assert run.data.params["bootstrap_samples"] == "200"
        # every metric field's mean and CI, as in metrics.json
        fields = json.loads((folder / "metrics.json").read_text())["fields"]
        for name, field in fields.items():
            if field["mean"] is None:
                continue
            assert run.data.metrics[name] == pytest.approx(field["mean"])
            assert [run.data.metrics[f"{name}/ci95_low"], run.data.metrics[f"{name}/ci95_high"]] == pytest.approx(
                field["ci95"]
            )
        assert "rouge/rougeLsum" in run.data.metrics and run.data.metrics["generation/documents"] == 6
        # the run folder, byte for byte
        logged = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert {"config.yaml", "generations.jsonl", "scores.jsonl", "metrics.json"} <= logged
        assert ".lock" not in logged  # the folder's lock is not a result
        copy = Path(
            client.download_artifacts(run.info.run_id, "scores.jsonl", str(tmp_path / f"dl-{run.info.run_name}"))
        )
        assert copy.read_bytes() == (folder / "scores.jsonl").read_bytes()
    assert (tmp_path / "results" / "mlartifacts").is_dir()  # local artifacts under results_dir


@pytest.mark.slow
def test_any_tracking_uri_and_experiment_by_config(tmp_path):
    uri = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    done = run_harness(
        *args(
            tmp_path,
            "model=lead",
            "tracking=mlflow",
            f"tracking.tracking_uri={uri}",
            "tracking.experiment=mine",
            "tracking.artifacts=false",
        )
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (run,) = runs_in(uri, "mine")
    assert run.info.status == "FINISHED" and run.data.params["model.backend"] == "lead"
    assert MlflowClient(tracking_uri=uri).list_artifacts(run.info.run_id) == []
    assert not (tmp_path / "results" / "mlflow.db").exists()


def test_a_tracker_that_cannot_be_reached_leaves_the_run_done_and_says_why(tmp_path):
    done = run_harness(
        *args(tmp_path, "model=lead", "tracking=mlflow", "tracking.tracking_uri=http://127.0.0.1:9"),
        env={"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "5"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (folder,) = run_folders(tmp_path / "results")
    info = json.loads((folder / "run.json").read_text())
    assert info["status"] == "done" and (folder / "metrics.json").exists()
    assert info["tracking"]["backend"] == "mlflow" and info["tracking"]["error"]
    assert "could not log the run to MLflow at http://127.0.0.1:9" in done.stderr + done.stdout


def test_a_password_in_the_tracking_uri_is_refused_unshown_before_anything_is_written(tmp_path):
    done = run_harness(
        *args(tmp_path, "model=lead", "tracking=mlflow", "tracking.tracking_uri=https://me:pw-SECRET@mlflow.example/")
    )
    assert done.returncode != 0 and "MLFLOW_TRACKING_PASSWORD" in done.stderr
    assert "pw-SECRET" not in done.stderr + done.stdout
    assert not (tmp_path / "results").exists()


def test_a_misspelled_tracking_key_is_refused_before_anything_is_written(tmp_path):
    done = run_harness(*args(tmp_path, "model=lead", "tracking=mlflow", "tracking.tracking_url=sqlite:///x.db"))
    assert done.returncode != 0 and "tracking_uri" in done.stderr
    assert not (tmp_path / "results").exists()
