"""`harness compare` trusts only what it can check: runs that did not finish, scores missing or
corrupt, a run compared with itself are errors or fail the gate, never a quiet pass."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli
from test_compare import make_run

GOOD = [0.50, 0.62, 0.55, 0.48, 0.70, 0.66, 0.52, 0.58, 0.61, 0.49, 0.57, 0.63]
FAST = ["--no-plots", "--samples", "500"]


def gated(tmp_path: Path, *dirs: Path):
    return run_cli(
        "compare",
        *map(str, dirs),
        "--baseline",
        "base",
        "--fail-if-worse",
        "m/score",
        "--out",
        str(tmp_path / "out"),
        *FAST,
        check=False,
    )


def assert_an_error_naming(tmp_path: Path, base: Path, cand: Path, *needles: str) -> None:
    """The gate on base vs cand stops with exit 2 (an error, not a failed gate), its message
    naming every needle."""
    result = gated(tmp_path, base, cand)
    assert result.returncode == 2, result.stderr
    assert [n for n in needles if n not in result.stderr] == [], result.stderr


def set_status(folder: Path, status: str, error: str) -> None:
    info = json.loads((folder / "run.json").read_text())
    (folder / "run.json").write_text(json.dumps({**info, "status": status, "error": error}))


def test_a_named_run_that_failed_or_was_interrupted_is_an_error(tmp_path):
    base = make_run(tmp_path, "base", GOOD)
    cand = make_run(tmp_path, "cand", GOOD)
    set_status(cand, "failed", "RuntimeError: CUDA out of memory")
    assert_an_error_naming(tmp_path, base, cand, str(cand), "failed", "CUDA out of memory")
    set_status(cand, "interrupted", "interrupted by SIGTERM")
    assert_an_error_naming(tmp_path, base, cand, "interrupted by SIGTERM")
    set_status(cand, "done", "")
    (cand / "metrics.json").unlink()
    assert_an_error_naming(tmp_path, base, cand, str(cand), "metrics.json")


def test_an_unfinished_run_in_a_sweep_is_named_and_fails_the_gate(tmp_path):
    make_run(tmp_path, "base", GOOD)
    make_run(tmp_path, "same", GOOD)
    set_status(make_run(tmp_path, "cand", GOOD), "failed", "judge unreachable")
    plain = run_cli("compare", str(tmp_path), "--out", str(tmp_path / "out"), *FAST, check=False)
    assert (
        plain.returncode == 0
        and "not compared: " in plain.stderr
        and "cand (status failed: judge unreachable)" in plain.stderr
    )
    result = gated(tmp_path, tmp_path)
    assert result.returncode == 1 and "GATE FAILED" in result.stdout and "cand" in result.stdout
    assert "gate passed: same vs base" in result.stdout


def test_a_candidate_with_nothing_to_test_fails_the_gate(tmp_path):
    base = make_run(tmp_path, "base", GOOD)
    cand = make_run(tmp_path, "cand", [None] * (len(GOOD) - 1) + [0.5])  # no document scored: no pair with the baseline
    rows = [json.loads(line) for line in (cand / "scores.jsonl").read_text().splitlines()]
    (cand / "scores.jsonl").write_text("".join(json.dumps({**r, "m/score": None}) + "\n" for r in rows))
    metrics = json.loads((cand / "metrics.json").read_text())
    metrics["fields"]["m/score"].update(mean=None, ci95=[None, None], n=0, missing=len(GOOD))
    (cand / "metrics.json").write_text(json.dumps(metrics))
    result = gated(tmp_path, base, cand)
    assert result.returncode == 1 and "GATE FAILED" in result.stdout and "nothing to test" in result.stdout


def test_scores_missing_for_counted_documents_is_an_error_naming_the_file(tmp_path):
    base = make_run(tmp_path, "base", GOOD)
    cand = make_run(tmp_path, "cand", GOOD)
    (cand / "scores.jsonl").write_text("")
    assert_an_error_naming(tmp_path, base, cand, str(cand / "scores.jsonl"), "m/score")


def test_a_string_score_or_a_repeated_document_is_an_error_naming_file_line_and_field(tmp_path):
    base = make_run(tmp_path, "base", GOOD)
    cand = make_run(tmp_path, "cand", GOOD)
    scores = cand / "scores.jsonl"
    lines = scores.read_text().splitlines(keepends=True)
    row = json.loads(lines[2])
    scores.write_text("".join(lines[:2]) + json.dumps({**row, "m/score": "high"}) + "\n" + "".join(lines[3:]))
    assert_an_error_naming(tmp_path, base, cand, f"{scores}:3", "'m/score'", "'high'")
    scores.write_text("".join(lines) + lines[4])
    assert_an_error_naming(tmp_path, base, cand, f"{scores}:{len(lines) + 1}", "d4", "line 5")


def test_a_run_compared_with_itself_is_refused(tmp_path):
    base = make_run(tmp_path, "base", GOOD)
    again = tmp_path / "sub" / ".." / "base"
    (tmp_path / "sub").mkdir()
    for dirs in [(base, base), (base, again), (tmp_path, base)]:
        result = run_cli("compare", *map(str, dirs), "--out", str(tmp_path / "out"), *FAST, check=False)
        assert result.returncode == 2 and "twice" in result.stderr and "base" in result.stderr, (dirs, result.stderr)
