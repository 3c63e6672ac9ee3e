"""Where the HTTP window's client spends its CPU: cProfile in every thread of one client run.

cProfile sees only the thread that enables it, and the window's work runs on its slot threads;
this wraps every thread's `run` in its own profiler and merges them. It starts a loopback server
(bench/http_window.py --serve, the same long-tailed latencies), optionally with a process
spinning beside it (the other core busy), and prints the functions that took the most CPU
(own CPU time, all threads) and the server's CPU per request for comparison.

    python bench/http_window_profile.py --docs 400 --busy
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).with_name("http_window.py")


def profile_threads(call: Callable[[], Any]) -> tuple[pstats.Stats, float, float]:
    """Run `call` with cProfile (per-thread CPU clock) in this thread and in every thread it
    starts; (the merged stats, wall seconds, process CPU seconds). What `call` prints is dropped."""
    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()
    run = threading.Thread.run

    def run_profiled(self: threading.Thread) -> None:
        profile = cProfile.Profile(time.thread_time)  # CPU of this thread, not waits
        with lock:
            profiles.append(profile)
        profile.runcall(run, self)

    threading.Thread.run = run_profiled  # type: ignore[method-assign]
    main = cProfile.Profile(time.thread_time)
    real_stdout, sys.stdout = sys.stdout, io.StringIO()  # the clients print their results as JSON
    try:
        started, cpu0 = time.perf_counter(), time.process_time()
        main.runcall(call)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu0
    finally:
        sys.stdout = real_stdout
        threading.Thread.run = run  # type: ignore[method-assign]
    stats = pstats.Stats(main)
    for profile in profiles:
        stats.add(profile)
    return stats, seconds, cpu


def profiled_client(url: str, concurrency: int, n_docs: int, top: int) -> None:
    sys.path.insert(0, str(BENCH.parent))
    import http_window

    os.environ.setdefault(http_window.KEY_ENV, "bench-key-not-secret")
    import harness.models.openai_compat  # noqa: F401  # imported before the clock starts

    stats, seconds, cpu = profile_threads(lambda: http_window.client(url, concurrency, n_docs, None))
    print(f"client: {seconds:.2f} s wall, {cpu:.2f} s CPU under the profiler ({1000 * cpu / n_docs:.2f} ms/doc)")
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument("--busy", action="store_true", help="a process spinning beside the run")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy else None
    server = subprocess.Popen(
        [sys.executable, str(BENCH), "--serve", "0.2", "0.8", str(args.concurrency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = server.stdout.readline().strip()  # type: ignore[union-attr]
        profiled_client(url, args.concurrency, args.docs, args.top)
    finally:
        served = json.loads(server.communicate(timeout=60)[0].splitlines()[-1])
        if spinner is not None:
            spinner.kill()
            spinner.wait()
    print(
        f"server: {served['requests']} requests, its CPU {served['cpu_s']:.2f} s "
        f"({1000 * served['cpu_s'] / served['requests']:.2f} ms/request, start-up included); "
        f"the first {args.concurrency} requests arrived within {served['ramp_s']:.3f} s"
    )


if __name__ == "__main__":
    main()
