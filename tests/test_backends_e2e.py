"""A tiny seq2seq model and a tiny chat model, each added by one YAML file pointing at a local
folder, run end to end through `harness run` and appear in one comparison table."""

from __future__ import annotations

import json

import pytest
from tiny_models import run_folders, run_harness, write_model_config


@pytest.mark.slow  # two harness processes that import torch + transformers: ~20-30 s
def test_user_added_local_models_run_end_to_end_in_a_sweep(tmp_path, tiny_t5_dir, tiny_causal_dir):
    config_dir, results = tmp_path / "my-configs", tmp_path / "results"
    write_model_config(
        config_dir,
        "tiny-t5",
        {
            "backend": "hf_seq2seq",
            "pretrained": str(tiny_t5_dir),
            "batch_size": 2,
            "generation": {"max_new_tokens": 16},
        },
    )
    write_model_config(
        config_dir,
        "tiny-chat",
        {
            "backend": "hf_causal",
            "pretrained": str(tiny_causal_dir),
            "label": "my-tiny-chat",
            "batch_size": 2,
            "generation": {"max_new_tokens": 16},
        },
    )
    command = [
        "run",
        "--config-dir",
        str(config_dir),
        "-m",
        "model=tiny-t5,tiny-chat",
        "dataset.limit=3",
        f"results_dir={results}",
    ]
    done = run_harness(*command)
    assert done.returncode == 0, done.stderr[-3000:]

    folders = run_folders(results)
    assert len(folders) == 2
    table = (folders[0].parent / "comparison.md").read_text()
    assert "| tiny-t5 |" in table and "| my-tiny-chat |" in table
    for folder in folders:
        rows = [json.loads(line) for line in (folder / "generations.jsonl").read_text().splitlines()]
        assert len(rows) == 3 and len({r["doc_id"] for r in rows}) == 3
        for r in rows:
            assert r["error"] is None and isinstance(r["raw"], str)
            assert r["input_tokens"] > 0 and 1 <= r["output_tokens"] <= 16 and r["finish_reason"] in ("stop", "length")
            assert isinstance(r["truncated"], bool) and r["latency_s"] > 0
        info = json.loads((folder / "run.json").read_text())
        assert info["status"] == "done" and info["generation"]["generated"] == 3
        assert info["generation"]["documents_per_s"] > 0

    # The same command again: every generation comes from the cache.
    again = run_harness(*command)
    assert again.returncode == 0, again.stderr[-3000:]
    for folder in run_folders(results)[2:]:
        generation = json.loads((folder / "run.json").read_text())["generation"]
        assert generation["from_cache"] == 3 and generation["generated"] == 0
