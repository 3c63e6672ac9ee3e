"""Errors a user can act on (the CLI prints them without a traceback), and the exit codes.

Exit codes, the same for every command (docs/running.md "Exit codes"):
    0    done
    1    a run failed (its folder keeps status "failed" and the reason), or an unexpected error
    2    usage or config error, bad input, or refused (e.g. the data changed since the run): nothing was run
    130  interrupted by SIGINT (Ctrl-C); 128 + N for another signal N (143 SIGTERM, 129 SIGHUP)
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

EXIT_DONE = 0
EXIT_RUN_FAILED = 1
EXIT_USAGE = 2


def exit_code_for_signal(signum: int) -> int:
    return 128 + int(signum)


EXIT_INTERRUPTED = exit_code_for_signal(signal.SIGINT)  # 130


class HarnessError(Exception):
    """Base class: a message meant for the user. Exit code 2 unless a subclass says otherwise."""

    exit_code = EXIT_USAGE


class ConfigError(HarnessError):
    """A config is invalid (unknown key, unknown name, wrong type)."""


class InputError(HarnessError):
    """An input file or record is unusable (names file, line and field)."""


class MetricUnavailable(HarnessError):
    """A metric cannot run (missing weights or dependency): raised at start-up, never silenced."""


class DataChanged(HarnessError):
    """The dataset no longer matches what a run was scored against; the message says what changed."""


class RunFailed(HarnessError):
    """A run started and failed; its folder records the reason."""

    exit_code = EXIT_RUN_FAILED


class WriteFailed(HarnessError, OSError):
    """A file could not be written (a full disk, a read-only folder): nothing was half-written, an
    earlier file of that name is unchanged. Still an OSError, so code that handles one handles this."""

    exit_code = EXIT_RUN_FAILED

    def __str__(self) -> str:
        return (
            f"cannot write {self.filename}: {self.strerror}; nothing was half-written "
            "(an earlier file of that name is unchanged)"
        )


class PluginError(RunFailed):
    """A metric or backend broke its contract while running (a wrong count or type of results,
    a call to sys.exit): the run fails, and the message names the plugin and the rule."""


def exit_called(error: SystemExit) -> str:
    return f"called sys.exit({error.code!r})"


@contextmanager
def no_plugin_exit(what: str) -> Iterator[None]:
    """A plugin's SystemExit (sys.exit, exit()) inside the block is a failure of `what`, not the
    command's exit code. KeyboardInterrupt and `Interrupted` pass through."""
    try:
        yield
    except SystemExit as e:
        raise PluginError(f"{what} {exit_called(e)}; a plugin must raise an exception instead") from None


class Interrupted(BaseException):
    """A termination signal (SIGTERM, SIGHUP) turned into an exception, so cleanup code runs and the
    run records why it stopped. A BaseException, like KeyboardInterrupt: `except Exception` lets it through."""

    def __init__(self, signum: int):
        self.signum = int(signum)
        super().__init__(signal.Signals(self.signum).name)

    @property
    def exit_code(self) -> int:
        return exit_code_for_signal(self.signum)


def interruption_reason(error: BaseException) -> str | None:
    """'SIGTERM', 'SIGINT', ... when `error` is an interruption, else None."""
    if isinstance(error, Interrupted):
        return signal.Signals(error.signum).name
    if isinstance(error, KeyboardInterrupt):
        return "SIGINT"
    return None


TERMINATION_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def raise_on_signals(signums=TERMINATION_SIGNALS) -> None:
    """Turn termination signals into `Interrupted` in the main thread (the first one only: a
    second signal while the run records its status is ignored, so the record is completed;
    SIGKILL still ends the process). A process forked from this one ends on them by default."""

    installed_by = os.getpid()

    def handler(signum, frame):
        if os.getpid() != installed_by:
            # a process forked from this one (a multiprocessing pool's worker) ends on the signal as
            # any process does: the pool terminates its workers with SIGTERM and waits for them
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        for s in signums:
            signal.signal(s, signal.SIG_IGN)
        raise Interrupted(signum)

    handler.harness_handler = True  # type: ignore[attr-defined]  # found again in a forked child
    for s in signums:
        signal.signal(s, handler)
    global _fork_hook_registered
    if not _fork_hook_registered and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_default_handlers_in_child)
        _fork_hook_registered = True


_fork_hook_registered = False


def _default_handlers_in_child() -> None:
    """Right after a fork, the child's termination signals go back to the default (end the
    process), set by the kernel rather than by a Python handler: a pool worker blocked in a C
    call (waiting on the pool's queue) may not run Python code before its parent's
    Pool.terminate() waits on it, which hung about 1 run in 30 of 10 fork pools. The handler's
    own pid check stays for a signal that lands before this runs."""
    for s in TERMINATION_SIGNALS:
        if getattr(signal.getsignal(s), "harness_handler", False):
            signal.signal(s, signal.SIG_DFL)
