"""Time rouge-score 0.1.2 against the harness's FastRougeScorer on the same SummEval pairs.

Settings: summary vs its original reference, vs all 11 references (score_multi), vs the source
article; ROUGE-1/2/L/Lsum with stemming; sentences put on separate lines so that Lsum has
sentences to work with. Each repetition times, alternating slice by slice on the same pairs:

  rouge-score   RougeScorer.score_multi per pair
  fast cold     a new FastRougeScorer (empty caches) scoring the pairs in order, as a fresh run
                does: a doc's source and references are tokenized for its first system and
                reused by the other 15
  fast warm     a FastRougeScorer that has already seen the sources/references (not the
                summaries), as for every model after the first in a sweep
  fast cold 2 proc, fast warm 2 proc
                `score_batch(..., workers=2)` on a new / a warm scorer, all pairs in one call
                (process start-up included), after the slices; forked workers inherit the
                caches the scorer has, and each builds its own for its half of the pairs

and checks that every precision, recall and F1 equals rouge-score's. Ratios are rouge-score time / fast
time, medians of the repetitions, all measured in one run, by this process's CPU time (robust to
other load on a shared machine) and by wall-clock time (the only one for 2 processes).

    python bench/rouge_speed.py [--repeats 3] [--docs N]
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import statistics
import time
from pathlib import Path
from typing import Callable

from rouge_score import rouge_scorer

from harness.metrics.fast_rouge import FastRougeScorer

ROUGE_TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "summeval" / "summeval.jsonl"

Items = list[tuple[list[str], str]]


def sentences_on_lines(text: str) -> str:
    """SummEval text is PTB-tokenized (" . " ends a sentence): one sentence per line."""
    return re.sub(r"(?<= [.!?]) ", "\n", text)


# Documents per setting (16 pairs each): rouge-score needs ~40 ms a pair against 11 references.
DEFAULT_DOCS = {"1 reference": 100, "11 references": 40, "source": 80}


def load_settings(path: Path, docs: int | None) -> dict[str, Items]:
    """Per setting, the (targets, summary) pairs of its first documents, all 16 systems each."""
    rows = [json.loads(line) for line in path.open()]
    order = list(dict.fromkeys(r["doc_id"] for r in rows))
    rows.sort(key=lambda r: order.index(r["doc_id"]))
    lines = sentences_on_lines
    targets = {
        "1 reference": lambda r: [lines(r["reference"])],
        "11 references": lambda r: [lines(x) for x in r["references"]],
        "source": lambda r: [lines(r["source"])],
    }
    settings = {}
    for name, pick in targets.items():
        keep = set(order[: docs or DEFAULT_DOCS[name]])
        settings[name] = [(pick(r), lines(r["summary"])) for r in rows if r["doc_id"] in keep]
    return settings


def timed(run: Callable[[], list]) -> tuple[float, float, list]:
    """(wall seconds, this process's CPU seconds, result). Like timeit, with the cyclic garbage
    collector off: otherwise whichever run happens to trigger a full collection of the
    benchmark's own large heap (all the stored results) pays for it."""
    gc.collect()
    gc.disable()
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        return time.perf_counter() - wall, time.process_time() - cpu, result
    finally:
        gc.enable()


def max_abs_difference(expected: list[dict], actual: list[dict]) -> float:
    worst = 0.0
    for want, got in zip(expected, actual, strict=True):
        for rouge_type in ROUGE_TYPES:
            for a, b in zip(want[rouge_type], got[rouge_type]):
                worst = max(worst, abs(a - b))
    return worst


def warm_scorer(items: Items) -> FastRougeScorer:
    scorer = FastRougeScorer(ROUGE_TYPES, use_stemmer=True)
    for targets, _ in items:
        scorer.score_multi(targets, "")
    return scorer


LABELS = ("rouge-score", "fast cold", "fast warm", "fast cold 2 proc", "fast warm 2 proc")


def bench_setting(items: Items, repeats: int, slices: int) -> tuple[dict[str, list[tuple[float, float]]], float]:
    """Per label, (wall, CPU) seconds of each repetition; and the max abs difference seen.

    Within a repetition the single-process runs alternate slice by slice (rouge-score, fast cold,
    fast warm on the same slice of pairs), so that load from other processes on a shared machine
    hits all of them alike; the fast scorers keep their caches from slice to slice."""
    reference = rouge_scorer.RougeScorer(ROUGE_TYPES, use_stemmer=True)
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in LABELS}
    worst = 0.0
    edges = [len(items) * i // slices for i in range(slices + 1)]
    for _ in range(repeats):
        scorers = {"fast cold": FastRougeScorer(ROUGE_TYPES, use_stemmer=True), "fast warm": warm_scorer(items)}
        totals = {label: [0.0, 0.0] for label in ("rouge-score", *scorers)}
        expected_all: list = []
        for lo, hi in zip(edges, edges[1:]):
            part = items[lo:hi]
            wall, cpu, expected = timed(lambda: [reference.score_multi(t, p) for t, p in part])
            totals["rouge-score"][0] += wall
            totals["rouge-score"][1] += cpu
            expected_all.extend(expected)
            for label, scorer in scorers.items():
                wall, cpu, got = timed(lambda: scorer.score_batch(part))
                totals[label][0] += wall
                totals[label][1] += cpu
                worst = max(worst, max_abs_difference(expected, got))
        for label, (wall, cpu) in totals.items():
            times[label].append((wall, cpu))
        for label in ("fast cold 2 proc", "fast warm 2 proc"):
            scorer = warm_scorer(items) if label == "fast warm 2 proc" else FastRougeScorer(ROUGE_TYPES, use_stemmer=True)
            wall, cpu, got = timed(lambda: scorer.score_batch(items, workers=2))
            times[label].append((wall, cpu))
            worst = max(worst, max_abs_difference(expected_all, got))
    return times, worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="summeval.jsonl")
    parser.add_argument("--docs", type=int, help=f"first N documents (of 100) for every setting; default {DEFAULT_DOCS}")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--slices", type=int, default=10, help="alternate the implementations every 1/N of the pairs")
    args = parser.parse_args()
    if not args.data.is_file():
        parser.error(f"{args.data} not found: SummEval is expected in ../shared/data/summeval/ beside the repository")
    settings = load_settings(args.data, args.docs)
    print(f"SummEval, 16 systems per document, {args.repeats} repetitions, rouge types {ROUGE_TYPES}, use_stemmer=True")
    print("ratio = rouge-score time / this time; CPU = this process's CPU time (robust to other load")
    print("on the machine; not meaningful for 2 processes), wall = elapsed time; medians of the repetitions")
    print(f"{'setting':<14} {'pairs':>5} {'implementation':<16} {'pairs/s CPU':>11} {'ratio CPU':>9} {'pairs/s wall':>12} {'ratio wall':>10}")
    for name, items in settings.items():
        times, worst = bench_setting(items, args.repeats, args.slices)
        wall0 = statistics.median(w for w, _ in times["rouge-score"])
        cpu0 = statistics.median(c for _, c in times["rouge-score"])
        for label in LABELS:
            wall = statistics.median(w for w, _ in times[label])
            cpu = statistics.median(c for _, c in times[label])
            cpu_cells = f"{'-':>11} {'-':>9}" if label.endswith("2 proc") else f"{len(items) / cpu:>11.1f} {cpu0 / cpu:>8.1f}x"
            print(f"{name:<14} {len(items):>5} {label:<16} {cpu_cells} {len(items) / wall:>12.1f} {wall0 / wall:>9.1f}x")
        print(f"{name:<14} max abs difference vs rouge-score (all runs): {worst}")


if __name__ == "__main__":
    main()
