"""Traps a new user fell into: list-shaped references read without a word, the gate's wording,
the mlflow extra.

Run: python -m pytest tests/test_trust_new_user.py -q
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

from harness.config.schema import DatasetConfig
from harness.data import load_examples

BULLETS = ["The mayor opened a bridge.", "Traffic fell by ten percent.", "Shops stayed open late."]
ALTERNATIVES = [
    "The mayor opened a bridge. Traffic fell by ten percent.",
    "A new bridge opened in town. Shops stayed open late after it did.",
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def dataset(tmp_path: Path, reference, **options) -> DatasetConfig:
    rows = [
        {"id": f"d{i}", "source": "The mayor opened a bridge. Traffic fell.", "reference": reference} for i in range(3)
    ]
    return DatasetConfig(name="t", path=str(write_jsonl(tmp_path / "d.jsonl", rows)), **options)


def test_a_list_of_single_sentences_is_read_as_the_bullets_of_one_reference_with_the_reason(tmp_path):
    data = load_examples(dataset(tmp_path, BULLETS))
    assert [len(e.references) for e in data.examples] == [1, 1, 1]
    assert data.examples[0].references[0] == "\n".join(BULLETS)
    reading = data.reference_reading
    assert reading is not None and reading["reading"] == "bullets" and reading["inferred"] is True
    assert "single sentence" in reading["reason"] and "dataset.reference_list=alternatives" in reading["reason"]


def test_a_list_of_multi_sentence_texts_is_read_as_alternatives_with_the_reason(tmp_path):
    data = load_examples(dataset(tmp_path, ALTERNATIVES))
    assert data.examples[0].references == tuple(ALTERNATIVES)
    reading = data.reference_reading
    assert reading["reading"] == "alternatives" and reading["inferred"] is True
    assert "dataset.reference_list=bullets" in reading["reason"]


def test_a_reading_given_in_the_config_is_kept_and_recorded(tmp_path):
    data = load_examples(dataset(tmp_path, BULLETS, reference_list="alternatives"))
    assert data.examples[0].references == tuple(BULLETS)
    assert data.reference_reading == {"reading": "alternatives", "inferred": False, "reason": "dataset.reference_list"}


def test_string_references_need_no_reading(tmp_path):
    assert load_examples(dataset(tmp_path, "One text.")).reference_reading is None


def test_run_prints_the_inferred_reading_and_records_it_in_run_json(tmp_path):
    config = dataset(tmp_path, BULLETS)
    proc = run_cli(
        "run",
        "model=lead",
        "dataset=local",
        f"dataset.path={config.path}",
        "dataset.id_field=id",
        "metrics=[rouge]",
        f"results_dir={tmp_path / 'results'}",
    )
    assert "read as the bullets of one reference" in proc.stderr + proc.stdout
    (run_json,) = (tmp_path / "results").rglob("run.json")
    recorded = json.loads(run_json.read_text())["dataset"]["reference_list"]
    assert recorded["reading"] == "bullets" and recorded["inferred"] is True
