"""CPU of everyday commands, this checkout against a baseline checkout, side by side in one run.

    git worktree add /tmp/base 5395fd8     # or: mkdir /tmp/base && git archive 5395fd8 | tar -x -C /tmp/base
    python bench/startup_speed.py --baseline /tmp/base --rounds 7

Each command runs in a fresh interpreter (`python -m harness.cli ...`) with PYTHONPATH set to the
checkout, so both ways use the same Python and libraries; its CPU (user + sys) is read from
`resource.getrusage(RUSAGE_CHILDREN)` around it. The two ways alternate round by round (who goes
first switches), so load from other processes hits both alike. At the end, one
`python -X importtime` of the lead run per way: the imports with the largest cumulative time.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LEAD_RUN = ["run", "model=lead", "dataset.limit=1", "metrics=[rouge]"]
LEAD_NAME = "run model=lead dataset.limit=1 'metrics=[rouge]'"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def harness(checkout: Path, args: list[str], cwd: Path, python_flags: tuple[str, ...] = ()) -> tuple[float, str]:
    """CPU seconds of `harness ARGS` run from `checkout`, and its stderr."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "HF_HUB_OFFLINE": "1"}
    before = cpu_seconds()
    proc = subprocess.run(
        [sys.executable, *python_flags, "-m", "harness.cli", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        sys.exit(f"harness {' '.join(args)} from {checkout} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return cpu_seconds() - before, proc.stderr


def commands(tmp: Path, way: str) -> dict[str, list[str]]:
    """The commands measured: the lead run writes the run folder that compare then reads."""
    results = tmp / f"results-{way}"
    return {
        LEAD_NAME: [*LEAD_RUN, f"results_dir={results}"],
        "compare RUN --no-plots": ["compare", str(results), "--no-plots", "--out", str(tmp / f"compare-{way}")],
        "list": ["list"],
        "--help": ["--help"],
    }


def import_times(stderr: str) -> tuple[dict[str, int], int]:
    """module -> cumulative import time in microseconds, and the sum of all self times, from
    `python -X importtime` output."""
    times: dict[str, int] = {}
    total = 0
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| \s*(\S+)", line)
        if match:
            total += int(match.group(1))
            times[match.group(3)] = max(times.get(match.group(3), 0), int(match.group(2)))
    return times, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="a checkout of the baseline commit")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--top", type=int, default=15, help="rows of the importtime table")
    args = parser.parse_args()
    ways = {"baseline": args.baseline.resolve(), "this checkout": REPO}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        cpu: dict[tuple[str, str], list[float]] = {}
        for r in range(args.rounds):
            order = list(ways) if r % 2 == 0 else list(reversed(ways))
            for way in order:
                for name, command in commands(tmp / str(r), way.split()[0]).items():
                    seconds, _ = harness(ways[way], command, tmp)
                    cpu.setdefault((name, way), []).append(seconds)
            print(f"round {r + 1}: " + ", ".join(f"{w} {cpu[(LEAD_NAME, w)][-1]:.2f} s" for w in ways), flush=True)
        profiles = {
            way: import_times(
                harness(path, [*LEAD_RUN, f"results_dir={tmp / 'importtime'}"], tmp, ("-X", "importtime"))[1]
            )
            for way, path in ways.items()
        }
    print(
        f"\nmachine: {os.cpu_count()} CPU cores ({platform.machine()}), Python {platform.python_version()}, load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end; {args.rounds} rounds"
    )
    print(
        "\n| command | baseline CPU s (median) | this checkout CPU s (median) | ratio of medians | per-round ratios |"
    )
    print("|---|---|---|---|---|")
    for name in commands(tmp, "x"):
        base, new = cpu[(name, "baseline")], cpu[(name, "this checkout")]
        rounds = ", ".join(f"{n / b:.2f}" for b, n in zip(base, new))
        print(
            f"| `harness {name}` | {statistics.median(base):.2f} | {statistics.median(new):.2f} "
            f"| **{statistics.median(new) / statistics.median(base):.2f}** | {rounds} |"
        )
    (before, before_total), (after, after_total) = profiles["baseline"], profiles["this checkout"]
    print(f"\n`python -X importtime` of the lead run: the {args.top} largest cumulative imports (ms; nested ones")
    print("are also counted in their parents)\n")
    print("| module | baseline | this checkout |\n|---|---|---|")
    for module in sorted(before, key=before.__getitem__, reverse=True)[: args.top]:
        shown = f"{after[module] / 1000:.0f}" if module in after else "not imported"
        print(f"| {module} | {before[module] / 1000:.0f} | {shown} |")
    print(f"| (all imports: sum of self times) | {before_total / 1000:.0f} | {after_total / 1000:.0f} |")


if __name__ == "__main__":
    main()
