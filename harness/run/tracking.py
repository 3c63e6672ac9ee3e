"""Experiment tracking: a finished run logged to MLflow (`tracking=mlflow`).

What is logged comes from the run folder alone (config.yaml, run.json, metrics.json), so the
tracker shows exactly what the folder holds: the resolved config as parameters, each metric
field's mean with its 95% CI bounds as metrics, and the folder itself as artifacts. By default
the store is local, under the results folder (`sqlite:///<results_dir>/mlflow.db`, artifacts
in `<results_dir>/mlartifacts`); `tracking.tracking_uri` points anywhere MLflow can.

A run whose tracking fails keeps its results: the failure is logged, recorded in run.json
under `tracking`, and the run stays `done`.
"""

from __future__ import annotations

import json
import logging
import re
import time
from pathlib import Path
from typing import Any

from harness.config.schema import TrackingConfig, parse
from harness.errors import ConfigError
from harness.run.folder import LOCK, METRICS, RUN
from harness.run.record import read_info, read_metrics

log = logging.getLogger(__name__)

_MAX_PARAM_CHARS = 500  # the smallest limit among MLflow versions and stores
_BATCH = 100  # MLflow's limit on parameters per call
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_\-. /]")


def check(config: Any) -> TrackingConfig | None:
    """The `tracking:` section, validated before anything runs (None: no tracking)."""
    if config is None:
        return None
    tracking = parse(TrackingConfig, config, "tracking")
    try:
        import mlflow  # noqa: F401
    except ImportError:
        raise ConfigError('tracking=mlflow needs MLflow: pip install "harness[mlflow]" (or mlflow itself).') from None
    return tracking


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Nested config -> {"model.generation.max_tokens": "256", ...}; long values cut to MLflow's limit."""
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}{key}."))
        return out
    text = json.dumps(value) if isinstance(value, (list, bool)) or value is None else str(value)
    return {_UNSAFE_NAME.sub("_", prefix[:-1]): text[:_MAX_PARAM_CHARS]}


def metric_values(metrics: dict[str, Any]) -> dict[str, float]:
    """metrics.json's fields -> {"rouge/rougeLsum": mean, "rouge/rougeLsum/ci95_low": ..., ...}."""
    out: dict[str, float] = {}
    for name, field in (metrics.get("fields") or {}).items():
        name = _UNSAFE_NAME.sub("_", name)
        if isinstance(field.get("mean"), (int, float)):
            out[name] = float(field["mean"])
        ci = field.get("ci95")
        if isinstance(ci, list) and len(ci) == 2 and all(isinstance(v, (int, float)) for v in ci):
            out[f"{name}/ci95_low"], out[f"{name}/ci95_high"] = float(ci[0]), float(ci[1])
    return out


def default_uri(results_dir: Path) -> tuple[str, str]:
    """(tracking URI, artifact location) of the local store under the results folder."""
    root = results_dir.resolve()
    return f"sqlite:///{root / 'mlflow.db'}", (root / "mlartifacts").as_uri()


def shown_uri(uri: str) -> str:
    """A tracking URI fit for a log or run.json: no user:password@ of a remote server."""
    from harness.models.http_retry import public_url  # the HTTP client's module: only for a remote URI

    return public_url(uri) if uri.startswith(("http://", "https://")) else uri


def log_folder(folder: Path) -> dict[str, Any] | None:
    """Log a finished run folder to the tracker its config.yaml names; returns what run.json
    records under `tracking` (None when the run has no tracking)."""
    import yaml

    config = yaml.safe_load((folder / "config.yaml").read_text()) or {}
    if not config.get("tracking"):
        return None
    tracking = parse(TrackingConfig, config["tracking"], "tracking")
    info = read_info(folder / RUN).to_json()
    metrics_path = folder / METRICS
    metrics = read_metrics(metrics_path).to_json() if metrics_path.exists() else {}
    uri, artifact_location = (
        (tracking.tracking_uri, None)
        if tracking.tracking_uri
        else default_uri(Path(config.get("results_dir") or "results"))
    )
    try:
        run_id = _log_mlflow(tracking, uri, artifact_location, folder, config, info, metrics)
    except Exception as e:  # the run's results stand; the tracker is told nothing, and run.json says so
        message = f"{type(e).__name__}: {str(e)[:500]}".replace(uri, shown_uri(uri))
        log.error("tracking: could not log the run to MLflow at %s: %s", shown_uri(uri), message)
        return {"backend": tracking.backend, "error": message}
    shown = shown_uri(uri)
    log.info("tracking: logged to MLflow at %s (run %s)", shown, run_id)
    return {"backend": tracking.backend, "tracking_uri": shown, "run_id": run_id}


def _log_mlflow(
    tracking: TrackingConfig,
    uri: str,
    artifact_location: str | None,
    folder: Path,
    config: dict[str, Any],
    info: dict[str, Any],
    metrics: dict[str, Any],
) -> str:
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    name = tracking.experiment or str(config.get("experiment_name") or "default")
    experiment = client.get_experiment_by_name(name)
    experiment_id = (
        experiment.experiment_id if experiment else client.create_experiment(name, artifact_location=artifact_location)
    )
    tags = {
        "harness.run_folder": str(folder.resolve()),
        "harness.status": str(info.get("status")),
        "harness.label": str(info.get("label")),
        "harness.model": str(info.get("model")),
        "harness.dataset": str((info.get("dataset") or {}).get("name")),
        "harness.git_sha": str(info.get("git_sha")),
    }
    run = client.create_run(
        experiment_id, run_name=tracking.run_name or str(info.get("label") or folder.name), tags=tags
    )
    run_id = run.info.run_id
    try:
        params = [Param(k, v) for k, v in flatten({k: v for k, v in config.items() if k != "tracking"}).items()]
        for start in range(0, len(params), _BATCH):
            client.log_batch(run_id, params=params[start : start + _BATCH])
        values = metric_values(metrics)
        generation = info.get("generation") or {}
        for key in ("documents", "generated", "from_cache", "failed", "documents_per_s"):
            if isinstance(generation.get(key), (int, float)):
                values[f"generation/{key}"] = float(generation[key])
        stamp = int(time.time() * 1000)
        entries = [Metric(k, v, stamp, 0) for k, v in values.items()]
        for start in range(0, len(entries), 1000):  # MLflow's limit on metrics per call
            client.log_batch(run_id, metrics=entries[start : start + 1000])
        if tracking.artifacts:
            for entry in sorted(Path(folder).iterdir()):
                if entry.name == LOCK:  # the folder's lock, not a result
                    continue
                if entry.is_dir():
                    client.log_artifacts(run_id, str(entry), artifact_path=entry.name)
                else:
                    client.log_artifact(run_id, str(entry))
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id, status="FINISHED")
    return run_id


def track_run(folder: Any) -> None:
    """The hook at the end of a run: log it when its config asks, and record the outcome in run.json."""
    record = log_folder(folder.path)
    if record is not None:
        folder.update(tracking=record)
