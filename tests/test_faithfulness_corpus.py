"""The model-free `support` metric on the hand-written faithfulness corpus
(tests/faithfulness_corpus.py): how many faithful paraphrases it supports and how many unfaithful
edits it catches, per edit type. The floors are what the metric achieves minus a small margin,
so a change that loses cases fails here; bench/faithfulness_modelfree.md has the table before and
after, and the commands.

A lexical metric cannot catch everything: an entity swapped for one the article names elsewhere,
a reversal ("rose" for "fell"), or a detail made of the article's own words costs it a bigram or
two, not the verdict. The low floors below record that, not a target.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from faithfulness_corpus import ARTICLES, CASES, EDIT_TYPES, Case, shares, table

from harness.metrics.support import Support
from harness.records import Example, Summary

# What the shipped `support` achieves (bench/faithfulness_modelfree.md), minus a margin of about
# two cases per row.
FLOORS = {"faithful": 0.83}
CAUGHT = {"entity": 0.70, "number": 0.86, "negation": 0.48, "attribution": 0.66, "invented": 0.41}
RANKED_LOWER = {"entity": 0.92, "number": 0.92, "negation": 0.78, "attribution": 0.88, "invented": 0.88}


def support_scores(cases: Sequence[Case]) -> list[float]:
    rows = Support().score(
        [Example(c.article, ARTICLES[c.article]) for c in cases],
        [Summary(c.article, c.bullet, (c.bullet,)) for c in cases],
    )
    return [row.values["score"] for row in rows]


@pytest.fixture(scope="module")
def result():
    measured = shares(support_scores, Support().options.threshold)
    print("\n" + table({"support": measured}))  # shown with -s
    return measured


def test_the_corpus_has_every_kind_of_case():
    assert len(CASES) >= 200
    kinds = {c.kind for c in CASES}
    assert kinds == {"faithful", *EDIT_TYPES}
    assert {c.how for c in CASES if c.kind == "faithful"} == {"reworded", "joined", "numbers"}
    for case in CASES:
        if case.kind != "faithful":
            original = CASES[case.original]
            assert original.kind == "faithful" and original.article == case.article and original.bullet != case.bullet


def test_faithful_paraphrases_are_supported(result):
    assert result.faithful >= FLOORS["faithful"], table({"support": result})


@pytest.mark.parametrize("kind", EDIT_TYPES)
def test_unfaithful_edits_are_caught(result, kind):
    assert result.caught[kind] >= CAUGHT[kind], table({"support": result})
    assert result.ranked_lower[kind] >= RANKED_LOWER[kind], table({"support": result})
