"""Bullet format: how many bullets, whether that matches the request, their length, preambles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from harness.metrics.base import Metric, Scored
from harness.records import Example, Summary


@dataclass
class FormatOptions:
    n_bullets: int = 3  # the count the prompt asked for


class BulletFormat(Metric):
    name = "format"
    fields = {
        "bullets": "number of bullets parsed from the output",
        "compliant": "1 if the bullet count equals the requested count, else 0",
        "words_per_bullet": "mean words per bullet",
        "preamble": "1 if text before the bullets was stripped (e.g. 'Here is a summary:')",
    }
    no_direction = frozenset({"bullets", "words_per_bullet"})
    lower_is_better = frozenset({"preamble"})
    headline = ("compliant",)
    Options = FormatOptions

    def score(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[Scored]:
        rows = []
        for summary in summaries:
            n = len(summary.bullets)
            words = [len(b.split()) for b in summary.bullets]
            rows.append(
                Scored(
                    {
                        "bullets": float(n),
                        "compliant": float(n == self.options.n_bullets),
                        "words_per_bullet": sum(words) / n if n else 0.0,
                        "preamble": float(bool(summary.preamble)),
                    }
                )
            )
        return rows
