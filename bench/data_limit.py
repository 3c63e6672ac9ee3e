"""Benchmark: `dataset.limit=10` on a large JSONL file must stream, not parse the whole file.

Usage: python bench/data_limit.py [--mb 300] [--file /tmp/big.jsonl]
Writes the file when absent (synthetic records of ~2.6 kB), then loads it in fresh processes:
once with limit=10 and once with limit=None as the in-run baseline, printing wall time and
peak resident memory (ru_maxrss) of each.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

CHILD = """
import resource, sys, time
from harness.config.schema import DatasetConfig
from harness.data import load_examples
limit = None if sys.argv[2] == 'all' else int(sys.argv[2])
t0 = time.perf_counter()
data = load_examples(DatasetConfig(name='bench', path=sys.argv[1], id_field='doc_id', limit=limit))
seconds = time.perf_counter() - t0
print(len(data.examples), round(seconds, 3), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def write_file(path: Path, megabytes: int) -> None:
    rng = random.Random(0)
    words = "the mayor opened a new bridge over the river on monday after years of delay and rising costs".split()
    target, size, n = megabytes * 1024 * 1024, 0, 0
    with open(path, "w", encoding="utf-8") as f:
        while size < target:
            source = " ".join(rng.choice(words) for _ in range(500)) + "."
            line = json.dumps({"doc_id": f"{n:07d}", "source": source, "reference": "Mayor opens bridge."}) + "\n"
            f.write(line)
            size += len(line)
            n += 1


def measure(path: Path, limit: str) -> tuple[int, float, int]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), limit], capture_output=True, text=True, check=True)
    examples, seconds, peak_mb = out.stdout.split()
    return int(examples), float(seconds), int(peak_mb)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=300)
    parser.add_argument("--file", type=Path, default=Path("/tmp/harness_bench_big.jsonl"))
    args = parser.parse_args()
    if not args.file.is_file():
        write_file(args.file, args.mb)
    print(f"file: {args.file} ({args.file.stat().st_size / 2**20:.0f} MB)")
    print("| limit | examples | load s | peak RSS MB |\n|---|---|---|---|")
    for limit in ("10", "all"):
        examples, seconds, peak = measure(args.file, limit)
        print(f"| {limit} | {examples} | {seconds} | {peak} |")


if __name__ == "__main__":
    main()
