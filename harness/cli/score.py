"""`harness score RUN_DIR [--metrics NAME ...]`: the options and the re-scored run's table."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.config.search import require_config_dirs
from harness.errors import EXIT_DONE
from harness.run.datacheck import PREVIOUS_SCORES
from harness.run.rescore import scored_folder


def main(argv: list[str]) -> int:
    """`harness score RUN_DIR [--metrics NAME ...]`: re-score saved generations; no model is loaded.

    The dataset must still match what the run was scored against; otherwise nothing is changed
    unless `--rescore-changed-data` is given.
    """
    parser = argparse.ArgumentParser(prog="harness score", description=(main.__doc__ or "").partition("\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--metrics", nargs="+", help="metric config names (default: the run's own metrics)")
    parser.add_argument("--config-dir", action="append", default=[], help="a user config folder with metrics/NAME.yaml")
    parser.add_argument(
        "--rescore-changed-data",
        action="store_true",
        help="the dataset changed since the run was scored: score against it anyway; the old scores are "
        f"kept in {PREVIOUS_SCORES}/ and run.json records the new fingerprint",
    )
    args = parser.parse_args(argv)
    require_config_dirs(args.config_dir)
    with scored_folder(args.run_dir, args.metrics, args.rescore_changed_data, args.config_dir) as folder:
        from harness.cli.compare import show_comparison  # numpy and scipy load only when a table is shown

        show_comparison([folder], out_dir=None)  # the folder still held: no other re-score is half-way
    return EXIT_DONE
