"""A 3-model sweep, sequential (Hydra's basic launcher) vs the joblib launcher, in one run.

    python bench/sweep_parallel.py --docs 541 --rounds 2 --n-jobs 2

Models: `lead`, `centrality` and `centrality` with damping 0.5 (a user model file) over the
first N CNN/DM articles of ../shared/data/cnndm_pairs (reference: the highlights, one bullet
per line), default metrics. The two ways alternate round by round (who
goes first switches), so load from other processes hits both alike; each sweep is a real
`harness run -m` in a subprocess, timed from start to exit, and its comparison table is checked
equal to the sequential one.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "cnndm_pairs" / "cnndm_pairs.jsonl"


def sweep(results: Path, config_dir: Path, docs: int, launcher: list[str]) -> tuple[float, Path]:
    args = [sys.executable, "-m", "harness.cli", "run", "-m", "--config-dir", str(config_dir), f"results_dir={results}",
            "model=lead,centrality,centrality-d50", "dataset=local", f"dataset.path={DATA}", "dataset.id_field=doc_id",
            "dataset.reference_field=reference", "dataset.reference_separator='\n'", f"dataset.limit={docs}", *launcher]
    t0 = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"sweep failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    (sweep_dir,) = {p.parent for p in results.rglob("multirun.yaml")}
    return seconds, sweep_dir


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
    args = parser.parse_args()
    ways = {"sequential": [], f"joblib (n_jobs={args.n_jobs})": ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={args.n_jobs}"]}
    times: dict[str, list[float]] = {name: [] for name in ways}
    tables = {}
    with tempfile.TemporaryDirectory() as tmp:
        config_dir = Path(tmp) / "configs"
        (config_dir / "model").mkdir(parents=True)
        (config_dir / "model" / "centrality-d50.yaml").write_text("backend: centrality\ndamping: 0.5\nmin_words: 4\n")
        for r in range(args.rounds):
            order = list(ways) if r % 2 == 0 else list(reversed(ways))
            for name in order:
                seconds, sweep_dir = sweep(Path(tmp) / f"{r}-{name.split()[0]}", config_dir, args.docs, ways[name])
                times[name].append(seconds)
                tables[name] = table(sweep_dir)
                print(f"round {r + 1}: {name}: {seconds:.1f} s", flush=True)
    sequential, parallel = (statistics.median(v) for v in times.values())
    same = all(t == tables["sequential"] for t in tables.values())
    print(f"\nmachine: {os.cpu_count()} CPU cores ({platform.machine()}), Python {platform.python_version()}")
    print("| way | seconds per round | median |\n|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {', '.join(f'{v:.1f}' for v in values)} | {statistics.median(values):.1f} |")
    print(f"\nspeed-up (median sequential / median joblib): {sequential / parallel:.2f}x; comparison tables equal: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
