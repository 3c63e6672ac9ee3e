"""`harness pairwise DIR... [--judge NAME] [--set judge.OPTION=VALUE ...]`: the options, the printed table
and the exit code. The work is harness/analysis/pairwise/."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from harness import redaction
from harness.analysis.pairwise import output
from harness.analysis.pairwise.compute import PairwiseResult, Settings, judge_config, pairwise, require_two
from harness.cli.compare import find_runs
from harness.config.env_names import config_secrets
from harness.config.schema import check_flag
from harness.config.search import require_config_dirs
from harness.errors import EXIT_DONE, EXIT_RUN_FAILED
from harness.fileio import check_output_folder
from harness.judge.client import Judge
from harness.run.folder import RunFolder
from harness.run.resolvers import load_run_config


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="harness pairwise",
        description="Judge the runs' summaries two at a time, in both orders; rank by Bradley-Terry strength with "
        "position and length bias measured and a length-controlled win rate.",
    )
    parser.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="run folders or sweep folders")
    parser.add_argument(
        "--judge",
        metavar="NAME",
        help="judge/NAME.yaml, shipped or in --config-dir (harness list judges); default: the judge the runs recorded",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="judge.OPTION=VALUE",
        help="override a judge option, e.g. judge.base_url=http://127.0.0.1:8000/v1 (repeatable)",
    )
    parser.add_argument(
        "--config-dir", action="append", default=[], metavar="DIR", help="a user config folder with judge/NAME.yaml"
    )
    parser.add_argument("--cache-dir", metavar="DIR", help="the judge cache's folder (default: the runs' cache_dir)")
    parser.add_argument(
        "--pairs-per-doc",
        type=int,
        metavar="K",
        help="judge K pairs per document, rotated so every pair is judged equally often",
    )
    parser.add_argument("--max-docs", type=int, metavar="N", help="judge a seeded sample of N of the shared documents")
    parser.add_argument(
        "--seed", type=int, metavar="S", default=0, help="document sample, pair rotation and bootstrap (default 0)"
    )
    parser.add_argument(
        "--samples", type=int, metavar="B", default=1000, help="bootstrap resamples of the documents (default 1000)"
    )
    parser.add_argument(
        "--baseline", metavar="LABEL", help="win rates against this run (default: the average of the others)"
    )
    parser.add_argument(
        "--common-docs", action="store_true", help="runs over different datasets: judge the documents they share"
    )
    parser.add_argument(
        "--allow-different-prompts",
        action="store_true",
        help="compare runs whose prompts differ (the prompt is what you compare)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where to write pairwise.json and pairwise.md (default: <folder>/pairwise)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace an existing pairwise.json/.md (default: a numbered new pair)"
    )
    args = parser.parse_args(argv)
    settings = Settings(
        args.pairs_per_doc,
        args.max_docs,
        args.seed,
        args.samples,
        args.baseline,
        args.common_docs,
        args.allow_different_prompts,
    )
    out = args.out or Path(os.path.commonpath([str(p.resolve()) for p in args.dirs])) / output.STEM
    result = judge_runs(args.dirs, settings, args.judge, args.overrides, args.config_dir, args.cache_dir, out)
    print(output.table(result))
    written = output.write(result, out, args.force)
    print("wrote " + ", ".join(str(p) for p in written))
    counts = result.counts()
    if counts["failed"]:
        print(
            f"harness pairwise: {result.judge['failed']} judge request(s) failed, {counts['failed']} verdict(s) missing: "
            "their pairs are left out; run the same command again to ask them (answers already given are cached)",
            file=sys.stderr,
        )
        return EXIT_RUN_FAILED
    return EXIT_DONE


def judge_runs(
    paths: Sequence[Path],
    settings: Settings,
    judge_name: str | None = None,
    overrides: Sequence[str] = (),
    config_dirs: Sequence[str] = (),
    cache_dir: str | Path | None = None,
    out: Path | None = None,
) -> PairwiseResult:
    """The judging of `harness pairwise` (also harness.api.pairwise). `out`, the folder its files
    will go to, is checked before any request; the caller writes them."""
    check_flag("--samples", settings.samples)
    check_flag("--max-docs", settings.max_docs)
    require_config_dirs(list(config_dirs))
    if out is not None:
        check_output_folder(out)
    runs = find_runs(paths)
    require_two(runs)  # before a judge is built
    config = judge_config(judge_name, list(overrides), list(config_dirs), runs)
    redaction.add(config_secrets({"judge": config}))
    cache = cache_dir or load_run_config(RunFolder(runs[0].path)).get("cache_dir") or "results/.cache"
    judge = Judge(config, "judge", str(cache))
    try:
        return pairwise(runs, judge, settings)
    finally:
        judge.close()
