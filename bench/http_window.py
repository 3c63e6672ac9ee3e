"""HTTP throughput at high concurrency: this tree's client against the starting commit's, on a
quiet machine and with the other core busy, with hedged requests off and on.

A loopback OpenAI-compatible server (tests/openai_server.py, its own process, a fresh one for
each measurement) answers each request after a long-tailed delay: log-normal, median 0.2 s,
sigma 0.8 by default, drawn from a hash of the prompt and how many requests for that prompt
came before. Every client meets the same delay for a document's first request; a hedged
duplicate meets a fresh draw. The client runs in its own process with the code of the tree it
measures (`--baseline DIR`: a checkout of the starting commit, put first on PYTHONPATH): the
`openai_chat` backend with `max_concurrency` = C, each generation appended to a real generation
cache (fsync per write) as the pipeline of that tree does it: one line per reply (baseline) or
one write per group of replies that finished together (this tree).

- limit: Little's law, C / mean latency of the documents' first requests (documents/s); the
  share of it is over the whole run, including the final drain (the last documents finish one
  by one, whatever the client does, unless a duplicate overtakes them).
- ideal window: the makespan of a zero-overhead continuous window with the same first-request
  latencies in the same order (simulated); its share shows the client's own overhead. Hedging
  can beat it (> 100%): a duplicate cuts a document's latency.
- client CPU: the client process's user+system CPU per document.

    python bench/http_window.py --baseline /tmp/base                 # writes bench/http_window.md
    python bench/http_window.py --baseline /tmp/base --docs 400 --repeats 1 --no-write

where /tmp/base is `git worktree add /tmp/base 5395fd8` (the commit before this work).
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
RESULTS = Path(__file__).with_suffix(".md")
KEY_ENV = "HARNESS_BENCH_KEY"


def serve(median_s: float, sigma: float, concurrency: int) -> None:
    """Child process: run the server until stdin closes."""
    from openai_server import FakeOpenAI, LogNormal

    # Handler threads started up front: the loopback server stands in for one on another
    # machine, so its own thread starts should not hold up the client's burst of connections.
    with FakeOpenAI(latency=LogNormal(median_s=median_s, sigma=sigma), threads=384) as server:
        print(server.url, flush=True)
        sys.stdin.read()
        arrived = sorted(s.at for s in server.seen)
        burst = len(arrived) and min(concurrency, len(arrived))  # how long the first window took to arrive
        ramp = arrived[burst - 1] - arrived[0] if burst else 0.0
        cpu = time.process_time()  # the server's own CPU (start-up included), for bench/http_window_profile.py
        print(
            json.dumps({"requests": len(server.seen), "abandoned": server.abandoned, "ramp_s": ramp, "cpu_s": cpu}),
            flush=True,
        )


def client(url: str, concurrency: int, n_docs: int, hedge_after_s: float | None) -> None:
    """Child process: send the documents, store each reply, print the result as JSON."""
    from harness.models.base import Request
    from harness.models.cache import GenerationCache
    from harness.models.openai_compat import OpenAIChat

    options: dict[str, Any] = {
        "model_id": "bench",
        "base_url": url,
        "api_key_env": KEY_ENV,
        "max_concurrency": concurrency,
        "timeout_s": 60.0,
        "max_retries": 0,
        "generation": {"temperature": 0, "max_tokens": 64},
    }
    if hedge_after_s is not None:
        options["hedge_after_s"] = hedge_after_s
    backend = OpenAIChat.from_config(options)
    requests = [
        Request(f"doc{i:05d}", f"DOC-{i} body", f"Summarize DOC-{i} of the benchmark", "") for i in range(n_docs)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        cache = GenerationCache(Path(tmp) / "cache.jsonl")
        cpu0, started = time.process_time(), time.perf_counter()
        out: dict[int, Any] = {}
        if hasattr(backend, "completion_batches"):  # this tree: one cache write per group
            for group in backend.completion_batches(requests):
                cache.put_many([(f"k{i}", {"doc_id": requests[i].doc_id, "generation": g.to_json()}) for i, g in group])
                out.update(group)
        else:  # the baseline's pipeline: one cache write per reply
            for i, g in backend.completions(requests):
                cache.put(f"k{i}", {"doc_id": requests[i].doc_id, "generation": g.to_json()})
                out[i] = g
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu0
        stored = len(cache.path.read_bytes().splitlines())
    failed = sum(bool(g.error) for g in out.values())
    stats = backend.request_stats() if hasattr(backend, "request_stats") else None
    texts = [out[i].text for i in range(n_docs)] if len(out) == n_docs else []
    print(json.dumps({"seconds": seconds, "cpu": cpu, "docs": len(out), "failed": failed, "stored": stored,
                      "stats": stats, "texts": texts}))  # fmt: skip


def ideal_window_s(latencies: list[float], concurrency: int) -> float:
    """Makespan of a zero-overhead continuous window: each request starts when a slot frees."""
    slots = [0.0] * min(concurrency, len(latencies))
    for latency in latencies:
        heapq.heappush(slots, heapq.heappop(slots) + latency)
    return max(slots)


def measure(code: Path, concurrency: int, n_docs: int, hedge_after_s: float | None, args: argparse.Namespace) -> dict:
    """One run: a fresh server, one client process with the given tree's code."""
    from openai_server import LogNormal

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(args.median), str(args.sigma), str(concurrency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = server.stdout.readline().strip()  # type: ignore[union-attr]
        env = {**os.environ, "PYTHONPATH": str(code), KEY_ENV: "bench-key-not-secret"}
        hedge = [] if hedge_after_s is None else [str(hedge_after_s)]
        done = subprocess.run(
            [sys.executable, __file__, "--client", url, str(concurrency), str(n_docs), *hedge],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        served = server.communicate(timeout=60)[0].splitlines()[-1]  # closes its stdin: the server stops
    result = json.loads(done.stdout.splitlines()[-1])
    if result["docs"] != n_docs or result["failed"] or result["stored"] != n_docs:
        raise SystemExit(f"{code} C={concurrency}: {result['docs']} generations, {result['failed']} failed, "
                         f"{result['stored']} cache lines for {n_docs} documents")  # fmt: skip
    latency = LogNormal(median_s=args.median, sigma=args.sigma)
    latencies = [latency(f"Summarize DOC-{i} of the benchmark") for i in range(n_docs)]
    limit = concurrency / statistics.fmean(latencies)
    return {
        **result,
        "server": json.loads(served),
        "docs_per_s": n_docs / result["seconds"],
        "share": n_docs / result["seconds"] / limit,
        "share_ideal": ideal_window_s(latencies, concurrency) / result["seconds"],
        "cpu_ms": 1000 * result["cpu"] / n_docs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, required=True, help="a checkout of the commit to compare against")
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument("--docs", type=int, nargs="+", default=[400, 4000])
    parser.add_argument("--median", type=float, default=0.2)
    parser.add_argument("--sigma", type=float, default=0.8)
    parser.add_argument("--hedge-after", type=float, default=None, help="default: the latency's 90th percentile")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each row; the median is shown")
    parser.add_argument(
        "--previous", type=Path, help="also a checkout of an earlier hedging commit, hedging on (e.g. another budget)"
    )
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.hedge_after is None:
        args.hedge_after = round(args.median * math.exp(1.2816 * args.sigma), 3)
    variants = [
        ("baseline", args.baseline.resolve(), None),
        ("this tree", ROOT, None),
        ("this tree", ROOT, args.hedge_after),
    ]
    if args.previous is not None:
        variants.insert(2, ("previous", args.previous.resolve(), args.hedge_after))
    rows = []
    for load in ("quiet", "busy"):
        # The other core busy: one process spinning for the whole block.
        spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if load == "busy" else None
        try:
            for n_docs in args.docs:
                runs: dict[int, list[dict]] = {v: [] for v in range(len(variants))}
                for _ in range(args.repeats):  # interleaved: each variant meets the same neighbours
                    for v, (_, code, hedge) in enumerate(variants):
                        runs[v].append(measure(code, args.concurrency, n_docs, hedge, args))
                texts = {json.dumps(r["texts"]) for rs in runs.values() for r in rs}
                if len(texts) != 1:
                    raise SystemExit(f"{load} N={n_docs}: the variants' outputs differ")
                for v, (name, _, hedge) in enumerate(variants):
                    row = {
                        "load": load,
                        "docs": n_docs,
                        "code": name,
                        "hedge": hedge,
                        "c": args.concurrency,
                        **median_run(runs[v]),
                    }
                    rows.append(row)
                    print(line(row), flush=True)
        finally:
            if spinner is not None:
                spinner.kill()
                spinner.wait()
    if not args.no_write:
        write(rows, args)


def median_run(runs: list[dict]) -> dict:
    """The run with the median time, and every run's shares."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    row = dict(ordered[len(ordered) // 2])
    row["shares"] = [r["share"] for r in runs]
    return row


def line(r: dict) -> str:
    hedge = f"hedge {r['hedge']:g}s" if r["hedge"] else "no hedge"
    stats = r["stats"] or {}
    return (
        f"{r['load']:5s} N={r['docs']:5d} {r['code']:9s} {hedge:13s} {r['seconds']:6.2f}s "
        f"share {r['share']:6.1%} of ideal {r['share_ideal']:6.1%}  cpu {r['cpu_ms']:.2f} ms/doc  "
        f"requests {r['server']['requests']} (duplicates {stats.get('hedged', 0)}, won {stats.get('hedges_won', 0)}, "
        f"cut off {r['server']['abandoned']}); first {r['c']} arrived in {r['server']['ramp_s']:.3f}s"
    )


def write(rows: list[dict], args: argparse.Namespace) -> None:
    mean = args.median * math.exp(args.sigma**2 / 2)
    lines = [
        "# HTTP at high concurrency: this tree vs the starting commit, quiet and busy, hedging off and on",
        "",
        f"Command: `python bench/http_window.py --baseline BASE --concurrency {args.concurrency} "
        f"--docs {' '.join(map(str, args.docs))} --median {args.median:g} --sigma {args.sigma:g} "
        f"--hedge-after {args.hedge_after:g} --repeats {args.repeats}"
        + (" --previous PREV" if args.previous is not None else "")
        + "`, where BASE is a checkout of the starting commit (`git worktree add BASE 5395fd8`)"
        + (", PREV a checkout of 59a2070 (the hedging budget before it waited for the drain)" if args.previous else "")
        + ".",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}. "
        f"Latency: log-normal, median {args.median:g} s, sigma {args.sigma:g} (mean {mean:.3f} s), the same first-request "
        f"latency per document for every variant; limit = C / mean latency = {args.concurrency / mean:.0f} documents/s "
        "(for the documents sent). busy: a `while True: pass` process ran beside each measurement. Each row is the median "
        f"of {args.repeats} interleaved runs (all shares of the limit listed); outputs were identical across variants.",
        "",
        "| machine | documents | client | hedging | seconds | share of limit | share of an ideal window | "
        "client CPU ms/doc | requests (duplicates, won, cut off) | first C requests arrived within (s) | "
        "shares of limit, every run |",
        "|---|---:|---|---|---:|---:|---:|---:|---|---:|---|",
    ]
    for r in rows:
        stats = r["stats"] or {}
        hedge = f"after {r['hedge']:g} s" if r["hedge"] else "off"
        lines.append(
            f"| {r['load']} | {r['docs']} | {r['code']} | {hedge} | {r['seconds']:.2f} | {r['share']:.1%} "
            f"| {r['share_ideal']:.1%} | {r['cpu_ms']:.2f} | {r['server']['requests']} ({stats.get('hedged', 0)}, "
            f"{stats.get('hedges_won', 0)}, {r['server']['abandoned']}) | {r['server']['ramp_s']:.3f} "
            f"| {', '.join(f'{s:.1%}' for s in r['shares'])} |"
        )
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) in (5, 6) and sys.argv[1] == "--client":
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]) if len(sys.argv) == 6 else None)
    else:
        main()
