"""What the forms of `harness meta-eval` (`--data`, `--benchmark`, `--annotations`) share, one
definition: the parser, the options (metrics, resampling, output) and the warnings on stderr."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from harness.records import Skipped


def parser(description: str, epilog: str | None = None) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(prog="harness meta-eval", description=description, epilog=epilog)


def warn(message: str, *args: object) -> None:
    print("harness meta-eval: warning: " + message % args, file=sys.stderr)


def warn_skipped(skipped: Sequence[Skipped], total: int, listed_in: str) -> None:
    """Say on stderr which records were left out (as `harness run` does), never silently: the
    first 20, then how many more (all of them listed in `listed_in`) and of how many."""
    for item in skipped[:20]:
        warn("skipped: %s", item.message())
    if len(skipped) > 20:
        warn("... %d more skipped records (all listed in %s)", len(skipped) - 20, listed_in)
    if skipped:
        warn("%d of %d records skipped", len(skipped), total)


def add_metric_options(p: argparse.ArgumentParser, default: list[str]) -> None:
    """--metrics, --config-dir, --set and --judge."""
    p.add_argument(
        "--metrics",
        nargs="+",
        default=default,
        help="metric config names (metrics/NAME.yaml, shipped or in --config-dir), else a registered metric, "
        "plugin entry point or class path (mypkg.metrics.MyMetric); ALIAS=KEY for a variant",
    )
    p.add_argument(
        "--config-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="a user config folder whose metrics/NAME.yaml files --metrics can name (as harness run --config-dir)",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME.OPTION=VALUE",
        help="override a metric option, e.g. rouge.use_stemmer=false, or the judge's, e.g. "
        "judge.base_url=http://127.0.0.1:8000/v1 (repeatable)",
    )
    p.add_argument(
        "--judge",
        default=None,
        metavar="NAME",
        help="the judge of the judge-based metrics (judge/NAME.yaml, shipped or in --config-dir; harness list judges)",
    )


def add_run_options(
    p: argparse.ArgumentParser, stem: str, work: str = "metric scoring and the bootstrap", out: str | None = None
) -> None:
    """--strict, --bootstrap, --seed, --workers (processes for `work`), --out (default `out`, else
    results/meta_eval/<data file stem>) and --force; `stem` names the output files."""
    p.add_argument(
        "--strict", action="store_true", help="a bad record is an error instead of a skipped, counted record"
    )
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="bootstrap resamples (default 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=1, help=f"processes for {work}")
    p.add_argument(
        "--out",
        default=out,
        help="output folder"
        if out is not None
        else "output folder (default: results/meta_eval/<data file stem>); earlier results there are kept "
        f"and the new ones get a numbered name ({stem}-1.json) unless --force",
    )
    p.add_argument("--force", action="store_true", help="replace earlier results of the same name in --out")
