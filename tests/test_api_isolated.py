"""The slow in-process API tests (tests/isolated.py says why) in a fresh interpreter of their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from isolated import FRESH

HERE = Path(__file__).parent


@pytest.mark.slow
def test_the_in_process_api_tests_pass_in_a_fresh_process(tmp_path):
    files = [str(HERE / "test_api.py"), str(HERE / "test_api_docs.py")]
    command = [sys.executable, "-m", "pytest", *files, "-m", "slow", "-n", "0", "-p", "no:cacheprovider", "-q"]
    command += ["--basetemp", str(tmp_path / "t")]
    done = subprocess.run(command, env={**os.environ, FRESH: "1"}, capture_output=True, text=True, cwd=HERE.parent)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout.splitlines()[-1]
