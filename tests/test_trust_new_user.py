"""Traps a new user fell into: list-shaped references read without a word, the gate's wording,
the mlflow extra.

Run: python -m pytest tests/test_trust_new_user.py -q
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
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


# -- a wrong field name is found on the first records, before any work ------------------------------


def test_wrong_source_and_reference_fields_are_named_with_the_fields_there_before_any_work(tmp_path):
    rows = [
        {"doc_id": f"d{i}", "article": "The mayor opened a bridge.", "highlights": "Bridge opened."} for i in range(3)
    ]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    results = tmp_path / "results"
    proc = run_cli("run", "model=lead", "dataset=local", f"dataset.path={data}", f"results_dir={results}", check=False)
    assert proc.returncode == 2, proc.stderr[-2000:]
    err = proc.stderr
    assert "Traceback" not in err and str(data) in err
    assert "dataset.source_field='source'" in err and "dataset.reference_field='reference'" in err, err
    assert "article, doc_id, highlights" in err, err
    assert not results.exists() or not list(results.rglob("*")), "a run folder was left behind"


def test_a_field_present_in_some_first_records_is_not_refused(tmp_path):
    from harness.data import check_fields

    rows = [
        {"doc_id": "a", "source": "x", "reference": "y"},
        {"doc_id": "b", "source": "x"},  # one record without a reference: skipped and counted later
    ]
    check_fields(DatasetConfig(name="t", path=str(write_jsonl(tmp_path / "d.jsonl", rows)), id_field="doc_id"))


def test_a_wrong_field_in_a_csv_file_is_named(tmp_path):
    from harness.data import check_fields
    from harness.errors import ConfigError

    path = tmp_path / "d.csv"
    path.write_text("id,text,summary\n1,hello there,hi\n")
    with pytest.raises(ConfigError, match=r"dataset\.source_field='source'.*Fields there: id, summary, text"):
        check_fields(DatasetConfig(name="t", path=str(path), reference_field="summary"))


# -- --config-dir anywhere on the command line ------------------------------------------------------


def test_hydra_options_are_accepted_after_overrides():
    from harness.config.search import options_first

    argv = ["model=lead", "--config-dir", "my_conf", "dataset.limit=2", "-m", "--info", "config", "seed=1"]
    assert options_first(argv) == [
        "--config-dir",
        "my_conf",
        "-m",
        "--info",
        "config",
        "model=lead",
        "dataset.limit=2",
        "seed=1",
    ]
    assert options_first(["seed=1", "--config-dir=c", "--info", "x=1"]) == ["--config-dir=c", "--info", "seed=1", "x=1"]


def test_run_with_config_dir_after_an_override(tmp_path):
    conf = tmp_path / "my_conf" / "model"
    conf.mkdir(parents=True)
    (conf / "my-lead.yaml").write_text("backend: lead\n")
    data = write_jsonl(
        tmp_path / "d.jsonl", [{"doc_id": f"d{i}", "source": "One. Two.", "reference": "One."} for i in range(2)]
    )
    proc = run_cli(
        "run",
        "model=my-lead",
        "--config-dir",
        str(tmp_path / "my_conf"),
        "dataset=local",
        f"dataset.path={data}",
        "metrics=[format]",
        f"results_dir={tmp_path / 'results'}",
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(list((tmp_path / "results").rglob("run.json"))) == 1


# -- the gate's wording: a non-inferiority result with its CI ---------------------------------------


def gate_result(diff: float, low: float, high: float, margin: float, p_holm: float, higher: bool = True) -> dict:
    return {
        "metric": "m/score",
        "margin": margin,
        "run": "new",
        "baseline": "base",
        "n": 50,
        "diff": diff,
        "ci_low": low,
        "ci_high": high,
        "p": p_holm,
        "p_holm": p_holm,
        "failed": False,
        "higher_is_better": higher,
    }


def test_a_passed_gate_with_a_small_p_reads_as_non_inferiority_shown():
    from harness.analysis.gate import gate_lines

    (line,) = gate_lines([gate_result(0.01, -0.02, 0.04, 0.1, 0.0003)])
    assert line.startswith("gate passed: new vs base on m/score")
    assert "non-inferior" in line and "95% CI [-0.0200, +0.0400] lies above -0.1" in line, line
    assert "not shown" not in line


def test_a_passed_gate_whose_ci_reaches_below_the_margin_says_non_inferiority_is_not_shown():
    from harness.analysis.gate import gate_lines

    (line,) = gate_lines([gate_result(-0.05, -0.16, 0.04, 0.1, 0.4)])
    assert "non-inferiority not shown" in line and "reaches below -0.1" in line, line


def test_lower_is_better_margins_point_the_other_way():
    from harness.analysis.gate import gate_lines

    (shown,) = gate_lines([gate_result(-0.01, -0.04, 0.02, 0.1, 0.001, higher=False)])
    assert "lies below +0.1" in shown and "not shown" not in shown, shown


# -- the mlflow extra makes docs/running.md's `mlflow ui` work ---------------------------------


def test_the_mlflow_extra_brings_the_package_that_serves_the_ui():
    """mlflow-skinny alone answers `mlflow ui` with "landing page (index.html) not found"."""
    import importlib.metadata

    from packaging.requirements import Requirement

    extra = [Requirement(r) for r in importlib.metadata.requires("harness") or [] if 'extra == "mlflow"' in r]
    assert "mlflow" in {r.name for r in extra}, extra


@pytest.mark.slow
def test_mlflow_ui_serves_its_page(tmp_path):
    import shutil
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    pytest.importorskip("mlflow.server")
    if shutil.which("mlflow") is None:
        pytest.skip("the mlflow command is not installed (pip install -e '.[mlflow]')")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = ["mlflow", "ui", "--backend-store-uri", f"sqlite:///{tmp_path / 'mlflow.db'}"]
    proc = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )
    try:
        deadline, page = time.monotonic() + 240, ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
                break
            except OSError:
                time.sleep(2)
        assert "<html" in page.lower() and "index.html) not found" not in page, page[:500]
    finally:
        proc.terminate()
        proc.wait(timeout=60)
