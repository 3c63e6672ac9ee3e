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

and checks that every precision, recall and F1 equals rouge-score's. Ratios are rouge-score time / fast
time, medians of the repetitions, all measured in one run, by this process's CPU time (robust to
other load on a shared machine) and by wall-clock time.

Then, per setting, 1 vs 2 workers on whole-run batches: all 1,600 SummEval pairs (100 documents x
16 systems) in one `score_batch` call, as a harness run scores all summaries of a model in one
call. Alternating within each repetition, wall-clock time:

  cold 1 / 2 workers   a new scorer; for 2 workers the worker process's start-up (fork) and its
                       shutdown (`close()`) are included
  warm 1 / 2 workers   a scorer that has already scored the same targets (with empty summaries)
                       with the same number of workers, so its worker process is running and
                       has the targets of its half: every model after the first in a sweep

The 2-worker results are checked to equal the 1-worker results. A fourth row puts the three
settings' pairs (4,800) in one call: a longer run, where the fixed cost of starting a worker and
of each process preparing its own words is a smaller share.

    python bench/rouge_speed.py [--repeats 3] [--docs N] [--worker-repeats 7]
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rouge_score import rouge_scorer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's harness, not an installed one
from harness.metrics.fast_rouge import FastRougeScorer  # noqa: E402

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


def warm_scorer(items: Items, workers: int = 1) -> FastRougeScorer:
    """A scorer that has scored the items' targets (with empty summaries) with `workers` workers."""
    scorer = FastRougeScorer(ROUGE_TYPES, use_stemmer=True)
    timed(lambda: scorer.score_batch([(targets, "") for targets, _ in items], workers=workers))
    return scorer


LABELS = ("rouge-score", "fast cold", "fast warm")


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
            wall, cpu, expected = timed(lambda part=part: [reference.score_multi(t, p) for t, p in part])
            totals["rouge-score"][0] += wall
            totals["rouge-score"][1] += cpu
            expected_all.extend(expected)
            for label, scorer in scorers.items():
                wall, cpu, got = timed(lambda scorer=scorer, part=part: scorer.score_batch(part))
                totals[label][0] += wall
                totals[label][1] += cpu
                worst = max(worst, max_abs_difference(expected, got))
        for label, (wall, cpu) in totals.items():
            times[label].append((wall, cpu))
    return times, worst


def bench_workers(items: Items, repeats: int) -> tuple[dict[str, list[float]], bool]:
    """Per (state, workers) label, the wall seconds of each repetition; and whether every
    2-worker result equalled the 1-worker one."""
    times: dict[str, list[float]] = {}
    equal = True
    for _ in range(repeats):
        for state in ("cold", "warm"):
            results = {}
            for workers in (1, 2):
                scorer = (
                    warm_scorer(items, workers) if state == "warm" else FastRougeScorer(ROUGE_TYPES, use_stemmer=True)
                )

                def run(scorer=scorer, workers=workers, state=state):
                    result = scorer.score_batch(items, workers=workers)
                    if state == "cold":
                        scorer.close()
                    return result

                wall, _, results[workers] = timed(run)
                scorer.close()
                times.setdefault(f"{state} {workers} worker{'s' if workers > 1 else ''}", []).append(wall)
            equal = equal and results[1] == results[2]
    return times, equal


def _busy_loop(_: object = None) -> float:
    """Pure-Python CPU work with no shared state; its wall seconds."""
    start, total = time.perf_counter(), 0
    for i in range(2_000_000):
        total += i * i % 7
    return time.perf_counter() - start


def parallel_ceiling(repeats: int = 5) -> float:
    """What 2 processes can gain on this machine at best: the throughput of two independent busy
    loops run at once relative to one run alone (median of repetitions)."""
    import multiprocessing

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    ratios = []
    with context.Pool(2) as pool:
        for _ in range(repeats):
            alone = _busy_loop()
            both = pool.map(_busy_loop, [0, 1], chunksize=1)
            ratios.append(2 * alone / max(both))
    return statistics.median(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="summeval.jsonl")
    parser.add_argument(
        "--docs", type=int, help=f"first N documents (of 100) for every setting; default {DEFAULT_DOCS}"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--slices", type=int, default=10, help="alternate the implementations every 1/N of the pairs")
    parser.add_argument(
        "--worker-repeats", type=int, default=7, help="repetitions of the 1 vs 2 workers timings (0: skip)"
    )
    parser.add_argument(
        "--worker-docs", type=int, default=100, help="documents (16 pairs each) for the 1 vs 2 workers timings"
    )
    args = parser.parse_args()
    if not args.data.is_file():
        parser.error(f"{args.data} not found: SummEval is expected in ../shared/data/summeval/ beside the repository")
    settings = load_settings(args.data, args.docs)
    print(f"SummEval, 16 systems per document, {args.repeats} repetitions, rouge types {ROUGE_TYPES}, use_stemmer=True")
    print("ratio = rouge-score time / this time; CPU = this process's CPU time (robust to other load")
    print("on the machine), wall = elapsed time; medians of the repetitions")
    print(
        f"{'setting':<14} {'pairs':>5} {'implementation':<16} {'pairs/s CPU':>11} {'ratio CPU':>9} {'pairs/s wall':>12} {'ratio wall':>10}"
    )
    for name, items in settings.items():
        times, worst = bench_setting(items, args.repeats, args.slices)
        wall0 = statistics.median(w for w, _ in times["rouge-score"])
        cpu0 = statistics.median(c for _, c in times["rouge-score"])
        for label in LABELS:
            wall = statistics.median(w for w, _ in times[label])
            cpu = statistics.median(c for _, c in times[label])
            print(
                f"{name:<14} {len(items):>5} {label:<16} {len(items) / cpu:>11.1f} {cpu0 / cpu:>8.1f}x {len(items) / wall:>12.1f} {wall0 / wall:>9.1f}x"
            )
        print(f"{name:<14} max abs difference vs rouge-score (all runs): {worst}")
    if args.worker_repeats <= 0:
        return
    print()
    print(
        f"1 vs 2 workers: one score_batch call on all pairs of {args.worker_docs} documents, {args.worker_repeats} repetitions,"
    )
    print("wall-clock medians; speed-up = 1-worker time / 2-worker time, same state (cold or warm)")
    print(
        f"{'setting':<14} {'pairs':>5} {'state':<5} {'1 worker s':>10} {'2 workers s':>11} {'speed-up':>8} {'2w == 1w':>8}"
    )
    worker_settings = load_settings(args.data, args.worker_docs)
    # A longer run, where start-up is a smaller share: the three settings' pairs in one call.
    worker_settings["all three"] = [pair for items in list(worker_settings.values()) for pair in items]
    for name, items in worker_settings.items():
        times, equal = bench_workers(items, args.worker_repeats)
        for state in ("cold", "warm"):
            one = statistics.median(times[f"{state} 1 worker"])
            two = statistics.median(times[f"{state} 2 workers"])
            print(f"{name:<14} {len(items):>5} {state:<5} {one:>10.3f} {two:>11.3f} {one / two:>7.2f}x {str(equal):>8}")
    print(
        f"machine's ceiling: two independent pure-Python busy loops at once do {parallel_ceiling():.2f}x the work of one alone"
    )


if __name__ == "__main__":
    main()
