"""Hydra callback: a sweep's folder is fixed before its jobs start, and after the sweep one
comparison table of all its runs is written from the job folders (wherever the jobs ran).
Named in conf/config.yaml (`hydra.callbacks`); it runs in the process that launched the sweep."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback

log = logging.getLogger("harness")


class CompareSweep(Callback):
    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        from harness.run.command import pin_sweep_dir

        pin_sweep_dir(config)

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
