"""Termination signals: the harness turns SIGTERM/SIGHUP into `Interrupted` in its own process,
and a process forked from it (a multiprocessing pool's worker: meta-eval's workers, a library's
pool) ends on them as a process normally does. A forked worker that raised `Interrupted` instead
printed a traceback and, with the handler's SIG_IGN left behind, could ignore the pool's next
SIGTERM: `Pool.terminate()` then waited for it forever (seen as a hung test worker). A child whose
handler only re-sent the signal to itself still hung about 1 run in 30 (a worker blocked in C runs
no Python handler): the child's handlers go back to the default at the fork."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import multiprocessing, os, signal, sys
    from harness.errors import raise_on_signals

    raise_on_signals()

    def pid_and_handler(_):
        # the default disposition, set in the child at the fork: the kernel ends a worker on the
        # pool's SIGTERM even while it is blocked in C (a Python handler needs it to return first)
        return os.getpid(), signal.getsignal(signal.SIGTERM) is signal.SIG_DFL

    for _ in range(10):
        with multiprocessing.get_context("fork").Pool(2) as pool:  # leaving it terminates the workers
            assert all(ok for _, ok in pool.map(pid_and_handler, range(4)))
    print("done", flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="fork and POSIX signals")
def test_a_forked_pool_worker_ends_on_sigterm_like_any_process():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "done", proc.stderr[-2000:]
    assert "Interrupted" not in proc.stderr  # no worker turned the pool's SIGTERM into a traceback


def test_the_handler_still_raises_in_the_process_that_installed_it():
    from harness.errors import Interrupted, raise_on_signals

    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        raise_on_signals()
        with pytest.raises(Interrupted) as caught:
            signal.raise_signal(signal.SIGTERM)
        assert caught.value.exit_code == 143
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
