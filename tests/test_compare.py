"""The comparison table: best per column (ties included), significance daggers, per-field n."""

from __future__ import annotations

import json
from pathlib import Path

from harness.compare import find_runs, table


def make_run(root: Path, name: str, values: list[float | None]) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    present = [v for v in values if v is not None]
    mean = sum(present) / len(present)
    (folder / "run.json").write_text(json.dumps({"label": name, "overrides": []}))
    fields = {
        "m/score": {"mean": mean, "ci95": [mean - 0.1, mean + 0.1], "n": len(present), "higher_is_better": True},
        "m/count": {"mean": 1.0, "ci95": [1.0, 1.0], "n": len(values), "higher_is_better": True},
    }
    (folder / "metrics.json").write_text(json.dumps({"fields": fields}))
    rows = [{"doc_id": f"d{i}", "m/score": v, "m/count": 1.0} for i, v in enumerate(values)]
    (folder / "scores.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_ties_are_all_bold_a_clearly_worse_run_gets_a_dagger_and_partial_n_is_shown(tmp_path):
    make_run(tmp_path, "0_good", [0.9, 0.8, 0.9, 0.8, 0.9, 0.8, 0.9, 0.8])
    make_run(tmp_path, "1_bad", [0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2])
    make_run(tmp_path, "2_partial", [0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, None])
    runs = find_runs([tmp_path])
    _, rows, records = table(runs, ["m/score", "m/count"])
    by_label = {row[0]: row for row in rows}
    assert by_label["0_good"][2].startswith("**0.8500")
    assert by_label["1_bad"][2].endswith("†")  # paired bootstrap over 8 documents: p well below 0.05
    assert by_label["2_partial"][2].endswith("(n=7)")  # one empty output left out of the mean, said so
    assert all(row[3].startswith("**1.0000") for row in rows)  # a three-way tie: all best
    assert records[1]["m/score p_vs_best"] < 0.05
