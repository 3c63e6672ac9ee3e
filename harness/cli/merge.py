"""`harness merge DIR... [--out DIR]`: the options, the printed merges and their comparison table."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from harness.errors import EXIT_DONE, InputError
from harness.run.merge import merge

log = logging.getLogger("harness")


def merge_and_compare(dirs: Sequence[Path], out: Path | None = None) -> Path:
    """Merge the sharded runs under `dirs`, print each merge, then the table of the merged runs."""
    out, merged = merge(dirs, out)
    from harness.cli.compare import show_comparison  # numpy and scipy load only when a table is shown

    for run in merged:
        if run.existing:
            print(f"already merged: {run.shards} shards ({run.documents} documents) in {run.path}; nothing written")
        else:
            print(f"merged {run.shards} shards ({run.documents} documents) -> {run.path}")
    new = not all(run.existing for run in merged)
    try:
        show_comparison([run.path for run in merged], out_dir=out if new else None)  # nothing new: printed only
    except InputError as e:
        log.warning("no comparison table: %s", e)
    return out


def main(argv: list[str]) -> int:
    """`harness merge DIR... [--out DIR]`: one run folder per sharded run under DIR."""
    parser = argparse.ArgumentParser(prog="harness merge", description=(main.__doc__ or "").partition("\n")[0])
    parser.add_argument(
        "dirs", nargs="+", type=Path, help="folders holding the shards (a sweep folder, a results folder)"
    )
    parser.add_argument(
        "--out", type=Path, help="where the merged run folders go (default: DIR/merged, or merged_1, ... when taken)"
    )
    args = parser.parse_args(argv)
    merge_and_compare(args.dirs, args.out)
    return EXIT_DONE
