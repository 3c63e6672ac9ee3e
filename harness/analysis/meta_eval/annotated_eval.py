"""`harness meta-eval --annotations MERGED --runs DIR...`: the runs' metric fields against the merged
human judgments, at summary, system, global (annotated.py's human shares through `meta_evaluate`)
and pairwise level; one payload for meta_eval.json, .md and the printed table."""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.analysis.annotations.merge import read_merged
from harness.analysis.comparability import check
from harness.analysis.meta_eval import output
from harness.analysis.meta_eval.analysis import Analysis, meta_evaluate
from harness.analysis.meta_eval.annotated import (
    HumanScores,
    check_documents,
    human_scores,
    metric_columns,
    pairwise_agreement,
    pairwise_json,
    pairwise_markdown,
    pairwise_table,
    runs_by_label,
)
from harness.analysis.runs import Run, scan
from harness.errors import ConfigError, InputError
from harness.records import Problems


@dataclass
class AnnotatedMetaEval:
    payload: dict[str, Any]
    scores: HumanScores
    columns: dict[str, np.ndarray]
    problems: Problems

    def markdown(self) -> str:
        return output.to_markdown(self.payload) + pairwise_markdown(self.payload)

    def table(self) -> str:
        return (output.to_table(self.payload) + "\n" + pairwise_table(self.payload)).strip("\n")

    def scores_text(self) -> str:
        """One line per (document, system) with a human score: every metric field and human share."""
        lines = []
        for i, (doc_id, system) in enumerate(zip(self.scores.doc_ids, self.scores.system_ids)):
            record = {
                "schema_version": output.SCORES_SCHEMA_VERSION,
                "doc_id": doc_id,
                "system_id": system,
                "metrics": {k: _number(v[i]) for k, v in self.columns.items()},
                "human": {h: _number(v[i]) for h, v in self.scores.human.items()},
            }
            lines.append(json.dumps(record, ensure_ascii=False, allow_nan=False))
        return "".join(line + "\n" for line in lines)

    def files(self, stem: str) -> dict[str, str]:
        return {
            f"{stem}.json": output.to_json_text(self.payload),
            f"{stem}.md": self.markdown(),
            f"{stem}_scores.jsonl": self.scores_text(),
        }


def _number(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def select_fields(runs: Sequence[Run], patterns: Sequence[str]) -> list[str]:
    known = list(dict.fromkeys(k for r in runs for k in r.fields))
    chosen = [k for k in known if any(fnmatch.fnmatchcase(k, p) for p in patterns)]
    if not chosen:
        raise ConfigError(f"--fields {' '.join(patterns)} matches no field of the runs. Fields: {', '.join(known)}")
    return chosen


def _sha256(paths: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def evaluate(
    annotation_files: Sequence[str],
    run_dirs: Sequence[Path],
    patterns: Sequence[str] = ("*",),
    samples: int = 1000,
    seed: int = 0,
    strict: bool = False,
    workers: int = 1,
    compare: Sequence[tuple[str, str]] = (),
) -> AnnotatedMetaEval:
    problems = Problems(strict=strict)
    items = read_merged(annotation_files, problems)
    if not items:
        reasons = "; ".join(s.message() for s in problems.skipped[:3])
        raise InputError(
            f"no usable merged annotations in {', '.join(annotation_files)}" + (f" ({reasons})" if reasons else "")
        )
    runs, _ = scan(run_dirs)
    keys = select_fields(runs, patterns)
    check(runs, keys, allow_prompts=True)  # same data and metric settings: the scores are comparable
    scores = human_scores(items)
    by_label = runs_by_label(runs, scores.systems)
    check_documents(by_label, scores)
    columns = metric_columns(by_label, scores.doc_ids, scores.system_ids, keys)
    directions = {k: next(r.fields[k].get("higher_is_better", True) for r in runs if k in r.fields) for k in keys}
    for a, b in compare:
        for name in (a, b):
            if name not in columns:
                raise ConfigError(f"--compare: unknown field '{name}'. Fields: {', '.join(columns)}")
    if scores.human:
        analysis = meta_evaluate(
            scores.doc_ids,
            scores.system_ids,
            columns,
            scores.human,
            samples=samples,
            seed=seed,
            compare=list(compare),
            workers=workers,
            directions=directions,
        )
    else:  # pairwise choices only
        analysis = Analysis({}, [], {}, {}, directions)
    pairwise = {k: pairwise_agreement(scores.choices, by_label, k, directions[k], samples, seed) for k in keys}
    protocol = _protocol(annotation_files, run_dirs, runs, keys, scores, problems, samples, seed, directions)
    payload = output.to_json(analysis, protocol)
    payload["pairwise"] = pairwise_json(pairwise, scores)
    return AnnotatedMetaEval(payload, scores, columns, problems)


def _protocol(
    files: Sequence[str],
    run_dirs: Sequence[Path],
    runs: Sequence[Run],
    keys: Sequence[str],
    scores: HumanScores,
    problems: Problems,
    samples: int,
    seed: int,
    directions: dict[str, bool | None],
) -> dict[str, Any]:
    signatures: dict[str, str] = {}
    for key in keys:
        meta = next(r.fields[key] for r in runs if key in r.fields)
        signatures.setdefault(key.split("/", 1)[0], str(meta.get("signature") or "(not recorded)"))
    return {
        "levels": {
            "summary": "per document, correlation across its systems' summaries; mean over documents where defined",
            "system": "correlation of per-system means over their annotated summaries",
            "global": "correlation over all annotated (document, system) pairs",
            "pairwise": "the metric's preference between two summaries of a document against the humans' choice",
        },
        "human": {
            "supported_share": "share of a summary's annotated bullets whose majority label is supported",
            "facts_stated_share": "share of the document's annotated key facts whose majority label is stated",
            "unresolved": "items whose annotators tie are left out: " + json.dumps(dict(scores.unresolved)),
        },
        "statistics": "scipy.stats pearsonr, spearmanr, kendalltau (tau-b), as harness meta-eval --data",
        "bootstrap": {
            "samples": samples,
            "seed": seed,
            "ci": "95% percentile",
            "resampled": "documents (summary, global and pairwise level), systems (system level)",
        },
        "comparison": "paired bootstrap, two-sided, as harness meta-eval --data",
        "partial": "global level: correlation controlling for the system (FRANK), as harness meta-eval --data",
        "balanced_accuracy": "global level, 0/1 human scores only, as harness meta-eval --data",
        "against": "the runs' own scores (scores.jsonl)",
        "metric_signatures": signatures,
        "higher_is_better": directions,
        "data": {
            "file": ", ".join(files),
            "sha256": _sha256(files),
            "records": len(scores.doc_ids),
            "documents": len(set(scores.doc_ids)),
            "systems": len(set(scores.system_ids)),
            "runs": [str(r.path) for r in runs],
            "run_folders": [str(d) for d in run_dirs],
            "pairwise_choices": len(scores.choices),
        },
        "skipped": {"count": len(problems.skipped), "records": [s.message() for s in problems.skipped[:200]]},
    }
