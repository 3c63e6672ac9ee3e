"""`harness meta-eval`: correlate the harness's metrics with human judgments.

  harness meta-eval --data FILE --human FIELD[,FIELD...] [--metrics NAME...] \
      [--against reference|references|source] [--where FIELD=VALUE] [--out DIR] [--compare A B] ...
  harness meta-eval --benchmark aggrefact|summac --data PATH [--metrics NAME...] ...  (harness/cli/meta_eval_benchmark.py)
  harness meta-eval --annotations MERGED.jsonl --runs DIR... [--fields PATTERN...]  (harness/cli/meta_eval_annotated.py)

Writes meta_eval.json (every figure, with the protocol), meta_eval.md (tables) and
meta_eval_scores.jsonl (every summary's metric and human scores) under --out.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from harness.analysis.meta_eval import output
from harness.analysis.meta_eval.analysis import meta_evaluate
from harness.analysis.meta_eval.judgments import AGAINST_CHOICES, FieldNames, MetaData, load
from harness.analysis.meta_eval.scoring import MetricSet, resolve_spec, score_all
from harness.cli.meta_eval_common import add_metric_options, add_run_options, parser, warn, warn_skipped
from harness.config.schema import check_flag
from harness.config.search import require_config_dirs
from harness.errors import ConfigError
from harness.fileio import check_output_folder, write_numbered_set


def build_parser() -> argparse.ArgumentParser:
    p = parser(
        "Score each (document, system) summary with the harness's metrics and correlate "
        "them with human scores at summary, system and global level.",
        epilog="A fact checker on a benchmark's labelled claims instead: harness meta-eval --benchmark "
        "aggrefact|summac --data PATH (balanced accuracy per dataset; --benchmark aggrefact --help for its options). "
        "Against the team's own judgments: harness meta-eval --annotations MERGED.jsonl --runs DIR... "
        "[--fields PATTERN...] (its options: harness meta-eval --help --annotations).",
    )
    p.add_argument("--data", required=True, help="JSONL, one line per (document, system)")
    p.add_argument(
        "--human",
        required=True,
        action="append",
        help="human score field(s), comma-separated dotted paths (expert_scores.consistency)",
    )
    add_metric_options(p, ["rouge"])
    p.add_argument(
        "--against",
        choices=AGAINST_CHOICES,
        default="reference",
        help="what reference-based metrics compare with: the reference field, all "
        "references, or the source (default: reference)",
    )
    p.add_argument(
        "--multi-reference",
        choices=("best", "mean"),
        default="best",
        help="with several references: give them all to the metric (best: ROUGE keeps the "
        "best-matching one) or score each alone and average (mean)",
    )
    p.add_argument(
        "--fields",
        nargs="+",
        default=["*"],
        metavar="PATTERN",
        help="metric fields to report, glob patterns on <name>/<field> (default: all)",
    )
    p.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="keep only records whose (dotted) FIELD equals VALUE; repeat a field for "
        "alternatives, different fields must all match (e.g. --where system_id=M0 --where system_id=M1)",
    )
    p.add_argument(
        "--compare",
        nargs=2,
        action="append",
        default=[],
        metavar=("A", "B"),
        help="test whether fields A and B agree with the humans equally well (two-sided; repeatable)",
    )
    add_run_options(p, "meta_eval")
    names = p.add_argument_group("record fields (dotted paths)")
    defaults = FieldNames()
    for name in ("doc_id", "system_id", "summary", "source", "reference", "references"):
        names.add_argument(f"--{name.replace('_', '-')}-field", dest=f"{name}_field", default=getattr(defaults, name))
    names.add_argument("--facts-field", default=None, help="list of source facts (fills Example.facts)")
    return p


def _select(columns: dict[str, np.ndarray], patterns: list[str]) -> dict[str, np.ndarray]:
    chosen = {k: v for k, v in columns.items() if any(fnmatch.fnmatchcase(k, p) for p in patterns)}
    if not chosen:
        raise ConfigError(f"--fields {' '.join(patterns)} matches no metric field. Fields: {', '.join(columns)}")
    return chosen


def _protocol(args: argparse.Namespace, data, scores, humans, binary: list[str]) -> dict[str, Any]:
    return {
        "levels": {
            "summary": "per document, correlation across its systems' summaries; mean over documents "
            "where defined (documents with constant human or metric scores, or < 2 scored summaries, "
            "are dropped and counted)",
            "system": "correlation of per-system means over their scored summaries",
            "global": "correlation over all (document, system) pairs",
        },
        "statistics": "scipy.stats pearsonr, spearmanr (average ranks for ties), kendalltau variant "
        "tau-b (tie-adjusted; scipy's default, as in G-Eval, UniEval and BARTScore's scripts)",
        "tie_handling": "Spearman: tied values get their average rank; Kendall: tau-b, "
        "(concordant - discordant) / sqrt((n0 - ties_metric) * (n0 - ties_human)); ROC-AUC: a tie counts 1/2",
        "roc_auc": "global level, only for human fields whose values are all 0/1: "
        "Mann-Whitney U / (n_pos * n_neg), ties count 1/2",
        "bootstrap": {
            "samples": args.bootstrap,
            "seed": args.seed,
            "ci": "95% percentile",
            "resampled": "documents (summary and global level), systems (system level); "
            "the same draws for every metric",
        },
        "partial": "global level, partial_pearson / partial_spearman: correlation controlling for the "
        "system as FRANK's script computes it: both sides minus their system's mean (one-hot "
        "regression residuals), then Pearson / Spearman of the residuals",
        "balanced_accuracy": "global level, 0/1 human fields: mean of true-positive and true-negative "
        "rates of held-out decisions; each fold of documents (5, seeded) is thresholded at the value "
        "that maximises balanced accuracy on the other folds (SummaC); the direction is the field's",
        "comparison": "paired bootstrap, two-sided: 2 x the smaller share of resamples on either side "
        "of 0 of (best - this), each share (k+1)/(n+1), capped at 1; 'best' is the field with the "
        "strongest agreement in its declared direction (a lower-is-better field's correlation is "
        "negated, its ROC-AUC mirrored; a field with no direction counts by |r|)",
        "against": args.against,
        "multi_reference": args.multi_reference,
        "human_fields": humans,
        "binary_human_fields": binary,
        "metric_signatures": scores.signatures,
        "skipped_metrics": scores.skipped,  # config name -> why it did not run (no record has its input)
        "higher_is_better": scores.directions,
        "data": {
            "file": args.data,
            "sha256": data.sha256,
            "records": len(data.doc_ids),
            "documents": len(set(data.doc_ids)),
            "systems": len(set(data.system_ids)),
            "records_read": data.total,
            "where": args.where,
            "excluded_by_where": data.filtered,
            "strict": args.strict,
        },
        "skipped": {"count": len(data.problems.skipped), "records": [s.message() for s in data.problems.skipped[:200]]},
        "missing_human_scores": {
            h: {"count": len(items), "records": [s.message() for s in items[:50]]}
            for h, items in data.missing_human.items()
        },
    }


def _report_skips(data: MetaData) -> None:
    """Say on stderr what was left out (as `harness run` does), never silently."""
    warn_skipped(data.problems.skipped, data.total, "meta_eval.json")
    for human, items in data.missing_human.items():
        if items:
            warn(
                "%s: no score on %d records (first: %s), left out of its correlations",
                human,
                len(items),
                items[0].message(),
            )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a == "--benchmark" or a.startswith("--benchmark=") for a in argv):
        from harness.cli import meta_eval_benchmark

        return meta_eval_benchmark.main(argv)
    if any(a == "--annotations" or a.startswith("--annotations=") for a in argv):
        from harness.cli.meta_eval_annotated import main as against_annotations  # the team's own judgments

        return against_annotations(argv)
    args = build_parser().parse_args(argv)
    out = Path(args.out or os.path.join("results", "meta_eval", Path(args.data).stem))
    payload, files = evaluate(args, out)
    _, written = write_numbered_set(
        out, "meta_eval", lambda stem: {stem + end: text for end, text in files.items()}, args.force
    )
    print(output.to_table(payload))
    print(f"\nwrote {written[0]}, {written[1]} and {written[2]}")
    return 0


def evaluate(args: argparse.Namespace, out: Path | None) -> tuple[dict[str, Any], dict[str, str]]:
    """The work of `harness meta-eval` (and of `harness.api.meta_eval`) on parsed options: the
    payload of meta_eval.json and the text of each file to write. `out` is checked before any work
    (None: nothing will be written)."""
    check_flag("--bootstrap", args.bootstrap)  # 0: no CIs
    check_flag("--workers", args.workers)
    humans = [h.strip() for group in args.human for h in group.split(",") if h.strip()]
    names = FieldNames(
        args.doc_id_field,
        args.system_id_field,
        args.summary_field,
        args.source_field,
        args.reference_field,
        args.references_field,
        args.facts_field,
    )
    if out is not None:
        check_output_folder(out)  # before any work, as harness compare --out
    require_config_dirs(args.config_dir)
    # bad names fail before the data is read
    metric_set = MetricSet.build(resolve_spec(args.metrics, args.overrides, args.config_dir, args.judge))
    data = load(args.data, humans, args.against, names, strict=args.strict, where=args.where, needs=metric_set.needs)
    _report_skips(data)
    scores = score_all(metric_set, data.examples, data.summaries, args.workers, args.multi_reference, args.against)
    columns = _select(scores.columns, args.fields)
    for a, b in args.compare:
        for name in (a, b):
            if name not in columns:
                raise ConfigError(f"--compare: unknown field '{name}'. Fields: {', '.join(columns)}")
    analysis = meta_evaluate(
        data.doc_ids,
        data.system_ids,
        columns,
        {h: np.array(v) for h, v in data.human.items()},
        samples=args.bootstrap,
        seed=args.seed,
        compare=[tuple(c) for c in args.compare],
        workers=args.workers,
        directions=scores.directions,
    )
    payload = output.to_json(analysis, _protocol(args, data, scores, humans, analysis.binary_humans))
    files = {
        ".json": output.to_json_text(payload),
        ".md": output.to_markdown(payload),
        "_scores.jsonl": output.scores_text(data, scores.columns),
    }
    return payload, files
