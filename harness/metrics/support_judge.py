"""`support_judge`: the run's judge (`judge=NAME`) fact-checks every bullet against the article.

Two paths, after two published protocols:

- Verdicts (always; FineSurE, Song et al., ACL 2024): one `factcheck` request per summary, all
  bullets numbered in one prompt; per bullet the judge's verdict, its error category (FineSurE's
  categories), the article sentences it relied on and a short reason. The JSON reply is read
  robustly (harness/judge/replies.py); bullets it leaves unreadable are asked again once, with a
  stricter line added (a distinct request, cached apart); still unreadable, they are `unreadable`.
- Probabilities (judge.logprobs: true; MiniCheck, Tang et al., EMNLP 2024): per bullet, one `claim`
  request per sentence-aligned chunk of the article (judge.chunk_tokens), answered with one token;
  P(supported) = p(Yes) / (p(Yes) + p(No)) over the first token's alternatives, the maximum over
  chunks. A chunk whose reply has no usable logprobs counts by its parsed Yes/No (1 or 0).

A bullet's score is P(supported) when known (`method: logprobs`), else 1/0 from the claim replies'
Yes/No or from the verdict (`method: verdict`). A bullet without a score (its reply unreadable, a
request failed) is never counted as supported nor as 0: its document has no score (null, counted
as `missing` in metrics.json). Every reply is cached by the judge, so a second run sends nothing;
failed requests are not cached and are asked again next time.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.errors import ConfigError
from harness.judge.chunks import chunk_text, max_over_chunks
from harness.judge.prompts import CATEGORIES, numbered
from harness.judge.replies import numbered_items, read_json, read_label
from harness.metrics.base import Scored
from harness.metrics.bullet_support import Aggregate, aggregate
from harness.metrics.judged import JudgedMetric
from harness.metrics.lexical import content, tokens
from harness.models.base import Generation, Request
from harness.records import Example, Summary
from harness.text.tokens import split_sentences

log = logging.getLogger(__name__)

_CATEGORY_WORDS = {
    **{c: c for c in CATEGORIES},
    "out of context": "out-of-context",
    "out-of-article": "out-of-context",
    "out of article": "out-of-context",
    "circumstance": "circumstantial",
    "entity-error": "entity",
}
_NO_ERROR = {"", "none", "no", "no error", "n/a", "na", "null", "supported"}
VERDICT_LABELS = {
    "yes": "supported",
    "supported": "supported",
    "true": "supported",
    "no": "unsupported",
    "not supported": "unsupported",
    "unsupported": "unsupported",
    "false": "unsupported",
}
CLAIM_LABELS = {"yes": "yes", "no": "no"}
# What is kept of a reply's reason and of each evidence quote, and how many quotes: the prompt asks
# for a short reason and the sentences relied on; a reply far longer would make every scores.jsonl
# line and the report that large.
MAX_TEXT_CHARS = 1000
MAX_QUOTES = 10
# Added to the factcheck prompt when its first reply left bullets unreadable (a new request).
RETRY = "Your previous reply could not be read: reply with only the JSON list of {count} objects, one per summary sentence, in order."


def category_field(category: str) -> str:
    return "cat_" + category.replace("-", "_")


@dataclass
class Check:
    """One bullet's outcome on the verdict path."""

    verdict: str  # supported | unsupported | unreadable | error
    category: str | None = None
    evidence: list[str] = field(default_factory=list)
    reason: str | None = None


def read_category(value: Any) -> str | None:
    """A FineSurE category from what the judge wrote ("Entity error", "out_of_context"); None for
    none; an unknown kind is "other"."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.strip().lower().replace("_", " ").split())
    text = text.removesuffix(" error").removesuffix(" errors")
    if text in _NO_ERROR:
        return None
    return _CATEGORY_WORDS.get(text) or _CATEGORY_WORDS.get(text.replace(" ", "-")) or "other"


def read_item(item: Mapping[str, Any]) -> Check | None:
    """A bullet's check from its object in the reply; None when its verdict cannot be read. The
    category is kept for unsupported bullets only ("other" when the judge named none)."""
    lowered = {str(k).strip().lower(): v for k, v in item.items()}
    raw = next((lowered[k] for k in ("supported", "verdict", "label", "answer") if k in lowered), None)
    if isinstance(raw, bool):
        verdict: str | None = "supported" if raw else "unsupported"
    else:
        verdict = read_label(raw, VERDICT_LABELS) if isinstance(raw, str) else None
    if verdict is None:
        return None
    category = None if verdict == "supported" else (read_category(lowered.get("category")) or "other")
    given = lowered.get("evidence")
    quotes = given if isinstance(given, list) else [given]
    evidence = [" ".join(q.split()) for q in quotes if isinstance(q, str) and q.strip()]
    evidence = [clip(q) for q in evidence if q.lower() not in _NO_ERROR][:MAX_QUOTES]
    reason = lowered.get("reason")
    return Check(
        verdict, category, evidence, clip(reason.strip()) if isinstance(reason, str) and reason.strip() else None
    )


def clip(text: str) -> str:
    """At most MAX_TEXT_CHARS, the cut marked with an ellipsis."""
    return text if len(text) <= MAX_TEXT_CHARS else text[: MAX_TEXT_CHARS - 1] + "…"


def read_factcheck(text: str | None, count: int) -> list[Check | None]:
    """Per bullet (1..count) its check, or None where the reply has no readable item for it."""
    reply = read_json(text, expect=list)
    if reply is None:
        return [None] * count
    items, _problems = numbered_items(reply.value, count)
    return [None if item is None else read_item(item) for item in items]


def _normal(token: str) -> str:
    return token.replace("\u2581", "").replace("\u0120", "").strip().lower()


def yes_probability(top_logprobs: Sequence[Mapping[str, float]] | None) -> float | None:
    """p(Yes) / (p(Yes) + p(No)) from the first output token's alternatives, summing the spellings
    of each ("Yes", " yes", "YES", "▁Yes"); None when neither is among them."""
    if not top_logprobs:
        return None
    mass: dict[str, list[float]] = {"yes": [], "no": []}
    for token, logprob in top_logprobs[0].items():
        word = _normal(token)
        if word in mass and math.isfinite(logprob):
            mass[word].append(logprob)
    if not mass["yes"] and not mass["no"]:
        return None
    top = max(mass["yes"] + mass["no"])  # log-sum-exp: tiny probabilities do not underflow to 0/0
    yes, no = (sum(math.exp(lp - top) for lp in mass[w]) for w in ("yes", "no"))
    return yes / (yes + no)


def best_sentence(chunk: str, bullet: str) -> str:
    """The chunk's sentence sharing most content words with the bullet (the first on a tie)."""
    sentences = split_sentences(chunk) or [chunk]
    wanted = set(content(tokens(bullet)))
    return max(sentences, key=lambda s: len(wanted & set(content(tokens(s)))))


@dataclass
class ChunkAnswer:
    score: float | None  # P(supported) from logprobs, or 1/0 from the reply's Yes/No; None: neither
    from_logprobs: bool
    error: str | None = None


def claim_answer(generation: Generation) -> ChunkAnswer:
    if generation.error or generation.text is None:
        return ChunkAnswer(None, False, generation.error or "no reply")
    p = yes_probability(generation.top_logprobs)
    if p is not None:
        return ChunkAnswer(p, True)
    label = read_label(generation.text, CLAIM_LABELS)
    return ChunkAnswer(None if label is None else float(label == "yes"), False)


@dataclass
class SupportJudgeOptions:
    judge: dict[str, Any] | None = None  # the run's judge (judge=NAME), set by conf/metrics/support_judge.yaml
    cache_dir: str | None = None  # None: results/.cache
    threshold: float = 0.5  # a bullet scoring below this is unsupported
    aggregate: Aggregate = "mean"  # over bullets: mean, or min (the weakest bullet)


_UNKNOWN = " (null when a verdict is missing)"
_FIELDS = {
    "score": "support of the bullets by the source, aggregated over bullets (P(supported) with logprobs, else the verdicts; higher = more faithful)",
    "unsupported": "number of bullets whose support is below the threshold",
    "unreadable": "bullets whose verdict could not be read, even after one retry (never counted as supported)",
    "failed": "bullets with a failed judge request (asked again next run); one left without a score leaves its document without one",
    "p_supported_mean": "mean P(supported) over the bullets (judge.logprobs only; null when a bullet has none)",
    **{
        category_field(c): f"bullets the judge found unsupported with a FineSurE {c} error{_UNKNOWN}"
        for c in CATEGORIES
    },
}


class SupportJudge(JudgedMetric):
    name = "support_judge"
    method = "llm-judge"
    fields = _FIELDS
    lower_is_better = frozenset({"unsupported", "unreadable", "failed", *(category_field(c) for c in CATEGORIES)})
    headline = ("score", "unsupported")
    ranges = {
        "score": (0.0, 1.0),
        "p_supported_mean": (0.0, 1.0),
        **{k: (0.0, None) for k in _FIELDS if k not in ("score", "p_supported_mean")},
    }
    tasks = ("factcheck", "claim")
    Options = SupportJudgeOptions

    @classmethod
    def parse_options(cls, config: dict[str, Any] | None, where: str) -> Any:
        if isinstance(config, Mapping) and "judge_model" in config:
            raise ConfigError(
                f"{where}.judge_model: support_judge now uses the run's judge; remove judge_model and "
                "choose one with judge=NAME (`harness list judges`), "
                "e.g. judge=openai-compatible judge.base_url=http://127.0.0.1:8000/v1"
            )
        return super().parse_options(config, where)

    @property
    def logprobs(self) -> bool:
        return self.judge is not None and self.judge.settings.logprobs

    def signature_options(self) -> dict[str, Any]:
        options = super().signature_options()
        options["logprobs"] = self.logprobs
        if self.logprobs and self.judge is not None:
            options["chunk_tokens"] = self.judge.settings.chunk_tokens
            options["top_logprobs"] = self.judge.settings.top_logprobs
        return options

    # -- the verdict path -------------------------------------------------------------------
    def _factcheck(self, example: Example, bullets: Sequence[str]) -> Request:
        assert self.judge is not None
        return self.judge.request(
            "factcheck",
            example.doc_id,
            example.source,
            article=example.source,
            summary=numbered(bullets),
            count=str(len(bullets)),
        )

    def _checks(
        self, first: list[Generation], requests: list[Request], counts: list[int]
    ) -> list[tuple[list[Check], str | None, str | None]]:
        """Per summary: its bullets' checks, the last reply's text and a request error. Summaries
        whose reply left bullets unreadable are asked again once, all retries in one batch."""
        assert self.judge is not None
        checks = [read_factcheck(g.text, n) if not g.error else [] for g, n in zip(first, counts)]
        again = [i for i, (g, c) in enumerate(zip(first, checks)) if not g.error and None in c]
        retried = self.judge.ask(
            [
                dataclasses.replace(requests[i], prompt=requests[i].prompt + "\n\n" + RETRY.format(count=counts[i]))
                for i in again
            ]
        )
        replies: list[Generation] = list(first)
        for i, generation in zip(again, retried):
            replies[i] = generation
            if not generation.error:
                second = read_factcheck(generation.text, counts[i])
                checks[i] = [c if c is not None else s for c, s in zip(checks[i], second)]
        out: list[tuple[list[Check], str | None, str | None]] = []
        for i, (generation, found) in enumerate(zip(replies, checks)):
            error = generation.error or (None if generation.text is not None else "no reply")
            if error and (not found or None in found):  # the request (or its retry) failed
                filled = [c or Check("error") for c in found] or [Check("error")] * counts[i]
                out.append((filled, generation.text, error))
            else:
                out.append(([c or Check("unreadable") for c in found], generation.text, None))
        return out

    # -- scoring ----------------------------------------------------------------------------
    def score(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[Scored]:
        assert self.judge is not None  # a metric without a judge is skipped before scoring
        todo = [i for i, s in enumerate(summaries) if s.bullets]
        factchecks = [self._factcheck(examples[i], summaries[i].bullets) for i in todo]
        claims: list[Request] = []
        chunk_texts: dict[int, list[str]] = {}  # summary index -> its article's chunks
        if self.logprobs:
            settings = self.judge.logprob_settings()
            by_source: dict[str, list[str]] = {}
            for i in todo:
                source = examples[i].source
                if source not in by_source:
                    by_source[source] = [c.text for c in chunk_text(source, self.judge.settings.chunk_tokens)]
                chunk_texts[i] = by_source[source]
                for bullet in summaries[i].bullets:
                    claims += [
                        self.judge.request("claim", examples[i].doc_id, source, settings, document=c, claim=bullet)
                        for c in chunk_texts[i]
                    ]
        replies = self.judge.ask(factchecks + claims)  # one batch: the judge's concurrency serves both
        checks = dict(
            zip(todo, self._checks(replies[: len(factchecks)], factchecks, [len(summaries[i].bullets) for i in todo]))
        )
        answers = iter(claim_answer(g) for g in replies[len(factchecks) :])
        rows = []
        for i, summary in enumerate(summaries):
            if i not in checks:
                rows.append(self._row([]))
                continue
            bullet_checks, reply, error = checks[i]
            bullets = []
            for bullet, check in zip(summary.bullets, bullet_checks):
                chunk_answers = [next(answers) for _ in chunk_texts.get(i, ())]
                bullets.append(self._bullet(bullet, check, reply, error, chunk_texts.get(i, []), chunk_answers))
            rows.append(self._row(bullets))
        self._warn(rows)
        return rows

    def _bullet(
        self,
        bullet: str,
        check: Check,
        reply: str | None,
        error: str | None,
        chunks: list[str],
        answers: list[ChunkAnswer],
    ) -> dict[str, Any]:
        threshold = self.options.threshold
        best = max_over_chunks([a.score for a in answers])
        errors = [a.error for a in answers if a.error]
        p_supported: float | None = None
        score: float | None = None
        method = "verdict"
        evidence = list(check.evidence)
        if best.score is not None and (not errors or best.score >= threshold):  # a failed chunk could only raise it
            assert best.chunk is not None
            score = best.score
            if answers[best.chunk].from_logprobs:
                p_supported, method = best.score, "logprobs"
            if not evidence:
                evidence = [best_sentence(chunks[best.chunk], bullet)]
        elif not errors and check.verdict in ("supported", "unsupported"):
            score = float(check.verdict == "supported")
        out: dict[str, Any] = {
            "bullet": bullet,
            "score": None if score is None else round(score, 4),
            "supported": None if score is None else score >= threshold,
            "evidence": evidence,
            "verdict": check.verdict,
            "category": check.category,
            "reason": check.reason,
            "p_supported": None if p_supported is None else round(p_supported, 4),
            "method": method,
        }
        problems = ([error] if check.verdict == "error" and error else []) + errors
        if problems:
            out["error"] = problems[0] if len(set(problems)) == 1 else "; ".join(dict.fromkeys(problems))
        if check.verdict == "unreadable":
            out["reply"] = reply
        return out

    def _row(self, bullets: list[dict[str, Any]]) -> Scored:
        scores = [b["score"] for b in bullets]
        known = bool(bullets) and None not in scores
        verdicts = [b["verdict"] for b in bullets]
        complete = "unreadable" not in verdicts and "error" not in verdicts
        unsupported = [b["category"] for b in bullets if b["verdict"] == "unsupported"]
        probabilities = [b["p_supported"] for b in bullets]
        values: dict[str, float | None] = {
            "score": aggregate(scores, self.options.aggregate) if known else None,
            "unsupported": float(sum(s < self.options.threshold for s in scores)) if known or not bullets else None,
            "unreadable": float(verdicts.count("unreadable")),
            "failed": float(sum("error" in b for b in bullets)),
            "p_supported_mean": (
                sum(probabilities) / len(probabilities) if bullets and None not in probabilities else None
            ),
            **{category_field(c): float(unsupported.count(c)) if complete else None for c in CATEGORIES},
        }
        details = {"aggregate": self.options.aggregate, "threshold": self.options.threshold, "bullets": bullets}
        return Scored(values, details)

    def _warn(self, rows: list[Scored]) -> None:
        failed = sum(r.values["failed"] or 0 for r in rows)
        unreadable = sum(r.values["unreadable"] or 0 for r in rows)
        unscored = sum(r.values["score"] is None and bool(r.details["bullets"]) for r in rows)
        if failed or unreadable:
            log.warning(
                "%s: %d bullet(s) with a failed judge request (asked again next run), %d unreadable; "
                "%d document(s) have no score",
                self.name,
                failed,
                unreadable,
                unscored,
            )
