"""Asking the judge about pairs, in both orders, and reading its one-word verdicts.

A verdict is "A", "B" or "tie" as the judge saw the pair (A shown first). With the judge's
`logprobs` setting the first token's probabilities decide (the likeliest of A, B and tie, summed
over case and spacing variants), else the reply's text is read (harness/judge/replies.py
`read_label`). A reply with no single verdict is "unreadable"; a failed request is "error":
either leaves the pair out of every statistic (counted in the output), never scored as a tie.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.judge.client import Judge
from harness.judge.replies import read_label
from harness.models.base import Generation

TASK = "pairwise"
LABELS = {"A": "A", "B": "B", "tie": "tie", "summary A": "A", "summary B": "B", "a tie": "tie"}
TOKENS = {"a": "A", "b": "B", "tie": "tie"}


@dataclass(frozen=True)
class Pair:
    """One comparison to ask: two systems' summaries of one document."""

    doc_id: str
    source: str
    a: int
    b: int
    text_a: str
    text_b: str


@dataclass(frozen=True)
class Verdict:
    label: str | None  # "A" (the summary shown first), "B" or "tie"; None: unreadable or failed
    reply: str | None = None
    error: str | None = None
    p: dict[str, float] | None = None  # from logprobs: the three labels' probabilities, normalised

    @property
    def status(self) -> str:
        return "error" if self.error else ("unreadable" if self.label is None else "ok")

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verdict": self.label, "status": self.status}
        if self.p is not None:
            out["p"] = {k: round(v, 4) for k, v in self.p.items()}
        if self.status != "ok":
            out["reply"], out["error"] = self.reply, self.error
        return out


def summary_text(bullets: Sequence[str]) -> str:
    return "\n".join(f"- {b}" for b in bullets)


def label_probabilities(top: dict[str, float]) -> dict[str, float] | None:
    mass = {"A": 0.0, "B": 0.0, "tie": 0.0}
    for token, logprob in top.items():
        label = TOKENS.get(token.strip().lower())
        if label is not None:
            mass[label] += math.exp(logprob)
    total = sum(mass.values())
    return {k: v / total for k, v in mass.items()} if total > 0 else None


def read_verdict(generation: Generation, from_logprobs: bool) -> Verdict:
    if generation.text is None or generation.error:
        return Verdict(None, generation.text, generation.error or "no reply")
    p = label_probabilities(generation.top_logprobs[0]) if from_logprobs and generation.top_logprobs else None
    if p is not None:
        return Verdict(max(p, key=lambda k: p[k]), generation.text, None, p)
    return Verdict(read_label(generation.text, LABELS), generation.text)


def ask(judge: Judge, pairs: Sequence[Pair]) -> list[tuple[Verdict, Verdict]]:
    """Each pair asked as (a, b) and as (b, a); the verdicts in that order."""
    logprobs = judge.settings.logprobs
    settings = judge.logprob_settings() if logprobs else None
    requests = []
    for pair in pairs:
        for first, second in ((pair.text_a, pair.text_b), (pair.text_b, pair.text_a)):
            requests.append(
                judge.request(
                    TASK, pair.doc_id, pair.source, settings, article=pair.source, summary_a=first, summary_b=second
                )
            )
    verdicts = [read_verdict(g, logprobs) for g in judge.ask(requests)]
    return list(zip(verdicts[0::2], verdicts[1::2]))
