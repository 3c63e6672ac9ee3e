"""A 3-model sweep, sequential (Hydra's basic launcher) vs the joblib launcher, in one run.

    python bench/sweep_parallel.py --docs 541 --rounds 2 --n-jobs 2 --api-docs 40 --latency 0.2

Two workloads, over the first N CNN/DM articles of ../shared/data/cnndm_pairs (reference: the
highlights, one bullet per line), default metrics:
- cpu: `lead`, `centrality` and `centrality` with damping 0.5 (a user model file): all CPU work;
- api: three `openai_chat` models (user model files, `max_concurrency: 1`) against the tests'
  loopback server with a fixed latency per request: jobs mostly wait, as with hosted APIs or a
  remote vLLM server; each round uses a fresh cache folder, so every request is sent. The two ways alternate round by round (who
goes first switches), so load from other processes hits both alike; each sweep is a real
`harness run -m` in a subprocess, timed from start to exit, and its comparison table is checked
equal to the sequential one.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "cnndm_pairs" / "cnndm_pairs.jsonl"


WORKLOADS = {"cpu": "lead,centrality,centrality-d50", "api": "api-a,api-b,api-c"}


def write_models(config_dir: Path, server_url: str) -> None:
    (config_dir / "model").mkdir(parents=True, exist_ok=True)
    (config_dir / "model" / "centrality-d50.yaml").write_text("backend: centrality\ndamping: 0.5\nmin_words: 4\n")
    for name in ("api-a", "api-b", "api-c"):
        (config_dir / "model" / f"{name}.yaml").write_text(
            f"backend: openai_chat\nmodel_id: {name}\nbase_url: {server_url}\nmax_concurrency: 1\nmax_retries: 0\n"
            "generation: {temperature: 0}\n"
        )


def cpu_seconds() -> float:
    """User + sys CPU of the finished child processes (and the processes they waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sweep(
    results: Path, config_dir: Path, models: str, docs: int, launcher: list[str], checkout: Path
) -> tuple[float, float, Path]:
    args = [
        sys.executable,
        "-m",
        "harness.cli",
        "run",
        "-m",
        "--config-dir",
        str(config_dir),
        f"results_dir={results}",
        f"model={models}",
        "dataset=local",
        f"dataset.path={DATA}",
        "dataset.id_field=doc_id",
        "dataset.reference_field=reference",
        "dataset.reference_separator='\n'",
        f"dataset.limit={docs}",
        *launcher,
    ]
    t0, cpu0 = time.perf_counter(), cpu_seconds()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(checkout)}
    # From the checkout: `python -m` puts the working directory ahead of PYTHONPATH.
    proc = subprocess.run(args, capture_output=True, text=True, env=env, cwd=checkout)
    seconds, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    if proc.returncode != 0:
        sys.exit(f"sweep failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    (sweep_dir,) = {p.parent for p in results.rglob("multirun.yaml")}
    return seconds, cpu, sweep_dir


def jobs_span(sweep_dir: Path) -> float:
    """Seconds from the first job's start to the last job's end (run.json, 1 s resolution)."""
    from datetime import datetime

    infos = [json.loads(p.read_text()) for p in sweep_dir.glob("*/run.json")]
    started = min(datetime.strptime(i["started"], "%Y-%m-%dT%H:%M:%S%z") for i in infos)
    ended = max(datetime.strptime(i["ended"], "%Y-%m-%dT%H:%M:%S%z") for i in infos)
    return (ended - started).total_seconds()


def table(sweep_dir: Path) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO((sweep_dir / "comparison.csv").read_text())))
    for row in rows:
        row.pop("run_dir")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=541)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--api-docs", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds the loopback server waits per request")
    parser.add_argument("--workloads", nargs="+", choices=sorted(WORKLOADS), default=sorted(WORKLOADS, reverse=True))
    parser.add_argument(
        "--checkout", type=Path, default=REPO, help="run the harness of this checkout (default: this one)"
    )
    parser.add_argument(
        "--busy", type=int, default=0, help="busy-loop processes kept running on the side (another job on the machine)"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the busy loops below are stopped too
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    try:
        run(args)
    finally:
        for process in busy:
            process.kill()
            process.wait()


def run(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(REPO / "tests"))
    from openai_server import FakeOpenAI

    ways = {
        "sequential": [],
        f"joblib (n_jobs={args.n_jobs})": ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={args.n_jobs}"],
    }
    docs = {"cpu": args.docs, "api": args.api_docs}
    workloads = {w: WORKLOADS[w] for w in args.workloads}
    times: dict[tuple[str, str], list[float]] = {(w, name): [] for w in workloads for name in ways}
    spans: dict[tuple[str, str], list[float]] = {key: [] for key in times}
    cpus: dict[tuple[str, str], list[float]] = {key: [] for key in times}
    tables: dict[tuple[str, str], list[dict[str, str]]] = {}
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI(delay_s=args.latency) as server:
        config_dir = Path(tmp) / "configs"
        write_models(config_dir, server.url)
        for r in range(args.rounds):
            for workload, models in workloads.items():
                order = list(ways) if r % 2 == 0 else list(reversed(ways))
                for name in order:
                    results = Path(tmp) / f"{r}-{workload}-{name.split()[0]}"
                    seconds, cpu, sweep_dir = sweep(
                        results, config_dir, models, docs[workload], ways[name], args.checkout
                    )
                    times[(workload, name)].append(seconds)
                    cpus[(workload, name)].append(cpu)
                    spans[(workload, name)].append(jobs_span(sweep_dir))
                    tables[(workload, name)] = table(sweep_dir)
                    print(
                        f"round {r + 1}: {workload}: {name}: {seconds:.1f} s, CPU {cpu:.1f} s "
                        f"(jobs running {spans[(workload, name)][-1]:.0f} s)",
                        flush=True,
                    )
    print(
        f"\nmachine: {os.cpu_count()} CPU cores ({platform.machine()}), Python {platform.python_version()}, load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end; {args.busy} busy-loop process(es) on the side"
    )
    print(
        "| workload | way | seconds per round (command start to exit) | median | CPU s per round (user+sys, all processes) "
        "| median | first job start to last job end, median |\n|---|---|---|---|---|---|---|"
    )
    for (workload, name), values in times.items():
        print(
            f"| {workload} ({docs[workload]} docs) | {name} | {', '.join(f'{v:.1f}' for v in values)} | {statistics.median(values):.1f} "
            f"| {', '.join(f'{v:.1f}' for v in cpus[(workload, name)])} | {statistics.median(cpus[(workload, name)]):.1f} "
            f"| {statistics.median(spans[(workload, name)]):.0f} |"
        )
    for workload in workloads:
        sequential, parallel = (statistics.median(times[(workload, name)]) for name in ways)
        cpu_sequential, cpu_parallel = (statistics.median(cpus[(workload, name)]) for name in ways)
        same = all(tables[(workload, name)] == tables[(workload, "sequential")] for name in ways)
        print(
            f"{workload}: speed-up (median sequential / median joblib) {sequential / parallel:.2f}x; "
            f"CPU (median joblib / median sequential) {cpu_parallel / cpu_sequential:.2f}x; "
            f"comparison tables equal: {'yes' if same else 'NO'}"
        )


if __name__ == "__main__":
    main()
