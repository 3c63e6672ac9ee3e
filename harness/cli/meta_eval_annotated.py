"""`harness meta-eval --annotations MERGED.jsonl --runs DIR...`: the runs' metric fields against the
team's merged judgments (`harness annotations`), at summary, system, global and pairwise level.

Writes meta_eval.json, meta_eval.md and meta_eval_scores.jsonl under --out, as `--data` does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.analysis.meta_eval.annotated_eval import evaluate
from harness.config.schema import check_flag
from harness.errors import EXIT_DONE
from harness.fileio import check_output_folder, write_numbered_set
from harness.text.visible import visible


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="harness meta-eval",
        description="Correlate the runs' metric scores with the team's merged human judgments: the share of "
        "bullets labelled supported and of key facts stated (summary, system, global level) and the "
        "pairwise choices (accuracy, Kendall-like tau).",
    )
    p.add_argument(
        "--annotations", nargs="+", required=True, metavar="MERGED", help="merged.jsonl of harness annotations"
    )
    p.add_argument(
        "--runs", nargs="+", required=True, type=Path, metavar="DIR", help="the sweep or run folders annotated"
    )
    p.add_argument(
        "--fields", nargs="+", default=["*"], metavar="PATTERN", help="metric fields, glob patterns (default: all)"
    )
    p.add_argument("--compare", nargs=2, action="append", default=[], metavar=("A", "B"), help="test fields A and B")
    p.add_argument(
        "--strict", action="store_true", help="a bad record is an error instead of a skipped, counted record"
    )
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="bootstrap resamples (default 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=1, help="processes for the bootstrap")
    p.add_argument("--out", type=Path, default=Path("results/meta_eval/annotations"), help="output folder")
    p.add_argument("--force", action="store_true", help="replace earlier results of the same name in --out")
    return p


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    check_flag("--bootstrap", args.bootstrap)
    check_flag("--workers", args.workers)
    check_output_folder(args.out)
    result = evaluate(
        args.annotations, args.runs, args.fields, args.bootstrap, args.seed, args.strict, args.workers, args.compare
    )
    for item in result.problems.skipped[:20]:
        print(f"harness meta-eval: warning: skipped: {visible(item.message())}", file=sys.stderr)
    if result.problems.skipped:
        print(f"harness meta-eval: warning: {len(result.problems.skipped)} records skipped", file=sys.stderr)
    _, written = write_numbered_set(args.out, "meta_eval", result.files, args.force)
    print(result.table())
    print(f"\nwrote {', '.join(map(str, written))}")
    return EXIT_DONE
