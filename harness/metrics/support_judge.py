"""`support_judge`: an LLM judge asked, per bullet, whether the article supports it.

The judge is any generation backend of the harness (`judge_model` is a model config, as in
conf/model/, with its `backend` key). Replies must follow a strict format; a reply that cannot be
read is recorded as such and never counted as supported. A request that failed gives no verdict:
its document has no score (null, counted as `missing` in metrics.json), never a 0. Replies are
cached like generations (append-only JSONL keyed by the judge's options and the prompt), so a
second run over the same bullets sends no request; failed requests are not cached.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.config.schema import parse
from harness.errors import ConfigError, MetricUnavailable
from harness.metrics.base import Scored
from harness.metrics.bullet_support import Aggregate, BulletSupportMetric, BulletVerdict
from harness.models.base import Generation, Request
from harness.models.cache import GenerationCache, request_key, stable_hash
from harness.records import Example, Summary

log = logging.getLogger(__name__)

SYSTEM = "You check statements against a news article. Reply only in the format you are asked for."
TEMPLATE = """Article:
{source}

Statement:
{bullet}

Is everything the statement says supported by the article? Reply in exactly this format:
VERDICT: SUPPORTED or UNSUPPORTED
EVIDENCE: the article sentence that supports the statement, or NONE"""

Verdict = Literal["supported", "unsupported"]
_VERDICT_LINE = re.compile(r"verdict\W*(not\s+supported|unsupported|supported)\b", re.IGNORECASE)
_EVIDENCE_LINE = re.compile(r"evidence\W*(.+)", re.IGNORECASE)
_BARE: dict[str, Verdict] = {
    "supported": "supported",
    "yes": "supported",
    "unsupported": "unsupported",
    "not supported": "unsupported",
    "no": "unsupported",
}


def parse_verdict(reply: str | None) -> Verdict | None:
    """The verdict of a reply, or None when it cannot be read. Accepts "VERDICT: X" lines
    (markdown and case ignored) or a reply that is only the verdict word; conflicting verdict
    lines are unreadable, never a guess."""
    if not reply or not reply.strip():
        return None
    found = {_BARE[" ".join(v.lower().split())] for v in _VERDICT_LINE.findall(reply)}
    if found:
        return found.pop() if len(found) == 1 else None
    bare = " ".join(re.sub(r"[^a-z]+", " ", reply.lower()).split())
    return _BARE.get(bare)


def parse_evidence(reply: str | None) -> list[str]:
    for line in (reply or "").splitlines():
        m = _EVIDENCE_LINE.match(line.strip().strip("*_ "))
        if m:
            quote = m.group(1).strip().strip("*\"' ")
            return [] if not quote or quote.upper().startswith("NONE") else [quote]
    return []


def _default_judge() -> dict[str, Any]:
    return {
        "backend": "openai_chat",
        "model_id": "gpt-4o-mini",
        "base_url": "https://api.openai.com/v1",
        "api_key_env": "OPENAI_API_KEY",
        "generation": {"temperature": 0.0, "max_tokens": 200},
    }


@dataclass
class SupportJudgeOptions:
    judge_model: dict[str, Any] = field(default_factory=_default_judge)  # a model config with `backend`
    system: str = SYSTEM
    template: str = TEMPLATE  # uses {source} and {bullet}
    threshold: float = 0.5  # supported = 1, unsupported or unreadable = 0
    aggregate: Aggregate = "mean"
    cache_dir: str | None = None  # None: results/.cache (as generations)


class SupportJudge(BulletSupportMetric):
    name = "support_judge"
    fields = {
        **BulletSupportMetric.fields,
        "unreadable": "bullets whose reply could not be parsed; counted as unsupported",
        "failed": "bullets whose judge request failed; the document then has no score and no unsupported count",
    }
    lower_is_better = frozenset({"unsupported", "unreadable", "failed"})
    ranges = {**BulletSupportMetric.ranges, "unreadable": (0.0, None), "failed": (0.0, None)}
    Options = SupportJudgeOptions

    def __init__(self, options: SupportJudgeOptions | None = None):
        super().__init__(options)
        for name in ("{source}", "{bullet}"):
            if name not in self.options.template:
                raise ConfigError(f"metrics.{self.name}.template: must contain {name}")
        where = f"metrics.{self.name}.judge_model"
        config = dict(self.options.judge_model)
        key = config.pop("backend", None)
        config.pop("label", None)
        if not key:
            raise ConfigError(f"{where}: needs a 'backend' key (e.g. openai_chat), as a model config does")
        from harness.registry import BACKENDS

        backend_cls = BACKENDS.get(key)
        key_env = config.get("api_key_env")
        if key_env and not os.environ.get(key_env):  # fail at start-up, not after generating
            raise MetricUnavailable(
                f"{where}.api_key_env: the environment variable {key_env} is not set (it should hold the judge's API key)"
            )
        self.backend = backend_cls(parse(backend_cls.Options, config, where))
        self.backend.where = where
        self.identity = {"backend": key, "options": self.backend.identity()}
        folder = Path(self.options.cache_dir or "results/.cache") / "judge"
        self.cache = GenerationCache(
            folder / f"{key}-{stable_hash(self.identity)}.jsonl", setting=f"metrics.{self.name}.cache_dir"
        )
        self.calls = 0  # requests sent to the judge over this metric's life

    def _request(self, example: Example, bullet: str) -> Request:
        prompt = self.options.template.replace("{source}", example.source).replace("{bullet}", bullet)
        return Request(example.doc_id, example.source, prompt, self.options.system, 1)

    def _key(self, request: Request) -> str:
        return request_key([self.identity, request.system, request.prompt], request)

    def _replies(self, requests: list[Request]) -> dict[str, Generation]:
        """A generation per distinct request key: from the cache, else from the judge."""
        out: dict[str, Generation] = {}
        pending: dict[str, Request] = {}
        for request in requests:
            key = self._key(request)
            entry = self.cache.get(key)
            if entry is not None:
                out[key] = Generation(**entry["generation"])
            elif key not in out:
                pending[key] = request
        keys = list(pending)
        size = max(1, self.backend.batch_size)
        for start in range(0, len(keys), size):
            batch = keys[start : start + size]
            generations = self.backend.generate([pending[k] for k in batch])
            self.calls += len(batch)
            for key, generation in zip(batch, generations):
                out[key] = generation
                if generation.text is not None and not generation.error:
                    self.cache.put(key, {"doc_id": pending[key].doc_id, "generation": generation.to_json()})
        return out

    def verdicts(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[list[BulletVerdict]]:
        requests = [[self._request(e, b) for b in s.bullets] for e, s in zip(examples, summaries)]
        with self.cache.exclusive():  # two runs never ask the judge the same twice
            replies = self._replies([r for rs in requests for r in rs])
        out = []
        for rs in requests:
            verdicts = []
            for request in rs:
                generation = replies[self._key(request)]
                verdict = parse_verdict(generation.text) if not generation.error else None
                label = verdict or ("error" if generation.error else "unparseable")
                extra: dict[str, Any] = {"verdict": label, "reply": generation.text}
                if generation.error:
                    extra["error"] = generation.error
                evidence = parse_evidence(generation.text) if verdict == "supported" else []
                verdicts.append(BulletVerdict(1.0 if verdict == "supported" else 0.0, evidence, extra))
            out.append(verdicts)
        return out

    def extra_values(self, verdicts: list[BulletVerdict]) -> dict[str, float | None]:
        return {
            "unreadable": float(sum(v.extra["verdict"] == "unparseable" for v in verdicts)),
            "failed": float(sum(v.extra["verdict"] == "error" for v in verdicts)),
        }

    def score(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[Scored]:
        """As every support metric, except that a bullet without a verdict (failed request)
        leaves its document without a score: it is unknown, not unsupported."""
        rows = super().score(examples, summaries)
        failed, documents = 0, 0
        for row in rows:
            errors = [b for b in row.details["bullets"] if b["verdict"] == "error"]
            if not errors:
                continue
            failed, documents = failed + len(errors), documents + 1
            row.values["score"] = row.values["unsupported"] = None
            for bullet in errors:
                bullet["score"] = bullet["supported"] = None
        if failed:
            log.warning(
                "%s: %d judge request(s) failed; %d document(s) have no score (asked again on the next run)",
                self.name,
                failed,
                documents,
            )
        return rows
