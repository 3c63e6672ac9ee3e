"""`harness compare DIR...`: the options, the printed table and the gate's exit code.

`show_comparison` is also what `harness run`, `score`, `merge` and a sweep's end print.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.analysis import compare, terminal
from harness.analysis.escape import visible
from harness.analysis.gate import gate_lines
from harness.analysis.pairwise import ranking as pairwise_ranking
from harness.analysis.runs import Run, scan
from harness.analysis.significance import FAMILIES, Settings
from harness.errors import EXIT_DONE, EXIT_RUN_FAILED


def warn_unfinished(unfinished: Sequence[str]) -> None:
    if unfinished:
        print("harness compare: warning: not compared: " + visible("; ".join(unfinished)), file=sys.stderr)


def find_runs(paths: Sequence[Path]) -> list[Run]:
    """The finished runs under the paths; the runs of a sweep that did not finish are named on stderr."""
    runs, unfinished = scan(paths)
    warn_unfinished(unfinished)
    return runs


def show_comparison(
    paths: Sequence[Path],
    out_dir: Path | None,
    options: compare.CompareOptions | None = None,
    plots: bool = True,
    force: bool = False,
    fmt: str | None = None,
    pairwise: Path | None = None,
) -> list[dict[str, Any]]:
    """Print (and with `out_dir`, write) the comparison of the runs under `paths`; returns the gate results.

    What is printed: with `fmt`, that format (md, csv, json, latex) alone on stdout (the rest on
    stderr, so a pipe gets only the table); else a terminal gets the compact table sized to its
    width (the full tables are in the files), and a pipe or file the full Markdown table.
    The pairwise ranking of these runs (`pairwise`, else the newest in <folder>/pairwise/) is
    shown under the tables; one about other runs is left out with a note."""
    if out_dir is not None:
        compare.check_out_dir(Path(out_dir))  # before any work
    runs, unfinished = scan([Path(p) for p in paths])
    warn_unfinished(unfinished)
    ranking = find_ranking(runs, paths, pairwise)
    result = compare.compare_runs(runs, options, unfinished, ranking)
    compact = fmt is None and sys.stdout.isatty()
    if fmt is not None:
        sys.stdout.write(compare.formatted(result, fmt))
    elif not compact:
        print(result.text)
    written = []
    if out_dir is not None:
        written = compare.write_outputs(
            Path(out_dir), runs, result.comparison, result.text, result.gate_results, plots, force, ranking
        )
    if compact:
        named = " ".join(visible(str(p)) for p in paths)
        tables = f"{written[0]} (and .csv, .json, .tex)" if written else f"harness compare {named} --format md"
        width = shutil.get_terminal_size().columns
        print(terminal.compact(result.comparison, width, tables))
        if ranking.rows:  # its notes go to stderr below
            print("\n".join(ranking.terminal()))
    side = sys.stderr if fmt is not None else sys.stdout
    for note in ranking.notes:
        print("harness compare: note: " + visible(note), file=sys.stderr)
    if written:
        print("wrote " + ", ".join(str(p) for p in written), file=side)
    for line in gate_lines(result.gate_results):
        print(visible(line), file=side)  # labels may hold terminal escapes
    return result.gate_results


def find_ranking(runs: Sequence[Run], paths: Sequence[Path], given: Path | None) -> pairwise_ranking.Ranking:
    """The pairwise ranking of these runs: `given`, else the newest in the folders' common parent's pairwise/."""
    folder = Path(os.path.commonpath([str(Path(p).resolve()) for p in paths]))
    return pairwise_ranking.for_runs([r.label for r in runs], [r.path for r in runs], given, folder)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="harness compare", description=(compare.__doc__ or "").partition("\n")[0])
    parser.add_argument("dirs", nargs="+", type=Path, help="run folders or sweep folders")
    add_comparison_options(parser)
    parser.add_argument("--fields", nargs="+", help="metric keys to show (default: each metric's headline fields)")
    parser.add_argument("--all", action="store_true", help="show every field")
    add_output_options(
        parser,
        "where to write comparison.md/.csv/.json/.tex and plots (default: the folders' common parent); "
        "an existing comparison is kept and the new one gets a numbered name (comparison-1.md) unless --force",
        "replace an existing comparison of the same name",
    )
    parser.add_argument("--no-plots", action="store_true", help="write the tables only")
    parser.add_argument(
        "--format",
        choices=compare.FORMATS,
        help="print the full table in this format to stdout, nothing else (default: a terminal gets a compact "
        "table sized to its width, a pipe the full Markdown table)",
    )
    parser.add_argument(
        "--fail-if-worse",
        action="append",
        default=[],
        metavar="METRIC[:MARGIN]",
        help="exit 1 when a run is significantly worse than --baseline on METRIC (by more than MARGIN), after Holm's correction, "
        "or was not tested (nothing to test, or a run of the sweep did not finish); repeatable",
    )
    args = parser.parse_args(argv)
    options = compare.CompareOptions(  # a bad margin is refused here, before any run is read
        args.fields,
        args.all,
        settings_from(args),
        args.common_docs,
        args.allow_different_prompts,
        args.fail_if_worse,
        args.cost,
    )
    out = args.out or Path(os.path.commonpath([str(p.resolve()) for p in args.dirs]))
    results = show_comparison(args.dirs, out, options, not args.no_plots, args.force, args.format, args.pairwise)
    return EXIT_RUN_FAILED if any(g["failed"] for g in results) else EXIT_DONE


def add_output_options(parser: argparse.ArgumentParser, out_help: str, force_help: str) -> None:
    """`--out` and `--force`, shared by `harness compare` and `harness report`: nothing is replaced
    without --force."""
    parser.add_argument("--out", type=Path, help=out_help)
    parser.add_argument("--force", action="store_true", help=force_help)


def add_comparison_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by `harness compare` and `harness report`."""
    parser.add_argument(
        "--baseline",
        metavar="LABEL",
        help="test each run against this run (default: all pairs, with significance letters)",
    )
    parser.add_argument(
        "--common-docs",
        action="store_true",
        help="compare runs whose datasets differ on the documents all of them have",
    )
    parser.add_argument(
        "--allow-different-prompts",
        action="store_true",
        help="compare runs whose prompts differ (the prompt is what you compare)",
    )
    parser.add_argument(
        "--family",
        choices=FAMILIES,
        default="metric",
        help="Holm's correction over each metric's comparisons (default) or over all metrics",
    )
    parser.add_argument(
        "--samples", type=int, default=10_000, help="sign flips and bootstrap resamples per comparison (default 10,000)"
    )
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level after correction (default 0.05)")
    parser.add_argument(
        "--cost",
        action="store_true",
        help="show the cost table (tokens, requests, cache, latency p50/p95/p99, throughput, wall time, cost per "
        "1,000 summaries from the model configs' price, the judge's apart); shown anyway when a model is priced",
    )
    parser.add_argument(
        "--pairwise",
        type=Path,
        metavar="PATH",
        help="the pairwise.json of `harness pairwise` (or its folder) whose Bradley-Terry ranking to show "
        "(default: the newest in the folders' pairwise/ that ranks exactly these runs)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings.checked(args.samples, args.alpha, args.baseline, args.family)
