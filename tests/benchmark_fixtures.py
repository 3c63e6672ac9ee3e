"""Fact-checking benchmark folders in the LLM-AggreFact and SummaC layouts, written in a test's
tmp dir, and a scripted checker that answers what each claim's marker says.

`write_simulated_aggrefact(folder, n, p, seed)` writes dev and test files of balanced labelled
claims; each claim carries the answer a checker with accuracy p gives it (its true label, flipped
with probability 1 - p by a seeded draw) as the marker `[answer=1]` / `[answer=0]`. Any checker
that reads the marker (the `ScriptedChecker` metric below, or a scripted fake LLM judge server)
has accuracy p on it; `Simulated.realised` gives the balanced accuracy it then has on each
dataset's test claims, counted here from the answers written.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from harness.metrics.base import Metric, Scored

ANSWER = re.compile(r"\[answer=([01])\]")
SCORE = re.compile(r"\[score=([0-9.]+)\]")
DOCUMENT = "The committee met on Tuesday. It approved the budget for the new library. The vote was unanimous."


@dataclass
class ScriptedOptions:
    supported: float = 0.9  # the score of a claim marked [answer=1]
    unsupported: float = 0.1  # of one marked [answer=0]


class ScriptedChecker(Metric):
    """A test-only fact checker: a claim's score is its `[score=x]` marker, else `supported` or
    `unsupported` as its `[answer=1|0]` marker says; no marker: no score (None)."""

    name = "scripted"
    fields = {
        "score": "the score the claim's marker asks for (P(supported))",
        "doubt": "1 - score: the same verdicts on a lower-is-better scale",
    }
    lower_is_better = frozenset({"doubt"})
    ranges = {"score": (0.0, 1.0), "doubt": (0.0, 1.0)}
    Options = ScriptedOptions

    def score(self, examples, summaries):
        out = []
        for summary in summaries:
            text = " ".join(summary.bullets)
            number, answer = SCORE.search(text), ANSWER.search(text)
            if number:
                value: float | None = float(number.group(1))
            elif answer:
                value = self.options.supported if answer.group(1) == "1" else self.options.unsupported
            else:
                value = None
            out.append(Scored({"score": value, "doubt": None if value is None else 1 - value}))
        return out


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@dataclass
class Simulated:
    folder: Path
    answers: dict[tuple[str, str], list[tuple[int, int]]] = field(
        default_factory=dict
    )  # (dataset, split) -> (label, answer)

    def realised(self, dataset: str, split: str = "test") -> float:
        """Balanced accuracy of the written answers: mean of the rates of correct answers per label."""
        pairs = self.answers[dataset, split]
        rates = [sum(a == y for y, a in pairs if y == label) / sum(y == label for y, _ in pairs) for label in (0, 1)]
        return sum(rates) / 2


def write_simulated_aggrefact(
    folder: Path, n: int, p: float, seed: int, datasets: tuple[str, ...] = ("SimA", "SimB")
) -> Simulated:
    """dev.jsonl and test.jsonl (LLM-AggreFact layout, a `dataset` column) under `folder`: per
    dataset and split, n claims, half labelled 1, each marked with a checker's answer that is
    right with probability p (seeded)."""
    rng = random.Random(seed)
    result = Simulated(folder)
    for split in ("dev", "test"):
        rows = []
        for dataset in datasets:
            pairs = []
            for i in range(n):
                label = i % 2
                answer = label if rng.random() < p else 1 - label
                pairs.append((label, answer))
                claim = f"Claim {i} of {dataset} ({split}) about the library budget. [answer={answer}]"
                rows.append({"dataset": dataset, "doc": DOCUMENT, "claim": claim, "label": label})
            result.answers[dataset, split] = pairs
        write_jsonl(folder / f"{split}.jsonl", rows)
    return result
