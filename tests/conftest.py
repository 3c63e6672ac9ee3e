"""Shared test set-up: offline always; where the real data lives; running the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from headless_chromium import launched

# Session fixtures that build tiny models, shared by every test module that names them.
from tiny_encoders import tiny_bert_dir, tiny_nli_dir  # noqa: F401
from tiny_models import tiny_causal_dir, tiny_t5_dir  # noqa: F401

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _signal_handlers_restored():
    """A test that calls `harness.cli.main.main` in this process installs the harness's handlers
    of SIGTERM/SIGHUP; they are put back after it, so later tests of the worker start as it did."""
    import signal

    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    yield
    for s, handler in saved.items():
        if handler is not None:
            signal.signal(s, handler)


@pytest.fixture(scope="module")
def browser():
    """Chromium for the tests that open a page (marked `browser`); skipped when it is missing."""
    with launched() as chromium:
        yield chromium


def shared_file(relative: str) -> Path:
    """A file of ../shared/data, or a clean skip naming what is missing."""
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"real data not available: {path} is absent (../shared/data beside the repository)")
    return path


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, check: bool = True, timeout: float = 600
) -> subprocess.CompletedProcess:
    """Run `harness ...` in a subprocess, as a user would; returns the completed process."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"harness {' '.join(args)} exited {proc.returncode}\nstdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
        )
    return proc
