"""The format metric's redundancy (most_redundant_pair) against the all-pairs loop it replaced,
timed in the same run on the same bullets: N and 2N bullets of three shapes.

    python bench/format_redundancy.py --bullets 1000
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from itertools import combinations

from harness.metrics.format import content_words, most_redundant_pair


def all_pairs(bullets: Sequence[str]) -> tuple[float | None, tuple[int, int] | None]:
    """The implementation before: every pair of bullets."""
    words = [content_words(b) for b in bullets]
    best: tuple[float | None, tuple[int, int] | None] = (None, None)
    for i, j in combinations(range(len(words)), 2):
        a, b = words[i], words[j]
        overlap = 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0
        if best[0] is None or overlap > best[0]:
            best = (overlap, (i, j))
    return best


SHAPES: dict[str, Callable[[int], list[str]]] = {
    "b<i> (the attack)": lambda n: [f"b{i}" for i in range(n)],
    "sentence + number": lambda n: [f"The council approved item {i} of the budget." for i in range(n)],
    "distinct words": lambda n: [f"alpha{i} beta{i} gamma{i}" for i in range(n)],
}


def seconds(fn: Callable[[Sequence[str]], object], bullets: list[str]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(bullets)
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bullets", type=int, default=1000)
    n = parser.parse_args().bullets
    print("| shape | bullets | all pairs s | now s | all pairs / now | same value |")
    print("|---|---:|---:|---:|---:|---|")
    for name, make in SHAPES.items():
        for size in (n, 2 * n):
            bullets = make(size)
            old_s, old = seconds(all_pairs, bullets)
            new_s, new = seconds(most_redundant_pair, bullets)
            print(f"| {name} | {size} | {old_s:.3f} | {new_s:.4f} | {old_s / new_s:.2f} | {old == new} |")


if __name__ == "__main__":
    main()
