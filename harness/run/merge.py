"""`harness merge DIR...`: join the finished shards of sharded runs into one run folder each.

Shards are grouped by their config without the shard keys (one group per model of a sweep).
Within a group every document of the canonical order must be in exactly one finished shard;
otherwise nothing is written and the documents are named. The merged folder's
generations.jsonl and scores.jsonl are the shards' rows in dataset order (read and written by
harness/run/record.py: a line this harness wrote comes out as the same bytes; an older
line is written in today's form, its keys and values kept), and metrics.json is
computed from the merged scores as the run would: byte-identical to an unsharded run's.
Timings, hosts and which shards were merged go to run.json. The command line is harness/cli/merge.py.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from harness.errors import InputError
from harness.fileio import make_dirs, make_unique_dir
from harness.models.cache import stable_hash
from harness.run.folder import CONFIG, GENERATIONS, METRICS, RUN, SCORES, RunFolder, now, path_component
from harness.run.record import (
    GenerationRow,
    MetricsFile,
    RunRecord,
    ScoreRow,
    open_folder,
    read_info,
    read_run,
    write_generations,
    write_metrics,
    write_scores,
)
from harness.run.resolvers import load_run_config
from harness.run.shard import SHARD_FILE

log = logging.getLogger("harness")
SHOWN = 10  # documents named in a message
AGGREGATE_KEYS = ("mean", "ci95", "n", "missing")


@dataclass
class Shard:
    folder: RunFolder
    record: dict[str, Any]  # shard.json
    config: dict[str, Any]  # config.yaml, resolved
    run: RunRecord  # its run.json, metrics.json and checked scores (harness/run/record.py)

    @property
    def index(self) -> int:
        return int(self.record["index"])

    def generations(self) -> dict[str, GenerationRow]:
        """doc_id -> its generations.jsonl row (every key and value kept, in its order)."""
        return {r.doc_id: r for r in self.run.generations}

    def scores(self) -> dict[str, ScoreRow]:
        return {r.doc_id: r for r in self.run.scores}


def config_without_shard(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k != "shard"}


def find_shards(dirs: Sequence[Path]) -> list[Shard]:
    """Finished shards under the folders; unfinished ones are logged and left out."""
    shards = []
    for d in dirs:
        if not d.is_dir():
            raise InputError(f"{d}: not a folder")
        for record_path in sorted(d.rglob(SHARD_FILE)):
            folder = open_folder(record_path.parent)
            info = folder.info
            if info.get("status") != "done":
                log.warning(
                    "%s: status %s, not merged (re-run that shard; it resumes from the cache)",
                    folder.path,
                    info.get("status"),
                )
                continue
            # a shard is read as compare reads a run (its scores checked): a deleted or edited line
            # is named, never hidden by recomputing metrics.json from what is left
            run = read_run(folder.path)
            shards.append(Shard(folder, folder.read_json(SHARD_FILE), load_run_config(folder), run))
    if not shards:
        raise InputError(
            f"no finished shards (folders with {SHARD_FILE} and status done) under: {', '.join(map(str, dirs))}"
        )
    return shards


def group(shards: list[Shard]) -> list[list[Shard]]:
    groups: dict[str, list[Shard]] = {}
    for s in shards:
        groups.setdefault(stable_hash(config_without_shard(s.config)), []).append(s)
    return [sorted(g, key=lambda s: (s.index, str(s.folder.path))) for g in groups.values()]


def check_coverage(shards: list[Shard]) -> list[str]:
    """The canonical order, when every document is in exactly one shard; else InputError naming them."""
    label = shards[0].folder.info.get("label")
    first = shards[0].record
    for s in shards[1:]:
        if (s.record["order_hash"], s.record["count"]) != (first["order_hash"], first["count"]):
            raise InputError(
                f"shards of {label} do not share one document order: {shards[0].folder.path} has {first['count']} shards of order "
                f"{first['order_hash'][:12]}, {s.folder.path} {s.record['count']} of {s.record['order_hash'][:12]} (the data or shard.count changed)"
            )
    order = list(first["doc_ids"])
    holders: dict[str, list[str]] = {}
    for s in shards:
        for doc_id in s.generations():
            holders.setdefault(doc_id, []).append(str(s.folder.path))
    missing = [d for d in order if d not in holders]
    twice = [d for d in order if len(holders.get(d, ())) > 1]
    foreign = [d for d in holders if d not in set(order)]
    problems = []
    if missing:
        indexes = sorted({i for i in range(first["count"]) if i not in {s.index for s in shards}})
        problems.append(
            f"{len(missing)} document(s) missing: {named(missing)}"
            + (f" (no finished shard.index {', '.join(map(str, indexes))})" if indexes else "")
        )
    if twice:
        folders = sorted({f for d in twice for f in holders[d]})
        problems.append(
            f"{len(twice)} document(s) in more than one shard: {named(twice)} (in {', '.join(folders)}; keep one of them)"
        )
    if foreign:
        problems.append(f"{len(foreign)} document(s) not in the shards' order: {named(foreign)}")
    if problems:
        raise InputError(f"cannot merge the shards of {label}: " + "; ".join(problems) + ". Nothing was written.")
    return order


def named(doc_ids: list[str]) -> str:
    more = f" and {len(doc_ids) - SHOWN} more" if len(doc_ids) > SHOWN else ""
    return ", ".join(doc_ids[:SHOWN]) + more


def merged_metrics(shards: list[Shard], score_rows: list[dict[str, Any]], config: dict[str, Any]) -> dict[str, Any]:
    """metrics.json as the unsharded run writes it: aggregates of the merged scores, each field's
    description from the shards, not-applicable counts summed."""
    from harness.config.schema import RunSettings, parse
    from harness.run.pipeline import aggregate

    parts = [s.run.metrics for s in shards]
    skipped = [dict(p.skipped) if p.skipped is not None else {} for p in parts]
    if any(s != skipped[0] for s in skipped):
        raise InputError(
            f"the shards skipped different metrics ({skipped}); re-score them alike with `harness score` before merging"
        )
    fields: dict[str, dict[str, Any]] = {}
    for part in parts:
        for key, entry in part.fields.items():
            meta = {k: v for k, v in entry.to_json().items() if k not in AGGREGATE_KEYS and k != "not_applicable"}
            fields.setdefault(key, meta)
    for key, meta in fields.items():
        reasons: Counter[str] = Counter()
        for part in parts:
            found = part.fields.get(key)
            reasons.update((found.rest.get("not_applicable") or {}).get("reasons", {}) if found else {})
        if reasons:
            meta["not_applicable"] = {"n": sum(reasons.values()), "reasons": dict(reasons.most_common())}
    keys = set(RunSettings.__dataclass_fields__)
    settings = parse(RunSettings, {k: v for k, v in config.items() if k in keys}, "config.yaml")
    bootstrap = {"samples": settings.bootstrap_samples, "seed": settings.seed, "ci": 0.95}
    return {"fields": aggregate(score_rows, fields, settings), "skipped": skipped[0], "bootstrap": bootstrap}


def generation_totals(shards: list[Shard]) -> dict[str, Any]:
    parts = [s.folder.info.get("generation") or {} for s in shards]
    totals: dict[str, Any] = {
        k: sum(p.get(k) or 0 for p in parts)
        for k in ("documents", "generated", "from_cache", "failed", "truncated", "reply_cut")
    }
    totals["failures"] = [f for p in parts for f in p.get("failures") or []][:100]
    # what the shards' summaries cost: one model config, so one price; tokens and requests add up
    # (latency is read again from the merged generations.jsonl; throughput is per shard, in merged_from)
    totals["price"] = parts[0].get("price")
    for key in ("input_tokens", "output_tokens"):
        totals[key] = sum(p.get(key) or 0 for p in parts)
    sent = [p["requests"].get("requests") for p in parts if isinstance(p.get("requests"), dict)]
    if sent:
        totals["requests"] = {"requests": sum(n for n in sent if isinstance(n, int))}
    return totals


def write_merged(shards: list[Shard], order: list[str], out: Path) -> Path:
    first = shards[0]
    label = str(first.folder.info.get("label") or first.folder.path.name)
    folder = RunFolder(make_unique_dir(out, path_component(label)))
    generations = {k: v for s in shards for k, v in s.generations().items()}
    scores = {k: v for s in shards for k, v in s.scores().items()}
    score_rows = [scores[d].to_json() for d in order if d in scores]
    config = {**first.config, "shard": {"count": 1, "index": 0}}
    metrics = merged_metrics(shards, score_rows, config)
    info = {
        k: v
        for k, v in first.folder.info.items()
        if k not in ("shard", "generation", "timings", "host", "pid", "started", "ended", "overrides")
    }
    dataset = dict(info.get("dataset") or {}, examples=len(order))
    folder.claim(**{**info, "status": "running", "dataset": dataset, "started": now()})
    with folder.recording_outcome():
        folder.write_text(CONFIG, OmegaConf.to_yaml(OmegaConf.create(config)))
        write_generations(folder.file(GENERATIONS), (generations[d] for d in order))
        write_scores(folder.file(SCORES), (scores[d] for d in order if d in scores))
        write_metrics(folder.file(METRICS), MetricsFile.stamped(metrics))
        documents = [s.folder.read_json("documents.json") for s in shards]
        hashes = {k: v for part in documents for k, v in part.get("documents", {}).items()}
        folder.write_json(
            "documents.json",
            {"fingerprint": documents[0].get("fingerprint"), "documents": {d: hashes[d] for d in order if d in hashes}},
        )
        folder.update(
            status="done",
            ended=now(),
            generation=generation_totals(shards),
            merged_from=[
                {
                    "index": s.index,
                    "folder": str(s.folder.path),
                    "documents": s.record["documents"],
                    "host": s.folder.info.get("host"),
                    "timings": s.folder.info.get("timings"),
                }
                for s in shards
            ],
            shard_order={k: first.record[k] for k in ("order", "order_hash", "count", "documents_total")},
        )
    return folder.path


@dataclass
class Merged:
    """One merged run: its folder and how many shards and documents went into it."""

    path: Path
    shards: int
    documents: int
    existing: bool = False  # merged before (nothing written): `path` is that merge


def merge(dirs: Sequence[Path], out: Path | None = None) -> tuple[Path, list[Merged]]:
    """Merge every sharded run under `dirs` into `out` (default: a new `merged` folder in their
    common parent); all groups are checked before anything is written. A group whose finished
    merge is already under `dirs`, made from the same shards and newer than every file of them,
    is not merged again (idempotent). Returns the folder and the merged runs."""
    groups = group(find_shards(dirs))
    orders = [check_coverage(g) for g in groups]
    earlier = [existing_merge(shards, dirs) for shards in groups]
    todo = [(shards, order) for shards, order, done in zip(groups, orders, earlier) if done is None]
    merged = [Merged(done, len(g), len(o), existing=True) for g, o, done in zip(groups, orders, earlier) if done]
    if not todo:
        return merged[0].path.parent, merged
    if out is None:
        out = make_unique_dir(Path(os.path.commonpath([str(Path(d).resolve()) for d in dirs])), "merged")
    make_dirs(out)
    merged += [Merged(write_merged(shards, order, out), len(shards), len(order)) for shards, order in todo]
    return out, merged


def existing_merge(shards: list[Shard], dirs: Sequence[Path]) -> Path | None:
    """A finished merge under `dirs` of exactly these shards, written after their last change."""
    wanted = {s.folder.path.resolve() for s in shards}
    changed = max(
        (s.folder.file(name).stat().st_mtime_ns for s in shards for name in (GENERATIONS, SCORES, METRICS, RUN)),
        default=0,
    )
    for d in dirs:
        for run_json in sorted(Path(d).rglob(RUN)):
            try:
                info = read_info(run_json)
            except InputError:  # damaged, or not a run's: not the merge looked for
                continue
            merged_from = info.rest.get("merged_from")
            if info.status != "done" or not merged_from or not isinstance(merged_from, list):
                continue
            sources = {Path(str(m.get("folder"))).resolve() for m in merged_from if isinstance(m, dict)}
            if sources == wanted and run_json.stat().st_mtime_ns >= changed:
                return run_json.parent
    return None
