"""Time the `support` metric before and after a change, side by side, on real data.

"before" is the code of a base commit (default 5395fd8, before support was vectorised), taken
with `git archive` into a temporary folder; "after" is this checkout. Each measurement is a fresh
Python process with that code first on its import path, scoring the 541 cnndm_pairs articles
(../shared/data/cnndm_pairs) with their reference highlights as the bullets (3.7 per summary), in
one `Support().score` call as a run does, shipped options. Modes:

  fresh       what a run pays: first use in the process (the stemmer's first words, and NLTK's
              import where the code needs it)
  nltk-loaded NLTK's Porter stemmer imported before the timing in both, so its import (1.5 s CPU
              that any other user of NLTK may already have paid) is left out

Before and after alternate, `--repeats` times each; the table gives the median CPU time per
summary (this process's CPU time, which other jobs on a shared machine disturb less than
wall-clock time) and the ratio before / after. Every value and every per-bullet detail of the
two is compared: the run fails unless they are identical.

Then the whole command: one run folder is made (`harness run model=lead` on the same articles,
the default metrics: rouge, support, facts (skipped: no facts), format, extractive), and
`harness score RUN_DIR` re-scores it with the before and the after code, alternating,
`--score-repeats` times each: the command's CPU time (user + system, start-up included), and
its scores.jsonl compared between the two.

    python bench/support_speed.py [--base 5395fd8] [--repeats 5] [--score-repeats 3] [--values-may-differ]

With `--values-may-differ` (a change meant to change the scores) a difference is reported, not fatal.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "cnndm_pairs" / "cnndm_pairs.jsonl"

# Runs in the child process, with the code under test first on sys.path.
CHILD = r"""
import gc, hashlib, json, sys, time
if sys.argv[2] == "nltk-loaded":
    import nltk.stem.porter
from harness.metrics.support import Support
from harness.records import Example, Summary

records = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
examples = [Example(r["doc_id"], r["source"]) for r in records]
summaries = [Summary(r["doc_id"], "\n".join(r["reference_sentences"]), tuple(r["reference_sentences"])) for r in records]
gc.collect()
start = time.process_time()
rows = Support().score(examples, summaries)
cpu = time.process_time() - start
out = json.dumps([[row.values, row.details] for row in rows], sort_keys=True)
print(json.dumps({"cpu": cpu, "n": len(rows), "sha256": hashlib.sha256(out.encode()).hexdigest(), "rows": out}))
"""


def base_code(commit: str, into: Path) -> Path:
    """The base commit's `harness` package with its configs inside (`harness.conf`, as installed),
    unpacked from git: no worktree, nothing registered."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit, "harness", "conf"], capture_output=True, check=True
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    (into / "conf").rename(into / "harness" / "conf")
    return into


def child_env(code: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code), "HF_HUB_OFFLINE": "1"}


def measure(code: Path, mode: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(DATA), mode],
        capture_output=True,
        text=True,
        check=True,
        env=child_env(code),
        cwd=code,
    )
    return json.loads(proc.stdout)


def harness(code: Path, *args: str, cwd: Path) -> float:
    """Run `harness ARGS` with `code` first on the import path; its CPU time in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-m", "harness.cli", *args], cwd=cwd, env=child_env(code), check=True, capture_output=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def whole_score(code: dict[str, Path], repeats: int, tmp: Path, may_differ: bool = False) -> None:
    """`harness score` of one run folder (default metrics), before vs after."""
    work = tmp / "score"
    work.mkdir()
    harness(
        REPO, "run", "model=lead", "dataset=local", f"dataset.path={DATA}", f"results_dir={work / 'results'}", cwd=work
    )
    [run_dir] = [p.parent for p in (work / "results").rglob("run.json")]
    scores = run_dir / "scores.jsonl"
    times: dict[str, list[float]] = {"before": [], "after": []}
    outputs: dict[str, set[str]] = {"before": set(), "after": set()}
    for _ in range(repeats):
        for name in ("before", "after"):
            written = scores.stat().st_mtime_ns
            times[name].append(harness(code[name], "score", str(run_dir), cwd=work))
            if scores.stat().st_mtime_ns == written:
                sys.exit("harness score did not rewrite scores.jsonl: nothing was measured")
            outputs[name].add(scores.read_text(encoding="utf-8"))
    before, after = statistics.median(times["before"]), statistics.median(times["after"])
    same = len(outputs["before"] | outputs["after"]) == 1
    print("\nharness score RUN_DIR (model=lead, 541 documents, default metrics): CPU s of the whole command")
    print(f"{'before':>8} {'after':>8} {'ratio':>6}  scores.jsonl")
    print(f"{before:8.2f} {after:8.2f} {before / after:5.2f}x  {'identical' if same else 'DIFFERENT'}")
    if not same and not may_differ:
        sys.exit("scores.jsonl differs between before and after")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="5395fd8", help="the commit to compare with (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--score-repeats", type=int, default=3, help="0: skip the whole-command part")
    parser.add_argument("--values-may-differ", action="store_true", help="report different values, do not stop")
    args = parser.parse_args()
    if not DATA.is_file():
        sys.exit(f"real data not available: {DATA} is absent (../shared/data beside the repository)")
    with tempfile.TemporaryDirectory() as tmp:
        code = {"before": base_code(args.base, Path(tmp) / "base"), "after": REPO}
        print(f"support on {DATA.parent.name}: before = {args.base}, after = this checkout; CPU ms per summary")
        print(f"{'mode':<12} {'before':>8} {'after':>8} {'ratio':>6}  values")
        for mode in ("fresh", "nltk-loaded"):
            times: dict[str, list[float]] = {"before": [], "after": []}
            rows: dict[str, set[str]] = {"before": set(), "after": set()}
            n = 0
            for _ in range(args.repeats):
                for name in ("before", "after"):
                    result = measure(code[name], mode)
                    n = result["n"]
                    times[name].append(result["cpu"] * 1000 / n)
                    rows[name].add(result["rows"])
            before, after = statistics.median(times["before"]), statistics.median(times["after"])
            same = len(rows["before"] | rows["after"]) == 1
            print(
                f"{mode:<12} {before:8.2f} {after:8.2f} {before / after:5.1f}x  {'identical' if same else 'DIFFERENT'} ({n} summaries)"
            )
            if not same and not args.values_may_differ:
                sys.exit("the values differ between before and after")
        if args.score_repeats:
            whole_score(code, args.score_repeats, Path(tmp), args.values_may_differ)


if __name__ == "__main__":
    main()
