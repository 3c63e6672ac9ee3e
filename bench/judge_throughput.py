"""Judge throughput against the concurrency limit: bullets judged through `Judge.ask` with C
requests in flight, on the loopback OpenAI-compatible server (tests/openai_server.py) with a
fixed or log-normal latency, and the judge cache's second pass.

Two kinds of request, each reply scripted by the server:
- factcheck: one request per summary of B bullets (the shipped factcheck prompt: the article and
  the numbered bullets); the reply is a valid JSON list of B verdicts (FineSurE's format), read
  with `harness.judge.replies.read_json` and placed with `numbered_items`, as a metric would.
- logprobs: one request per bullet (the shipped claim prompt, `Judge.logprob_settings()`: one
  token with its top logprobs); the reply is "Yes" with Yes/No logprobs, read into P(Yes).

The server runs in its own process, the client (one `Judge`, `max_concurrency` C, a real judge
cache with an fsync per group of replies) in another, so the client's CPU is its own.

- ideal time = (sum of the latencies the server slept) / C, i.e. requests x mean latency / C:
  C requests always in flight, no overhead, no final drain. efficiency = ideal / wall time of
  `Judge.ask`. With a long-tailed latency the last requests finish one by one whatever the
  client does: "of an ideal window" divides the makespan of a zero-overhead continuous window
  fed the same latencies in the same order (simulated) by the wall time, to tell that drain
  apart from the client's own overhead.
- CPU per bullet: the client process's user+system CPU for building the requests (prompts
  rendered, cache keys), asking, and reading every reply, divided by the bullets judged.
- second pass: a new `Judge` on the same cache asks the same requests: 0 sent, its wall time.

    python bench/judge_throughput.py                        # writes bench/judge_throughput.md
    python bench/judge_throughput.py --repeats 1 --no-write
    python bench/judge_throughput.py --profile logprobs --latencies fixed   # where the client's CPU goes
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import platform
import random
import re
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
COUNT = re.compile(r"For each of the (\d+) summary sentences")
YES = {"Yes": math.log(0.9), "No": math.log(0.08), " Yes": math.log(0.01), "yes": math.log(0.005)}
WORDS = (
    "council harbour bridge engineers million grant traffic vehicles ferry quay commuters deck plates "
    "inspection autumn project walkway cyclists traders rates meeting colour repairs closure journey"
).split()


# ---- the server (its own process) ----


def scripted_reply(prompt: str) -> str | tuple[str, list[dict[str, float]]]:
    """A valid factcheck JSON list for the bullets the prompt numbers, or "Yes" with logprobs."""
    found = COUNT.search(prompt)
    if found is None:  # the claim prompt: one token and its alternatives
        return "Yes", [YES]
    items = [
        {
            "sentence": i,
            "supported": "yes" if i % 3 else "no",
            "category": "none" if i % 3 else "out-of-context",
            "evidence": [f"Sentence {i} of the article says so."],
            "reason": "stated in the article" if i % 3 else "the article does not say this",
        }
        for i in range(1, int(found.group(1)) + 1)
    ]
    return json.dumps(items, indent=1)


def serve(latency: str, median_s: float, sigma: float) -> None:
    """Run the server until stdin closes; then print what it slept."""
    from openai_server import FakeOpenAI, LogNormal

    delay: Any = LogNormal(median_s=median_s, sigma=sigma) if latency == "lognormal" else (lambda prompt: median_s)
    with FakeOpenAI(latency=delay, threads=128, reply=scripted_reply) as server:
        print(server.url, flush=True)
        sys.stdin.read()
        # each prompt's first-attempt latency, in arrival order (a duplicate's own draw left out)
        first = {s.prompt: delay(s.prompt) for s in server.seen if s.prompt}
        print(json.dumps({"requests": len(server.seen), "first_slept": list(first.values())}), flush=True)


# ---- the client (its own process) ----


def article(doc: int, sentences: int = 20) -> str:
    rng = random.Random(doc)
    return "\n".join(
        f"Sentence {k + 1} of document {doc}: " + " ".join(rng.choice(WORDS) for _ in range(18)) + "."
        for k in range(sentences)
    )


def bullets(doc: int, count: int) -> list[str]:
    rng = random.Random(-doc - 1)
    return [
        f"Bullet {b + 1} of document {doc}: " + " ".join(rng.choice(WORDS) for _ in range(12)) for b in range(count)
    ]


def corpus(mode: str, requests: int, per_request: int) -> list[tuple[str, list[str]]]:
    """(article, bullets) per document: made before the clocks start (the judge's input, not its work)."""
    docs = requests if mode == "factcheck" else math.ceil(requests / per_request)
    return [(article(doc), bullets(doc, per_request)) for doc in range(docs)]


def build(judge: Any, mode: str, texts: list[tuple[str, list[str]]], requests: int) -> tuple[list[Any], int]:
    """(the requests, bullets they judge): a factcheck request per document, or a claim request
    (one token, its logprobs) per bullet."""
    if mode == "factcheck":
        out = []
        for doc, (source, points) in enumerate(texts):
            summary = "\n".join(f"[{i}] {b}" for i, b in enumerate(points, 1))
            out.append(
                judge.request("factcheck", f"doc{doc}", "", article=source, summary=summary, count=str(len(points)))
            )
        return out, sum(len(points) for _, points in texts)
    settings = judge.logprob_settings()
    out = [
        judge.request("claim", f"doc{doc}", "", generation=settings, document=source, claim=claim)
        for doc, (source, points) in enumerate(texts)
        for claim in points
    ][:requests]
    return out, len(out)


def read_replies(mode: str, replies: list[Any], per_request: int) -> int:
    """Every reply read as a metric reads it; returns the bullets with a verdict."""
    from harness.judge.replies import numbered_items, read_json

    judged = 0
    for reply in replies:
        if mode == "factcheck":
            parsed = read_json(reply.text, expect=list)
            if parsed is not None:
                items, _ = numbered_items(parsed.value, per_request)
                judged += sum(isinstance(it, dict) and it.get("supported") in ("yes", "no") for it in items)
        else:
            first = (reply.top_logprobs or [{}])[0]
            yes, no = math.exp(first.get("Yes", -math.inf)), math.exp(first.get("No", -math.inf))
            judged += yes + no > 0 and 0 <= yes / (yes + no) <= 1
    return judged


def client(url: str, mode: str, concurrency: int, requests: int, per_request: int, hedge_after_s: float | None) -> None:
    """Judge the bullets, then ask again from the cache; print the measurements as JSON."""
    from harness.judge.client import Judge

    config = {
        "backend": "openai_chat",
        "model_id": "bench-judge",
        "base_url": url,
        "api_key_env": KEY_ENV,
        "max_concurrency": concurrency,
        "timeout_s": 120.0,
        "max_retries": 0,
        "generation": {"temperature": 0.0, "max_tokens": 1024},
        "price": {"input_per_million": 0.15, "output_per_million": 0.6},
    }
    if hedge_after_s is not None:
        config["hedge_after_s"] = hedge_after_s
    with tempfile.TemporaryDirectory() as cache_dir:
        judge = Judge(config, cache_dir=cache_dir)
        texts = corpus(mode, requests, per_request)
        cpu0 = time.process_time()
        built, n_bullets = build(judge, mode, texts, requests)
        cpu_build = time.process_time() - cpu0
        t0, c0 = time.perf_counter(), time.process_time()
        replies = judge.ask(built)
        wall, cpu_ask = time.perf_counter() - t0, time.process_time() - c0
        c1 = time.process_time()
        judged = read_replies(mode, replies, per_request)
        cpu_read = time.process_time() - c1
        first = judge.record()
        again = Judge(config, cache_dir=cache_dir)
        t1, c2 = time.perf_counter(), time.process_time()
        cached = again.ask(built)
        wall2, cpu2 = time.perf_counter() - t1, time.process_time() - c2
        same = [g.to_json() for g in cached] == [g.to_json() for g in replies]
        second = again.record()
    print(
        json.dumps(
            {
                "bullets": n_bullets,
                "judged": judged,
                "wall": wall,
                "cpu_build": cpu_build,
                "cpu_ask": cpu_ask,
                "cpu_read": cpu_read,
                "first": first,
                "second": second,
                "wall2": wall2,
                "cpu2": cpu2,
                "same": same,
            }
        )
    )


# ---- one measurement ----


def ideal_window_s(latencies: list[float], concurrency: int) -> float:
    """Makespan of a zero-overhead continuous window: each request starts when a slot frees."""
    slots = [0.0] * min(concurrency, len(latencies))
    for latency in latencies:
        heapq.heappush(slots, heapq.heappop(slots) + latency)
    return max(slots)


def measure(args: argparse.Namespace, mode: str, latency: str, hedge: float | None) -> dict[str, Any]:
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", latency, str(args.median), str(args.sigma)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = server.stdout.readline().strip()  # type: ignore[union-attr]
        env = {**os.environ, "PYTHONPATH": str(ROOT), KEY_ENV: "bench-key-not-secret"}
        per_request = args.per_request if mode == "factcheck" else args.bullets_per_doc
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--client",
                url,
                mode,
                str(args.concurrency),
                str(args.requests),
                str(per_request),
                str(hedge),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        served = json.loads(server.communicate(timeout=120)[0].splitlines()[-1])
    result = json.loads(done.stdout.splitlines()[-1])
    first, second = result["first"], result["second"]
    if result["judged"] != result["bullets"] or first["failed"] or first["requests"] != args.requests:
        raise SystemExit(f"{mode}: {result['judged']} of {result['bullets']} bullets judged, {first}")
    if second["requests"] != 0 or second["cached"] != args.requests or served["requests"] < args.requests:
        raise SystemExit(f"{mode}: the second pass sent requests: {second}, server saw {served['requests']}")
    # a duplicate the backend started may be cut off before it reaches the server: recorded, never seen
    if not first["requests"] <= served["requests"] <= first["requests"] + first["duplicates"]:
        raise SystemExit(
            f"{mode}: the judge recorded {first['requests']} + {first['duplicates']} duplicates, "
            f"the server saw {served['requests']}"
        )
    if not result["same"]:
        raise SystemExit(f"{mode}: the second pass's answers differ from the first's")
    slept = served["first_slept"]  # the latency each request's first attempt met (not a duplicate's)
    ideal = sum(slept) / args.concurrency
    cpu = result["cpu_build"] + result["cpu_ask"] + result["cpu_read"]
    return {
        **result,
        "mode": mode,
        "latency": latency,
        "hedge": hedge,
        "seen": served["requests"],
        "mean_latency": statistics.fmean(slept),
        "ideal": ideal,
        "efficiency": ideal / result["wall"],
        "of_window": ideal_window_s(slept, args.concurrency) / result["wall"],
        "cpu_ms_per_bullet": 1000 * cpu / result["bullets"],
        "read_ms_per_bullet": 1000 * result["cpu_read"] / result["bullets"],
    }


def profile(args: argparse.Namespace, mode: str, latency: str) -> None:
    """One client run in this process under cProfile (every thread): its top functions by own CPU."""
    from http_window_profile import profile_threads

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", latency, str(args.median), str(args.sigma)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = server.stdout.readline().strip()  # type: ignore[union-attr]
        os.environ.setdefault(KEY_ENV, "bench-key-not-secret")
        import harness.judge.client  # noqa: F401  # imported before the clock starts

        per_request = args.per_request if mode == "factcheck" else args.bullets_per_doc
        stats, seconds, cpu = profile_threads(
            lambda: client(url, mode, args.concurrency, args.requests, per_request, args.hedge_after)
        )
    finally:
        server.communicate(timeout=120)
    print(f"{mode} {latency}: {seconds:.2f} s wall (both passes), {cpu:.2f} s CPU under the profiler")
    stats.sort_stats("tottime").print_stats(args.top)


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda r: r["efficiency"])
    row = dict(ordered[len(ordered) // 2])
    row["all"] = [r["efficiency"] for r in runs]
    return row


def hedged(r: dict[str, Any]) -> str:
    return f"hedge after {r['hedge']:g} s" if r["hedge"] else "no hedging"


def line(r: dict[str, Any]) -> str:
    return (
        f"{r['mode']:9s} {r['latency']:9s} {hedged(r):15s} bullets {r['bullets']:5d} requests {r['first']['requests']:5d} "
        f"wall {r['wall']:6.2f}s ideal {r['ideal']:6.2f}s efficiency {r['efficiency']:6.1%} "
        f"(of a window {r['of_window']:6.1%}) cpu {r['cpu_ms_per_bullet']:.3f} ms/bullet "
        f"(read {r['read_ms_per_bullet']:.3f}) server saw {r['seen']}, second pass {r['wall2']:.3f}s, {r['second']['requests']} sent"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement")
    parser.add_argument("--per-request", type=int, default=4, help="factcheck: bullets per request")
    parser.add_argument("--bullets-per-doc", type=int, default=4, help="logprobs: bullets (requests) per article")
    parser.add_argument("--median", type=float, default=0.2, help="fixed latency, or the log-normal's median (s)")
    parser.add_argument("--sigma", type=float, default=0.8, help="the log-normal's sigma")
    parser.add_argument("--modes", nargs="+", default=["factcheck", "logprobs"], choices=["factcheck", "logprobs"])
    parser.add_argument("--latencies", nargs="+", default=["fixed", "lognormal"], choices=["fixed", "lognormal"])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each row; the median efficiency is shown")
    parser.add_argument(
        "--hedge-after",
        type=float,
        default=None,
        help="also the log-normal rows with the judge's hedge_after_s set to this (a duplicate of a slow request)",
    )
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--profile", choices=["factcheck", "logprobs"], help="profile one client run of this kind")
    parser.add_argument("--top", type=int, default=30, help="--profile: functions shown")
    args = parser.parse_args()
    if args.profile:
        sys.path.insert(0, str(Path(__file__).parent))
        return profile(args, args.profile, args.latencies[0])
    rows = []
    hedges = [None] if args.hedge_after is None else [None, args.hedge_after]
    for latency in args.latencies:
        for mode in args.modes:
            for hedge in hedges if latency == "lognormal" else [None]:
                row = median_run([measure(args, mode, latency, hedge) for _ in range(args.repeats)])
                rows.append(row)
                print(line(row), flush=True)
    if not args.no_write:
        write(rows, args)


def write(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    load = os.getloadavg()
    lines = [
        "# Judge throughput against the concurrency limit",
        "",
        f"Command: `python bench/judge_throughput.py --concurrency {args.concurrency} --requests {args.requests} "
        f"--per-request {args.per_request} --bullets-per-doc {args.bullets_per_doc} --median {args.median:g} "
        f"--sigma {args.sigma:g} --repeats {args.repeats}"
        + (f" --hedge-after {args.hedge_after:g}" if args.hedge_after is not None else "")
        + "`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}, "
        f"load average {load[0]:.1f} at the end. Latency: fixed {args.median:g} s, or log-normal median "
        f"{args.median:g} s, sigma {args.sigma:g}. {args.concurrency} requests in flight. Each row is the run with "
        f"the median efficiency of {args.repeats} (every run's efficiency listed).",
        "",
        "| requests | latency | hedging | bullets | requests + duplicates recorded (server saw) | mean latency (s) | wall (s) | ideal (s) "
        "| efficiency | of an ideal window | client CPU ms/bullet | of which reading replies "
        "| second pass: sent, wall (s) | efficiency, every run |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['mode']} | {r['latency']} | {hedged(r)} | {r['bullets']} | {r['first']['requests']} + {r['first']['duplicates']} ({r['seen']}) "
            f"| {r['mean_latency']:.3f} "
            f"| {r['wall']:.2f} | {r['ideal']:.2f} | {r['efficiency']:.1%} | {r['of_window']:.1%} "
            f"| {r['cpu_ms_per_bullet']:.3f} | {r['read_ms_per_bullet']:.3f} | {r['second']['requests']}, "
            f"{r['wall2']:.3f} | {', '.join(f'{e:.1%}' for e in r['all'])} |"
        )
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))
    elif len(sys.argv) == 8 and sys.argv[1] == "--client":
        hedge_after = None if sys.argv[7] == "None" else float(sys.argv[7])
        client(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), hedge_after)
    else:
        main()
