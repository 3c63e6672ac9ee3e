"""`harness report DIR... --annotate`: the documents to annotate and the annotation page's data.

Which documents: a sample stratified by how much the metrics disagree on each document.
- Every directional headline field is standardised over all (document, run) values (z-scores,
  population SD; a lower-is-better field has its sign flipped so that higher is better for all).
- A document's disagreement is the mean over runs of the SD, across metrics, of that run's
  z-scores on it: large when the metrics rank this summary differently among all summaries.
  With a single usable metric the metrics cannot disagree; then it is the SD across runs of the
  one metric's z-scores (where the systems differ most). A document without two values is unmeasured.
- Strata: the measured documents in four equal bands of rank by disagreement (most first), then
  the unmeasured. Half the sample (rounded up) comes from the top band, the rest is shared evenly
  by the other three (a remainder to the higher bands), so the hard cases dominate while the
  sample still spans the range that correlations need; a band too small passes its surplus down.
  Within a band the documents are drawn at random; the sample is shown in a random order. All of
  it from `seed` alone: the same runs and seed give the same page.

Each document's summaries are shown blind (no system names, in a random order per document),
each one's bullets (supported / unsupported with a FineSurE category) and key facts (stated or
not: the facts metric's facts for that summary when scored, else the dataset's, else no task),
and one pair of systems (A / B / tie), the pairs cycling through every pair of systems in a
random order so each is judged about equally often, the sides drawn at random and recorded as
shown. The page writes the records of docs/annotations.md (`harness.annotation/1`).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from harness.analysis.annotations.records import LABELS, SCHEMA
from harness.analysis.runs import Run
from harness.judge.prompts import CATEGORIES
from harness.metrics.facts_detail import FactsDetail

STRATA = 4
SCRIPTS = ("dom.js", "annotate.js")  # the page's one script, in this order
STYLES = ("report.css", "annotate.css")


@dataclass(frozen=True)
class AnnotateOptions:
    docs: int = 20  # documents to annotate
    seed: int = 0
    source: str = ""  # the report's name in every record (the sweep or comparison folder)


# ---- which documents ----


def standardised(
    values: Sequence[Sequence[Sequence[float | None]]], directions: Sequence[bool]
) -> list[list[list[float | None]]]:
    """values[doc][run][field] as z-scores per field over all documents and runs, higher better;
    a field with fewer than two values or no spread is dropped (it cannot tell documents apart)."""
    kept, stats = [], []
    for k, higher in enumerate(directions):
        column = [v for doc in values for run in doc if (v := run[k]) is not None]
        if len(column) >= 2 and (sd := statistics.pstdev(column)) > 0:
            kept.append(k)
            stats.append((statistics.fmean(column), sd, 1.0 if higher else -1.0))
    return [
        [
            [None if run[k] is None else sign * (float(run[k]) - mean) / sd for k, (mean, sd, sign) in zip(kept, stats)]  # type: ignore[arg-type]
            for run in doc
        ]
        for doc in values
    ]


def disagreement(values: Sequence[Sequence[Sequence[float | None]]], directions: Sequence[bool]) -> list[float | None]:
    """Per document: the mean over runs of the SD across metrics of the z-scores; with one usable
    metric, the SD across runs; None when a document lacks the two values either needs."""
    z = standardised(values, directions)
    fields = len(z[0][0]) if z and z[0] else 0
    out: list[float | None] = []
    for doc in z:
        if fields >= 2:
            spreads = [statistics.pstdev(p) for run in doc if len(p := [v for v in run if v is not None]) >= 2]
            out.append(statistics.fmean(spreads) if spreads else None)
        else:
            present = [run[0] for run in doc if fields and run[0] is not None]
            out.append(statistics.pstdev(present) if len(present) >= 2 else None)
    return out


def strata(scores: Sequence[float | None]) -> list[list[int]]:
    """Document indices in STRATA bands by rank of disagreement (most first; equal values in
    document order), then one band of the unmeasured."""
    measured = sorted((i for i, s in enumerate(scores) if s is not None), key=lambda i: (-scores[i], i))  # type: ignore[operator]
    edge = [-(-len(measured) * b // STRATA) for b in range(STRATA + 1)]  # rounded up: a small set fills the top first
    bands = [measured[edge[b] : edge[b + 1]] for b in range(STRATA)]
    return [*bands, [i for i, s in enumerate(scores) if s is None]]


def allocation(n: int) -> list[int]:
    """How many of n come from each band: half (rounded up) from the top, the rest shared evenly."""
    top = math.ceil(n / 2)
    rest = n - top
    share = [rest // (STRATA - 1) + (b < rest % (STRATA - 1)) for b in range(STRATA - 1)]
    return [top, *share, 0]


def sample(scores: Sequence[float | None], n: int, seed: int) -> list[tuple[int, int]]:
    """(document index, band) of the n documents to annotate, in the order shown (random by seed)."""
    rng = random.Random(f"harness-annotate:{seed}:sample")
    bands = strata(scores)
    chosen: list[tuple[int, int]] = []
    carry = 0
    for band, (members, want) in enumerate(zip(bands, allocation(min(n, len(scores))))):
        take = min(want + carry, len(members))
        carry = want + carry - take
        chosen += [(i, band) for i in sorted(rng.sample(members, take))]
    if carry:  # bands below could not absorb it: the next documents by rank
        taken = {i for i, _ in chosen}
        chosen += [(i, b) for b, members in enumerate(bands) for i in members if i not in taken][:carry]
    rng.shuffle(chosen)
    return chosen


def pairs(available: Sequence[Sequence[int]], systems: int, seed: int) -> list[tuple[int, int] | None]:
    """For each document (the runs with a summary of it), the pair of runs to compare as shown
    (A first): every pair in a random order, cycled so each is judged about equally often; sides at random."""
    rng = random.Random(f"harness-annotate:{seed}:pairs")
    every = list(combinations(range(systems), 2))
    rng.shuffle(every)
    out: list[tuple[int, int] | None] = []
    turn = 0
    for runs in available:
        have = set(runs)
        found = (
            next((k for k in range(len(every)) if set(every[(turn + k) % len(every)]) <= have), None) if every else None
        )
        if found is None:
            out.append(None)
            continue
        a, b = every[(turn + found) % len(every)]
        turn += found + 1
        out.append((b, a) if rng.random() < 0.5 else (a, b))
    return out


# ---- the page's data ----


def summary_facts(run: Run, doc_id: str, dataset_facts: Sequence[str]) -> list[str]:
    """The key facts to tick for this run's summary: the facts metric's (details.facts.facts[i].fact)
    when scored, else the dataset's."""
    details = (run.scores.get(doc_id) or {}).get("details") or {}
    detail = FactsDetail.from_json(details.get("facts"))
    scored = [f.fact for f in detail.facts if isinstance(f.fact, str)] if detail is not None else []
    return scored or [f for f in dataset_facts if isinstance(f, str)]


def page_data(runs: Sequence[Run], report: dict[str, Any], options: AnnotateOptions) -> dict[str, Any]:
    """The annotation page's data from the report's payload (documents, bullets, values) and the runs."""
    fields = report["fields"]
    used = [k for k, f in enumerate(fields) if f.get("headline") and f.get("higher_is_better") is not None]
    docs = report["docs"]
    values = [[[run[k] for k in used] for run in doc["values"]] for doc in docs]
    scores = disagreement(values, [bool(fields[k]["higher_is_better"]) for k in used])
    summarised = [[r for r, m in enumerate(doc["models"]) if m is not None and not m.get("error")] for doc in docs]
    pool = [i for i, here in enumerate(summarised) if here]  # a document without a summary has nothing to label
    chosen = [(pool[j], band) for j, band in sample([scores[i] for i in pool], options.docs, options.seed)]
    usable = [summarised[i] for i, _ in chosen]
    plan = pairs(usable, len(runs), options.seed)
    shown = []
    for (i, band), runs_here, pair in zip(chosen, usable, plan):
        doc = docs[i]
        order = random.Random(f"harness-annotate:{options.seed}:order:{doc['id']}").sample(runs_here, len(runs_here))
        summaries = [
            {
                "system": r,
                "bullets": [b["text"] for b in doc["models"][r]["bullets"]],
                "facts": summary_facts(runs[r], doc["id"], doc.get("facts") or []),
            }
            for r in order
        ]
        shown.append(
            {
                "id": doc["id"],
                "source": doc["source"],
                "disagreement": scores[i],
                "band": band,
                "summaries": summaries,
                "pair": list(pair) if pair else None,
            }
        )
    data = {
        "schema": SCHEMA,
        "source": options.source,
        "systems": [r.label for r in runs],
        "labels": LABELS,
        "categories": list(CATEGORIES),
        "selection": {
            "documents": len(shown),
            "of": len(pool),
            "seed": options.seed,
            "metrics": [fields[k]["key"] for k in used],
            "measure": "mean over runs of the SD across metrics of z-scores (one metric: SD across runs)",
            "bands": f"{STRATA} bands by rank of disagreement, half the sample from the top band",
        },
        "docs": shown,
    }
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, allow_nan=False)
    data["page"] = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]  # keys the browser's saved labels
    return data
