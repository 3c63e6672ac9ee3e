"""CPU of `harness compare` on a large run folder, this checkout against a baseline checkout: the
cost of reading a run through the typed run-folder model (harness/run/record.py `read_run`).

    mkdir /tmp/base && git archive 3c86752 | tar -x -C /tmp/base     # the commit before the model
    python bench/run_record_speed.py --baseline /tmp/base --copies 3000 --rounds 3

The run: `harness run model=lead` on the demo's first 3 documents with rouge, support and facts
(scores.jsonl rows with the support verdicts and the facts as details), its generations and
scores repeated `--copies` times under new doc_ids, metrics.json's counts multiplied to match.
Each way runs `python -m harness.cli compare RUN --no-plots` in a fresh interpreter with
PYTHONPATH set to its checkout; its CPU (user + sys) is read from getrusage(RUSAGE_CHILDREN). The
ways alternate round by round, so load from other processes hits both alike.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def big_run(tmp: Path, copies: int) -> Path:
    subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "model=lead", "dataset.limit=3"]
        + ["metrics=[rouge,support,facts]", f"results_dir={tmp / 'runs'}"],
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    (source,) = [p.parent for p in (tmp / "runs").rglob("run.json")]
    run = tmp / "big"
    shutil.copytree(source, run)
    for name in ("generations.jsonl", "scores.jsonl"):
        rows = [json.loads(line) for line in (source / name).read_text(encoding="utf-8").splitlines()]
        with open(run / name, "w", encoding="utf-8") as out:
            for k in range(copies):
                out.writelines(
                    json.dumps({**r, "doc_id": f"{r['doc_id']}-{k}"}, ensure_ascii=False) + "\n" for r in rows
                )
    metrics = json.loads((source / "metrics.json").read_text(encoding="utf-8"))
    for meta in metrics["fields"].values():
        meta["n"] *= copies
        meta["missing"] *= copies
    (run / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    return run


def cpu(checkout: Path, run: Path, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-m", "harness.cli", "compare", str(run), "--no-plots", "--out", str(out)],
        check=True,
        capture_output=True,
        env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--baseline", type=Path, required=True, help="a checkout of the commit to compare against")
    parser.add_argument("--copies", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        run = big_run(tmp, args.copies)
        times: dict[str, list[float]] = {"baseline": [], "this": []}
        for i in range(args.rounds):
            ways = [("baseline", args.baseline), ("this", REPO)]
            for way, checkout in ways if i % 2 == 0 else ways[::-1]:
                times[way].append(cpu(checkout.resolve(), run, tmp / "cmp"))
        base, this = min(times["baseline"]), min(times["this"])
        print(
            f"compare of {3 * args.copies} documents, CPU s (best of {args.rounds}): baseline {base:.2f}, this {this:.2f}, ratio {this / base:.2f}"
        )


if __name__ == "__main__":
    main()
