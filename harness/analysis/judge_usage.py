"""The judge's cost beside the quality it measured: run.json's `judge` record (written by
harness/run/pipeline.py `judge_usage`) read back, checked and formatted once for every place
that shows it (compare's Markdown, CSV and JSON, the HTML report).

A run without a judge has no record and shows nothing. A record without a price shows tokens
only: a cost is never made up. A run.json is a file someone else may have written, so every
number is checked (a count is a whole number >= 0, a cost finite and >= 0) and a bad one is
refused naming the file and field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import InputError

COUNTS = ("requests", "duplicates", "cached", "failed", "input_tokens", "output_tokens")
HEADER = ["judge", "requests sent", "cached (share)", "tokens in", "tokens out", "cost", "failed"]
NOTE = (
    "Judge: requests sent to the judge model (and the hedged duplicates sent beside them, paid for "
    "too), answers found in the judge cache (not sent; their share of all questions asked in "
    "brackets), tokens as its server counted them, cost from the judge config's prices (none given: "
    "tokens only), failed requests (no answer; asked again next run)."
)


@dataclass(frozen=True)
class Use:
    """What one judge was asked (one metric's record, or a run's total)."""

    requests: int
    duplicates: int  # hedged duplicates sent beside the requests (absent in records before it existed: 0)
    cached: int
    failed: int
    input_tokens: int
    output_tokens: int
    cost: float | None = None  # None: not priced
    currency: str | None = None

    @property
    def cached_share(self) -> float | None:
        asked = self.requests + self.cached
        return self.cached / asked if asked else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in COUNTS}
        out["cached_share"] = None if self.cached_share is None else round(self.cached_share, 4)
        if self.cost is not None:
            out["cost"], out["currency"] = self.cost, self.currency
        return out

    def cells(self) -> list[str]:
        """The table's cells after the judge's label (HEADER[1:])."""
        share = "" if self.cached_share is None else f" ({self.cached_share:.0%})"
        duplicates = f" (+{self.duplicates:,} duplicates)" if self.duplicates else ""
        return [
            f"{self.requests:,}{duplicates}",
            f"{self.cached:,}{share}",
            f"{self.input_tokens:,}",
            f"{self.output_tokens:,}",
            money(self.cost, self.currency),
            f"{self.failed:,}",
        ]


@dataclass(frozen=True)
class RunJudge:
    """A run's judge: who judged (one label per judge, usually one) and what it was asked,
    in total and per judge-based metric."""

    labels: list[str]
    total: Use
    metrics: dict[str, tuple[str, Use]] = field(default_factory=dict)  # metric -> (judge label, use)

    @property
    def label(self) -> str:
        return ", ".join(self.labels)

    def cells(self) -> list[str]:
        """One row of the judge table (HEADER): the label then the total's numbers."""
        return [self.label, *self.total.cells()]

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "total": self.total.to_json(),
            "metrics": {name: {"label": label, **use.to_json()} for name, (label, use) in self.metrics.items()},
        }

    def flat(self) -> dict[str, Any]:
        """comparison.csv's columns: `judge ...` for the total, `judge <metric> ...` per metric."""
        out: dict[str, Any] = {"judge": self.label}
        for prefix, use in [("judge", self.total), *((f"judge {m}", u) for m, (_, u) in self.metrics.items())]:
            out.update({f"{prefix} {k}": v for k, v in use.to_json().items()})
        return out


def table(labels: list[str], judges: list[RunJudge | None]) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the judge table: one row per run with a judge (model label first, as
    given), no cost column when no run is priced; empty rows when no run has a judge."""
    priced = any(j is not None and j.total.cost is not None for j in judges)
    keep = [i for i, name in enumerate(HEADER) if priced or name != "cost"]
    rows = [[label, *(j.cells()[i] for i in keep)] for label, j in zip(labels, judges) if j is not None]
    return ["model", *(HEADER[i] for i in keep)], rows


def money(cost: float | None, currency: str | None) -> str:
    """A cost as recorded (rounded to 6 decimals by the judge client), trailing zeros dropped."""
    if cost is None:
        return "not priced"
    text = f"{cost:.6f}".rstrip("0").rstrip(".")
    return f"{text} {currency}" if currency else text


def read(info: dict[str, Any], path: Path) -> RunJudge | None:
    """The judge of a run from its run.json (`info`, read from `path`), or None without one."""
    record = info.get("judge")
    if record is None:
        return None
    where = f"{path}: field 'judge'"
    if not isinstance(record, dict) or not isinstance(record.get("metrics"), dict):
        raise InputError(f"{where} must be an object with 'metrics' and 'total' (the file is damaged)")
    metrics: dict[str, tuple[str, Use]] = {}
    for name, part in record["metrics"].items():
        at = f"{where}.metrics[{name!r}]"  # repr: a metric name in a damaged file may hold anything
        if not isinstance(part, dict):
            raise InputError(f"{at} must be an object")
        label = part.get("label")
        if not isinstance(label, str) or not label:
            raise InputError(f"{at}.label must be a non-empty string")
        metrics[str(name)] = (label, _use(part, at))
    total = _use(record.get("total"), f"{where}.total")
    return RunJudge(list(dict.fromkeys(label for label, _ in metrics.values())), total, metrics)


def _use(part: Any, where: str) -> Use:
    if not isinstance(part, dict):
        raise InputError(f"{where} must be an object")
    counts = {}
    for key in COUNTS:
        value = part.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InputError(f"{where}.{key} must be a whole number >= 0, got {value!r}")
        counts[key] = value
    cost, currency = part.get("cost"), part.get("currency")
    if cost is not None:
        if not isinstance(cost, (int, float)) or isinstance(cost, bool) or not math.isfinite(cost) or cost < 0:
            raise InputError(f"{where}.cost must be a finite number >= 0, got {cost!r}")
        if not isinstance(currency, str) or not currency:
            raise InputError(f"{where}.currency must be a non-empty string beside a cost, got {currency!r}")
    return Use(**counts, cost=None if cost is None else float(cost), currency=currency if cost is not None else None)
