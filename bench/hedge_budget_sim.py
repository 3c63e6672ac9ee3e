"""Where the hedging budget saves the most time: a zero-overhead simulation of the HTTP window.

C slots, each taking the next document the moment its own is done; a document still unanswered
after `after` seconds gets one duplicate (a fresh latency draw) if the budget allows; the first
answer wins. Two budgets of 10% of the documents are compared:

- started: max_extra x documents started so far (the budget before this change);
- drain: max_extra x (documents started - 2 C) while documents wait, max_extra x the run's
  documents once none waits (harness/models/hedging.py Hedger).

Printed: the mean share of the limit (C / mean latency) over `--seeds` latency sets, and the
duplicates sent; plus the one latency set the bench's loopback server draws (seed 0 of
tests/openai_server.py LogNormal).

    python bench/hedge_budget_sim.py --seeds 40
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def makespan(first: list[float], duplicate: list[float], c: int, after: float, policy: str, extra: float = 0.1):
    """(seconds until the last document is answered, duplicates sent)."""
    n, sent, started, end = len(first), 0, 0, 0.0
    done_at: list[float | None] = [None] * n
    events = [(0.0, 0, i) for i in range(min(c, n))]  # (time, kind: 0 start, 1 hedge, 2 answer, doc)
    following = len(events)
    while events:
        t, kind, i = heapq.heappop(events)
        if kind == 0:
            started += 1
            done_at[i] = t + first[i]
            heapq.heappush(events, (t + first[i], 2, i))
            if first[i] > after:
                heapq.heappush(events, (t + after, 1, i))
        elif kind == 1:
            waiting = following < n
            counted = started if policy == "started" else (started - 2 * c if waiting else n)
            if sent + 1 <= extra * counted:
                sent += 1
                answer = t + duplicate[i]
                if answer < done_at[i]:  # type: ignore[operator]
                    done_at[i] = answer
                    heapq.heappush(events, (answer, 2, i))
        elif t == done_at[i]:  # the document's winning answer (a stale loser is ignored)
            done_at[i], end = -1.0, t
            if following < n:
                heapq.heappush(events, (t, 0, following))
                following += 1
    return end, sent


def share(first: list[float], duplicate: list[float], c: int, after: float, policy: str) -> tuple[float, int]:
    seconds, sent = makespan(first, duplicate, c, after, policy)
    return len(first) / seconds / (c / statistics.fmean(first)), sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, nargs="+", default=[400, 4000])
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument("--median", type=float, default=0.2)
    parser.add_argument("--sigma", type=float, default=0.8)
    parser.add_argument("--seeds", type=int, default=40)
    args = parser.parse_args()
    after = round(args.median * math.exp(1.2816 * args.sigma), 3)  # the 90th percentile, as the bench
    from openai_server import LogNormal

    bench = LogNormal(median_s=args.median, sigma=args.sigma)
    for n in args.docs:
        for policy in ("started", "drain"):
            results = []
            for seed in range(args.seeds):
                rng = random.Random(seed)
                draws = [rng.lognormvariate(math.log(args.median), args.sigma) for _ in range(2 * n)]
                results.append(share(draws[:n], draws[n:], args.concurrency, after, policy))
            prompts = [f"Summarize DOC-{i} of the benchmark" for i in range(n)]
            own = share([bench(p) for p in prompts], [bench(p, 1) for p in prompts], args.concurrency, after, policy)
            print(
                f"N={n:5d} budget {policy:7s}: {statistics.fmean(r[0] for r in results):.1%} of the limit "
                f"({statistics.fmean(r[1] for r in results):.0f} duplicates) over {args.seeds} seeds; "
                f"the bench's latencies: {own[0]:.1%} ({own[1]} duplicates)"
            )


if __name__ == "__main__":
    main()
