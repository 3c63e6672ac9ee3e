"""Extractiveness against the source: extractive fragment coverage, density and compression
(Grusky et al., 2018, "Newsroom") and the share of summary n-grams that are novel.

The summary is read bullet by bullet: a fragment or an n-gram never spans two bullets (the
last word of one bullet and the first of the next were never written next to each other), so a
summary made of source sentences is fully extractive (no novel n-gram).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.metrics.base import Metric, Scored
from harness.records import Example, Summary
from harness.text.tokens import ngrams, words

tokens = words  # the overlap tokenizer of harness.text.tokens (lowercase letter/digit runs)


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


def novel_ratio(article: list[str], units: Sequence[list[str]], n: int) -> float | None:
    """Share of the n-grams of the summary's units (bullets) absent from the article; None when none."""
    grams = [g for unit in units for g in ngrams(unit, n)]
    if not grams:
        return None
    known = set(ngrams(article, n))
    return sum(g not in known for g in grams) / len(grams)


@dataclass
class ExtractiveOptions:
    pass


class Extractiveness(Metric):
    name = "extractive"
    fields = {
        "coverage": "share of summary tokens inside extractive fragments (fragments never span two bullets)",
        "density": "mean squared fragment length per summary token (copying in long runs)",
        "compression": "source tokens / summary tokens",
        "novel_1gram": "share of summary unigrams absent from the source",
        "novel_2gram": "share of summary bigrams (within a bullet) absent from the source",
        "novel_3gram": "share of summary trigrams (within a bullet) absent from the source",
    }
    no_direction = frozenset(fields)
    headline = ("density", "novel_2gram")
    ranges = {
        **dict.fromkeys(("coverage", "novel_1gram", "novel_2gram", "novel_3gram"), (0.0, 1.0)),
        **dict.fromkeys(("density", "compression"), (0.0, None)),
    }
    Options = ExtractiveOptions

    def score(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[Scored]:
        rows = []
        for example, summary in zip(examples, summaries):
            article = tokens(example.source)
            units = [t for t in (tokens(b) for b in summary.bullets) if t]
            n_words = sum(len(u) for u in units)
            if not n_words or not article:
                rows.append(Scored({k: None for k in self.fields}))
                continue
            frags = [f for unit in units for f in fragments(article, unit)]
            rows.append(
                Scored(
                    {
                        "coverage": sum(frags) / n_words,
                        "density": sum(f * f for f in frags) / n_words,
                        "compression": len(article) / n_words,
                        "novel_1gram": novel_ratio(article, units, 1),
                        "novel_2gram": novel_ratio(article, units, 2),
                        "novel_3gram": novel_ratio(article, units, 3),
                    }
                )
            )
        return rows
