"""pytest helpers for teams that keep evaluations in their own test suite.

Per-document requirements as an assertion whose message lists the failing documents, and a
fixture that runs the harness into the test's temporary folder. Enable the fixture with one line
in your conftest.py (no entry point is registered, so installing the harness changes no one's
pytest run):

    pytest_plugins = ["harness.testing"]

then

    from harness.testing import assert_documents

    def test_summaries_are_supported(harness_run):
        result = harness_run(["model=lead", "metrics=[support,format]"])
        assert_documents(result.run.folder, ["support/score>=0.9", "format/compliant==1"])

`assert_documents` works without the fixture on any finished run folder. docs/api.md shows both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from harness.analysis.check import CheckResult
    from harness.api import RunResult

SHOWN = 20  # failures named in an assertion message


def assert_documents(
    run_dir: str | Path,
    requirements: Sequence[str],
    *,
    max_failures: int = 0,
    allow_missing: bool = False,
    shown: int = SHOWN,
) -> CheckResult:
    """Fail the test (AssertionError) when more than `max_failures` documents of the finished run
    in `run_dir` break a requirement (`support/score>=0.9`, `format/compliant==1`; a value that
    could not be computed breaks it unless `allow_missing`). The message names the failing
    documents, their values and the requirement; returns the result when it passes.
    A requirement on an unknown field raises ConfigError (a mistake in the test, not a failure)."""
    from harness.api import check

    result = check(run_dir, requirements, max_failures, allow_missing)
    if not result.passed:
        raise AssertionError("\n".join([result.summary(), *result.lines(limit=shown)]))
    return result


@pytest.fixture
def harness_run(tmp_path: Path) -> Callable[..., RunResult]:
    """`harness_run(overrides, config_dir=None)`: `harness.api.run` with its results under the
    test's tmp_path (unless the overrides set `results_dir`); the generation cache is the test's too."""
    from harness.api import run

    def start(overrides: Sequence[str] = (), config_dir: str | Path | None = None, **options) -> RunResult:
        overrides = list(overrides)
        if not any(o.lstrip("+").startswith("results_dir=") for o in overrides):
            overrides.append(f"results_dir={tmp_path / 'results'}")
        return run(overrides, config_dir, **options)

    return start
