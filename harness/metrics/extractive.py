"""Extractiveness against the source: extractive fragment coverage, density and compression
(Grusky et al., 2018, "Newsroom") and the share of summary n-grams that are novel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from harness.metrics.base import Metric, Scored
from harness.records import Example, Summary

_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def fragments(article: list[str], summary: list[str]) -> list[int]:
    """Lengths of the greedy extractive fragments (Grusky et al. 2018, Algorithm 1).

    At each summary position take the longest run of tokens shared with the article;
    positions with no match are skipped one token at a time.
    """
    positions: dict[str, list[int]] = {}
    for j, tok in enumerate(article):
        positions.setdefault(tok, []).append(j)
    out = []
    i = 0
    while i < len(summary):
        best = 0
        for j in positions.get(summary[i], ()):
            k = 0
            while i + k < len(summary) and j + k < len(article) and summary[i + k] == article[j + k]:
                k += 1
            best = max(best, k)
        if best:
            out.append(best)
            i += best
        else:
            i += 1
    return out


def novel_ratio(article: list[str], summary: list[str], n: int) -> float | None:
    grams = [tuple(summary[i : i + n]) for i in range(len(summary) - n + 1)]
    if not grams:
        return None
    known = {tuple(article[i : i + n]) for i in range(len(article) - n + 1)}
    return sum(g not in known for g in grams) / len(grams)


@dataclass
class ExtractiveOptions:
    pass


class Extractiveness(Metric):
    name = "extractive"
    fields = {
        "coverage": "share of summary tokens inside extractive fragments",
        "density": "mean squared fragment length per summary token (copying in long runs)",
        "compression": "source tokens / summary tokens",
        "novel_1gram": "share of summary unigrams absent from the source",
        "novel_2gram": "share of summary bigrams absent from the source",
        "novel_3gram": "share of summary trigrams absent from the source",
    }
    no_direction = frozenset(fields)
    headline = ("density", "novel_2gram")
    Options = ExtractiveOptions

    def score(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[Scored]:
        rows = []
        for example, summary in zip(examples, summaries):
            article, words = tokens(example.source), tokens(summary.text)
            if not words or not article:
                rows.append(Scored({k: None for k in self.fields}))
                continue
            frags = fragments(article, words)
            rows.append(
                Scored(
                    {
                        "coverage": sum(frags) / len(words),
                        "density": sum(f * f for f in frags) / len(words),
                        "compression": len(article) / len(words),
                        "novel_1gram": novel_ratio(article, words, 1),
                        "novel_2gram": novel_ratio(article, words, 2),
                        "novel_3gram": novel_ratio(article, words, 3),
                    }
                )
            )
        return rows
