"""Slow tests that call `harness.api.run` in process run in a fresh interpreter of their own
(tests/test_api_isolated.py starts it), not in a long-lived test worker: there, after some other
tests of the same worker, Hydra's in-process run met a closed output stream, and the worker's
capture was broken for every later test. A script or notebook calling the API starts clean, as
this fresh process does."""

from __future__ import annotations

import os

import pytest

FRESH = "HARNESS_TEST_FRESH_PROCESS"
in_fresh_process = pytest.mark.skipif(
    os.environ.get(FRESH) != "1", reason="runs in a fresh process, started by tests/test_api_isolated.py"
)
