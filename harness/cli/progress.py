"""`harness progress DIR...`: the options and the printed lines."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.errors import EXIT_DONE
from harness.run.progress import job_lines, summary, sweep_progress


def main(argv: list[str]) -> int:
    """`harness progress DIR...`: documents done / total, rate and ETA over every run under DIR."""
    parser = argparse.ArgumentParser(prog="harness progress", description=(main.__doc__ or "").partition("\n")[0])
    parser.add_argument("dirs", nargs="+", type=Path, help="a sweep folder, a folder of shards, a results folder")
    args = parser.parse_args(argv)
    jobs = sweep_progress(args.dirs)
    for line in job_lines(jobs):
        print(line)
    print(summary(jobs))
    return EXIT_DONE
