"""Which pairs of systems are judged on which documents.

Every pair on every document by default. `pairs_per_doc=k` judges k pairs per document instead,
rotating through the pairs in a seeded order so that every pair is judged as often as every other
(within one): at least floor(documents x k / pairs) times. `max_docs=N` first draws a seeded
sample of N documents (kept in dataset order). Both orders of a pair are always asked.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from harness.errors import ConfigError
from harness.stats import seed_for


@dataclass(frozen=True)
class Planned:
    doc_id: str
    a: int  # system indices, a < b; both orders are asked
    b: int


def all_pairs(systems: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(systems) for j in range(i + 1, systems)]


def sample_documents(doc_ids: Sequence[str], max_docs: int | None, seed: int) -> list[str]:
    if max_docs is None or max_docs >= len(doc_ids):
        return list(doc_ids)
    chosen = set(random.Random(seed_for("pairwise documents", seed)).sample(range(len(doc_ids)), max_docs))
    return [d for i, d in enumerate(doc_ids) if i in chosen]


def plan(
    systems: int, doc_ids: Sequence[str], pairs_per_doc: int | None = None, max_docs: int | None = None, seed: int = 0
) -> list[Planned]:
    """The (document, pair) comparisons to judge, by document."""
    for name, value in (("--pairs-per-doc", pairs_per_doc), ("--max-docs", max_docs)):
        if value is not None and value < 1:
            raise ConfigError(f"{name}: must be at least 1, got {value}")
    docs = sample_documents(doc_ids, max_docs, seed)
    pairs = all_pairs(systems)
    if pairs_per_doc is None or pairs_per_doc >= len(pairs):
        return [Planned(d, a, b) for d in docs for a, b in pairs]
    if len(docs) * pairs_per_doc < len(pairs):
        raise ConfigError(
            f"--pairs-per-doc {pairs_per_doc} over {len(docs)} documents judges {len(docs) * pairs_per_doc} pairs, "
            f"but {systems} systems make {len(pairs)} pairs: some pair would never be judged "
            f"(raise --pairs-per-doc or --max-docs to at least {len(pairs)} judgments in all)"
        )
    order = list(pairs)
    random.Random(seed_for("pairwise pairs", seed)).shuffle(order)
    out = []
    for n, d in enumerate(docs):
        chosen = sorted(order[(n * pairs_per_doc + t) % len(order)] for t in range(pairs_per_doc))
        out += [Planned(d, a, b) for a, b in chosen]
    return out
