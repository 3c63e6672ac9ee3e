"""A sharded run's share of the documents, and the record `harness merge` checks.

The canonical order is the dataset's own order after loading (skipped records left out,
`dataset.limit` applied); shard i of N takes the contiguous block [i*n//N, (i+1)*n//N) of it.
Contiguous blocks keep merging simple: the shards' rows, in shard order, are the dataset order.
Each shard writes `shard.json` with the whole order (the document ids) and its hash, so a merge
can name a missing document without loading the data again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from harness.config.schema import ShardConfig
from harness.models.cache import stable_hash
from harness.records import Example
from harness.run.folder import RunFolder

SHARD_FILE = "shard.json"
ORDER = "dataset"  # the order's name, recorded with its hash


def bounds(total: int, shard: ShardConfig) -> tuple[int, int]:
    return shard.index * total // shard.count, (shard.index + 1) * total // shard.count


def order_hash(doc_ids: Sequence[str]) -> str:
    return stable_hash(list(doc_ids), 32)


def take(folder: RunFolder, shard: ShardConfig, data: Any) -> Any:
    """The loaded data reduced to this shard's documents (the fingerprint stays the whole
    dataset's: every shard of one run reads the same data); records the share."""
    doc_ids = [e.doc_id for e in data.examples]
    start, end = bounds(len(doc_ids), shard)
    record = {
        "count": shard.count,
        "index": shard.index,
        "order": ORDER,
        "order_hash": order_hash(doc_ids),
        "documents_total": len(doc_ids),
        "positions": [start, end],
        "documents": end - start,
    }
    folder.write_json(SHARD_FILE, {**record, "doc_ids": doc_ids})
    folder.update(shard=record)
    examples: list[Example] = data.examples[start:end]
    return dataclasses.replace(data, examples=examples)
