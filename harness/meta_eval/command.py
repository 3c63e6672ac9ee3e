"""`harness meta-eval`: correlate the harness's metrics with human judgments.

  harness meta-eval --data FILE --human FIELD[,FIELD...] [--metrics NAME...] \
      [--against reference|references|source] [--out DIR] [--compare A B] ...
"""

from __future__ import annotations

import argparse
import fnmatch
import os
from pathlib import Path
from typing import Any

import numpy as np

from harness.errors import ConfigError
from harness.meta_eval import report
from harness.meta_eval.analysis import meta_evaluate
from harness.meta_eval.data import AGAINST_CHOICES, FieldNames, load
from harness.meta_eval.scoring import resolve_spec, score_all


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="harness meta-eval",
        description="Score each (document, system) summary with the harness's metrics and correlate "
        "them with human scores at summary, system and global level.",
    )
    p.add_argument("--data", required=True, help="JSONL, one line per (document, system)")
    p.add_argument("--human", required=True, action="append",
                   help="human score field(s), comma-separated dotted paths (expert_scores.consistency)")
    p.add_argument("--metrics", nargs="+", default=["rouge"],
                   help="metric config names (conf/metrics/NAME.yaml, else registry key); ALIAS=KEY for a variant")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME.OPTION=VALUE",
                   help="override a metric option, e.g. rouge.use_stemmer=false (repeatable)")
    p.add_argument("--against", choices=AGAINST_CHOICES, default="reference",
                   help="what reference-based metrics compare with: the reference field, all "
                   "references, or the source (default: reference)")
    p.add_argument("--multi-reference", choices=("best", "mean"), default="best",
                   help="with several references: give them all to the metric (best: ROUGE keeps the "
                   "best-matching one) or score each alone and average (mean)")
    p.add_argument("--fields", nargs="+", default=["*"], metavar="PATTERN",
                   help="metric fields to report, glob patterns on <name>/<field> (default: all)")
    p.add_argument("--compare", nargs=2, action="append", default=[], metavar=("A", "B"),
                   help="test whether field A correlates better than field B (repeatable)")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="bootstrap resamples (default 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=1, help="processes for metric scoring and the bootstrap")
    p.add_argument("--out", default=None, help="output folder (default: results/meta_eval/<data file stem>)")
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
        "bootstrap": {"samples": args.bootstrap, "seed": args.seed, "ci": "95% percentile",
                      "resampled": "documents (summary and global level), systems (system level); "
                      "the same draws for every metric"},
        "comparison": "paired bootstrap, one-sided: share of resamples where the best metric "
        "(highest value in that column) does not beat this one, (k+1)/(n+1)",
        "against": args.against,
        "multi_reference": args.multi_reference,
        "human_fields": humans,
        "binary_human_fields": binary,
        "metric_signatures": scores.signatures,
        "lower_is_better": scores.lower_is_better,
        "data": {"file": args.data, "sha256": data.sha256, "records": len(data.doc_ids),
                 "documents": len(set(data.doc_ids)), "systems": len(set(data.system_ids))},
    }


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.bootstrap < 0 or args.workers < 1:
        raise ConfigError("--bootstrap must be >= 0 (0: no CIs) and --workers >= 1")
    humans = [h.strip() for group in args.human for h in group.split(",") if h.strip()]
    names = FieldNames(args.doc_id_field, args.system_id_field, args.summary_field, args.source_field,
                       args.reference_field, args.references_field, args.facts_field)
    spec = resolve_spec(args.metrics, args.overrides)  # bad names fail before the data is read
    data = load(args.data, humans, args.against, names)
    scores = score_all(spec, data.examples, data.summaries, args.workers, args.multi_reference, args.against)
    columns = _select(scores.columns, args.fields)
    for a, b in args.compare:
        for name in (a, b):
            if name not in columns:
                raise ConfigError(f"--compare: unknown field '{name}'. Fields: {', '.join(columns)}")
    human_columns = {h: np.array(v) for h, v in data.human.items()}
    analysis = meta_evaluate(data.doc_ids, data.system_ids, columns, human_columns,
                             samples=args.bootstrap, seed=args.seed, compare=[tuple(c) for c in args.compare],
                             workers=args.workers)
    payload = report.to_json(analysis, _protocol(args, data, scores, humans, analysis.binary_humans))
    out = Path(args.out or os.path.join("results", "meta_eval", Path(args.data).stem))
    out.mkdir(parents=True, exist_ok=True)
    report.write_json(str(out / "meta_eval.json"), payload)
    (out / "meta_eval.md").write_text(report.to_markdown(payload), encoding="utf-8")
    print(report.to_table(payload))
    print(f"\nwrote {out / 'meta_eval.json'} and {out / 'meta_eval.md'}")
    return 0
