"""Time the paired sign-flip test of `harness compare` against a dense sign matrix.

The harness draws random signs as bytes and sums each byte's 8 flipped documents from a table
of all 256 patterns (`harness.stats.sign_flip_pvalues`). The reference builds the B x n matrix
of +-1 and multiplies, the direct way. Both get the same bytes, so their p-values must be equal
(checked). Then a whole paired test (sign flips + bootstrap CI). Timed by this process's CPU
time, medians of the repetitions, alternating in one run.

    python bench/compare_speed.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from harness import stats


def dense_pvalue(d: np.ndarray, samples: int, rng: np.random.Generator) -> float:
    """The reference: a B x n matrix of signs from the same bytes, multiplied by d."""
    n = len(d)
    raw = np.frombuffer(rng.bytes(samples * ((n + 7) // 8)), dtype=np.uint8).reshape(samples, -1)
    signs = 1.0 - 2.0 * np.unpackbits(raw, axis=1, bitorder="little")[:, :n]
    flipped = np.abs(signs @ d)
    observed = abs(d.sum())
    count = (flipped >= observed - 1e-9 * np.abs(d).sum()).sum()
    return (count + 1) / (samples + 1)


def cpu(fn, *args) -> tuple[float, object]:
    t0 = time.process_time()
    out = fn(*args)
    return time.process_time() - t0, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    for n in (50, 100, 1000):
        d = rng.normal(0.01, 0.1, n)
        lut, dense = [], []
        for r in range(args.repeats):
            t, p_lut = cpu(lambda d=d, r=r: stats.sign_flip_pvalues(d, 10_000, np.random.default_rng(r))[0])
            lut.append(t)
            t, p_dense = cpu(lambda d=d, r=r: dense_pvalue(d, 10_000, np.random.default_rng(r)))
            dense.append(t)
            assert abs(p_lut - p_dense) < 1e-12, (n, p_lut, p_dense)
        rows.append((n, statistics.median(dense) * 1000, statistics.median(lut) * 1000))
    print("| n | dense signs (ms) | byte table (ms) | ratio |\n|---|---|---|---|")
    for n, a, b in rows:
        print(f"| {n} | {a:.2f} | {b:.2f} | {a / b:.1f}x |")
    tests = []
    for r in range(args.repeats):
        t, _ = cpu(stats.paired_test, rng.random(100), rng.random(100), 10_000, r)
        tests.append(t)
    print(
        f"\nwhole paired test, n=100, B=10,000 (sign flips + bootstrap CI): {statistics.median(tests) * 1000:.1f} ms CPU"
    )


if __name__ == "__main__":
    main()
