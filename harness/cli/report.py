"""`harness report DIR... [--out report.html]`: the options and the printed path."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from harness.analysis import report
from harness.analysis.annotate import AnnotateOptions
from harness.analysis.escape import visible
from harness.cli.compare import add_comparison_options, add_output_options, find_ranking, find_runs, settings_from
from harness.config.schema import check_flag
from harness.errors import EXIT_DONE, ConfigError, InputError
from harness.fileio import make_dirs


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="harness report", description=(report.__doc__ or "").partition("\n")[0])
    parser.add_argument("dirs", nargs="+", type=Path, help="run folders or sweep folders")
    add_output_options(
        parser,
        "HTML file (default: report.html in the folders' common parent); an existing "
        "file is kept and the report gets a numbered name (report-1.html) unless --force",
        "replace an existing report file",
    )
    parser.add_argument("--max-docs", type=int, default=None, help="show only the first N documents")
    add_annotate_options(parser)
    add_comparison_options(parser)
    args = parser.parse_args(argv)
    settings = settings_from(args)  # options first: a bad number is refused before any reading
    check_flag("--max-docs", args.max_docs)
    parent = Path(os.path.commonpath([str(p.resolve()) for p in args.dirs]))
    annotate = annotate_options(args, parent.name)
    runs = find_runs(args.dirs)
    out = args.out or parent / ("annotate.html" if annotate else "report.html")
    if out.is_dir():
        raise InputError(f"--out {out}: a folder; name the HTML file to write")
    ranking = find_ranking(runs, args.dirs, args.pairwise)
    for note in ranking.notes:
        print("harness report: note: " + visible(note), file=sys.stderr)
    text = report.render(
        runs, args.max_docs, settings, args.common_docs, args.allow_different_prompts, annotate, args.cost, ranking
    )
    make_dirs(out.parent)
    print(f"wrote {report.write_page(out, text, args.force)}")
    return EXIT_DONE


def add_annotate_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("annotation mode (docs/annotations.md)")
    group.add_argument(
        "--annotate",
        action="store_true",
        help="write the annotation page instead (default name annotate.html): a sample of documents, "
        "stratified by where the metrics disagree, to label in the browser and export as JSONL",
    )
    group.add_argument(
        "--annotate-docs", type=int, default=None, metavar="N", help="documents to annotate (default 20)"
    )
    group.add_argument(
        "--seed", type=int, default=None, help="seed of the sample, the pairs and their sides (default 0)"
    )


def annotate_options(args: argparse.Namespace, source: str) -> AnnotateOptions | None:
    """The annotation options, or None without --annotate (its options alone are refused)."""
    if not args.annotate:
        given = [f for f, v in (("--annotate-docs", args.annotate_docs), ("--seed", args.seed)) if v is not None]
        if given:
            raise ConfigError(f"{given[0]} needs --annotate")
        return None
    check_flag("--annotate-docs", args.annotate_docs)
    defaults = AnnotateOptions()
    docs = defaults.docs if args.annotate_docs is None else args.annotate_docs
    return AnnotateOptions(docs, defaults.seed if args.seed is None else args.seed, source)
