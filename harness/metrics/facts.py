"""`facts`: how many of the source's facts (`Example.facts`, atomic statements) the summary states.

Model-free by default: a fact's score is the share of its content words the summary contains,
each word weighted by its rarity across the document's facts (the article's main name, shared
by many facts, says little about which fact is stated). With `model` set, a fact's score is its
highest entailment probability over the summary's sentences or chunks, through the same NLI
scorer as `support_nli`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from harness.metrics.base import Metric, Scored
from harness.metrics.lexical import Passage, content_coverage, idf_weights
from harness.metrics.nli import Granularity, NLIScorer, NLISettings, best_support
from harness.records import Example, Summary


@dataclass
class FactsOptions(NLISettings):
    model: str | None = None  # None: model-free matching; else an NLI model (hub id or folder)
    granularity: Granularity = "chunk"  # with a model: summary chunks as premises (facts often span bullets)
    threshold: float = 0.5  # a fact scoring below this counts as missing
    hard: bool = False  # recall counts facts at/above the threshold, instead of averaging scores
    weighting: Literal["idf", "uniform"] = "idf"  # model-free: content-word weights


class Facts(Metric):
    name = "facts"
    fields = {
        "recall": "share of the source facts the summary states (mean fact score; with hard: the share at/above the threshold)",
        "missing": "number of facts scoring below the threshold",
    }
    lower_is_better = frozenset({"missing"})
    headline = ("recall",)
    ranges = {"recall": (0.0, 1.0), "missing": (0.0, None)}
    requires = frozenset({"facts"})
    method = "lexical"
    Options = FactsOptions

    def __init__(self, options: FactsOptions | None = None, scorer=None):
        super().__init__(options)
        self.scorer = scorer
        if scorer is None and self.options.model:
            self.scorer = NLIScorer(self.options, f"metrics.{self.name}")

    def field_method(self, field: str) -> str:
        return "nli" if self.options.model else "lexical"

    def score(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[Scored]:
        rows = []
        for example, summary in zip(examples, summaries):
            facts = [f for f in example.facts if f.strip()]
            if not facts:
                rows.append(Scored({"recall": None, "missing": None}))
                continue
            found = self._match(facts, summary)
            scores = [s for s, _ in found]
            stated = [s >= self.options.threshold for s in scores]
            recall = sum(stated) / len(facts) if self.options.hard else sum(scores) / len(facts)
            details = {
                "method": "nli" if self.scorer is not None else "lexical",
                "threshold": self.options.threshold,
                "facts": [
                    {"fact": f, "score": round(s, 4), "stated": st, "evidence": ev}
                    for f, (s, ev), st in zip(facts, found, stated)
                ],
            }
            rows.append(Scored({"recall": recall, "missing": float(len(facts) - sum(stated))}, details))
        return rows

    def _match(self, facts: list[str], summary: Summary) -> list[tuple[float, list[str]]]:
        """(score, evidence bullets or chunks) per fact."""
        if not summary.bullets:
            return [(0.0, []) for _ in facts]
        if self.scorer is not None:
            premises, matrix = best_support(self.scorer, summary.text, facts)
            out = []
            for row in matrix:
                best = max(range(len(row)), key=row.__getitem__) if row else None
                out.append((row[best], [premises[best]]) if best is not None else (0.0, []))
            return out
        passage = Passage.from_sentences(summary.bullets)
        weights = idf_weights(facts) if self.options.weighting == "idf" else None
        out = []
        for fact in facts:
            c = content_coverage(fact, passage, weights)
            out.append((c.score, [passage.sentences[i] for i in c.evidence]))
        return out
