"""harness.testing: `assert_documents` on hand-made runs whose failing documents are known, and
the `harness_run` fixture in a real pytest session of a user's project (a subprocess with its own
conftest.py naming the plugin)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from run_files import write_run

from harness.errors import ConfigError
from harness.testing import assert_documents

VALUES = {f"d{i}": {"support/score": s} for i, s in enumerate([1.0, 0.2, 0.95, None, 0.1])}


def test_a_passing_run_returns_the_result(tmp_path):
    run = write_run(tmp_path / "r", "m", VALUES)
    result = assert_documents(run, ["support/score>=0.1"], allow_missing=True)
    assert result.passed and result.failures == ()


def test_the_message_lists_the_failing_documents(tmp_path):
    run = write_run(tmp_path / "r", "model-x", VALUES)
    with pytest.raises(AssertionError) as e:
        assert_documents(run, ["support/score>=0.9"], max_failures=2)
    message = str(e.value).splitlines()
    assert message[0].startswith("FAILED: 3 of 5 documents of model-x") and "at most 2 allowed" in message[0]
    assert [line.split()[:3] for line in message[2:]] == [
        ["d1", "support/score", "0.2"],
        ["d3", "support/score", "not"],
        ["d4", "support/score", "0.1"],
    ]


def test_the_message_is_capped(tmp_path):
    run = write_run(tmp_path / "r", "m", VALUES)
    with pytest.raises(AssertionError, match="and 2 more failures"):
        assert_documents(run, ["support/score>=0.9"], shown=1)


def test_a_mistyped_field_is_an_error_not_a_failure(tmp_path):
    run = write_run(tmp_path / "r", "m", VALUES)
    with pytest.raises(ConfigError, match="Did you mean 'support/score'"):
        assert_documents(run, ["support/scores>=0.9"])


USER_TESTS = """
from harness.testing import assert_documents


def test_lead_is_well_formed(harness_run, tmp_path):
    result = harness_run(["model=lead", "metrics=[format]", "dataset.limit=3"])
    assert result.run.folder.is_relative_to(tmp_path)
    assert_documents(result.run.folder, ["format/compliant==1"])


def test_lead_states_every_fact(harness_run):
    result = harness_run(["model=lead", "metrics=[facts]", "dataset.limit=3"])
    assert_documents(result.run.folder, ["facts/recall>=0.99"])
"""


@pytest.mark.slow
def test_the_fixture_in_a_users_test_suite(tmp_path):
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["harness.testing"]\n')
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # the user's project: none of this repository's options
    (tmp_path / "test_summaries.py").write_text(USER_TESTS)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "test_summaries.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = proc.stdout
    assert proc.returncode == 1, out[-3000:]  # one test passes, one fails
    assert "1 failed, 1 passed" in out, out[-3000:]
    assert "FAILED: " in out and "fail facts/recall>=0.99" in out and "demo-01-harbour-bridge" in out, out[-3000:]
