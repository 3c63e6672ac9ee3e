"""`harness check`: per-document requirements on hand-made run folders whose failing documents
are known, through the library (harness/analysis/check.py) and the real CLI."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli
from run_files import write_run

from harness.analysis.check import Requirement, check
from harness.errors import ConfigError, InputError

# d3 fails both requirements, d4's support could not be computed, d5 sits on the threshold
VALUES = {
    "d1": {"support/score": 1.0, "format/compliant": 1.0},
    "d2": {"support/score": 0.95, "format/compliant": 1.0},
    "d3": {"support/score": 0.5, "format/compliant": 0.0},
    "d4": {"support/score": None, "format/compliant": 1.0},
    "d5": {"support/score": 0.9, "format/compliant": 1.0},
}
REQUIRE = ["support/score>=0.9", "format/compliant==1"]


@pytest.fixture
def run(tmp_path):
    return write_run(tmp_path / "run", "model-a", VALUES)


def listed(result):
    return [(f.doc_id, f.field, f.value, str(f.requirement)) for f in result.failures]


def test_the_known_failing_documents_are_listed_in_run_order(run):
    result = check(run, REQUIRE)
    assert listed(result) == [
        ("d3", "support/score", 0.5, "support/score>=0.9"),
        ("d3", "format/compliant", 0.0, "format/compliant==1"),
        ("d4", "support/score", None, "support/score>=0.9"),
    ]
    assert result.failing_documents == ["d3", "d4"] and result.documents == 5
    assert not result.passed  # 2 documents fail, none allowed


def test_a_value_that_was_not_computed_fails_unless_allowed(run):
    result = check(run, REQUIRE, allow_missing=True)
    assert result.failing_documents == ["d3"]


@pytest.mark.parametrize("max_failures, passed", [(0, False), (1, False), (2, True), (5, True)])
def test_max_failures_counts_documents_not_failures(run, max_failures, passed):
    # d3 fails two requirements: 2 failing documents, 3 failures
    assert check(run, REQUIRE, max_failures=max_failures).passed is passed


@pytest.mark.parametrize(
    "spec, failing",
    [
        ("support/score>=0.95", ["d3", "d4", "d5"]),
        ("support/score>0.95", ["d2", "d3", "d4", "d5"]),
        ("support/score<=0.9", ["d1", "d2", "d4"]),
        ("support/score<0.9", ["d1", "d2", "d4", "d5"]),
        ("support/score==0.9", ["d1", "d2", "d3", "d4"]),
        ("support/score!=0.9", ["d4", "d5"]),
        (" support/score >= 0.5 ", ["d4"]),  # spaces around the parts
        ("format/compliant!=0", ["d3"]),
    ],
)
def test_each_operator(run, spec, failing):
    assert check(run, [spec]).failing_documents == failing


def test_an_unknown_field_names_the_known_ones_with_a_suggestion(run):
    with pytest.raises(ConfigError) as e:
        check(run, ["suport/score>=0.9"])
    assert "has no field 'suport/score'. Did you mean 'support/score'?" in str(e.value)
    assert "Fields: support/score, format/compliant" in str(e.value)


@pytest.mark.parametrize(
    "spec, message",
    [
        ("support/score=>0.9", "expected FIELD<op>VALUE"),
        ("support/score", "expected FIELD<op>VALUE"),
        ("support/score>=high", "'high' is not a finite number"),
        ("support/score>=nan", "'nan' is not a finite number"),
        (">=0.9", "expected FIELD<op>VALUE"),
    ],
)
def test_a_malformed_requirement_is_refused(spec, message):
    with pytest.raises(ConfigError, match=message):
        Requirement.parse(spec)


def test_only_a_finished_run_folder_is_checked(tmp_path):
    write_run(tmp_path / "sweep" / "0_a", "a", VALUES)
    with pytest.raises(InputError, match="a folder of runs; check one run folder: .*0_a"):
        check(tmp_path / "sweep", REQUIRE)
    failed = write_run(tmp_path / "failed", "b", VALUES, status="failed")
    with pytest.raises(InputError, match="not a finished run"):
        check(failed, REQUIRE)


def test_an_edited_score_is_refused_by_the_checked_reader(run):
    text = (run / "scores.jsonl").read_text().replace('"support/score": 0.5', '"support/score": 0.95')
    (run / "scores.jsonl").write_text(text)
    with pytest.raises(InputError, match="a value was edited"):
        check(run, REQUIRE)


def test_a_rounded_value_never_reads_as_a_pass(tmp_path):
    run = write_run(tmp_path / "r", "m", {"d1": {"support/score": 0.89996}})
    (failure,) = check(run, ["support/score>=0.9"]).failures
    assert failure.shown_value() == "0.89996"  # not "0.9"


def test_doc_ids_and_labels_are_inert_in_the_terminal(tmp_path):
    run = write_run(tmp_path / "r", "evil\x1b]0;title\x07", {"d\x1b[31mred": {"support/score": 0.1}})
    result = check(run, ["support/score>=0.9"])
    text = "\n".join([*result.lines(), result.summary()])
    assert "\x1b" not in text and "\x07" not in text
    assert "d\\u001b[31mred" in text and "evil\\u001b]0;title\\u0007" in text


def test_the_command_lists_failures_writes_json_and_exits_1(run, tmp_path):
    out = tmp_path / "check.json"
    proc = run_cli("check", str(run), *(f"--require={r}" for r in REQUIRE), "--json", str(out), check=False)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["doc_id", "field", "value", "requirement"]
    assert [line.split() for line in lines[1:4]] == [
        ["d3", "support/score", "0.5", "support/score>=0.9"],
        ["d3", "format/compliant", "0", "format/compliant==1"],
        ["d4", "support/score", "not", "computable", "support/score>=0.9"],
    ]
    assert lines[4].startswith("FAILED: 2 of 5 documents of model-a")
    written = json.loads(out.read_text())
    assert written["failing_documents"] == 2 and written["passed"] is False
    assert [(f["doc_id"], f["field"], f["value"]) for f in written["failures"]] == [
        ("d3", "support/score", 0.5),
        ("d3", "format/compliant", 0.0),
        ("d4", "support/score", None),
    ]


def test_the_command_exits_0_within_max_failures(run):
    proc = run_cli("check", str(run), "--require", REQUIRE[0], "--require", REQUIRE[1], "--max-failures", "2")
    assert proc.returncode == 0 and "passed: 2 of 5 documents" in proc.stdout


def test_show_limits_the_printed_failures(run):
    proc = run_cli("check", str(run), "--require", "support/score>=1", "--show", "1", check=False)
    assert proc.returncode == 1
    assert "d2" in proc.stdout and "... and 3 more failures" in proc.stdout and "d5" not in proc.stdout


def test_a_json_file_in_a_missing_folder_is_refused_before_any_work(run, tmp_path):
    proc = run_cli("check", str(run), "--require", REQUIRE[0], "--json", str(tmp_path / "no" / "c.json"), check=False)
    assert proc.returncode == 2 and "--json" in proc.stderr and "folder not found" in proc.stderr
