"""Cost of the redaction layer (harness/redaction.py) on the largest file a run writes.

Writes a generations.jsonl-like file (one row per document: id, cache key, a reply of ~120 words,
its bullets) with `harness.fileio.atomic_write_jsonl`, alternating three ways in each repeat:

- baseline: the layer bypassed (fileio's `redact` replaced by the identity);
- layer, no secret registered (URL forms only: a run without credentials);
- layer, 10 secrets registered (each in 6 spellings: 60 alternatives in one pattern).

and reports medians as ratios to the baseline of the same repeat (the machine is shared). The
write includes fsync, which is noisy on a shared disk; so the CPU cost alone is measured too:
`redact` over every serialized line against `json.dumps` of the rows (no I/O).
A URL with credentials appears in 1% of the rows, so the redacted output is checked too.

    python bench/redaction_speed.py [--docs 20000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from harness import fileio, redaction

WORDS = "council budget schools approved the a of to and in said year new plan city more".split()


def rows(n: int, rng: random.Random) -> list[dict]:
    out = []
    for i in range(n):
        bullets = [" ".join(rng.choices(WORDS, k=40)) for _ in range(3)]
        if i % 100 == 0:
            bullets[0] += " see http://user:pw-123456789@host/v1?api-key=abcdef123456"
        out.append({"doc_id": f"doc-{i}", "cache_key": f"{rng.getrandbits(128):032x}", "raw": "\n".join(bullets)})
        out[-1]["bullets"] = bullets
    return out


def timed(path: Path, data: list[dict]) -> float:
    start = time.perf_counter()
    fileio.atomic_write_jsonl(path, data)
    return time.perf_counter() - start


def cpu_ratio(data: list[dict]) -> float:
    start = time.perf_counter()
    lines = [json.dumps(row, ensure_ascii=False) + "\n" for row in data]
    dumped = time.perf_counter() - start
    start = time.perf_counter()
    for line in lines:
        redaction.redact(line)
    return (time.perf_counter() - start) / dumped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    data = rows(args.docs, random.Random(0))
    secrets = [f"sk-bench-{i:02d}-{random.Random(i).getrandbits(64):016x}" for i in range(10)]
    layer = fileio.redact
    ratios: dict[str, list[float]] = {"no secret": [], "10 secrets": []}
    cpu: dict[str, list[float]] = {"no secret": [], "10 secrets": []}
    seconds: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generations.jsonl"
        for _ in range(args.repeats):
            fileio.redact = lambda text: text  # type: ignore[assignment]
            base = timed(path, data)
            fileio.redact = layer
            redaction._values, redaction._pattern = set(), None
            ratios["no secret"].append(timed(path, data) / base)
            cpu["no secret"].append(cpu_ratio(data))
            redaction.add(secrets)
            ratios["10 secrets"].append(timed(path, data) / base)
            cpu["10 secrets"].append(cpu_ratio(data))
            assert "pw-123456789" not in path.read_text()
            seconds.append(base)
        size = path.stat().st_size
    print(f"{args.docs} rows, {size / 1e6:.1f} MB; baseline median {statistics.median(seconds):.3f} s")
    for name, values in ratios.items():
        print(
            f"write with the layer, {name}: {statistics.median(values):.2f}x baseline (min {min(values):.2f}, max {max(values):.2f})"
        )
    for name, values in cpu.items():
        print(
            f"redact alone, {name}: {statistics.median(values):.2f}x json.dumps of the rows (min {min(values):.2f}, max {max(values):.2f})"
        )


if __name__ == "__main__":
    main()
