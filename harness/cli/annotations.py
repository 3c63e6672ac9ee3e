"""`harness annotations FILE... [--out DIR]`: merge annotators' files, agreement, disagreements.

Writes agreement.json, agreement.md, disagreements.csv and merged.jsonl (the file
`harness meta-eval --annotations` reads) under --out, all or none.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.analysis.annotations.summary import FILES, analyse_files, texts, to_json, to_table
from harness.config.schema import check_flag
from harness.errors import EXIT_DONE, InputError
from harness.fileio import atomic_write_set, check_output_folder, make_dirs
from harness.text.visible import visible


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="harness annotations",
        description="Merge annotators' JSONL files from the report's annotation mode: Krippendorff's alpha "
        "per kind of judgment with bootstrap CIs, the items they disagree on, one merged file for meta-eval.",
    )
    p.add_argument(
        "files", nargs="+", help="annotation files (harness.annotation/1 records), one or more per annotator"
    )
    p.add_argument(
        "--out", type=Path, default=Path("results/annotations"), help="output folder (default: results/annotations)"
    )
    p.add_argument("--force", action="store_true", help="replace earlier files of the same names in --out")
    p.add_argument(
        "--strict", action="store_true", help="a bad record is an error instead of a skipped, counted record"
    )
    p.add_argument(
        "--bootstrap", type=int, default=1000, metavar="N", help="bootstrap resamples of items (default 1000)"
    )
    p.add_argument("--seed", type=int, default=0)
    return p


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    check_flag("--bootstrap", args.bootstrap)
    check_output_folder(args.out)
    taken = [args.out / name for name in FILES if (args.out / name).exists()]
    if taken and not args.force:
        raise InputError(f"--out {args.out}: already holds {', '.join(p.name for p in taken)}; --force replaces them")
    summary = analyse_files(args.files, args.strict, args.bootstrap, args.seed)
    for item in summary.problems.skipped[:20]:
        print(f"harness annotations: warning: skipped: {visible(item.message())}", file=sys.stderr)
    if summary.problems.skipped:
        print(
            f"harness annotations: warning: {len(summary.problems.skipped)} records skipped (all in agreement.json)",
            file=sys.stderr,
        )
    warn = "harness annotations: warning: "
    if summary.merged.text_conflicts:
        print(
            f"{warn}{len(summary.merged.text_conflicts)} items whose text differs between annotators "
            f"(first: {visible(summary.merged.text_conflicts[0])}); annotations of different reports?",
            file=sys.stderr,
        )
    sources = sorted({a.source for a in summary.annotations})
    if len(sources) > 1:
        print(f"{warn}the files come from {len(sources)} reports: {visible(', '.join(sources[:5]))}", file=sys.stderr)
    files = texts(summary)
    make_dirs(args.out)
    atomic_write_set({args.out / name: [text] for name, text in files.items()})
    print(to_table(to_json(summary)))
    print(f"\nwrote {', '.join(str(args.out / name) for name in FILES)}")
    return EXIT_DONE
