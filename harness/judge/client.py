"""The judge: one model, any backend of the harness, asked by the judge-based metrics.

Every reply is cached like a generation (append-only JSONL under `<cache_dir>/judge/`, keyed by
the judge's identity, the prompt and any per-request settings), so a second run over the same
summaries sends nothing. Failed requests are never cached: the next run asks again. What was
sent is counted (requests, cached answers, failures, tokens in and out, latency) and, when the
judge config gives prices, priced; run.json records it per metric (`judge`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.config.env_names import unset_message
from harness.config.judge import split_judge_config
from harness.config.price import Price
from harness.config.schema import parse
from harness.errors import ConfigError
from harness.judge.prompts import Prompt, load_prompt
from harness.models.base import Backend, Generation, Request, pop_backend_key
from harness.models.cache import GenerationCache, request_key, stable_hash

log = logging.getLogger(__name__)


@dataclass
class Usage:
    """What a judge was asked over a run."""

    requests: int = 0  # sent to the judge (answered or failed); cached answers not included
    duplicates: int = 0  # hedged duplicates also sent (the backend's hedge_after_s): paid for too
    cached: int = 0  # answered from the cache: sent by an earlier run, free now
    failed: int = 0  # requests that failed for good (no answer; asked again next run)
    input_tokens: int = 0  # of the requests sent, as the server reported them (a losing duplicate's too)
    output_tokens: int = 0
    latency_s: float = 0.0  # summed over the requests sent
    wall_s: float = 0.0  # time spent waiting for the judge

    def record(self, price: Price | None) -> dict[str, Any]:
        asked = self.requests + self.cached
        out: dict[str, Any] = {
            **asdict(self),
            "latency_s": round(self.latency_s, 3),
            "wall_s": round(self.wall_s, 3),
            "cached_share": round(self.cached / asked, 4) if asked else None,
            "mean_latency_s": round(self.latency_s / self.requests, 4) if self.requests else None,
        }
        if price is not None:
            out["cost"] = round(price.charge(self.input_tokens, self.output_tokens, self.wall_s), 6)
            out["currency"] = price.currency
        return out

    @staticmethod
    def total(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """The sum of several `record`s (a run's judge-based metrics)."""
        keys = ("requests", "duplicates", "cached", "failed", "input_tokens", "output_tokens", "latency_s", "wall_s")
        out: dict[str, Any] = {k: sum(r.get(k) or 0 for r in records) for k in keys}
        out["latency_s"], out["wall_s"] = round(out["latency_s"], 3), round(out["wall_s"], 3)
        asked = out["requests"] + out["cached"]
        out["cached_share"] = round(out["cached"] / asked, 4) if asked else None
        costs = [r for r in records if "cost" in r]
        currencies = {r["currency"] for r in costs}
        if costs and len(costs) == len(records) and len(currencies) == 1:
            out["cost"], out["currency"] = round(sum(r["cost"] for r in costs), 6), currencies.pop()
        return out


def only_served_model(model: Mapping[str, Any], where: str) -> str:
    """`model_id: auto`: the one model the server serves (a judge set by its base_url alone).
    Resolved before the judge's identity is taken, so the cache is per real model."""
    from harness.models.openai_compat import served_models

    names = served_models(str(model.get("base_url") or ""), model.get("api_key_env"), where)
    if len(names) > 1:
        shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
        raise ConfigError(f"{where}.model_id: auto, but the server serves {len(names)} models ({shown}); choose one.")
    return names[0]


class Judge:
    """Built from a judge config (a model config plus `JudgeSettings` keys); `where` is the
    config path messages name (`judge`)."""

    def __init__(self, config: Mapping[str, Any], where: str = "judge", cache_dir: str | None = None):
        from harness.registry import BACKENDS

        if not isinstance(config, Mapping):
            raise ConfigError(f"{where}: expected a judge config (a model config: backend, model_id, ...).")
        self.settings, model = split_judge_config(dict(config), where)
        self.backend_key = pop_backend_key(model, where)
        backend_cls = BACKENDS.get(self.backend_key, f"{where}.backend")
        key_env = model.get("api_key_env")
        if key_env and not os.environ.get(key_env):  # fail at start-up, not after generating summaries
            raise ConfigError(unset_message(f"{where}.api_key_env", key_env))
        if model.get("model_id") == "auto" and self.backend_key in ("openai_chat", "openai_completions"):
            parse(backend_cls.Options, model, where)  # a misspelt key is named before the server is asked
            model["model_id"] = only_served_model(model, where)
        self.backend: Backend = backend_cls(parse(backend_cls.Options, model, where))
        self.backend.where = where  # HTTP backends name it in messages
        self.identity = {"backend": self.backend_key, "options": self.backend.identity()}
        self.label = self.settings.label or str(model.get("model_id") or model.get("pretrained") or self.backend_key)
        folder = Path(cache_dir or "results/.cache") / "judge"
        self.cache = GenerationCache(
            folder / f"{self.backend_key}-{stable_hash(self.identity)}.jsonl", setting="cache_dir"
        )
        self.usage = Usage()
        self._prompts: dict[str, Prompt] = {}
        self._lock = threading.Lock()

    @classmethod
    def optional(
        cls, config: Mapping[str, Any] | None, where: str = "judge", cache_dir: str | None = None
    ) -> Judge | None:
        return None if config is None else cls(config, where, cache_dir)

    # -- prompts ----------------------------------------------------------------------------
    def prompt(self, task: str) -> Prompt:
        if task not in self._prompts:
            self._prompts[task] = load_prompt(task, self.settings.prompts.get(task))
        return self._prompts[task]

    def request(
        self, task: str, doc_id: str, source: str, generation: Mapping[str, Any] | None = None, **inputs: str
    ) -> Request:
        """A request of `task` with its prompt filled in."""
        prompt = self.prompt(task)
        return Request(doc_id, source, prompt.render(**inputs), prompt.system, 1, generation=generation)

    def logprob_settings(self) -> dict[str, Any]:
        """Per-request settings of a one-token answer with its alternatives' logprobs."""
        return {"max_tokens": 1, "temperature": 0.0, "logprobs": True, "top_logprobs": self.settings.top_logprobs}

    # -- asking -----------------------------------------------------------------------------
    def key(self, request: Request) -> str:
        return request_key([self.identity, request.system, request.prompt], request)

    def ask(self, requests: Sequence[Request]) -> list[Generation]:
        """One generation per request, in order: from the cache, else from the judge (each
        distinct request sent once). A failed request's generation has `error` set."""
        started = time.perf_counter()
        keys = [self.key(r) for r in requests]
        found: dict[str, Generation] = {}
        with self.cache.exclusive():  # two runs never pay for the same question twice
            pending: dict[str, Request] = {}
            for key, request in zip(keys, requests):
                entry = self.cache.get(key)
                if entry is not None:
                    if key not in found:
                        found[key] = Generation(**entry["generation"])
                        self.usage.cached += 1
                elif key not in pending:
                    pending[key] = request
            order = list(pending)
            before = self._sent()
            try:
                for group in self.backend.completion_batches([pending[k] for k in order]):
                    stored = []
                    for index, generation in group:
                        key = order[index]
                        found[key] = generation
                        self._count(generation)
                        if generation.text is not None and not generation.error:
                            stored.append((key, {"doc_id": pending[key].doc_id, "generation": generation.to_json()}))
                    if stored:
                        self.cache.put_many(stored)
            finally:  # what was sent is counted even when the run stops
                self._count_duplicates(before)
        with self._lock:
            self.usage.wall_s += time.perf_counter() - started
        return [found[k] for k in keys]

    def _sent(self) -> dict[str, int]:
        """The backend's own counts of what hedging sent beyond one request per question
        (duplicates, and the tokens of losing replies that arrived anyway)."""
        stats = self.backend.request_stats() or {}
        return {k: int(stats.get(k) or 0) for k in ("hedged", "discarded_input_tokens", "discarded_output_tokens")}

    def _count_duplicates(self, before: dict[str, int]) -> None:
        after = self._sent()
        with self._lock:
            self.usage.duplicates += after["hedged"] - before["hedged"]
            # a duplicate cut off before its reply reports no tokens: counted when the server said
            self.usage.input_tokens += after["discarded_input_tokens"] - before["discarded_input_tokens"]
            self.usage.output_tokens += after["discarded_output_tokens"] - before["discarded_output_tokens"]

    def _count(self, generation: Generation) -> None:
        with self._lock:
            u = self.usage
            u.requests += 1
            u.failed += int(generation.text is None or bool(generation.error))
            u.input_tokens += generation.input_tokens or 0
            u.output_tokens += generation.output_tokens or 0
            u.latency_s += generation.latency_s or 0.0

    # -- records ----------------------------------------------------------------------------
    def signature(self, tasks: Sequence[str]) -> str:
        """What decides the judge's answers: its identity and the prompts' versions (not how
        requests are sent: concurrency, retries, timeouts, the key's variable)."""
        prompts = ",".join(self.prompt(t).version for t in tasks)
        return f"{self.backend_key}:{self.label}@{stable_hash(self.identity, 10)}+{prompts}"

    def record(self) -> dict[str, Any]:
        """run.json's account of this judge: who it is and what it was asked."""
        return {"label": self.label, "backend": self.backend_key, **self.usage.record(self.settings.price)}

    def close(self) -> None:
        self.backend.close()
