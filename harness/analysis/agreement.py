"""Inter-annotator agreement: Krippendorff's alpha, nominal and ordinal, with a bootstrap CI over items.

Alpha as Krippendorff defines it (Content Analysis, 4th ed., 2019, ch. 12; "Computing Krippendorff's
Alpha-Reliability", 2011), from the coincidence matrix: each item (unit) with m >= 2 values adds,
for every ordered pair of values from two different annotators, 1 / (m - 1) to o[c, k]. With
n_c = sum_k o[c, k] and n = sum_c n_c,

    alpha = 1 - (n - 1) * sum_ck o[c, k] d2(c, k) / sum_ck n_c n_k d2(c, k)

nominal d2(c, k) = [c != k]; ordinal d2(c, k) = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2 over the
categories in their order. Items with fewer than two values are not pairable and do not count;
alpha is undefined (None, with the reason) when fewer than two values are pairable or every pairable
value is the same (no expected disagreement).

The CI resamples items with replacement (seeded): each resample's coincidence matrix is the sum of
its items' own, so every resample costs one matrix product.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from harness.stats import percentile_ci, seed_for

LEVELS = ("nominal", "ordinal")
_BLOCK_ELEMENTS = 1 << 22  # resamples x items per matrix product: memory stays bounded with many items


@dataclass(frozen=True)
class Alpha:
    level: str
    value: float | None
    ci95: tuple[float, float] | None
    items: int  # items with at least two values (pairable)
    values: int  # pairable values (n)
    reason: str | None = None  # why the value is None


def unit_coincidences(units: Sequence[Sequence[Hashable | None]], categories: Sequence[Hashable]) -> np.ndarray:
    """Items x categories x categories: each item's contribution to the coincidence matrix.
    `units` holds each item's values (one per annotator; None: not annotated)."""
    index = {c: i for i, c in enumerate(categories)}
    out = np.zeros((len(units), len(categories), len(categories)))
    for u, values in enumerate(units):
        present = [index[v] for v in values if v is not None]
        if len(present) < 2:
            continue
        counts = np.bincount(present, minlength=len(categories)).astype(float)
        out[u] = (np.outer(counts, counts) - np.diag(counts)) / (len(present) - 1)
    return out


def _squared_distances(level: str, totals: np.ndarray) -> np.ndarray:
    """d2(c, k) for each row of `totals` (... x V): V x V, or ... x V x V for ordinal."""
    size = totals.shape[-1]
    if level == "nominal":
        return 1.0 - np.eye(size)
    if level != "ordinal":
        raise ValueError(f"unknown level of measurement {level!r}; one of {', '.join(LEVELS)}")
    cumulative = np.cumsum(totals, axis=-1)
    low = np.minimum.outer(np.arange(size), np.arange(size))
    high = np.maximum.outer(np.arange(size), np.arange(size))
    between = cumulative[..., high] - cumulative[..., low] + totals[..., low]  # sum of n_g for g in [low, high]
    return (between - (totals[..., :, None] + totals[..., None, :]) / 2) ** 2


def alpha_of(coincidences: np.ndarray, level: str) -> np.ndarray:
    """Alpha of each coincidence matrix (... x V x V); NaN where undefined."""
    totals = coincidences.sum(-1)
    n = totals.sum(-1)
    d2 = _squared_distances(level, totals)
    observed = (coincidences * d2).sum((-2, -1))
    expected = (totals[..., :, None] * totals[..., None, :] * d2).sum((-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        value = 1.0 - (n - 1) * observed / expected
    return np.where((n >= 2) & (expected > 0), value, np.nan)


def krippendorff_alpha(
    units: Sequence[Sequence[Hashable | None]],
    categories: Sequence[Hashable],
    level: str = "nominal",
    samples: int = 1000,
    seed: int = 0,
    name: str = "",
) -> Alpha:
    """Alpha over `units` (each item's values, None where an annotator gave none), `categories` in
    their order (it matters for ordinal), with a percentile CI from `samples` resamples of items
    (0: none). `name` keys the resampling seed, so each kind of judgment gets its own draws."""
    per_unit = unit_coincidences(units, categories)
    pairable = per_unit.sum((1, 2)) > 0
    per_unit = per_unit[pairable]
    totals = per_unit.sum(0)
    n = int(round(totals.sum()))
    value = float(alpha_of(totals, level))
    if np.isnan(value):
        reason = "fewer than two items annotated twice" if n < 2 else "every annotator gave the same value"
        return Alpha(level, None, None, len(per_unit), n, reason)
    ci = None
    if samples > 0:
        rng = np.random.default_rng(seed_for(seed, "annotations", name, level))
        flat = per_unit.reshape(len(per_unit), -1)
        replicates = []
        block = max(1, _BLOCK_ELEMENTS // len(per_unit))
        for start in range(0, samples, block):
            draws = rng.integers(0, len(per_unit), size=(min(block, samples - start), len(per_unit)))
            counts = np.zeros((len(draws), len(per_unit)))
            np.add.at(counts, (np.repeat(np.arange(len(draws)), len(per_unit)), draws.ravel()), 1)
            replicates.append(alpha_of((counts @ flat).reshape(len(draws), *totals.shape), level))
        low, high = percentile_ci(np.concatenate(replicates))
        ci = (low, high) if low is not None and high is not None else None
    return Alpha(level, value, ci, len(per_unit), n)
