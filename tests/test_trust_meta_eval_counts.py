"""meta-eval ranks a field as "best" only on enough units (documents, systems, pairs), says why
in the terminal, and flags fields with heavy ties where a rank correlation can mislead.

Run: python -m pytest tests/test_trust_meta_eval_counts.py -q
"""

from __future__ import annotations

import json

import numpy as np

from harness.analysis.meta_eval.analysis import MIN_UNITS, meta_evaluate
from harness.cli.meta_eval import main


def grid(docs: int, systems: int) -> tuple[list[str], list[str]]:
    doc_ids = [f"d{d}" for d in range(docs) for _ in range(systems)]
    system_ids = [f"s{s}" for _ in range(docs) for s in range(systems)]
    return doc_ids, system_ids


def test_two_systems_rank_no_field_best_at_system_level_and_say_why():
    doc_ids, system_ids = grid(12, 2)
    rng = np.random.default_rng(0)
    human = rng.normal(size=len(doc_ids))
    metrics = {"a": human + rng.normal(scale=0.1, size=len(human)), "b": rng.normal(size=len(human))}
    analysis = meta_evaluate(doc_ids, system_ids, metrics, {"q": human}, samples=0)
    assert analysis.best["q"]["system"] == {}  # |r| = 1 with 2 systems: nothing to rank
    assert (
        "2 systems" in analysis.not_ranked["q"]["system"]
        and str(MIN_UNITS["system"]) in analysis.not_ranked["q"]["system"]
    )
    assert analysis.best["q"]["global"]["pearson"] == "a"  # 24 pairs: ranked


def test_a_field_scored_on_two_documents_is_not_named_best_at_summary_level():
    doc_ids, system_ids = grid(12, 3)
    rng = np.random.default_rng(1)
    human = rng.normal(size=len(doc_ids))
    sparse = human.copy()
    sparse[6:] = np.nan  # defined on the first 2 documents only, where it agrees perfectly
    dense = human + rng.normal(scale=0.5, size=len(human))
    analysis = meta_evaluate(doc_ids, system_ids, {"sparse": sparse, "dense": dense}, {"q": human}, samples=0)
    assert analysis.best["q"]["summary"]["pearson"] == "dense"
    assert "sparse" in analysis.not_ranked_fields["q"]["summary"]


def test_heavy_ties_are_flagged():
    doc_ids, system_ids = grid(10, 3)
    rng = np.random.default_rng(2)
    human = rng.normal(size=len(doc_ids))
    metrics = {"count": rng.integers(0, 3, size=len(human)).astype(float), "smooth": rng.normal(size=len(human))}
    analysis = meta_evaluate(doc_ids, system_ids, metrics, {"q": human}, samples=0)
    assert set(analysis.heavy_ties) == {"count"}
    assert analysis.heavy_ties["count"]["distinct"] <= 3


def test_the_terminal_says_why_no_field_is_best_and_names_tied_fields(tmp_path, capsys):
    rows = []
    for d in range(6):
        for s, text in enumerate(["the cat sat on the mat .", "a dog ran ."]):
            rows.append(
                {
                    "doc_id": f"doc{d}",
                    "system_id": f"s{s}",
                    "summary": text,
                    "source": "the cat sat on the mat . more",
                    "reference": "the cat sat on the mat .",
                    "scores": {"quality": 2 - s + 0.1 * d},
                }
            )
    data = tmp_path / "j.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    assert main(["--data", str(data), "--human", "scores.quality", "--bootstrap", "0", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "system level: no field ranked best: 2 systems" in printed, printed
    assert "heavy ties" in printed, printed
    payload = json.loads((out / "meta_eval.json").read_text())
    assert "2 systems" in payload["not_ranked"]["scores.quality"]["system"]
