"""What `harness annotations` writes: agreement per kind of judgment (agreement.json, .md), the
items annotators disagree on (disagreements.csv), the merged items (merged.jsonl), and the table
it prints. Every text from the files (annotator ids, systems, bullets) is data: escaped for the
format it is written in.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.analysis.agreement import Alpha, krippendorff_alpha
from harness.analysis.annotations.merge import Merged, MergedItem, merge, to_record
from harness.analysis.annotations.records import CATEGORIES, KINDS, LABELS, Annotation, FileRead, read_annotations
from harness.analysis.escape import csv_cell, md_cell, md_code
from harness.errors import InputError
from harness.records import Problems
from harness.text.visible import visible

AGREEMENT_SCHEMA = "harness.agreement/1"
FILES = ("agreement.json", "agreement.md", "disagreements.csv", "merged.jsonl")


@dataclass(frozen=True)
class Measure:
    """One agreement figure: which judgments, read how, on which scale."""

    name: str
    kind: str
    level: str
    categories: tuple[str, ...]

    def values(self, item: MergedItem) -> list[str | None]:
        if self.name == "bullet category":  # only annotators who called the bullet unsupported give one
            return [j.category if j.label == "unsupported" else None for j in item.judgments.values()]
        return [j.label for j in item.judgments.values()]


MEASURES = (
    Measure("bullet label", "bullet", "nominal", LABELS["bullet"]),
    Measure("bullet category", "bullet", "nominal", CATEGORIES),
    Measure("fact label", "fact", "nominal", LABELS["fact"]),
    Measure("pairwise choice", "pairwise", "nominal", LABELS["pairwise"]),
    Measure("pairwise choice", "pairwise", "ordinal", LABELS["pairwise"]),  # A < tie < B
)


@dataclass
class AgreementReport:
    merged: Merged
    files: list[FileRead]
    problems: Problems
    alphas: list[tuple[Measure, Alpha]]
    annotations: list[Annotation]
    samples: int
    seed: int


def summarise(
    merged: Merged,
    annotations: Sequence[Annotation],
    files: list[FileRead],
    problems: Problems,
    samples: int = 1000,
    seed: int = 0,
) -> AgreementReport:
    alphas = []
    for measure in MEASURES:
        units = [measure.values(i) for i in merged.items if i.kind == measure.kind]
        if units:
            alphas.append(
                (measure, krippendorff_alpha(units, measure.categories, measure.level, samples, seed, measure.name))
            )
    return AgreementReport(merged, files, problems, alphas, list(annotations), samples, seed)


def _annotators(summary: AgreementReport) -> dict[str, dict[str, Any]]:
    """Per annotator: lines read, judgments kept per kind with their labels, judgments replaced."""
    lines = Counter(a.annotator for a in summary.annotations)
    out: dict[str, dict[str, Any]] = {}
    for name in summary.merged.annotators:
        kinds: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
        for item in summary.merged.items:
            if name in item.judgments:
                kinds[item.kind][item.judgments[name].label] += 1
        out[name] = {
            "records": lines[name],
            "replaced": summary.merged.replaced[name],
            **{k: {"items": sum(c.values()), "labels": dict(sorted(c.items()))} for k, c in kinds.items()},
        }
    return out


def _items(merged: Merged) -> dict[str, dict[str, int]]:
    out = {}
    for kind in KINDS:
        items = [i for i in merged.items if i.kind == kind]
        out[kind] = {
            "items": len(items),
            "annotated_twice": sum(len(i.judgments) >= 2 for i in items),
            "disagreements": sum(i.disagrees() for i in items),
            "majority_ties": sum(i.majority()[1] for i in items),
        }
    return out


def to_json(summary: AgreementReport) -> dict[str, Any]:
    return {
        "schema": AGREEMENT_SCHEMA,
        "files": [{"path": f.path, "records": f.records, "skipped": f.skipped} for f in summary.files],
        "annotators": _annotators(summary),
        "items": _items(summary.merged),
        "agreement": [
            {
                "measure": m.name,
                "kind": m.kind,
                "level": a.level,
                "alpha": a.value,
                "ci95": list(a.ci95) if a.ci95 else None,
                "items": a.items,
                "values": a.values,
                "undefined": a.reason,
            }
            for m, a in summary.alphas
        ],
        "protocol": {
            "alpha": "Krippendorff's alpha from the coincidence matrix (Krippendorff 2011); nominal for labels "
            "and categories, ordinal for pairwise choices on the scale A < tie < B (A: the first system of the "
            "sorted pair); items with fewer than two judgments do not count",
            "bullet_category": "judgments of annotators who labelled the bullet unsupported",
            "bootstrap": {
                "samples": summary.samples,
                "seed": summary.seed,
                "ci": "95% percentile",
                "resampled": "items",
            },
            "merge": "latest judgment per annotator and item by time (then line order); majority label per item, "
            "null with tie=true when the top labels tie",
        },
        "skipped": {
            "count": len(summary.problems.skipped),
            "records": [s.message() for s in summary.problems.skipped[:200]],
        },
        "text_conflicts": summary.merged.text_conflicts,
        "sources": dict(Counter(a.source for a in summary.annotations)),
    }


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _alpha_cell(row: dict[str, Any]) -> str:
    if row["alpha"] is None:
        return f"– ({row['undefined']})"
    ci = f" [{row['ci95'][0]:.2f}, {row['ci95'][1]:.2f}]" if row["ci95"] else ""
    return _fmt(row["alpha"]) + ci


def to_markdown(payload: dict[str, Any]) -> str:
    boot = payload["protocol"]["bootstrap"]
    lines = [
        "# Inter-annotator agreement",
        "",
        *(f"- file {md_code(f['path'])}: {f['records']} records, {f['skipped']} skipped" for f in payload["files"]),
        f"- alpha: {payload['protocol']['alpha']}",
        f"- bootstrap: {boot['samples']} resamples of items, seed {boot['seed']}, {boot['ci']} CI",
        f"- merge: {payload['protocol']['merge']}",
        "",
        "| measure | level | α [95% CI] | items (≥ 2 judgments) | pairable values |",
        "|---|---|---|---|---|",
    ]
    for row in payload["agreement"]:
        lines.append(f"| {row['measure']} | {row['level']} | {_alpha_cell(row)} | {row['items']} | {row['values']} |")
    lines += [
        "",
        "## Items",
        "",
        "| kind | items | annotated twice | disagreements | majority ties |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {kind} | {c['items']} | {c['annotated_twice']} | {c['disagreements']} | {c['majority_ties']} |"
        for kind, c in payload["items"].items()
    ]
    lines += [
        "",
        "## Annotators",
        "",
        "| annotator | records | replaced | bullets | facts | pairwise |",
        "|---|---|---|---|---|---|",
    ]
    for name, c in payload["annotators"].items():
        kinds = " | ".join(_labels(c[k]) for k in KINDS)
        lines.append(f"| {md_cell(name)} | {c['records']} | {c['replaced']} | {kinds} |")
    if payload["skipped"]["count"]:
        lines += [
            "",
            f"Skipped records: {payload['skipped']['count']} (first: {md_cell(payload['skipped']['records'][0])}).",
        ]
    if payload["text_conflicts"]:
        lines += [
            "",
            f"Items whose text differs between annotators: {len(payload['text_conflicts'])} (in agreement.json).",
        ]
    return "\n".join(lines) + "\n"


def _labels(kind: dict[str, Any]) -> str:
    if not kind["items"]:
        return "0"
    return f"{kind['items']} (" + ", ".join(f"{md_cell(k)} {v}" for k, v in kind["labels"].items()) + ")"


def disagreements_csv(merged: Merged) -> str:
    """One row per item annotators disagree on; a column per annotator (a pairwise A is system_a)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["kind", "doc_id", "system", "system_a", "system_b", "index", "text", "majority", "tie"]
    writer.writerow([csv_cell(v) for v in [*header, *merged.annotators]])  # annotator ids are typed by people
    for item in merged.items:
        if not item.disagrees():
            continue
        system, pair = (item.systems[0], ("", "")) if item.kind != "pairwise" else ("", item.systems)
        label, tie = item.majority()
        judgments = [
            "" if (j := item.judgments.get(name)) is None else j.label + (f" ({j.category})" if j.category else "")
            for name in merged.annotators
        ]
        row = [item.kind, item.doc_id, system, *pair, "" if item.index is None else item.index, item.text or ""]
        writer.writerow([csv_cell(v) for v in [*row, label or "", "yes" if tie else "", *judgments]])
    return out.getvalue()


def merged_jsonl(merged: Merged) -> str:
    return "".join(json.dumps(to_record(i), ensure_ascii=False) + "\n" for i in merged.items)


def to_table(payload: dict[str, Any]) -> str:
    """The terminal's summary: alpha per measure, item counts, annotators (names made inert)."""
    lines = [f"{'measure':<16} {'level':<8} {'alpha':>7}  {'95% CI':<16} items"]
    for row in payload["agreement"]:
        ci = f"[{row['ci95'][0]:.2f}, {row['ci95'][1]:.2f}]" if row["ci95"] else ""
        alpha = _fmt(row["alpha"]) if row["alpha"] is not None else "–"
        note = f"  ({row['undefined']})" if row["undefined"] else ""
        lines.append(f"{row['measure']:<16} {row['level']:<8} {alpha:>7}  {ci:<16} {row['items']}{note}")
    lines.append("")
    for kind, c in payload["items"].items():
        if c["items"]:
            lines.append(
                f"{kind}: {c['items']} items, {c['annotated_twice']} annotated twice, "
                f"{c['disagreements']} disagreements, {c['majority_ties']} majority ties"
            )
    names = ", ".join(f"{visible(n)} ({c['records']} records)" for n, c in payload["annotators"].items())
    lines.append(f"annotators: {names}")
    return "\n".join(lines)


def texts(summary: AgreementReport) -> dict[str, str]:
    """The four files, by name."""
    payload = to_json(summary)
    return {
        "agreement.json": json.dumps(payload, indent=1, ensure_ascii=False, allow_nan=False) + "\n",
        "agreement.md": to_markdown(payload),
        "disagreements.csv": disagreements_csv(summary.merged),
        "merged.jsonl": merged_jsonl(summary.merged),
    }


def analyse_files(paths: Sequence[str], strict: bool = False, samples: int = 1000, seed: int = 0) -> AgreementReport:
    """Read, merge and measure: the one call behind `harness annotations`."""
    annotations, files, problems = read_annotations(paths, strict)
    if not annotations:
        reasons = "; ".join(s.message() for s in problems.skipped[:3])
        raise InputError(f"no usable annotation records in {', '.join(paths)}" + (f" ({reasons})" if reasons else ""))
    return summarise(merge(annotations), annotations, files, problems, samples, seed)
