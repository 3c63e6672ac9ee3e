"""Debian's Chromium for the pages we open in a real browser (the report's tests and
bench/report_speed.py, which puts tests/ on its path): headless, offline, never a browser download."""

from __future__ import annotations

import shutil
from pathlib import Path

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
