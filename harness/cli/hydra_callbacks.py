"""Hydra callback: a sweep's folder is fixed before its jobs start (and joblib's workers are
forked, see `fork_joblib_workers`), and after the sweep one comparison table of all its runs is
written from the job folders (wherever the jobs ran).
Named in conf/config.yaml (`hydra.callbacks`); it runs in the process that launched the sweep."""

from __future__ import annotations

import importlib
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import OmegaConf

JOBLIB_LAUNCHER = "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"
# Modules a job imports on first use, the same for every job: scipy.special (each run's confidence
# intervals, harness/stats.py) and the fast ROUGE scorer (the default metrics). Imported once before
# the joblib workers fork, so each worker does not import them again (~0.25 s of CPU each).
JOB_MODULES = ("scipy.special", "harness.metrics.fast_rouge")

log = logging.getLogger("harness")


class CompareSweep(Callback):
    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        from harness.run.command import pin_sweep_dir

        pin_sweep_dir(config)
        fork_joblib_workers(config)

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        from harness.cli.compare import show_comparison
        from harness.cli.merge import merge_and_compare
        from harness.errors import HarnessError
        from harness.run.command import note_table_failure
        from harness.run.shard import SHARD_FILE

        sweep_dir = Path(config.hydra.sweep.dir)
        if any(sweep_dir.glob(f"*/{SHARD_FILE}")):  # shares of runs: merged, then compared
            try:
                merge_and_compare([sweep_dir])
            except HarnessError as e:  # a shard failed: re-run it, then merge
                print(
                    f"shards not merged: {e}\nRe-run the failed shard(s) (they resume from the cache), then: harness merge {sweep_dir}"
                )
            return
        try:
            show_comparison([sweep_dir], out_dir=sweep_dir)
        except Exception as e:  # noqa: BLE001 - any failure of the table fails the command, with its reason
            log.debug("sweep table failed", exc_info=True)
            note_table_failure(sweep_dir, e)


def fork_joblib_workers(config: Any) -> bool:
    """Have the joblib launcher's workers forked from this process rather than started as new
    interpreters: they inherit Hydra, numpy and the harness already imported instead of importing
    them again (about a second of CPU per worker, which made a parallel API-bound sweep cost
    1.5-2x the CPU of a sequential one), and `JOB_MODULES`, imported here first. The jobs and
    their outputs are the same. Not when torch is loaded (a model checked before the sweep): CUDA
    and torch's thread pools do not survive a fork, so workers start fresh as before. Returns
    whether workers will be forked."""
    launcher = OmegaConf.select(config, "hydra.launcher._target_", default=None)
    if launcher != JOBLIB_LAUNCHER or "torch" in sys.modules or not hasattr(os, "fork"):
        return False
    from joblib.externals.loky.backend.context import set_start_method  # type: ignore[import-untyped]

    # loky warns against fork because forking a process with threads is unsafe; the launching
    # process starts the workers before loky's own threads and has none of its own.
    warnings.filterwarnings("ignore", message="`fork` start method should not be used", category=UserWarning)
    set_start_method("fork", force=True)
    for module in JOB_MODULES:
        importlib.import_module(module)
    return True
