"""`harness report DIR... [--out report.html]`: the options and the printed path."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from harness.analysis import report
from harness.cli.compare import add_comparison_options, add_output_options, find_runs, settings_from
from harness.config.schema import check_flag
from harness.errors import EXIT_DONE, InputError
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
    add_comparison_options(parser)
    args = parser.parse_args(argv)
    settings = settings_from(args)  # options first: a bad number is refused before any reading
    check_flag("--max-docs", args.max_docs)
    runs = find_runs(args.dirs)
    out = args.out or Path(os.path.commonpath([str(p.resolve()) for p in args.dirs])) / "report.html"
    if out.is_dir():
        raise InputError(f"--out {out}: a folder; name the HTML file to write")
    text = report.render(runs, args.max_docs, settings, args.common_docs, args.allow_different_prompts)
    make_dirs(out.parent)
    print(f"wrote {report.write_page(out, text, args.force)}")
    return EXIT_DONE
