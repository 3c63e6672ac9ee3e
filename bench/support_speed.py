"""Time the `support` metric before and after a change, side by side, on real data.

"base" is the code of the issue's baseline commit (default 5395fd8, before support was
vectorised) and "start" the code a piece of work started from (default 009765c), each taken with
`git archive` into a temporary folder; "after" is this checkout. Each measurement is a fresh
Python process with that code first on its import path, scoring the 541 cnndm_pairs articles
(../shared/data/cnndm_pairs) with their reference highlights as the bullets (3.7 per summary), in
one `Support().score` call as a run does, shipped options. Modes:

  fresh       what a run pays: first use in the process (the stemmer's first words, and NLTK's
              import where the code needs it)
  nltk-loaded NLTK's Porter stemmer imported before the timing in all three, so its import (1.5 s
              CPU that any other user of NLTK may already have paid) is left out ("warm")

The three alternate, `--repeats` times each; the table gives the median CPU time per summary
(this process's CPU time, which other jobs on a shared machine disturb less than wall-clock time)
and the ratios base / after and start / after. Every value and every per-bullet detail of start
and after is compared: the run fails unless they are identical. The base's values differ on
purpose (number forms and three-sentence support came after it): the table says whether they do.

Then the whole command: one run folder is made with the start code (`harness run model=lead` on
the same articles, the default metrics: rouge, support, facts (skipped: no facts), format,
extractive), and `harness score RUN_DIR` re-scores it with the start and the after code,
alternating, `--score-repeats` times each: the command's CPU time (user + system, start-up
included), and its scores.jsonl compared. The folder is the start code's because newer code reads
an older run folder, not the reverse: an option added since (facts' `max_facts`) is an unknown key
to the start code. (The base code refuses even the start's support options: it is left out.)

    python bench/support_speed.py [--base 5395fd8] [--start 009765c] [--repeats 5] [--score-repeats 3] [--values-may-differ]

With `--values-may-differ` (a change meant to change the scores) a difference between start and
after is reported, not fatal.
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
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", *args], cwd=cwd, env=child_env(code), capture_output=True, text=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(f"harness {args[0]} with the code in {code} failed ({done.returncode}): {done.stderr[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


CODES = ("base", "start", "after")
# The run folder is made with the start code's config; the base code refuses its support options
# (three_part_segment) as unknown: the whole command is compared from the start on.
SCORING_CODES = ("start", "after")


def whole_score(code: dict[str, Path], repeats: int, tmp: Path, may_differ: bool = False) -> None:
    """`harness score` of one run folder (default metrics), start vs after."""
    work = tmp / "score"
    work.mkdir()
    harness(
        code["start"],
        "run",
        "model=lead",
        "dataset=local",
        f"dataset.path={DATA}",
        f"results_dir={work / 'results'}",
        cwd=work,
    )
    [run_dir] = [p.parent for p in (work / "results").rglob("run.json")]
    scores = run_dir / "scores.jsonl"
    times: dict[str, list[float]] = {name: [] for name in SCORING_CODES}
    outputs: dict[str, set[str]] = {name: set() for name in SCORING_CODES}
    for _ in range(repeats):
        for name in SCORING_CODES:
            written = scores.stat().st_mtime_ns
            times[name].append(harness(code[name], "score", str(run_dir), cwd=work))
            if scores.stat().st_mtime_ns == written:
                sys.exit("harness score did not rewrite scores.jsonl: nothing was measured")
            outputs[name].add(scores.read_text(encoding="utf-8"))
    cpu = {name: statistics.median(times[name]) for name in SCORING_CODES}
    same = len(outputs["start"] | outputs["after"]) == 1
    print("\nharness score RUN_DIR (model=lead, 541 documents, default metrics): CPU s of the whole command")
    print(f"{'start':>8} {'after':>8} {'start/after':>11}  scores.jsonl")
    print(
        f"{cpu['start']:8.2f} {cpu['after']:8.2f} {cpu['start'] / cpu['after']:10.2f}x  "
        f"{'identical' if same else 'DIFFERENT'}"
    )
    if not same and not may_differ:
        sys.exit("scores.jsonl differs between start and after")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="5395fd8", help="the issue's baseline commit (default: %(default)s)")
    parser.add_argument("--start", default="009765c", help="the commit this work started from (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--score-repeats", type=int, default=3, help="0: skip the whole-command part")
    parser.add_argument("--values-may-differ", action="store_true", help="report different values, do not stop")
    args = parser.parse_args()
    if not DATA.is_file():
        sys.exit(f"real data not available: {DATA} is absent (../shared/data beside the repository)")
    with tempfile.TemporaryDirectory() as tmp:
        code = {
            "base": base_code(args.base, Path(tmp) / "base"),
            "start": base_code(args.start, Path(tmp) / "start"),
            "after": REPO,
        }
        print(
            f"support on {DATA.parent.name}: base = {args.base}, start = {args.start}, after = this checkout;"
            " CPU ms per summary"
        )
        print(
            f"{'mode':<12} {'base':>7} {'start':>7} {'after':>7} {'base/after':>10} {'start/after':>11}"
            "  values: start vs after; base vs after"
        )
        for mode in ("fresh", "nltk-loaded"):
            times: dict[str, list[float]] = {name: [] for name in CODES}
            rows: dict[str, set[str]] = {name: set() for name in CODES}
            n = 0
            for _ in range(args.repeats):
                for name in CODES:
                    result = measure(code[name], mode)
                    n = result["n"]
                    times[name].append(result["cpu"] * 1000 / n)
                    rows[name].add(result["rows"])
            ms = {name: statistics.median(times[name]) for name in CODES}
            same = len(rows["start"] | rows["after"]) == 1
            base_same = len(rows["base"] | rows["after"]) == 1
            print(
                f"{mode:<12} {ms['base']:7.2f} {ms['start']:7.2f} {ms['after']:7.2f} {ms['base'] / ms['after']:9.2f}x"
                f" {ms['start'] / ms['after']:10.2f}x  {'identical' if same else 'DIFFERENT'};"
                f" {'identical' if base_same else 'different'} ({n} summaries)"
            )
            if not same and not args.values_may_differ:
                sys.exit("the values differ between start and after")
        if args.score_repeats:
            whole_score(code, args.score_repeats, Path(tmp), args.values_may_differ)


if __name__ == "__main__":
    main()
