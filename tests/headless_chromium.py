"""Debian's Chromium for the pages we open in a real browser (the report's tests and
bench/report_speed.py, which puts tests/ on its path): headless, offline, never a browser download."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_executable() -> str | None:
    """The system Chromium (apt-get install chromium), or None."""
    candidates = ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or "")
    return next((p for p in candidates if p and Path(p).is_file()), None)


@contextlib.contextmanager
def launched() -> Iterator[Any]:
    """For a test: the system Chromium launched through playwright, closed at the end; the test is
    skipped, saying what to install, when either is missing."""
    import pytest

    api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    executable = chromium_executable()
    if executable is None:
        pytest.skip("no Debian Chromium (apt-get install chromium) to render the page")
    with api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()
