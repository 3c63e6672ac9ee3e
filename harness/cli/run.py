"""`harness run [OVERRIDES...]`: Hydra's command line (one job per model, `-m` sweeps); the
exit code from how the jobs ended, and a single run's comparison table."""

from __future__ import annotations

import sys
from pathlib import Path

from harness.errors import EXIT_DONE, EXIT_RUN_FAILED, EXIT_USAGE
from harness.run.command import launch


def show_run(folder: Path) -> None:
    from harness.cli.compare import show_comparison  # numpy and scipy load only when a table is shown

    show_comparison([folder], out_dir=None)


def main(argv: list[str]) -> int:
    """Entry of `harness run`: Hydra parses argv (its --help, --cfg, -m ...)."""
    session = launch(argv, on_run_done=show_run)
    if session.hydra_exit not in (0, None):  # Hydra refused the command line or a config
        return EXIT_RUN_FAILED if session.jobs else EXIT_USAGE
    if session.failures:
        print(f"harness run: {len(session.failures)} run(s) failed: {', '.join(session.failures)}", file=sys.stderr)
        return EXIT_RUN_FAILED
    if session.rejected:
        return EXIT_USAGE
    if session.table_error:
        print(f"harness run: {session.table_error}", file=sys.stderr)
        return session.table_exit
    return EXIT_DONE
