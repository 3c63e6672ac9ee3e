"""`harness compare DIR...`: one table of runs (rows) x metric means with 95% CIs (columns).

In each column the best run is bold; a dagger marks a run whose difference from the best is
significant (paired bootstrap over the documents both scored, p < 0.05).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from harness.errors import InputError
from harness.fileio import atomic_write_text, create_exclusive_text
from harness.runfolder import METRICS, RUN, SCORES
from harness.stats import paired_bootstrap_pvalue

ALPHA = 0.05


@dataclass
class Run:
    path: Path
    label: str
    info: dict[str, Any]
    fields: dict[str, dict[str, Any]]
    scores: dict[str, dict[str, Any]]  # doc_id -> row


def find_runs(paths: Sequence[Path]) -> list[Run]:
    """Run folders under the given paths (a run folder or a sweep folder), in a stable order."""
    found: list[Path] = []
    for path in paths:
        if not Path(path).is_dir():
            raise InputError(f"{path}: not a folder")
        found += sorted({p.parent for p in Path(path).rglob(RUN)}, key=_sort_key)
    runs = [load_run(p) for p in found if (p / METRICS).is_file()]
    if not runs:
        raise InputError(f"no finished runs (folders with {RUN} and {METRICS}) under: {', '.join(map(str, paths))}")
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.label] = counts.get(run.label, 0) + 1
    for run in runs:  # the same label twice (e.g. a sweep over decoding settings): add the overrides
        if counts[run.label] > 1:
            extra = ",".join(o for o in run.info.get("overrides", []) if not o.startswith("model="))
            run.label = f"{run.label} ({extra or run.path.name})"
    return runs


def _sort_key(p: Path) -> tuple:
    head, _, _ = p.name.partition("_")
    return (str(p.parent), int(head) if head.isdigit() else 10**9, p.name)


def load_run(path: Path) -> Run:
    info = json.loads((path / RUN).read_text())
    metrics = json.loads((path / METRICS).read_text())
    scores = {}
    if (path / SCORES).is_file():
        with open(path / SCORES, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    row = json.loads(line)
                    scores[row["doc_id"]] = row
    return Run(path, str(info.get("label") or path.name), info, metrics.get("fields", {}), scores)


def columns(runs: Sequence[Run], fields: Sequence[str] | None, show_all: bool) -> list[str]:
    if fields:
        return list(fields)
    out: list[str] = []
    for run in runs:
        for key, meta in run.fields.items():
            if key not in out and (show_all or meta.get("headline")):
                out.append(key)
    return out


def significance(runs: Sequence[Run], key: str, samples: int = 1000) -> tuple[int | None, dict[int, float]]:
    """Index of the best run in this column and p-values of the others against it."""
    means = [(i, r.fields[key]["mean"]) for i, r in enumerate(runs) if key in r.fields and r.fields[key]["mean"] is not None]
    if not means:
        return None, {}
    direction = next((r.fields[key].get("higher_is_better") for r in runs if key in r.fields), True)
    if direction is None:
        return None, {}
    best = (max if direction else min)(means, key=lambda t: t[1])[0]
    pvalues = {}
    for i, _ in means:
        if i == best:
            continue
        common = [d for d in runs[i].scores if d in runs[best].scores]
        pairs = [(runs[i].scores[d].get(key), runs[best].scores[d].get(key)) for d in common]
        pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
        if len(pairs) >= 2:
            pvalues[i] = paired_bootstrap_pvalue([a for a, _ in pairs], [b for _, b in pairs], samples)
    return best, pvalues


def table(runs: Sequence[Run], keys: Sequence[str]) -> tuple[list[str], list[list[str]], list[dict[str, Any]]]:
    """Markdown header, Markdown rows and CSV records."""
    header = ["model", "n"] + keys
    md_rows: list[list[str]] = [[r.label, str(max((f["n"] for f in r.fields.values()), default=0))] for r in runs]
    records: list[dict[str, Any]] = [{"model": r.label, "run_dir": str(r.path), "n": md_rows[i][1]} for i, r in enumerate(runs)]
    for key in keys:
        best, pvalues = significance(runs, key)
        best_mean = runs[best].fields[key]["mean"] if best is not None else None
        for i, run in enumerate(runs):
            stat = run.fields.get(key)
            if not stat or stat["mean"] is None:
                md_rows[i].append("–")
                continue
            lo, hi = stat["ci95"]
            cell = f"{stat['mean']:.4f} [{lo:.4f}, {hi:.4f}]"
            if best_mean is not None and stat["mean"] == best_mean:  # ties are all best
                cell = f"**{cell}**"
            elif pvalues.get(i, 1.0) < ALPHA:
                cell += " †"
            if str(stat["n"]) != md_rows[i][1]:  # fewer scored summaries than the run has (e.g. empty outputs)
                cell += f" (n={stat['n']})"
            md_rows[i].append(cell)
            records[i].update({key: stat["mean"], f"{key} ci_low": lo, f"{key} ci_high": hi, f"{key} p_vs_best": pvalues.get(i)})
    return header, md_rows, records


def markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    note = f"\nMean [95% bootstrap CI]. **Best** per column; † differs from the best (paired bootstrap, p < {ALPHA})."
    return "\n".join(lines) + "\n" + note + "\n"


def compare_folders(paths: Sequence[Path], out_dir: Path | None, fields: Sequence[str] | None = None, show_all: bool = False,
                    force: bool = False) -> str:
    runs = find_runs([Path(p) for p in paths])
    header, rows, records = table(runs, columns(runs, fields, show_all))
    text = markdown(header, rows)
    print(text)
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(dict.fromkeys(k for r in records for k in r)))
        writer.writeheader()
        writer.writerows(records)
        md, table_csv = write_outputs(out_dir, {"comparison.md": text, "comparison.csv": buffer.getvalue()}, force)
        print(f"wrote {md} and {table_csv}")
    return text


def write_outputs(folder: Path, texts: dict[str, str], force: bool) -> list[Path]:
    """Write files side by side; an existing file is never replaced unless `force`: the set goes
    to the first free numbered names instead (comparison-1.md with comparison-1.csv, ...)."""
    if force:
        for name, text in texts.items():
            atomic_write_text(folder / name, text)
        return [folder / name for name in texts]
    for n in range(10_000):
        paths = [folder / (name if n == 0 else f"{Path(name).stem}-{n}{Path(name).suffix}") for name in texts]
        written: list[Path] = []
        for path, text in zip(paths, texts.values()):
            if not create_exclusive_text(path, text):
                break
            written.append(path)
        if len(written) == len(paths):
            return written
        for path in written:  # another writer took part of this set: free ours, try the next
            path.unlink()
    raise FileExistsError(f"{folder}: no free name for {', '.join(texts)}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="harness compare", description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path, help="run folders or sweep folders")
    parser.add_argument("--fields", nargs="+", help="metric keys to show (default: each metric's headline fields)")
    parser.add_argument("--all", action="store_true", help="show every field")
    parser.add_argument("--out", type=Path, help="where to write comparison.md/.csv (default: the folders' common parent); "
                        "an existing table is kept and the new one gets a numbered name (comparison-1.md) unless --force")
    parser.add_argument("--force", action="store_true", help="replace an existing comparison.md/.csv")
    args = parser.parse_args(argv)
    out = args.out or Path(os.path.commonpath([str(p.resolve()) for p in args.dirs]))
    compare_folders(args.dirs, out, args.fields, args.all, force=args.force)
    return 0
