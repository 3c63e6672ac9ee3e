"""HTTP throughput: a continuous window of requests in flight vs the former batch-wise sending.

A loopback OpenAI-compatible server (tests/openai_server.py, in its own process) answers each
request after a long-tailed delay: log-normal, median 0.2 s, sigma 1.0 by default, drawn from a
hash of the prompt, so both paths meet exactly the same latency for the same document. The
client is the harness's `openai_chat` backend with `max_concurrency` = C; each generation is
appended to a real generation cache (fsync per line), as the pipeline does.

- after:  `backend.completions(...)`: the next request goes out the moment one finishes.
- before: `Backend.completions(backend, ...)`: the former path, batches of C through
  `generate`, each batch waiting for its slowest request before the next is sent.

The limit is Little's law: C / mean latency of the documents sent (documents/s); the share of
it is taken over the whole run, so it includes the final drain, when fewer than C documents
remain and slots idle whatever the client does. To tell that apart from the client's own
overhead, the table also gives the share of an ideal window: the time a zero-overhead window
would take with the same latencies in the same order (simulated). Outputs of both paths must
be identical.

    python bench/http_window.py                    # C = 8, 32, 128; writes bench/http_window.md
    python bench/http_window.py --concurrency 32 --slots-after 20 --slots-before 5 --no-write
"""

from __future__ import annotations

import argparse
import heapq
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
RESULTS = Path(__file__).with_suffix(".md")
KEY_ENV = "HARNESS_BENCH_KEY"


def serve(median_s: float, sigma: float) -> None:
    """Child process: run the server until stdin closes."""
    from openai_server import FakeOpenAI, LogNormal

    with FakeOpenAI(latency=LogNormal(median_s=median_s, sigma=sigma)) as server:
        print(server.url, flush=True)
        sys.stdin.read()


def run(
    stream: Callable[[Any, list], Iterator[tuple[int, Any]]], backend: Any, requests: list, cache_path: Path
) -> tuple[list[float], dict[int, Any]]:
    """Completion times (s from the start) and generations, each stored as it arrives."""
    from harness.models.cache import GenerationCache

    cache = GenerationCache(cache_path)
    started = time.perf_counter()
    times, out = [], {}
    for i, generation in stream(backend, requests):
        cache.put(f"k{i}", {"doc_id": requests[i].doc_id, "generation": generation.to_json()})
        out[i] = generation
        times.append(time.perf_counter() - started)
    return times, out


def ideal_window_s(latencies: list[float], concurrency: int) -> float:
    """Makespan of a zero-overhead continuous window: each request starts when a slot frees."""
    slots = [0.0] * min(concurrency, len(latencies))
    for latency in latencies:
        heapq.heappush(slots, heapq.heappop(slots) + latency)
    return max(slots)


def measure(
    url: str, concurrency: int, n_docs: int, path: str, latency: Callable[[str], float], tmp: Path
) -> dict[str, Any]:
    from harness.models.base import Backend, Request
    from harness.models.openai_compat import OpenAIChat

    backend = OpenAIChat.from_config(
        {
            "model_id": "bench",
            "base_url": url,
            "api_key_env": KEY_ENV,
            "max_concurrency": concurrency,
            "timeout_s": 60.0,
            "max_retries": 0,
            "generation": {"temperature": 0, "max_tokens": 64},
        }
    )
    requests = [
        Request(f"doc{i:05d}", f"DOC-{i} body", f"Summarize DOC-{i} of the benchmark", "") for i in range(n_docs)
    ]
    stream = backend.completions.__func__ if path == "after" else Backend.completions  # type: ignore[attr-defined]
    times, out = run(stream, backend, requests, tmp / f"{path}-{concurrency}.jsonl")
    failed = [i for i, g in out.items() if g.error]
    if len(out) != n_docs or failed:
        raise SystemExit(f"{path} C={concurrency}: {len(out)} of {n_docs} generations, {len(failed)} failed")
    latencies = [latency(r.prompt) for r in requests]
    limit = concurrency / statistics.fmean(latencies)
    return {
        "path": path,
        "concurrency": concurrency,
        "docs": n_docs,
        "seconds": times[-1],
        "docs_per_s": n_docs / times[-1],
        "limit": limit,
        "share": n_docs / times[-1] / limit,
        "share_ideal": ideal_window_s(latencies, concurrency) / times[-1],
        "texts": {i: g.text for i, g in out.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32, 128])
    parser.add_argument("--slots-after", type=int, default=100, help="documents per slot for the window (N = this x C)")
    parser.add_argument("--slots-before", type=int, default=15, help="documents per slot for the batch-wise path")
    parser.add_argument("--median", type=float, default=0.2)
    parser.add_argument("--sigma", type=float, default=1.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    os.environ[KEY_ENV] = "bench-key-not-secret"

    from openai_server import LogNormal

    latency = LogNormal(median_s=args.median, sigma=args.sigma)
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(args.median), str(args.sigma)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    url = child.stdout.readline().strip()  # type: ignore[union-attr]
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for c in args.concurrency:
                before = measure(url, c, args.slots_before * c, "before", latency, Path(tmp))
                after = measure(url, c, args.slots_after * c, "after", latency, Path(tmp))
                same = all(after["texts"][i] == text for i, text in before["texts"].items())
                if not same:
                    raise SystemExit(f"C={c}: outputs differ between the two paths")
                for r in (before, after):
                    rows.append(r)
                    print(
                        f"C={c:4d} {r['path']:6s} docs={r['docs']:6d} {r['seconds']:7.1f}s {r['docs_per_s']:8.1f} docs/s "
                        f"limit {r['limit']:7.1f}  share {r['share']:6.1%}  (of an ideal window: {r['share_ideal']:6.1%})",
                        flush=True,
                    )
    finally:
        child.stdin.close()  # type: ignore[union-attr]
        child.wait(timeout=30)
    if not args.no_write:
        write(rows, args)


def write(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    lines = [
        "# HTTP throughput: continuous window vs batch-wise sending",
        "",
        f"Command: `python bench/http_window.py --concurrency {' '.join(map(str, args.concurrency))} "
        f"--slots-after {args.slots_after} --slots-before {args.slots_before} --median {args.median:g} --sigma {args.sigma:g}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}. "
        f"Latency: log-normal, median {args.median:g} s, sigma {args.sigma:g} (mean {args.median * 2.718281828 ** (args.sigma**2 / 2):.3f} s), "
        "per prompt, identical for both paths. Limit = C / mean latency of the documents sent. "
        "Outputs of the two paths were identical.",
        "",
        "| in flight (C) | path | documents | seconds | documents/s | limit | share of limit | share of an ideal window |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['concurrency']} | {r['path']} | {r['docs']} | {r['seconds']:.1f} | {r['docs_per_s']:.1f} | {r['limit']:.1f} "
            f"| {r['share']:.1%} | {r['share_ideal']:.1%} |"
        )
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(float(sys.argv[2]), float(sys.argv[3]))
    else:
        main()
