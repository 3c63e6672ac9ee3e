"""ROUGE-1/2/L/Lsum against the references (best reference per type) or against the source.

F1 fields keep rouge-score's names (`rouge1`, ...); precision and recall are `<type>_precision`
and `<type>_recall`. Lsum reads bullets joined by newlines (one bullet per line), and each
reference's bullets likewise, as rouge-score's rougeLsum expects.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from harness.metrics.base import Metric, Scored
from harness.records import Example, Summary

logging.getLogger("absl").setLevel(logging.WARNING)  # rouge-score logs "Using default tokenizer" per scorer

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")


def _fields() -> dict[str, str]:
    out = {}
    for t in ROUGE_TYPES:
        out[t] = f"{t} F1"
        out[f"{t}_precision"] = f"{t} precision"
        out[f"{t}_recall"] = f"{t} recall"
    return out


@dataclass
class RougeOptions:
    use_stemmer: bool = True
    against: Literal["reference", "source"] = "reference"
    # "fast": harness.metrics.fast_rouge, numbers identical to rouge-score, much faster.
    # "rouge_score": the reference implementation (google-research rouge-score 0.1.2).
    implementation: Literal["fast", "rouge_score"] = "fast"
    # Processes for the fast implementation; results do not depend on it.
    workers: int = 1


class Rouge(Metric):
    name = "rouge"
    fields = _fields()
    requires = frozenset({"references"})
    headline = ("rouge1", "rouge2", "rougeLsum")
    ranges = dict.fromkeys(fields, (0.0, 1.0))
    Options = RougeOptions

    def __init__(self, options: RougeOptions | None = None):
        super().__init__(options)
        if self.options.against == "source":
            self.requires = frozenset()
        self._scorer = self._make_scorer()

    def _make_scorer(self):
        if self.options.implementation == "fast":
            from harness.metrics.fast_rouge import FastRougeScorer

            return FastRougeScorer(list(ROUGE_TYPES), use_stemmer=self.options.use_stemmer)
        from rouge_score import rouge_scorer

        return rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=self.options.use_stemmer)

    def _targets(self, example: Example) -> list[str]:
        if self.options.against == "source":
            return [example.source]
        return list(example.references)

    def score(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[Scored]:
        pairs = list(zip(examples, summaries))
        rows = [Scored({k: None for k in self.fields}) for _ in pairs]
        scorable = [(i, self._targets(e), s.text) for i, (e, s) in enumerate(pairs)]
        scorable = [(i, targets, text) for i, targets, text in scorable if targets]
        for (i, _, _), result in zip(scorable, self._score_all([(t, text) for _, t, text in scorable])):
            rows[i] = Scored(self._row(result))
        return rows

    def _score_all(self, items: list[tuple[list[str], str]]) -> list:
        if self.options.implementation == "fast":
            return self._scorer.score_batch(items, workers=self.options.workers)
        return [self._scorer.score_multi(targets, text) for targets, text in items]

    @staticmethod
    def _row(result) -> dict[str, float | None]:
        row: dict[str, float | None] = {}
        for t in ROUGE_TYPES:
            row[t] = result[t].fmeasure
            row[f"{t}_precision"] = result[t].precision
            row[f"{t}_recall"] = result[t].recall
        return row
