"""Meta-evaluation against the team's own judgments: merged annotations (`harness annotations`)
and the metric scores the runs already hold (their scores.jsonl), so "which metric agrees with our
humans" needs no re-scoring.

Human scores per (document, system), from the items' majority labels (items whose annotators tie
are left out and counted):
- `supported_share`: the share of the summary's annotated bullets labelled supported;
- `facts_stated_share`: the share of the document's annotated key facts the summary states.
They are correlated with every chosen metric field at summary, system and global level by
`meta_evaluate`, the same machinery as `harness meta-eval --data`.

Pairwise level, for each human choice between two systems' summaries of a document: does the
metric prefer the same summary (its direction applied; a field with no direction is read as
higher-is-better)?
- accuracy: the share of agreements among choices where neither the humans nor the metric tie;
- Kendall-like tau as WMT's relative-ranking variant (Ma et al., 2019): (concordant - discordant) /
  (concordant + discordant) over choices with a human preference, a metric tie counting as discordant.
Both with percentile CIs from resampled documents (seeded).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.analysis.annotations.merge import MergedItem
from harness.analysis.meta_eval.resampling import draw_counts
from harness.analysis.runs import Run
from harness.errors import InputError
from harness.registry import suggest
from harness.stats import percentile_ci

HUMAN_FIELDS = {"bullet": "supported_share", "fact": "facts_stated_share"}
POSITIVE = {"bullet": "supported", "fact": "stated"}
PAIRWISE_STATISTICS = ("accuracy", "kendall_like")


@dataclass(frozen=True)
class Choice:
    """The humans' majority choice between two systems' summaries of a document (A: system_a)."""

    doc_id: str
    system_a: str
    system_b: str
    label: str  # "A", "B" or "tie"


@dataclass
class HumanScores:
    doc_ids: list[str]  # one entry per (document, system) with a human score
    system_ids: list[str]
    human: dict[str, np.ndarray]  # HUMAN_FIELDS value -> one score per entry (NaN: none of that kind)
    choices: list[Choice]
    unresolved: Counter[str] = field(default_factory=Counter)  # kind -> items whose annotators tie

    @property
    def systems(self) -> set[str]:
        return set(self.system_ids) | {s for c in self.choices for s in (c.system_a, c.system_b)}


def human_scores(items: Sequence[MergedItem]) -> HumanScores:
    """Summary-level shares and pairwise choices from the items' majority labels."""
    counts: dict[tuple[str, str], dict[str, list[int]]] = {}
    choices: list[Choice] = []
    unresolved: Counter[str] = Counter()
    for item in items:
        label, tie = item.majority()
        if tie or label is None:
            unresolved[item.kind] += 1
            continue
        if item.kind == "pairwise":
            choices.append(Choice(item.doc_id, item.systems[0], item.systems[1], label))
            continue
        tally = counts.setdefault((item.doc_id, item.systems[0]), {k: [0, 0] for k in HUMAN_FIELDS})[item.kind]
        tally[0] += label == POSITIVE[item.kind]
        tally[1] += 1
    keys = list(counts)
    human = {
        name: np.array([counts[k][kind][0] / counts[k][kind][1] if counts[k][kind][1] else np.nan for k in keys])
        for kind, name in HUMAN_FIELDS.items()
    }
    human = {name: values for name, values in human.items() if not np.all(np.isnan(values))}
    return HumanScores([d for d, _ in keys], [s for _, s in keys], human, choices, unresolved)


def runs_by_label(runs: Sequence[Run], systems: set[str]) -> dict[str, Run]:
    """The run of each annotated system; a system no run is labelled with is an error."""
    by_label = {r.label: r for r in runs}
    unknown = sorted(systems - set(by_label))
    if unknown:
        raise InputError(
            f"the annotations name systems no run has: {', '.join(map(repr, unknown[:5]))}."
            f"{suggest(unknown[0], list(by_label))} Run labels: {', '.join(by_label)} "
            "(annotate a report of these runs, or name the sweep the report was made from)"
        )
    return by_label


def check_documents(by_label: dict[str, Run], scores: HumanScores) -> None:
    """Every annotated summary is a document its run generated: anything else means the
    annotations come from a report of other runs (or other data)."""
    pairs = [*zip(scores.doc_ids, scores.system_ids)]
    pairs += [(c.doc_id, s) for c in scores.choices for s in (c.system_a, c.system_b)]
    documents = {label: set(run.doc_ids) for label, run in by_label.items()}
    absent = list(dict.fromkeys((d, s) for d, s in pairs if d not in documents[s]))
    if absent:
        named = ", ".join(f"{d!r} of {s!r}" for d, s in absent[:5])
        more = f" and {len(absent) - 5} more" if len(absent) > 5 else ""
        raise InputError(
            f"annotated documents that the runs do not have: {named}{more} (in {by_label[absent[0][1]].path}); "
            "the annotations come from a report of other runs or other data"
        )


def metric_value(run: Run, doc_id: str, key: str) -> float:
    value = run.scores.get(doc_id, {}).get(key)
    return float("nan") if value is None else float(value)


def metric_columns(
    by_label: dict[str, Run], doc_ids: Sequence[str], system_ids: Sequence[str], keys: Sequence[str]
) -> dict[str, np.ndarray]:
    """Each metric field's score of each (document, system) entry (NaN where the run has none)."""
    return {
        key: np.array([metric_value(by_label[s], d, key) for d, s in zip(doc_ids, system_ids)], dtype=float)
        for key in keys
    }


@dataclass
class PairwiseResult:
    values: dict[str, float | None]  # statistic -> value
    ci95: dict[str, tuple[float, float] | None]
    n: int  # choices with a human preference and both metric scores
    concordant: int
    discordant: int  # the metric prefers the other summary
    metric_ties: int  # among choices with a human preference
    human_ties: int
    missing: int  # choices where a metric score is missing


def pairwise_agreement(
    choices: Sequence[Choice],
    by_label: dict[str, Run],
    key: str,
    higher_is_better: bool | None,
    samples: int = 1000,
    seed: int = 0,
) -> PairwiseResult:
    sign = -1.0 if higher_is_better is False else 1.0
    docs = list(dict.fromkeys(c.doc_id for c in choices))
    doc_index = {d: i for i, d in enumerate(docs)}
    # per document: concordant, strictly discordant, metric ties (human preference given)
    tallies = np.zeros((len(docs), 3))
    human_ties = missing = 0
    for c in choices:
        a, b = metric_value(by_label[c.system_a], c.doc_id, key), metric_value(by_label[c.system_b], c.doc_id, key)
        if np.isnan(a) or np.isnan(b):
            missing += 1
            continue
        if c.label == "tie":
            human_ties += 1
            continue
        human, metric = (1.0 if c.label == "A" else -1.0), float(np.sign(sign * (a - b)))
        column = 2 if metric == 0 else 0 if metric == human else 1
        tallies[doc_index[c.doc_id], column] += 1
    counts = draw_counts(len(docs), samples, seed, "pairwise") if samples and docs else np.zeros((0, len(docs)))
    weights = np.vstack([np.ones((1, len(docs))), counts])
    totals = weights @ tallies  # row 0: the data; then one row per resample
    with np.errstate(invalid="ignore", divide="ignore"):
        statistics = {
            "accuracy": totals[:, 0] / (totals[:, 0] + totals[:, 1]),
            "kendall_like": (totals[:, 0] - totals[:, 1] - totals[:, 2]) / totals.sum(1),
        }
    values: dict[str, float | None] = {}
    cis: dict[str, tuple[float, float] | None] = {}
    for name, column in statistics.items():
        values[name] = None if np.isnan(column[0]) else float(column[0])
        low, high = percentile_ci(column[1:]) if samples else (None, None)
        cis[name] = (low, high) if values[name] is not None and low is not None and high is not None else None
    concordant, discordant, ties = (int(v) for v in totals[0])
    n = concordant + discordant + ties
    return PairwiseResult(values, cis, n, concordant, discordant, ties, human_ties, missing)


def pairwise_json(results: dict[str, PairwiseResult], scores: HumanScores) -> dict[str, Any]:
    return {
        "choices": len(scores.choices),
        "unresolved": scores.unresolved.get("pairwise", 0),
        "statistics": {
            "accuracy": "share of choices where the metric prefers the humans' summary; human and metric ties excluded",
            "kendall_like": "(concordant - discordant) / (concordant + discordant) over choices with a human "
            "preference; a metric tie counts as discordant (WMT relative ranking)",
        },
        "results": {
            key: {
                **{s: {"value": r.values[s], "ci95": _ci(r.ci95[s])} for s in PAIRWISE_STATISTICS},
                "n": r.n,
                "concordant": r.concordant,
                "discordant": r.discordant,
                "metric_ties": r.metric_ties,
                "human_ties": r.human_ties,
                "missing_metric": r.missing,
            }
            for key, r in results.items()
        },
    }


def _ci(ci: tuple[float, float] | None) -> list[float] | None:
    return None if ci is None else list(ci)


def _cell(stat: dict[str, Any]) -> str:
    if stat["value"] is None:
        return "–"
    ci = f" [{stat['ci95'][0]:.2f}, {stat['ci95'][1]:.2f}]" if stat["ci95"] else ""
    return f"{stat['value']:.3f}{ci}"


def pairwise_markdown(payload: dict[str, Any]) -> str:
    from harness.analysis.escape import md_code

    pairwise = payload["pairwise"]
    human = payload["protocol"].get("human", {})
    lines = [
        "",
        "## Human scores: the team's merged annotations",
        "",
        *(f"- {md_code(name)}: {text}" for name, text in human.items()),
        "",
        "## Pairwise level: the metric's preference against the humans' choices",
        "",
        f"- {pairwise['choices']} choices with a majority, {pairwise['unresolved']} left out (annotators tie)",
        *(f"- {name}: {text}" for name, text in pairwise["statistics"].items()),
        "",
        "| metric | accuracy [95% CI] | Kendall-like τ [95% CI] | n | concordant | discordant | metric ties | human ties |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, r in pairwise["results"].items():
        lines.append(
            f"| {md_code(key)} | {_cell(r['accuracy'])} | {_cell(r['kendall_like'])} | {r['n']} | "
            f"{r['concordant']} | {r['discordant']} | {r['metric_ties']} | {r['human_ties']} |"
        )
    return "\n".join(lines) + "\n"


def pairwise_table(payload: dict[str, Any]) -> str:
    from harness.text.visible import visible

    results = payload["pairwise"]["results"]
    if not results:
        return ""
    width = max([len(k) for k in results] + [6])
    lines = [
        "",
        "pairwise (metric's preference vs the humans' choices)",
        f"{'metric':<{width}} accuracy  kendall     n",
    ]
    for key, r in results.items():
        acc, tau = (r[s]["value"] for s in PAIRWISE_STATISTICS)
        shown = [f"{v:8.3f}" if v is not None else f"{'–':>8}" for v in (acc, tau)]
        lines.append(f"{visible(key):<{width}} {shown[0]}  {shown[1]} {r['n']:>5}")
    return "\n".join(lines)
