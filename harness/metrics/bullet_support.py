"""What `support`, `support_nli` and `support_judge` share: one verdict per bullet (a score in
[0, 1] and the source text offered as evidence), aggregated the same way into the same fields.

Per-bullet verdicts go into `Scored.details` so a report can show which bullet is unsupported
and why: {"aggregate", "threshold", "bullets": [{"bullet", "score", "supported", "evidence", ...}]}.
Where the evidence is source sentences, `evidence_index` gives their indices in the source split
into sentences (harness.text.tokens.split_sentences); `support` adds `matched`, per evidence sentence the
words (as written there) that the bullet shares, which the report marks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from harness.metrics.base import Metric, Scored
from harness.records import Example, Summary

Aggregate = Literal["mean", "min"]


@dataclass
class BulletVerdict:
    score: float
    evidence: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # method-specific: novel numbers, reply, ...


def aggregate(scores: Sequence[float], how: Aggregate) -> float:
    return min(scores) if how == "min" else sum(scores) / len(scores)


class BulletSupportMetric(Metric):
    """Base class: subclasses implement `verdicts` (one list per summary, one verdict per bullet)
    and give their Options `threshold` and `aggregate` fields."""

    fields: ClassVar[dict[str, str]] = {
        "score": "support of the bullets by the source, aggregated over bullets (higher = more faithful)",
        "unsupported": "number of bullets whose support is below the threshold",
    }
    lower_is_better = frozenset({"unsupported"})
    headline = ("score", "unsupported")
    ranges: ClassVar[dict[str, tuple[float | None, float | None]]] = {"score": (0.0, 1.0), "unsupported": (0.0, None)}

    def verdicts(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[list[BulletVerdict]]:
        raise NotImplementedError

    def extra_values(self, verdicts: list[BulletVerdict]) -> dict[str, float | None]:
        """Values of fields beyond score/unsupported (none by default)."""
        return {}

    def score(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[Scored]:
        all_verdicts = self.verdicts(examples, summaries)
        threshold, how = self.options.threshold, self.options.aggregate
        rows = []
        for summary, verdicts in zip(summaries, all_verdicts):
            bullets = [
                {
                    "bullet": bullet,
                    "score": round(v.score, 4),
                    "supported": v.score >= threshold,
                    "evidence": v.evidence,
                    **v.extra,
                }
                for bullet, v in zip(summary.bullets, verdicts)
            ]
            values: dict[str, float | None] = {
                # an empty summary states nothing: no support score, nothing unsupported
                "score": aggregate([v.score for v in verdicts], how) if verdicts else None,
                "unsupported": float(sum(v.score < threshold for v in verdicts)),
                **self.extra_values(verdicts),
            }
            rows.append(Scored(values, {"aggregate": how, "threshold": threshold, "bullets": bullets}))
        return rows
