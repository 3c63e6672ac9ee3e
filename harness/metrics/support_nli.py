"""`support_nli`: SummaC-ZS-style support of each bullet by a local checker model.

A bullet's score is its highest entailment probability over the source's sentences (or chunks
up to the model's limit); the summary's score aggregates bullets (mean, or min). With
`checker: nli` any Hugging Face sequence-classification NLI model works (the entailment class is
read from config.id2label); with `checker: seq2seq` a MiniCheck-Flan-T5-style seq2seq checker
(P(supported) from its first decoder step; harness/metrics/nli.py `Seq2SeqChecker`) does, e.g.
`support_nli.checker=seq2seq support_nli.model=lytang/MiniCheck-Flan-T5-Large granularity=chunk`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from harness.metrics.bullet_support import Aggregate, BulletSupportMetric, BulletVerdict
from harness.metrics.nli import NLIScorer, NLISettings, Seq2SeqChecker, best_support
from harness.records import Example, Summary

DEFAULT_MODEL = "MoritzLaurer/DeBERTa-v3-base-mnli-fever-anli"


@dataclass
class SupportNLIOptions(NLISettings):
    model: str | None = DEFAULT_MODEL
    threshold: float = 0.5  # entailment probability below this: the bullet is unsupported
    aggregate: Aggregate = "mean"
    checker: Literal["nli", "seq2seq"] = "nli"  # seq2seq: a MiniCheck-Flan-T5-style model


class SupportNLI(BulletSupportMetric):
    name = "support_nli"
    method = "nli"
    Options = SupportNLIOptions

    def __init__(self, options: SupportNLIOptions | None = None, scorer=None):
        """`scorer` replaces the model (anything with `premises` and `entailment`), for tests."""
        super().__init__(options)
        checker = Seq2SeqChecker if self.options.checker == "seq2seq" else NLIScorer
        self.scorer = scorer if scorer is not None else checker(self.options, f"metrics.{self.name}")

    def verdicts(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[list[BulletVerdict]]:
        out: list[list[BulletVerdict]] = []
        for example, summary in zip(examples, summaries):
            bullets = list(summary.bullets)
            if not bullets:
                out.append([])
                continue
            premises, matrix = best_support(self.scorer, example.source, bullets)
            verdicts = []
            for row in matrix:
                if not row:  # an empty source supports nothing
                    verdicts.append(BulletVerdict(0.0, [], {"evidence_index": [], "method": self.options.checker}))
                    continue
                best = max(range(len(row)), key=row.__getitem__)
                extra = {"evidence_index": [best], "method": self.options.checker}
                verdicts.append(BulletVerdict(row[best], [premises[best]], extra))
            out.append(verdicts)
        return out
