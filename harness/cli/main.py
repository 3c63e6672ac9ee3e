"""`harness` command line: a thin dispatcher; each subcommand lives in its own module."""

from __future__ import annotations

import importlib
import sys

from harness.errors import (
    EXIT_INTERRUPTED,
    EXIT_RUN_FAILED,
    EXIT_USAGE,
    HarnessError,
    Interrupted,
    exit_called,
    raise_on_signals,
)
from harness.redaction import redacted_streams
from harness.registry import suggest

# subcommand -> (its module in harness/cli/, one-line help). Each module's `main(argv: list[str]) -> int`
# parses the arguments, calls the library and prints; imported only when its command runs (so
# `harness list` never imports torch).
COMMANDS = {
    "run": ("run", "generate and score; Hydra overrides, -m for sweeps (default: experiment=demo)"),
    "score": ("score", "re-score a finished run folder without calling the model"),
    "compare": ("compare", "one table comparing run folders or sweep folders"),
    "check": ("check", "per-document requirements on a run (support/score>=0.9): lists failing documents, exit 1"),
    "report": ("report", "an HTML page: table, plots, every model's bullets per document with evidence"),
    "merge": ("merge", "join the finished shards of sharded runs (shard.count=N) into one run folder each"),
    "progress": ("progress", "documents done / total, rate and ETA across the runs of a sweep or sharded run"),
    "list": ("list", "shipped models, datasets, prompts, experiments, metrics and their fields"),
    "meta-eval": ("meta_eval", "correlate metrics with human judgments"),
    "annotations": ("annotations", "merge annotators' files from the report: agreement, disagreements"),
    "pairwise": ("pairwise", "rank runs by a judge's pairwise verdicts (Bradley-Terry), with position and length bias"),
}

USAGE = "usage: harness <command> [args]\n\ncommands:\n" + "\n".join(
    f"  {name:<11} {text}" for name, (_, text) in COMMANDS.items()
)


def main(argv: list[str] | None = None) -> int:
    """Dispatch; the one place where outcomes become exit codes (policy in harness/errors.py)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else EXIT_USAGE
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"harness: unknown command '{name}'.{suggest(name, list(COMMANDS))}\n\n{USAGE}", file=sys.stderr)
        return EXIT_USAGE
    raise_on_signals()
    with redacted_streams():  # every print, traceback and log line of the command
        return _run(name, rest)


def _run(name: str, rest: list[str]) -> int:
    try:
        return int(importlib.import_module(f"harness.cli.{COMMANDS[name][0]}").main(rest) or 0)
    except HarnessError as e:
        print(f"harness {name}: error: {e}", file=sys.stderr)
        return e.exit_code
    except (KeyboardInterrupt, Interrupted) as e:
        why = f" by {e}" if isinstance(e, Interrupted) else ""
        hint = " Finished generations are saved: run the same command again to resume." if name == "run" else ""
        print(f"harness {name}: interrupted{why}.{hint}", file=sys.stderr)
        return e.exit_code if isinstance(e, Interrupted) else EXIT_INTERRUPTED
    except SystemExit as e:
        if raised_by_argparse(e):  # 2 for a usage error, 0 for --help
            return e.code if isinstance(e.code, int) else (0 if e.code is None else EXIT_USAGE)
        # anything else (a plugin's sys.exit) must not turn into the command's exit code
        import traceback

        traceback.print_exception(e)
        print(f"harness {name}: error: {exit_called(e)} outside argument parsing (above).", file=sys.stderr)
        return EXIT_RUN_FAILED
    except Exception:
        import traceback

        traceback.print_exc()
        print(f"harness {name}: unexpected error (above); please report it.", file=sys.stderr)
        return EXIT_RUN_FAILED


def raised_by_argparse(error: SystemExit) -> bool:
    """True when argparse ended the command (--help, a usage error): the innermost frame is its."""
    import argparse
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and frames[-1].filename == argparse.__file__
