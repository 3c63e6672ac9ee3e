"""`harness check RUN --require FIELD<op>VALUE ... [--max-failures K]`: per-document checks for CI.

Prints the failing documents (doc_id, field, value, requirement) and exits 1 when more than K
documents fail a requirement (0 otherwise); `--json FILE` writes every failure. The work is
harness/analysis/check.py `check`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from harness.analysis.check import OPERATORS, SHOWN, check
from harness.errors import EXIT_DONE, EXIT_RUN_FAILED, ConfigError
from harness.fileio import atomic_write_text


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="harness check",
        description="Require every document of a finished run to meet per-document thresholds; "
        "exit 1 when more than --max-failures documents do not.",
    )
    parser.add_argument("run_dir", type=Path, help="a finished run folder")
    parser.add_argument(
        "--require",
        action="append",
        required=True,
        metavar="FIELD<op>VALUE",
        help=f"a requirement on each document's value of FIELD (as in scores.jsonl), op one of {' '.join(OPERATORS)}; "
        "e.g. 'support/score>=0.9' 'format/compliant==1' (repeatable: a document must meet all)",
    )
    parser.add_argument(
        "--max-failures", type=int, default=0, metavar="K", help="documents allowed to fail (default 0)"
    )
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="a value that could not be computed (null) passes instead of failing",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the result with every failure as JSON")
    parser.add_argument(
        "--show", type=int, default=SHOWN, metavar="N", help=f"failures printed (default {SHOWN}; 0: all)"
    )
    args = parser.parse_args(argv)
    if args.json is not None and not args.json.parent.is_dir():  # before any work
        raise ConfigError(f"--json {args.json}: folder not found: {args.json.parent}")
    result = check(args.run_dir, args.require, args.max_failures, args.allow_missing)
    if args.json is not None:
        atomic_write_text(args.json, json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n")
    for line in result.lines(limit=args.show or None):
        print(line)
    print(result.summary())
    if args.json is not None:
        print(f"wrote {args.json}")
    return EXIT_DONE if result.passed else EXIT_RUN_FAILED
