"""`harness score`'s re-scoring: a finished run folder's saved generations scored again; no model is loaded.

The command line (argparse, printing, exit codes) is harness/cli/score.py, the Python API
`harness.api.score`; both call `scored_folder`, which takes typed arguments and holds the folder
(`RunFolder.working`: a second command refuses at once) until the caller has read the result.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omegaconf import OmegaConf

from harness.errors import ConfigError, HarnessError, RunFailed, exit_called
from harness.run.folder import CONFIG, GENERATIONS, LOG, METRICS, SCORES, RunFolder
from harness.run.resolvers import load_run_config, load_run_data

if TYPE_CHECKING:  # imported where used, so `harness score --help` does not load them
    from harness.config.schema import DatasetConfig, RunSettings
    from harness.data import LoadedData
    from harness.metrics.base import Metric
    from harness.run.datacheck import DataDiff
    from harness.run.record import GenerationRow

log = logging.getLogger("harness")

# What a metric config takes from the run's config through `oc.select`, and the fallback it gets
# when read on its own (`harness score --metrics`): the run's judge and cache, as the run had them.
FROM_RUN = {"judge": None, "cache_dir": "results/.cache"}


@dataclass(frozen=True)
class Rescoring:
    """One re-score, as `score_folder` worked it out from the folder and the options."""

    folder: RunFolder  # its run.json loaded (`folder.info`)
    config: dict[str, Any]  # the run's config.yaml, resolved
    spec: dict[str, dict[str, Any]]  # the metrics scored now: name -> options (added to config.yaml's `metrics`)
    metrics: list[Metric]  # built from `spec`
    settings: RunSettings  # the run's settings, as in config.yaml
    dataset: DatasetConfig  # the run's dataset config
    data: LoadedData  # that dataset as it reads now
    rows: tuple[GenerationRow, ...]  # generations.jsonl
    diff: DataDiff | None  # how the data changed since the run was scored (None: it did not)
    keep_other_metrics: bool  # some metrics on unchanged data: the other metrics' fields stay as they were


def run_judge_settings(spec: dict[str, dict[str, Any]], config: dict[str, Any]) -> None:
    """Give re-scored metrics the run's judge and cache_dir where their config fell back to the
    default (a judge-based metric re-scored with --metrics asks the run's judge, its cached replies
    first: the same key facts, no new request)."""
    for entry in spec.values():
        for key, fallback in FROM_RUN.items():
            if key in entry and entry[key] == fallback and config.get(key) is not None:
                entry[key] = config[key]


@contextlib.contextmanager
def scored_folder(
    run_dir: Path,
    metric_names: list[str] | None = None,
    rescore_changed_data: bool = False,
    config_dirs: Sequence[str] = (),
) -> Iterator[Path]:
    """Re-score a finished run folder's saved generations; no model is loaded. Yields the folder,
    still held while the block reads the result (the command's table, the API's record), so no
    other command's re-score is half-way through it then.

    The dataset must still match what the run was scored against; otherwise nothing is changed
    unless `rescore_changed_data`. A folder another harness command is working on is refused at
    once (FolderBusy, nothing changed).
    """
    from harness.run.record import open_folder, read_metrics, read_score_rows

    if not Path(run_dir).is_dir():
        raise ConfigError(f"{run_dir}: not a folder")
    if not (Path(run_dir) / GENERATIONS).is_file():
        raise ConfigError(f"{run_dir}: no {GENERATIONS}; is this a run folder whose generation finished?")
    open_folder(Path(run_dir))  # a run folder (a readable run.json) before its lock file is made
    with RunFolder(Path(run_dir)).working():
        job = plan(open_folder(Path(run_dir)), metric_names, rescore_changed_data, config_dirs)
        folder = job.folder
        logging.getLogger().addHandler(logging.FileHandler(folder.file(LOG)))
        if job.keep_other_metrics and folder.file(SCORES).is_file() and folder.file(METRICS).is_file():
            # the scores kept are checked before any metric (or judge) runs: a damaged file is bad input (exit 2)
            read_score_rows(folder.file(SCORES)), read_metrics(folder.file(METRICS))
        try:
            rescore(job)
        except (Exception, SystemExit) as e:  # in run.json as "failed"; exit 1, as for a failed `harness run`
            if not isinstance(e, HarnessError):
                log.exception("scoring failed")
            why = exit_called(e) if isinstance(e, SystemExit) else e
            raise RunFailed(f"scoring {folder.path} failed: {why}") from e
        yield folder.path


def plan(
    folder: RunFolder, metric_names: list[str] | None, rescore_changed_data: bool, config_dirs: Sequence[str]
) -> Rescoring:
    """What a re-score of `folder` (run.json read under its lock) will do; a dataset that changed
    since the run is refused here unless `rescore_changed_data`, before anything is written."""
    from harness.config.schema import RunSettings, parse
    from harness.metrics.loading import build_metrics, metric_spec
    from harness.run import datacheck
    from harness.run.record import read_generations

    config = load_run_config(folder)
    spec = metric_spec(metric_names, config_dirs=config_dirs) if metric_names else dict(config.get("metrics") or {})
    if metric_names and "format" in spec:
        spec["format"]["n_bullets"] = config.get("prompt", {}).get("n_bullets", 3)
    if metric_names:
        run_judge_settings(spec, config)
    settings_keys = set(RunSettings.__dataclass_fields__)
    settings = parse(RunSettings, {k: v for k, v in config.items() if k in settings_keys}, f"{folder.file(CONFIG)}")
    dataset, data = load_run_data(folder, config, strict=settings.strict)
    rows = read_generations(folder.file(GENERATIONS))
    diff = datacheck.compare(folder, data, (r.doc_id for r in rows))
    if diff and not rescore_changed_data:
        raise datacheck.refuse(
            folder,
            data,
            diff,
            "Nothing was changed. To score the run against the new data (the old scores "
            f"are kept in {datacheck.PREVIOUS_SCORES}/): harness score {folder.path} --rescore-changed-data",
        )
    if diff:  # every metric is re-scored: scores of the old data must not mix with the new
        spec = {**(config.get("metrics") or {}), **spec}
    return Rescoring(
        folder=folder,
        config=config,
        spec=spec,
        metrics=build_metrics(spec),
        settings=settings,
        dataset=dataset,
        data=data,
        rows=rows,
        diff=diff,
        keep_other_metrics=bool(metric_names) and not diff,
    )


def rescore(job: Rescoring) -> None:
    """Score a run's saved generations again; run.json ends "done", or "failed"/"interrupted" with
    the reason. A finished run whose re-score stops before writing anything stays finished, with
    the attempt in `rescore_failed` (its scores are intact, so it stays comparable)."""
    from harness.run.folder import now

    folder = job.folder
    finished = folder.info.get("status") == "done" and not job.diff
    ended, before = folder.info.get("ended"), _scored_files(folder)
    try:
        with folder.recording_outcome():
            _rescore(job)
    except BaseException:
        if finished and _scored_files(folder) == before:
            attempt = {"metrics": sorted(job.spec), "error": folder.info.get("error"), "at": now()}
            folder.update(status="done", error=None, ended=ended, rescore_failed=attempt)
        raise


def _scored_files(folder: RunFolder) -> list[tuple[int, int, int] | None]:
    """Identity of scores.jsonl and metrics.json: every write replaces the file (a new inode)."""

    def identity(path: Path) -> tuple[int, int, int] | None:
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    return [identity(folder.file(name)) for name in (SCORES, METRICS)]


def _rescore(job: Rescoring) -> None:
    from harness.run import datacheck
    from harness.run.folder import now
    from harness.run.pipeline import score_run

    folder, diff = job.folder, job.diff
    folder.update(status="scoring", error=None)
    kept = None
    if diff:
        kept = datacheck.set_aside_scores(folder, [SCORES, METRICS], diff.previous)
        log.warning("re-scoring against changed data (%s); previous scores kept in %s", diff.describe(), kept)
        missing = datacheck.unscored_added(diff, (r.doc_id for r in job.rows))
        if missing:
            log.warning(
                "%d document(s) added to the data have no generation and are not scored: %s",
                len(missing),
                ", ".join(missing[:10]),
            )
    score_run(folder, job.metrics, job.data.examples, job.rows, job.settings, keep_other_metrics=job.keep_other_metrics)
    if diff:
        datacheck.note_rescore(folder, job.dataset, job.data, diff, kept)
    elif not folder.file(datacheck.DOCUMENTS).is_file():
        datacheck.record(folder, job.dataset, job.data)  # a run from before per-document records
    config = {**job.config, "metrics": {**(job.config.get("metrics") or {}), **job.spec}}
    folder.write_text(CONFIG, OmegaConf.to_yaml(OmegaConf.create(config)))
    folder.info.pop("rescore_failed", None)  # this attempt finished
    folder.update(
        status="done",
        error=None,
        ended=folder.info.get("ended") or now(),
        rescored=now(),
        rescored_metrics=sorted(job.spec),
    )
