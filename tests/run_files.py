"""A finished run folder read and edited as files, the way a hostile result file or a benchmark's
synthetic model is made: JSONL rows, a copy under another label, a field added to the scores.

Used by tests and by bench/report_speed.py (which puts tests/ on its path).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path


def rows(path: Path) -> list[dict]:
    """The records of a JSONL file (blank lines skipped)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_rows(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def copy_run_as(folder: Path, dest: Path, label: str) -> Path:
    """A copy of a run folder that `compare` and `report` show as another model, `label`."""
    shutil.copytree(folder, dest)
    info = json.loads((dest / "run.json").read_text())
    info["label"] = label
    (dest / "run.json").write_text(json.dumps(info))
    return dest


def add_constant_field(run: Path, field: str, scores: list[dict]) -> None:
    """`field` set to 0.5 in every row of `scores` (the caller writes them) and declared in
    metrics.json to match, so that compare and report read it like any metric's field."""
    for row in scores:
        row[field] = 0.5
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["fields"][field] = {
        "mean": 0.5,
        "ci95": [0.4, 0.6],
        "n": len(scores),
        "higher_is_better": True,
        "headline": True,
        "signature": "s",
    }
    (run / "metrics.json").write_text(json.dumps(metrics))


def set_run_info(run: Path, **fields: object) -> None:
    """Fields of run.json set as given (e.g. `judge`: what the judge was asked, as
    harness/run/pipeline.py records it)."""
    info = json.loads((run / "run.json").read_text())
    info.update(fields)
    (run / "run.json").write_text(json.dumps(info))
