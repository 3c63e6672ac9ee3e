"""One run, one direction: validate -> load -> generate (cached) -> parse -> score -> aggregate.

Every stage records itself in run.json; a crash marks the run failed with the error, and all
finished generations stay in the durable cache, so re-running the same command resumes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from harness import stats
from harness.config.generation_keys import check_generation
from harness.config.judge import split_judge_config
from harness.config.price import Price
from harness.config.schema import DatasetConfig, PromptConfig, RunSettings, parse
from harness.data import check_fields, load_examples
from harness.errors import ConfigError, InputError, PluginError, no_plugin_exit
from harness.fileio import remove_dead_temporaries
from harness.judge.client import Usage
from harness.metrics.base import Metric
from harness.metrics.loading import build_metrics, metric_class
from harness.metrics.scoring import score_documents
from harness.models.base import Backend, Generation, Request, pop_backend_key
from harness.models.cache import GenerationCache, request_key, stable_hash
from harness.records import Example, Summary, input_file_problem
from harness.registry import BACKENDS
from harness.run import credentials, datacheck, progress, shard, tracking
from harness.run.folder import GENERATIONS, METRICS, SCORES, RunFolder, git_sha, library_versions, now
from harness.run.record import (
    GenerationRow,
    MetricsFile,
    ScoreRow,
    read_metrics,
    read_score_rows,
    write_generations,
    write_metrics,
    write_scores,
)
from harness.stats import bootstrap_mean_ci
from harness.text.bullets import asks_for_bullets, parse_bullets
from harness.text.visible import visible

log = logging.getLogger("harness")


@dataclass
class RunSpec:
    """A run's configuration, validated before any work starts."""

    model_name: str
    label: str
    backend_key: str
    backend_cls: type[Backend]
    backend_options: Any
    dataset: DatasetConfig
    prompt: PromptConfig
    metrics: list[Metric]
    settings: RunSettings
    config: dict[str, Any] = field(default_factory=dict)  # resolved, as written to config.yaml
    price: Price | None = None  # the model config's `price:` (a free backend: 0; else None, not priced)


def validate(config: dict[str, Any], model_name: str) -> RunSpec:
    spec = check(config, model_name)
    spec.metrics = build_metrics(config.get("metrics") or {})
    return spec


def check(config: dict[str, Any], model_name: str) -> RunSpec:
    """Every key and value of a run's config, without loading a model, a metric or data:
    cheap enough to run for each job of a sweep before Hydra writes anything."""
    credentials.guard(config)  # first: a secret is redacted from any message below, refused in a name
    config = dict(config)
    model = dict(config.pop("model", None) or {})
    backend_key = pop_backend_key(model, f"model '{model_name}'")
    label = str(config.get("run_label") or model.pop("label", None) or model_name)  # run_label defaults to model.label
    model.pop("label", None)
    price_node = model.pop("price", None)
    price = None if price_node is None else parse(Price, price_node, f"model '{model_name}' price")
    backend_cls = BACKENDS.get(backend_key, f"model '{model_name}'")
    if price is None and backend_cls.free:
        price = Price()
    where = f"model '{model_name}' ({backend_key})"
    backend_options = parse(backend_cls.Options, model, where)
    if hasattr(backend_options, "generation"):
        check_generation(backend_key, backend_options.generation, where)
    if backend_key == "precomputed" and backend_options.path:
        check_input_file("model.path", backend_options.path)
    dataset = parse(DatasetConfig, config.pop("dataset", None), "dataset")
    check_dataset_source(dataset)
    prompt = parse(PromptConfig, config.pop("prompt", None), "prompt")
    check_metric_options(config.pop("metrics", None) or {})
    check_judge(config.pop("judge", None))
    tracking.check(config.pop("tracking", None))
    config.pop("experiment", None)
    settings = parse(RunSettings, config, "config")
    return RunSpec(
        model_name, label, backend_key, backend_cls, backend_options, dataset, prompt, [], settings, price=price
    )


def check_judge(judge: Any) -> None:
    """The judge's keys and types (`judge=NAME`), before any work; its key variable is checked
    when the judge-based metrics build it."""
    if judge is None:
        return
    if not isinstance(judge, dict):
        raise ConfigError("judge: expected a judge config (judge=NAME; `harness list judges`).")
    _settings, model = split_judge_config(dict(judge), "judge")
    backend_key = pop_backend_key(model, "judge")
    options = parse(BACKENDS.get(backend_key, "judge.backend").Options, model, "judge")
    if hasattr(options, "generation"):
        check_generation(backend_key, options.generation, "judge")


def check_dataset_source(dataset: DatasetConfig) -> None:
    """A local dataset names a file that exists (before a run folder is made for it)."""
    if dataset.loader != "local":
        return
    if not dataset.path:
        raise ConfigError(f"dataset '{dataset.name}': set dataset.path to a .jsonl, .json, .csv or .parquet file")
    check_input_file("dataset.path", dataset.path)
    check_fields(dataset)  # wrong field names on the first records: before any folder is made


def check_input_file(setting: str, path: str) -> None:
    """A file the run reads exists, is a regular file (a FIFO would block the run) and is not
    empty (before a run folder is made for it)."""
    problem = input_file_problem(Path(path).expanduser())
    if problem:
        raise ConfigError(f"{setting}: {problem}: {path}")


def check_metric_options(spec: dict[str, Any]) -> None:
    """Metric options parsed (keys, types, ranges) without building a metric, which may load weights."""
    for name, options in spec.items():
        cls, options = metric_class(str(name), options)
        cls.parse_options(options, f"metrics.{name}")


def execute(spec: RunSpec, folder: RunFolder, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """Run one model over one dataset; returns the aggregates written to metrics.json."""
    started = time.time()
    log.info(
        "run %s: model %s (%s), dataset %s, prompt %s -> %s",
        *map(
            visible,
            (spec.label, spec.model_name, spec.backend_key, spec.dataset.name, spec.prompt.name, str(folder.path)),
        ),
    )
    folder.update(
        status="running",
        experiment=spec.settings.experiment_name,
        label=spec.label,
        model=spec.model_name,
        backend=spec.backend_key,
        dataset={"name": spec.dataset.name},
        prompt={
            "name": spec.prompt.name,
            "hash": stable_hash([spec.prompt.system, spec.prompt.template, spec.prompt.n_bullets]),
        },
        seed=spec.settings.seed,
        overrides=list(overrides),
        started=now(),
        versions=library_versions(),
        git_sha=git_sha(),
        error=None,
    )
    try:
        with folder.heartbeat():  # pid, host and a heartbeat time: which machine and process runs it
            return _execute(spec, folder, started)
    except BaseException as e:
        folder.record_end(e)
        raise


def _execute(spec: RunSpec, folder: RunFolder, started: float) -> dict[str, Any]:
    """The work of `execute`: load, generate, score, aggregate; run.json ends "done"."""
    t0 = time.time()
    data = load_examples(spec.dataset, strict=spec.settings.strict)
    skipped = [s.message() for s in data.problems.skipped]
    for message in skipped:
        log.warning("skipped: %s", message)
    folder.update(skipped={"count": len(skipped), "records": skipped[:200]})
    if data.reference_reading and data.reference_reading["inferred"]:
        log.warning("dataset.reference_list=auto: %s", data.reference_reading["reason"])
    if spec.settings.shard.active:
        data = shard.take(folder, spec.settings.shard, data)
    datacheck.record(folder, spec.dataset, data)  # fingerprint, fields, per-document hashes
    load_s = time.time() - t0

    t0 = time.time()
    backend = spec.backend_cls(spec.backend_options)
    try:
        rows = generate(backend, spec, data.examples, on_progress=progress.Reporter(folder.path))
        unrequested = backend.unrequested({e.doc_id for e in data.examples})
        sent = backend.request_stats()
    finally:
        backend.close()
    generate_s = time.time() - t0
    generated = [GenerationRow.stamped(r) for r in rows]
    write_generations(folder.file(GENERATIONS), generated)
    totals = generation_totals(rows, generate_s)
    totals["price"] = None if spec.price is None else asdict(spec.price)
    if sent:
        totals["requests"] = sent  # HTTP requests, retries and hedged duplicates (with their tokens)
    if unrequested:
        log.warning(
            "%s: %d outputs for documents not in this run's dataset (not scored; first: %s)",
            unrequested["file"],
            unrequested["count"],
            ", ".join(unrequested["doc_ids"][:5]),
        )
        totals["unrequested_outputs"] = unrequested
    folder.update(generation=totals)

    t0 = time.time()
    aggregates = score_run(folder, spec.metrics, data.examples, generated, spec.settings)
    folder.update(
        status="done",
        ended=now(),
        timings={
            "load_s": round(load_s, 3),
            "generate_s": round(generate_s, 3),
            "score_s": round(time.time() - t0, 3),
            "total_s": round(time.time() - started, 3),
        },
    )
    tracking.track_run(folder)  # tracking=mlflow: the finished folder goes to the tracker
    return aggregates


def generate(
    backend: Backend, spec: RunSpec, examples: Sequence[Example], on_progress: Callable[..., None] | None = None
) -> list[dict[str, Any]]:
    """Generate every example not already in the cache, appending each result durably;
    `on_progress(done, total)` after each batch (harness/run/progress.py)."""
    prompt = spec.prompt
    requests = [Request(e.doc_id, e.source, prompt.render(e.source), prompt.system, prompt.n_bullets) for e in examples]
    identity = {"backend": spec.backend_key, "options": backend.identity()}
    keys = [request_key([identity, r.system, r.prompt, r.n_bullets], r) for r in requests]
    if not backend.cacheable:
        return _generate(backend, spec, requests, keys, None, on_progress)
    cache_dir = Path(spec.settings.cache_dir or Path(spec.settings.results_dir) / ".cache")
    from harness.run.folder import path_component  # a plugin's key is a class path (mypkg.mod:Class)

    cache = GenerationCache(
        cache_dir / "generations" / f"{path_component(spec.backend_key)}-{stable_hash(identity)}.jsonl"
    )
    if spec.settings.shard.active:
        # Shards hold disjoint documents: they share the cache file (each line appended under its
        # lock) and generate at the same time, instead of waiting for each other's whole pass.
        return _generate(backend, spec, requests, keys, cache, on_progress)

    # One run of a model configuration generates at a time: a second one waits, then reuses
    # what the first wrote, so no request is sent twice and no cache line is duplicated.
    def waiting():
        return log.info(
            "waiting for another run of the same model (%s) to finish generating (lock %s.lock)",
            spec.model_name,
            cache.path,
        )

    with cache.exclusive(on_wait=waiting):
        return _generate(backend, spec, requests, keys, cache, on_progress)


def _generate(
    backend: Backend,
    spec: RunSpec,
    requests: list[Request],
    keys: list[str],
    cache: GenerationCache | None,
    on_progress: Callable[..., None] | None = None,
) -> list[dict[str, Any]]:
    on_progress = on_progress or (lambda done, total, final=False: None)
    results: dict[int, Generation] = {}
    from_cache: set[int] = set()
    if cache is not None:
        for i, key in enumerate(keys):
            entry = cache.get(key)
            if entry is not None:
                results[i] = Generation(**entry["generation"])
                from_cache.add(i)
    # Longest prompts first: each batch holds similar lengths (less padding), and a batch too
    # large for the device fails at once rather than at the end. Outputs return in dataset order.
    pending = sorted((i for i in range(len(requests)) if i not in results), key=lambda i: (-len(requests[i].prompt), i))
    if from_cache:
        log.info("resuming: %d of %d generations found in the cache", len(from_cache), len(requests))
    on_progress(len(from_cache), len(requests))
    with tqdm(total=len(requests), initial=len(from_cache), desc=f"generate {visible(spec.label)}", unit="doc") as bar:
        # Each generation is stored the moment the backend hands it over (batch by batch, or
        # request by request for HTTP backends, which keep a window of requests in flight).
        name = f"backend {type(backend).__module__}.{type(backend).__qualname__}"
        with no_plugin_exit(name):
            for group in backend.completion_batches([requests[i] for i in pending]):
                store = []
                for position, out in group:
                    if not isinstance(position, int) or not 0 <= position < len(pending):
                        raise PluginError(
                            f"{name} yielded the position {position!r}; completions() must yield "
                            f"(index into its {len(pending)} requests, Generation) pairs"
                        )
                    i = pending[position]
                    results[i] = checked_generation(name, requests[i].doc_id, out)
                    if out.error:
                        log.warning("generation failed for %s: %s", requests[i].doc_id, out.error)
                    else:
                        store.append((keys[i], {"doc_id": requests[i].doc_id, "generation": out.to_json()}))
                if cache is not None and store:
                    cache.put_many(store)  # one write and one fsync for the whole group
                bar.update(len(group))
                on_progress(bar.n, len(requests))
    on_progress(len(requests), len(requests), final=True)
    if len(results) < len(requests):
        lost = [requests[i].doc_id for i in pending if i not in results]
        raise PluginError(
            f"{name} gave {len(pending) - len(lost)} generations for {len(pending)} requests (none for: "
            f"{', '.join(lost[:10])}); a backend must return one Generation per request"
        )
    rows = []
    requested = asks_for_bullets(spec.prompt.template, spec.prompt.system)
    cap = spec.settings.max_reply_chars
    for i, request in enumerate(requests):
        out = results[i]
        # A runaway reply (or precomputed summary) is cut here, the one place every backend's
        # output passes, so parsing and scoring stay bounded; the cache keeps it whole.
        text, cut = out.text, out.text is not None and len(out.text) > cap
        if cut and text is not None:
            log.warning(
                "reply for %s has %d characters; kept the first %d (max_reply_chars)", request.doc_id, len(text), cap
            )
            text = text[:cap]
        parsed = parse_bullets(text or "")
        rows.append(
            {
                "doc_id": request.doc_id,
                "key": keys[i],
                "cached": i in from_cache,
                "raw": text,
                "reply_chars": None if out.text is None else len(out.text),
                "reply_cut": cut,
                "bullets": list(parsed.bullets),
                "style": parsed.style,
                **parsed.set_aside(),  # preamble, outro, headings, sub_points, reasoning
                "unfinished": parsed.unfinished,
                "bullets_requested": requested,
                **{k: v for k, v in out.to_json().items() if k != "text"},
            }
        )
    return rows


def checked_generation(backend: str, doc_id: str, out: Any) -> Generation:
    """The backend contract for each output: a Generation whose text is a str, or None (with an error)."""
    if not isinstance(out, Generation):
        raise PluginError(
            f"{backend} gave a {type(out).__name__} for document '{doc_id}'; a backend must return one "
            "Generation (harness.models.base.Generation) per request"
        )
    if out.text is not None and not isinstance(out.text, str):
        raise PluginError(
            f"{backend} gave document '{doc_id}' a Generation whose text is a {type(out.text).__name__} "
            f"({out.text!r}); Generation text must be a str, or None when generation failed"
        )
    return out


def generation_totals(rows: Sequence[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """run.json's `generation`: counts, throughput of what was generated now, and over every
    document with a reply (cached ones too: each was generated once) tokens and latency."""
    new = [r for r in rows if not r["cached"] and not r["error"]]
    out_tokens = sum(r["output_tokens"] or 0 for r in new)
    answered = [r for r in rows if not r["error"]]
    latency = stats.percentiles([r["latency_s"] for r in answered if isinstance(r.get("latency_s"), (int, float))])
    return {
        "input_tokens": sum(r.get("input_tokens") or 0 for r in answered),
        "output_tokens": sum(r.get("output_tokens") or 0 for r in answered),
        "latency_s": None if latency is None else {k: round(v, 4) for k, v in latency.items()},
        "documents": len(rows),
        "generated": len(new),
        "from_cache": sum(r["cached"] for r in rows),
        "failed": sum(bool(r["error"]) for r in rows),
        "failures": [{"doc_id": r["doc_id"], "error": r["error"]} for r in rows if r["error"]][:100],
        "truncated": sum(bool(r["truncated"]) for r in rows),
        "reply_cut": sum(bool(r.get("reply_cut")) for r in rows),
        "seconds": round(seconds, 3),
        "documents_per_s": round(len(new) / seconds, 3) if seconds > 0 and new else None,
        "output_tokens_per_s": round(out_tokens / seconds, 3) if seconds > 0 and out_tokens else None,
    }


def summaries_from_rows(rows: Sequence[GenerationRow]) -> dict[str, Summary]:
    return {r.doc_id: summary_from_row(r) for r in rows if not r.error and r.raw is not None}


def summary_from_row(row: GenerationRow) -> Summary:
    """A generations.jsonl row (with a reply) as metrics read it; parse facts missing from older
    runs are re-derived."""
    raw, more = row.raw or "", row.rest
    parsed = parse_bullets(raw) if "unfinished" not in more else None
    return Summary(
        row.doc_id,
        raw,
        row.bullets or (),
        preamble=more.get("preamble") or "",
        outro=more.get("outro") or "",
        style=more.get("style") or (parsed.style if parsed else None),
        unfinished=bool(more["unfinished"]) if parsed is None else parsed.unfinished,
        finish_reason=more.get("finish_reason"),
        truncated=bool(more.get("truncated")),
        bullets_requested=more.get("bullets_requested"),
    )


# How a `harness run` user provides what a skipped metric needs (in metrics.json's "skipped").
RUN_HINTS = {
    "references": "set dataset.reference_field",
    "facts": "set dataset.facts_field",
    "judge": "choose one with judge=NAME (`harness list judges`)",
}


def score_run(
    folder: RunFolder,
    metrics: Sequence[Metric],
    examples: Sequence[Example],
    rows: Sequence[GenerationRow],
    settings: RunSettings,
    keep_other_metrics: bool = False,
) -> dict[str, Any]:
    """Score a run's successful generations (`rows`, as in generations.jsonl) with every metric
    through `harness.metrics.scoring.score_documents`; write scores.jsonl and metrics.json.

    With `keep_other_metrics` (re-scoring a finished run with some metrics), the fields of
    metrics not named here stay as they were.
    """
    remove_dead_temporaries(folder.path)  # a run killed mid-write leaves its temporary file behind
    # the scores kept are read first: a damaged file is refused before any metric (or judge) runs
    kept = keep_other_metrics and folder.file(SCORES).is_file() and folder.file(METRICS).is_file()
    previous = (read_score_rows(folder.file(SCORES)), read_metrics(folder.file(METRICS))) if kept else None
    scored_examples, summaries = scorable(examples, rows)
    table = score_documents(
        metrics, scored_examples, summaries, hints=RUN_HINTS, progress=lambda ms: tqdm(ms, desc="score", unit="metric")
    )
    score_rows, skipped = table.rows, table.skipped
    aggregates = aggregate(score_rows, table.fields, settings)
    if previous is not None:
        score_rows, aggregates, skipped = merge_previous(
            *previous,
            {m.name for m in metrics},
            score_rows,
            aggregates,
            skipped,
        )
    write_scores(folder.file(SCORES), [ScoreRow.stamped(r) for r in score_rows])
    judged = judge_usage(metrics)
    if judged:
        folder.update(judge=judged)  # what the judge was asked, its tokens and cost
    write_metrics(
        folder.file(METRICS),
        MetricsFile.stamped(
            {
                "fields": aggregates,
                "skipped": skipped,
                "bootstrap": {"samples": settings.bootstrap_samples, "seed": settings.seed, "ci": 0.95},
            }
        ),
    )
    return aggregates


def judge_usage(metrics: Sequence[Metric]) -> dict[str, Any] | None:
    """run.json's `judge`: per judge-based metric, the judge and what it was asked; their total."""
    records = {m.name: r for m in metrics if (r := m.judge_record()) is not None}
    if not records:
        return None
    return {"metrics": records, "total": Usage.total(list(records.values()))}


def scorable(examples: Sequence[Example], rows: Sequence[GenerationRow]) -> tuple[list[Example], list[Summary]]:
    """The examples with a successful generation, in dataset order, and their summaries."""
    summaries = summaries_from_rows(rows)
    if not summaries:
        first = next((r.error for r in rows if r.error), "no output")
        raise InputError(f"nothing to score: all {len(rows)} generations failed (first error: {first})")
    scored = [e for e in examples if e.doc_id in summaries]
    return scored, [summaries[e.doc_id] for e in scored]


def merge_previous(
    previous_rows: Sequence[ScoreRow],
    previous_metrics: MetricsFile,
    rescored: set[str],
    rows: list[dict[str, Any]],
    aggregates: dict[str, Any],
    skipped: dict[str, str],
):
    """New results of the re-scored metric families over the run's earlier results of the others
    (scores.jsonl rows and metrics.json as they were)."""

    def other(key: str) -> bool:
        return "/" in key and key.split("/", 1)[0] not in rescored

    previous = {r.doc_id: r for r in previous_rows}
    merged_rows = []
    for row in rows:
        old = previous.get(row["doc_id"])
        kept = {k: v for k, v in old.values.items() if other(k)} if old else {}
        details = {k: v for k, v in ((old and old.details) or {}).items() if k not in rescored}
        details.update(row.get("details") or {})
        merged = {"doc_id": row["doc_id"], **kept, **{k: v for k, v in row.items() if k not in ("doc_id", "details")}}
        if details:
            merged["details"] = details
        merged_rows.append(merged)
    merged_fields = {k: v for k, v in previous_metrics.field_json().items() if other(k)}
    merged_fields.update(aggregates)
    merged_skipped = {k: v for k, v in (previous_metrics.skipped or {}).items() if k not in rescored}
    merged_skipped.update(skipped)
    return merged_rows, merged_fields, merged_skipped


def aggregate(
    rows: Sequence[dict[str, Any]], fields: dict[str, dict[str, Any]], settings: RunSettings
) -> dict[str, Any]:
    out = {}
    for key, meta in fields.items():
        ci = bootstrap_mean_ci([r.get(key) for r in rows], settings.bootstrap_samples, settings.seed)
        # `missing`: documents without a value (None or NaN, e.g. a failed judge request), never scored as 0
        missing = sum(r.get(key) is None or r.get(key) != r.get(key) for r in rows)  # NaN != NaN
        out[key] = {"mean": ci.mean, "ci95": [ci.low, ci.high], "n": ci.n, "missing": missing, **meta}
    return out
