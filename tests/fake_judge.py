"""A scripted LLM judge for FakeOpenAI (tests/openai_server.py): it reads the numbered summary
sentences out of a `factcheck` prompt and answers each from a truth table keyed by the sentence's
text, and answers a `claim` prompt with "Yes"/"No" and first-token logprobs from a scripted
probability. Tests patch `openai_server.reply_text` with an instance.

    judge = ScriptedJudge({"The bridge reopened.": Truth(True, evidence=["The bridge reopened on Monday."])})
    monkeypatch.setattr(openai_server, "reply_text", judge)

`shape` turns the list of answer objects into the reply's text (clean JSON by default: see
SHAPES for the habits of real models); `error_rate` (seeded) makes the judge wrong on a
reproducible share of sentences (`wrong(sentence)` says on which).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

RETRY_MARK = "Your previous reply could not be read"
_NUMBERED = re.compile(r"^\[(\d+)\] (.*)$", re.MULTILINE)


@dataclass
class Truth:
    supported: bool
    category: str | None = None  # the FineSurE category the judge names when unsupported
    evidence: list[str] = field(default_factory=list)
    reason: str = "scripted"
    p: float | None = None  # P(Yes) on every chunk (None: 0.9 when supported, else 0.1)


def section(prompt: str, tag: str) -> str:
    return prompt.split(f"<{tag}>\n", 1)[1].split(f"\n</{tag}>", 1)[0]


def clean(items: list[dict[str, Any]], retry: bool) -> str:
    return json.dumps(items)


SHAPES: dict[str, Callable[[list[dict[str, Any]], bool], str]] = {
    "clean": clean,
    "fenced": lambda items, retry: "```json\n" + json.dumps(items, indent=2) + "\n```",
    "prose": lambda items, retry: (
        "Here is my assessment of each sentence:\n" + json.dumps(items) + "\nHope this helps."
    ),
    "trailing commas": lambda items, retry: "[" + "".join(json.dumps(i)[:-1] + ",}," for i in items) + "]",
    # every item numbered from 0, in reverse order: the numbers place them
    "renumbered": lambda items, retry: json.dumps([{**i, "sentence": i["sentence"] - 1} for i in reversed(items)]),
    # an item for a sentence that is not there: the numbers place the others
    "one too many": lambda items, retry: json.dumps([*items, {**items[0], "sentence": len(items) + 1}]),
    # the reply stops inside the last item (max_tokens): the retry gets the whole list
    "truncated": lambda items, retry: json.dumps(items) if retry else json.dumps(items)[:-25],
    "unreadable": lambda items, retry: "I cannot decide; the article is ambiguous.",
    "unreadable once": lambda items, retry: json.dumps(items) if retry else "Sentence one is fine, I think.",
}


class ScriptedJudge:
    def __init__(
        self,
        truth: dict[str, Truth],
        shape: str = "clean",
        error_rate: float = 0.0,
        seed: int = 0,
        chunk_p: Callable[[str, str], float | None] | None = None,  # (claim, chunk) -> P(Yes); None: no logprobs
        logprobs: bool = True,
        default: Truth | None = None,  # what it says of a sentence the table lacks (None: KeyError)
    ):
        self.default = default
        self.truth, self.shape, self.error_rate, self.seed = truth, shape, error_rate, seed
        self.chunk_p = chunk_p
        self.logprobs = logprobs
        self.shapes: dict[str, str] = {}  # a marker in the article -> its shape (overrides `shape`)

    def wrong(self, sentence: str) -> bool:
        """Whether the judge's verdict on this sentence is the opposite of the truth (seeded)."""
        digest = hashlib.sha256(f"{self.seed}:{sentence}".encode()).digest()
        return random.Random(digest).random() < self.error_rate

    def fact(self, sentence: str) -> Truth:
        if self.default is not None:
            return self.truth.get(sentence, self.default)
        return self.truth[sentence]

    def verdict(self, sentence: str) -> bool:
        return self.fact(sentence).supported != self.wrong(sentence)

    def __call__(self, prompt: str) -> str | tuple[str, list[dict[str, float]]]:
        if "<claim>" in prompt:
            return self._claim(section(prompt, "claim"), section(prompt, "document"))
        sentences = {int(n): text for n, text in _NUMBERED.findall(section(prompt, "summary"))}
        items = []
        for n, text in sorted(sentences.items()):
            truth, supported = self.fact(text), self.verdict(text)
            items.append(
                {
                    "sentence": n,
                    "supported": "yes" if supported else "no",
                    "category": "none" if supported else (truth.category or "out-of-context"),
                    "evidence": truth.evidence,
                    "reason": truth.reason,
                }
            )
        article = section(prompt, "article")
        shape = next((s for marker, s in self.shapes.items() if marker in article), self.shape)
        return SHAPES[shape](items, RETRY_MARK in prompt)

    def _claim(self, claim: str, chunk: str) -> str | tuple[str, list[dict[str, float]]]:
        if self.chunk_p is not None:
            p = self.chunk_p(claim, chunk)
        else:
            truth = self.fact(claim)
            p = truth.p if truth.p is not None else (0.9 if truth.supported else 0.1)
        if p is None:
            return "Maybe"
        word = "Yes" if p >= 0.5 else "No"
        if not self.logprobs:
            return word
        # the two spellings a BPE vocabulary has for each answer, and a distractor
        alternatives = {
            "Yes": math.log(max(p, 1e-12) * 0.75),
            " yes": math.log(max(p, 1e-12) * 0.2),
            "No": math.log(max(1 - p, 1e-12) * 0.75),
            "\u2581no": math.log(max(1 - p, 1e-12) * 0.2),
            "Maybe": math.log(0.05),
        }
        return word, [alternatives]
