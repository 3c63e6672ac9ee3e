"""A finished run folder read and edited as files, the way a hostile result file or a benchmark's
synthetic model is made: JSONL rows, a copy under another label, a field added to the scores.

Used by tests and by bench/report_speed.py (which puts tests/ on its path).
"""

from __future__ import annotations

import json
import math
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


def write_run(
    folder: Path,
    label: str,
    values: dict[str, dict[str, float | None]],
    directions: dict[str, bool | None] | None = None,
    ranges: dict[str, tuple[float | None, float | None]] | None = None,
    status: str = "done",
    dataset: str = "f00d",
    prompt: str = "p1",
    signature: str | None = None,
    bullets: dict[str, list[str]] | None = None,
) -> Path:
    """A finished run folder as `harness run` writes it (run.json, generations.jsonl, scores.jsonl
    and a metrics.json that counts and averages the scores as a run would, so the checked reader of
    score files accepts it). `values` is doc_id -> {field: value or None}; `directions[field]`:
    higher is better (default), lower, or None; `ranges[field]`: its declared range (default: none);
    `dataset`, `prompt`: the fingerprint and hash comparability checks; `signature`: every field's
    (default: its metric's name and harness's version); `bullets[doc_id]`: its summary."""
    folder.mkdir(parents=True)
    info = {
        "schema_version": 1,
        "label": label,
        "status": status,
        "overrides": [f"model={label}"],
        "dataset": {"name": "set", "fingerprint": dataset},
        "prompt": {"name": "bullets3", "hash": prompt},
    }
    (folder / "run.json").write_text(json.dumps(info))
    write_rows(
        folder / "generations.jsonl",
        [{"doc_id": d, "bullets": (bullets or {}).get(d, [f"bullet of {d}"]), "error": None} for d in values],
    )
    write_rows(folder / "scores.jsonl", [{"schema_version": 1, "doc_id": d, **row} for d, row in values.items()])
    fields: dict[str, dict] = {}
    for key in dict.fromkeys(k for row in values.values() for k in row):
        present = [row[key] for row in values.values() if row.get(key) is not None]
        mean = math.fsum(present) / len(present) if present else None
        fields[key] = {
            "mean": mean,
            "ci95": [mean, mean] if present else None,
            "n": len(present),
            "missing": len(values) - len(present),
            "higher_is_better": (directions or {}).get(key, True),
            "headline": True,
            "signature": signature or f"{key.partition('/')[0]}|harness:0.1.0",
            **({"range": list(ranges[key])} if ranges and key in ranges else {}),
        }
    (folder / "metrics.json").write_text(json.dumps({"schema_version": 1, "fields": fields}))
    return folder
