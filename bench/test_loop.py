"""The default test loop against the full suite, measured one after the other in one run.

    python bench/test_loop.py                      # the default loop, then the marked tests
    python bench/test_loop.py --loops marked       # one of them
    python bench/test_loop.py --extra=-n0          # without pytest-xdist's workers

The full suite is what .ci/run runs: the default loop (`python -m pytest`) and the tests it leaves
out (`python -m pytest -m "slow or browser or server"`). Each command runs as a user would type it,
from the repository root; the script prints, for each, the wall time, the CPU time of pytest and
every process it started, the tests that passed, skipped and failed (pytest's own summary line),
and the load average before and after (the machine may be shared: compare the ratios, not the
seconds).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOOPS = {"default": [], "marked": ["-m", "slow or browser or server"]}


@dataclass
class Measured:
    name: str
    command: str
    wall_s: float
    cpu_s: float  # user + system of pytest, its workers and every process they started
    counts: dict[str, int]
    load_before: float
    load_after: float
    returncode: int
    failures: list[str]  # pytest's FAILED / ERROR lines

    @property
    def failed(self) -> int:
        return self.counts.get("failed", 0) + self.counts.get("error", 0) + self.counts.get("errors", 0)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(name: str, args: list[str]) -> Measured:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    load_before = os.getloadavg()[0]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|skipped|failed|errors?|deselected)", summary)}
    shown = "python -m pytest " + " ".join(shlex.quote(a) for a in args)
    failures = [line for line in proc.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return Measured(name, shown.strip(), wall, cpu, counts, load_before, os.getloadavg()[0], proc.returncode, failures)


def row(m: Measured) -> str:
    return (
        f"| {m.name} | `{m.command}` | {m.wall_s / 60:.1f} min | {m.cpu_s / 60:.1f} min | "
        f"{m.counts.get('passed', 0)} | {m.counts.get('skipped', 0)} | {m.failed} | "
        f"{m.load_before:.1f} -> {m.load_after:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loops", nargs="+", choices=list(LOOPS), default=list(LOOPS))
    parser.add_argument("--extra", action="append", default=[], help="an argument added to every command")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs")
    print("| loop | command | wall | CPU | passed | skipped | failed | load avg before -> after |")
    print("|---|---|---|---|---|---|---|---|", flush=True)
    results = []
    for name in args.loops:  # each row as soon as it is measured: the marked tests take long
        results.append(run(name, [*LOOPS[name], *args.extra]))
        print(row(results[-1]), *results[-1].failures, sep="\n", flush=True)
    if len(results) == 2:
        default, marked = results
        wall, cpu = default.wall_s + marked.wall_s, default.cpu_s + marked.cpu_s
        print(f"full suite (both): {wall / 60:.1f} min wall, {cpu / 60:.1f} min CPU")
        print(
            f"default loop / full suite: {default.wall_s / wall:.2f} of the wall time, {default.cpu_s / cpu:.2f} of the CPU"
        )
    sys.exit(max(m.returncode for m in results))


if __name__ == "__main__":
    main()
