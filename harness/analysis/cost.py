"""What a run's summaries cost beside their quality: tokens, requests, cache, latency, throughput,
wall time and price per 1,000 summaries, for generation and (apart) for the judge.

Read from a finished run folder: generations.jsonl (per document: tokens and latency, as the
server reported them; a cached document's numbers are those of the request that made it) and
run.json (`generation`: requests sent, throughput of what was generated in this run, the model
config's price; `timings`; `judge`). Prices come from the model config (harness/config/price.py,
the same `Price` a judge config uses): per million tokens (a hosted API), or per hour of a server
spread over the measured throughput (self-hosted). A cost is never made up: without a price, or
an hourly price without a throughput, the cell is empty and the reason is given.

`dominated` finds the runs off the quality-vs-cost Pareto frontier (plots.py `pareto` draws it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import stats
from harness.analysis.judge_usage import RunJudge, money
from harness.config.price import Price
from harness.errors import ConfigError, InputError

PER = 1000  # costs are shown per 1,000 summaries

HEADER = [
    "model",
    "summaries",
    "tokens in / summary",
    "tokens out / summary",
    "requests",
    "cached",
    "latency p50 / p95 / p99 (s)",
    "summaries/s",
    "wall (s)",
    f"cost per {PER:,} summaries",
    f"judge cost per {PER:,} summaries",
]
NOTE = (
    f"Cost and latency: tokens per summary as the model's server counted them (means over the summaries with "
    f"counts); HTTP requests sent (retries and hedged duplicates included); summaries found in the generation "
    f"cache (their share in brackets); latency percentiles of one request per summary; summaries per second "
    f"and wall time of this run's generation; cost per {PER:,} summaries from the model config's `price` "
    f"(per million tokens, or per hour spread over the measured summaries/s; extractive baselines cost 0), "
    f"the judge's apart (what this run's judge questions cost, cached answers counted at the same rate)."
)


@dataclass(frozen=True)
class RunCost:
    """The generation side of one run (and its judge's cost per 1,000 summaries, apart)."""

    summaries: int  # documents with a reply
    documents: int
    counted: int  # summaries with token counts
    input_tokens: int
    output_tokens: int
    requests: int | None  # HTTP requests sent (None: the backend sends none)
    from_cache: int
    latency: dict[str, float] | None  # p50, p95, p99 in seconds
    per_s: float | None  # summaries per second generated in this run
    wall_s: float | None  # the run's total time
    generate_s: float | None
    price: Price | None
    per_1000: float | None  # generation cost of 1,000 summaries
    why_no_cost: str  # when per_1000 is None
    judge_per_1000: float | None = None
    judge_currency: str | None = None

    @property
    def cached_share(self) -> float | None:
        return self.from_cache / self.documents if self.documents else None

    @property
    def currency(self) -> str | None:
        return None if self.price is None else self.price.currency

    def mean_tokens(self, which: str) -> float | None:
        total = self.input_tokens if which == "input" else self.output_tokens
        return total / self.counted if self.counted else None

    def cells(self) -> list[str]:
        """The row after the model's label (HEADER[1:])."""
        lat = "–" if self.latency is None else " / ".join(f"{self.latency[k]:.2f}" for k in ("p50", "p95", "p99"))
        share = "" if self.cached_share is None else f" ({self.cached_share:.0%})"
        return [
            f"{self.summaries:,}",
            _num(self.mean_tokens("input"), 1),
            _num(self.mean_tokens("output"), 1),
            "–" if self.requests is None else f"{self.requests:,}",
            f"{self.from_cache:,}{share}",
            lat,
            _num(self.per_s, 2),
            _num(self.wall_s, 1),
            money_cell(self.per_1000, self.currency, self.why_no_cost),
            money_cell(self.judge_per_1000, self.judge_currency, "no judge" if self.judge_currency is None else ""),
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "summaries": self.summaries,
            "documents": self.documents,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "input_tokens_per_summary": _round(self.mean_tokens("input")),
            "output_tokens_per_summary": _round(self.mean_tokens("output")),
            "requests": self.requests,
            "from_cache": self.from_cache,
            "cached_share": _round(self.cached_share),
            "latency_s": self.latency,
            "summaries_per_s": _round(self.per_s),
            "generate_s": self.generate_s,
            "wall_s": self.wall_s,
            "price": None if self.price is None else vars(self.price),
            f"cost_per_{PER}": _round(self.per_1000, 6),
            "currency": self.currency,
            "why_no_cost": self.why_no_cost or None,
            # the judge's (a priced judge only): what scoring 1,000 summaries costs beside making them
            **(
                {f"judge_cost_per_{PER}": _round(self.judge_per_1000, 6), "judge_currency": self.judge_currency}
                if self.judge_per_1000 is not None
                else {}
            ),
        }

    def flat(self) -> dict[str, Any]:
        """comparison.csv's columns: `generation <name>`, latency in three."""
        out: dict[str, Any] = {}
        for key, value in self.to_json().items():
            if key == "latency_s":
                out.update({f"generation latency_{p}_s": (value or {}).get(p) for p in ("p50", "p95", "p99")})
            elif key != "price":
                out[f"generation {key}"] = value
        return out


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _num(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def money_cell(cost: float | None, currency: str | None, why: str) -> str:
    """A cost to 4 significant digits (a cent per 1,000 summaries matters), or why there is none."""
    if cost is None:
        return f"– ({why})" if why else "–"
    return money(float(f"{cost:.4g}"), currency)


def per_1000(
    price: Price | None, input_tokens: int, output_tokens: int, counted: int, per_s: float | None
) -> tuple[float | None, str]:
    """(cost of 1,000 summaries, why none): the mean tokens of a summary at the per-token prices,
    or the hourly price over the summaries an hour makes at `per_s`."""
    if price is None:
        return None, "not priced"
    if price.free:
        return 0.0, ""
    if price.hourly:
        if not per_s:
            return None, "hourly price, no throughput measured (all from the cache?)"
        one = price.per_document(0, 0, per_s)
    elif not counted:
        return None, "no token counts"
    else:
        one = price.per_document(input_tokens / counted, output_tokens / counted, None)
    assert one is not None
    return one * PER, ""


def judge_per_1000(judge: RunJudge | None, documents: int) -> float | None:
    """The judge's cost of 1,000 summaries: what its questions of this run cost, the cached ones
    (free now, paid when first asked) counted at the same mean cost per question."""
    if judge is None or judge.total.cost is None or not documents:
        return None
    t = judge.total
    asked = t.requests + t.cached
    if not t.requests:
        return None if asked else 0.0
    return t.cost / t.requests * asked / documents * PER  # type: ignore[operator]


def read(
    info: dict[str, Any], generations: Sequence[dict[str, Any]], judge: RunJudge | None, path: Path
) -> RunCost | None:
    """A run's cost from its run.json (`info`, read from `path`) and generations.jsonl rows;
    None for a run without generations.jsonl."""
    if not generations:
        return None
    record = info.get("generation") or {}
    if not isinstance(record, dict):
        raise InputError(f"{path}: field 'generation' must be an object (the file is damaged)")
    answered = [g for g in generations if not g.get("error")]
    counted = [g for g in answered if _count(g.get("input_tokens")) or _count(g.get("output_tokens"))]
    latencies = [float(g["latency_s"]) for g in answered if _seconds(g.get("latency_s"))]
    price = _price(record.get("price"), path)
    per_s = _positive(record.get("documents_per_s"), path, "generation.documents_per_s")
    requests = record.get("requests")
    sent = requests.get("requests") if isinstance(requests, dict) else None
    tokens_in = sum(_count(g.get("input_tokens")) for g in counted)
    tokens_out = sum(_count(g.get("output_tokens")) for g in counted)
    cost, why = per_1000(price, tokens_in, tokens_out, len(counted), per_s)
    timings = info.get("timings")
    timings = timings if isinstance(timings, dict) else {}
    return RunCost(
        summaries=len(answered),
        documents=len(generations),
        counted=len(counted),
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        requests=sent if isinstance(sent, int) else None,
        from_cache=sum(bool(g.get("cached")) for g in generations),
        latency=stats.percentiles(latencies),
        per_s=per_s,
        wall_s=_positive(timings.get("total_s"), path, "timings.total_s"),
        generate_s=_positive(timings.get("generate_s"), path, "timings.generate_s"),
        price=price,
        per_1000=cost,
        why_no_cost=why,
        judge_per_1000=judge_per_1000(judge, len(answered)),
        judge_currency=None if judge is None else judge.total.currency,
    )


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _seconds(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def _positive(value: Any, path: Path, name: str) -> float | None:
    if value is None:
        return None
    if not _seconds(value):
        raise InputError(f"{path}: field '{name}' must be a finite number >= 0, got {value!r}")
    return float(value)


def _price(node: Any, path: Path) -> Price | None:
    if node is None:
        return None
    if not isinstance(node, dict):
        raise InputError(f"{path}: field 'generation.price' must be an object, got {node!r}")
    from harness.config.schema import parse

    try:
        return parse(Price, node, "generation.price")
    except ConfigError as e:
        raise InputError(f"{path}: {e}") from None


def table(labels: Sequence[str], costs: Sequence[RunCost | None]) -> tuple[list[str], list[list[str]]]:
    """(header, rows): one row per run with generations (label first); the judge's column only
    when a run's judge is priced."""
    judged = any(c is not None and c.judge_per_1000 is not None for c in costs)
    keep = [i for i in range(len(HEADER)) if judged or i < len(HEADER) - 1]
    rows = [[label, *c.cells()] for label, c in zip(labels, costs) if c is not None]
    return [HEADER[i] for i in keep], [[row[i] for i in keep] for row in rows]


def dominated(points: Sequence[tuple[float, float]], higher_is_better: bool) -> list[bool]:
    """For each (cost, quality) point, whether another point is at least as cheap and at least as
    good, and strictly one of them: the dominated runs are off the Pareto frontier."""
    sign = 1.0 if higher_is_better else -1.0
    out = []
    for i, (cost, quality) in enumerate(points):
        q = sign * quality
        out.append(
            any(
                j != i and c <= cost and sign * other >= q and (c < cost or sign * other > q)
                for j, (c, other) in enumerate(points)
            )
        )
    return out
