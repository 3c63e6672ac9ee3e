"""`harness meta-eval --annotations MERGED.jsonl --runs DIR...`: the runs' metric fields against the
team's merged judgments (`harness annotations`), at summary, system, global and pairwise level.

Writes meta_eval.json, meta_eval.md and meta_eval_scores.jsonl under --out, as `--data` does.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.analysis.meta_eval.annotated_eval import evaluate
from harness.cli.meta_eval_common import add_run_options, parser, warn
from harness.config.schema import check_flag
from harness.errors import EXIT_DONE
from harness.fileio import check_output_folder, write_numbered_set
from harness.text.visible import visible


def build_parser() -> argparse.ArgumentParser:
    p = parser(
        "Correlate the runs' metric scores with the team's merged human judgments: the share of "
        "bullets labelled supported and of key facts stated (summary, system, global level) and the "
        "pairwise choices (accuracy, Kendall-like tau)."
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
    add_run_options(p, "meta_eval", work="the bootstrap", out="results/meta_eval/annotations")
    return p


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    check_flag("--bootstrap", args.bootstrap)
    check_flag("--workers", args.workers)
    out = Path(args.out)
    check_output_folder(out)
    result = evaluate(
        args.annotations, args.runs, args.fields, args.bootstrap, args.seed, args.strict, args.workers, args.compare
    )
    for item in result.problems.skipped[:20]:
        warn("skipped: %s", visible(item.message()))
    if result.problems.skipped:
        warn("%d records skipped", len(result.problems.skipped))
    _, written = write_numbered_set(out, "meta_eval", result.files, args.force)
    print(result.table())
    print(f"\nwrote {', '.join(map(str, written))}")
    return EXIT_DONE
