"""Every subcommand's --help works under `python -OO`, which strips docstrings (argparse
descriptions come from them)."""

from __future__ import annotations

import subprocess
import sys

from harness.cli.main import COMMANDS

# `run` prints Hydra's help, which needs no docstring; one interpreter serves the rest (imports are slow).
HELPED = sorted(set(COMMANDS) - {"run"})
SCRIPT = f"from harness.cli.main import main; raise SystemExit(max(main([c, '--help']) for c in {HELPED!r}))"


def test_help_without_docstrings():
    proc = subprocess.run([sys.executable, "-OO", "-c", SCRIPT], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for command in HELPED:
        assert f"usage: harness {command}" in proc.stdout
