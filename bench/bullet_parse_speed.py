"""How bullet parsing time grows with the length of a reply (bench/bullet_parse_speed.md).

For each reply shape, parse_bullets on replies of N and 2N words, best of --repeats; the
baseline in the same run is a linear reader of the same text (split_sentences over it), so the
figures are ratios: growth (time at 2N / time at N, 2.0 when linear) and time per baseline time.

    python bench/bullet_parse_speed.py --words 20000 --repeats 3
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from harness.text.bullets import parse_bullets
from harness.text.tokens import split_sentences

SENTENCE = "The council approved the budget on Monday after a long debate."


def reply(shape: str, words: int) -> str:
    n = max(1, words // 10)
    return {
        "wrapped item": lambda: "- The council approved\n" + "\n".join("the plan for parks and" for _ in range(n)),
        "wrapped paragraph": lambda: (
            "Council budget news\n" + "\n".join("and more money for the schools" for _ in range(n))
        ),
        "list": lambda: "Here is the summary:\n" + "\n".join(f"- {SENTENCE}" for _ in range(n)),
        "headings": lambda: "\n".join(f"### Part {i}\n{SENTENCE}" for i in range(n)),
        "paragraph": lambda: " ".join(SENTENCE for _ in range(n)),
    }[shape]()


def best(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=20_000, help="N: replies of N and 2N words")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print("| shape | parse N s | parse 2N s | growth 2N/N | parse / baseline at 2N |")
    print("|---|---|---|---|---|")
    for shape in ("wrapped item", "wrapped paragraph", "list", "headings", "paragraph"):
        small, large = reply(shape, args.words), reply(shape, 2 * args.words)
        t_small = best(lambda: parse_bullets(small), args.repeats)  # noqa: B023
        t_large = best(lambda: parse_bullets(large), args.repeats)  # noqa: B023
        baseline = best(lambda: split_sentences(large), args.repeats)  # noqa: B023
        print(f"| {shape} | {t_small:.3f} | {t_large:.3f} | {t_large / t_small:.2f} | {t_large / baseline:.1f} |")


if __name__ == "__main__":
    main()
