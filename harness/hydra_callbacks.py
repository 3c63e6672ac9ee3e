"""Hydra callback: after a sweep, one comparison table of all its runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback


class CompareSweep(Callback):
    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        from harness.compare import compare_folders
        from harness.errors import InputError

        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            compare_folders([sweep_dir], out_dir=sweep_dir)
        except InputError:
            pass  # no run finished: each failure was already reported, a table would be empty
