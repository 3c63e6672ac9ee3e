"""`harness meta-eval --benchmark`: how well a metric, used as a fact checker, labels the claims
of LLM-AggreFact or the SummaC benchmark, read from local files in their published layouts.

  harness meta-eval --benchmark aggrefact|summac --data PATH [--metrics NAME...] [--fields PATTERN...] \
      [--threshold T] [--datasets NAME...] [--out DIR] ...

Prints a Markdown table per metric field (per dataset: claims, threshold, balanced accuracy with
its 95% CI; the macro average) and writes <benchmark>.json, <benchmark>.md and
<benchmark>_scores.jsonl (every claim's scores) under --out.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path
from typing import Any

from harness.analysis.meta_eval import benchmark_output
from harness.analysis.meta_eval.benchmark_eval import BenchmarkResult, evaluate_benchmark
from harness.analysis.meta_eval.benchmarks import LAYOUTS, BenchmarkData, load_benchmark
from harness.analysis.meta_eval.detection import DEFAULT_THRESHOLD
from harness.analysis.meta_eval.scoring import MetricSet, resolve_spec
from harness.cli.meta_eval_common import add_metric_options, add_run_options, parser, warn, warn_skipped
from harness.config.schema import check_flag
from harness.config.search import require_config_dirs
from harness.errors import ConfigError
from harness.fileio import check_output_folder, write_numbered_set


def build_parser() -> argparse.ArgumentParser:
    p = parser(
        "Score every claim of a fact-checking benchmark (local files, never downloaded) with "
        "the harness's metrics and report balanced accuracy per dataset, the threshold chosen on each "
        "dataset's dev split as the benchmark does, with bootstrap CIs and the macro average."
    )
    p.add_argument(
        "--benchmark",
        required=True,
        choices=sorted(LAYOUTS),
        help="aggrefact: LLM-AggreFact (dataset, doc, claim, label; dev/test in the file names); "
        "summac: the SummaC benchmark (document, claim or summary, label, cut val/test)",
    )
    p.add_argument(
        "--data", required=True, help="a .jsonl, .json, .csv or .parquet file, or a folder of them (read recursively)"
    )
    add_metric_options(p, ["support"])
    p.add_argument(
        "--fields",
        nargs="+",
        default=None,
        metavar="PATTERN",
        help="metric fields read as P(supported), glob patterns on <name>/<field> (default: each metric's "
        "'score' field, else its first higher-is-better headline field)",
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="T",
        help="use this threshold for every dataset instead of choosing one on its dev split "
        f"(a dataset without a dev split uses {DEFAULT_THRESHOLD} unless this is given)",
    )
    p.add_argument("--datasets", nargs="+", default=None, metavar="NAME", help="evaluate only these datasets")
    add_run_options(p, "<benchmark>")
    return p


def _protocol(args: argparse.Namespace, data: BenchmarkData, result: BenchmarkResult) -> dict[str, Any]:
    layout = data.layout
    threshold = (
        f"{args.threshold} for every dataset (--threshold)"
        if args.threshold is not None
        else f"{layout.threshold_rule}; every midpoint between adjacent distinct dev scores is tried "
        f"(the lowest wins a tie); a dataset without a dev split, or with dev claims of one label, uses {DEFAULT_THRESHOLD}"
    )
    skipped = data.problems.skipped
    return {
        "benchmark": layout.name,
        "title": layout.title,
        "threshold": threshold,
        "balanced_accuracy": "(TPR + TNR) / 2 on the test claims, label 1 (supported) positive; 'supported' is "
        "predicted at or above the threshold (at or below it for a lower-is-better field); average: the "
        "unweighted mean over datasets",
        "claims": "each claim is the one-bullet summary of its document, judged whole; the metric field is "
        "read as P(supported); claims it gives no value are left out and counted",
        "bootstrap": {
            "samples": args.bootstrap,
            "seed": args.seed,
            "ci": "95% percentile",
            "resampled": "test claims within each dataset, the threshold held fixed; the average's CI "
            "resamples each dataset independently",
        },
        "metric_signatures": result.scores.signatures,
        "higher_is_better": {f.field: f.higher_is_better for f in result.fields},
        "data": {
            "path": data.path,
            "files": [vars(f) for f in data.files],
            "records_read": data.total,
            "claims": len(data.claims),
            "read_as_test": data.unsplit,
            "published_datasets_absent": [] if args.datasets else data.missing_datasets,
            "datasets": args.datasets,
            "excluded_by_datasets": data.excluded,
            "strict": args.strict,
            "skipped": {"count": len(skipped), "records": [s.message() for s in skipped[:200]]},
        },
    }


def _report(data: BenchmarkData) -> None:
    """Say on stderr what was left out or assumed, never silently."""
    warn_skipped(data.problems.skipped, data.total, "the JSON")
    for file in data.unsplit:
        warn("%s: no split in its name or records: read as test (name it with dev or test)", file)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    check_flag("--bootstrap", args.bootstrap)
    check_flag("--workers", args.workers)
    if args.threshold is not None and not math.isfinite(args.threshold):
        raise ConfigError(f"--threshold: must be a finite number, got {args.threshold}")
    out = Path(args.out or os.path.join("results", "meta_eval", Path(args.data).stem))
    check_output_folder(out)
    require_config_dirs(args.config_dir)
    metric_set = MetricSet.build(resolve_spec(args.metrics, args.overrides, args.config_dir, args.judge))
    data = load_benchmark(args.data, LAYOUTS[args.benchmark], strict=args.strict, datasets=args.datasets)
    _report(data)
    dev_not_scored = data.test_only() if args.threshold is not None else 0  # a judge's calls are not free
    result = evaluate_benchmark(metric_set, data, args.fields, args.threshold, args.bootstrap, args.seed, args.workers)
    for field in result.fields:
        missing = [d.name for d in field.datasets if d.threshold_from.startswith("default")]
        if missing:
            warn("%s: threshold %s (no usable dev split) for %s", field.field, DEFAULT_THRESHOLD, ", ".join(missing))
    protocol = _protocol(args, data, result)
    protocol["data"]["dev_claims_not_scored"] = dev_not_scored
    payload = benchmark_output.to_json(result.fields, protocol)
    files = {
        ".json": benchmark_output.to_json_text(payload),
        ".md": benchmark_output.to_markdown(payload),
        "_scores.jsonl": benchmark_output.scores_text(data, result.scores.columns),
    }
    _, written = write_numbered_set(
        out, args.benchmark, lambda stem: {stem + end: text for end, text in files.items()}, args.force
    )
    print(benchmark_output.tables(payload))
    print(f"\nwrote {written[0]}, {written[1]} and {written[2]}")
    return 0
