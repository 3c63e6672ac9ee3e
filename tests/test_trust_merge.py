"""`harness merge` is idempotent: a second merge of a sharded sweep that merged itself says where
the merge is and writes nothing new; a shard re-run since the merge is merged again.

Run: python -m pytest tests/test_trust_merge.py -q
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import run_cli

DOCS = [
    {"doc_id": f"d{i}", "source": f"Story {i}. The mayor spoke on day {i}.", "reference": f"Day {i}."} for i in range(6)
]


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def sharded_sweep(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("shards")
    data = root / "docs.jsonl"
    data.write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    run_cli(
        "run",
        "-m",
        "model=lead",
        "dataset=local",
        f"dataset.path={data}",
        "metrics=[format]",
        "shard.count=2",
        "shard.index=range(2)",
        f"results_dir={root / 'results'}",
    )
    (sweep,) = [p.parent for p in (root / "results").rglob("multirun.yaml")]
    assert (sweep / "merged").is_dir()  # the sweep merged itself
    return sweep


def test_a_second_merge_says_where_the_merge_is_and_writes_nothing(sharded_sweep):
    before = snapshot(sharded_sweep)
    proc = run_cli("merge", str(sharded_sweep))
    assert "already merged" in proc.stdout and str(sharded_sweep / "merged" / "lead") in proc.stdout, proc.stdout
    assert snapshot(sharded_sweep) == before
    assert not (sharded_sweep / "merged_1").exists()


def test_a_shard_changed_since_the_merge_is_merged_again(sharded_sweep, tmp_path):
    import shutil

    copy = tmp_path / "sweep"
    shutil.copytree(sharded_sweep, copy)
    shard = next(p.parent for p in copy.rglob("shard.json"))
    later = time.time() + 5
    os.utime(shard / "scores.jsonl", (later, later))  # as a re-score would leave it
    proc = run_cli("merge", str(copy))
    assert "already merged" not in proc.stdout and (copy / "merged_1" / "lead" / "run.json").is_file(), proc.stdout
