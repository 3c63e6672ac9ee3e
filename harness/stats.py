"""The statistics of the harness, in one place: confidence intervals, paired tests between
systems, multiplicity correction, significance groups and power. Seeded and reproducible.

- CIs of a mean: the *expanded* percentile bootstrap (Hesterberg 2015): the percentile interval
  with its tails narrowed so that it matches a t interval's width at small n. The plain
  percentile interval covers 92-93% at n = 18-50; this one 94.5-95.5% (tests/test_stats_simulation.py).
- Paired test: approximate randomization (random sign flips of the per-document differences),
  two-sided, p = (c + 1) / (B + 1); exact enumeration of all 2^n sign vectors when 2^n <= B.
- Family-wise error: Holm's step-down correction.
- Seeds come from names through sha256, never from Python's per-process `hash()`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from types import ModuleType

ALPHA = 0.05
POWER = 0.80
CI_SAMPLES = 10_000  # bootstrap resamples for a CI (enough for its 2.5% tails)
# Resampling works in blocks of about this many draws: memory stays bounded whatever the number
# of resamples, and a signal (SIGTERM, Ctrl-C) is handled between blocks. The draws are the
# same as in one block, so the numbers do not depend on it.
CHUNK_ELEMENTS = 1 << 22

# Arrays of floats (scores, differences, p-values): with the element type named, numpy's
# functions on them are typed too (on a bare ndarray most return Any).
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MeanCI:
    mean: float | None
    low: float | None
    high: float | None
    n: int


def seed_for(*names: object, little_endian_64: bool = False) -> int:
    """A seed for one named use (stable across processes, machines and Python versions, unlike
    `hash()`): sha256 of the names joined by U+001F, its first 8 bytes read as an integer.

    Two readings of those bytes are in use, each behind published numbers: big-endian shifted to
    63 bits (comparison tables, gate, significance) and, with `little_endian_64`, little-endian
    64 bits (meta-eval's resamples and folds, called with the user's seed as the first name).
    Switching either would move every CI its callers have published."""
    digest = hashlib.sha256("\x1f".join(map(str, names)).encode("utf-8")).digest()
    if little_endian_64:
        return int.from_bytes(digest[:8], "little")
    return int.from_bytes(digest[:8], "big") >> 1


def finite(values: Sequence[float | None]) -> FloatArray:
    """The values that are numbers (None and NaN left out)."""
    x: FloatArray = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return x[~np.isnan(x)]


def expanded_tail(n: int, level: float = 0.95) -> float:
    """Tail probability of the expanded percentile interval: the normal tail at
    sqrt(n/(n-1)) * t_{n-1} (Hesterberg 2015), so the interval is not too narrow at small n."""
    if n < 2:
        return (1 - level) / 2
    z = math.sqrt(n / (n - 1)) * _t_ppf(1 - (1 - level) / 2, n - 1)
    return _norm_sf(z)


# The few distribution functions used here, from scipy.special: the same functions scipy.stats'
# t.ppf, norm.sf and norm.ppf call (so the same floats), without importing scipy.stats (about a
# second of CPU at start-up, paid by every run and every sweep worker).
@cache
def _special() -> ModuleType:
    from scipy import special

    return special


def _t_ppf(q: float, df: int) -> float:
    """scipy.stats.t.ppf(q, df)."""
    return float(_special().stdtrit(df, q))


def _norm_sf(x: float) -> float:
    """scipy.stats.norm.sf(x)."""
    return float(_special().ndtr(-x))


def _norm_ppf(q: float) -> float:
    """scipy.stats.norm.ppf(q)."""
    return float(_special().ndtri(q))


def mean_ci(x: np.ndarray, samples: int, rng: np.random.Generator, level: float = 0.95) -> MeanCI:
    """Mean of x and its expanded-percentile bootstrap CI (x already free of NaN)."""
    x = np.asarray(x, dtype=float)
    if len(x) == 0:
        return MeanCI(None, None, None, 0)
    mean = float(x.mean())
    if len(x) == 1 or samples <= 0:
        return MeanCI(mean, mean, mean, len(x))
    low, high = mean_cis(x[None, :], samples, rng, level)
    return MeanCI(mean, float(low[0]), float(high[0]), len(x))


def mean_cis(
    rows: np.ndarray, samples: int, rng: np.random.Generator, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Expanded-percentile bootstrap CIs of the mean of each row of `rows` (k x n, n >= 2), all
    rows resampled with the same document draws."""
    k, n = rows.shape
    means = np.empty((k, samples))
    step = max(1, CHUNK_ELEMENTS // (n * k))
    for start in range(0, samples, step):
        stop = min(samples, start + step)
        idx = rng.integers(0, n, size=(stop - start, n), dtype=np.int32)
        means[:, start:stop] = np.take(rows, idx, axis=1).sum(axis=2) / n
    tail = expanded_tail(n, level)
    low, high = np.quantile(means, [tail, 1 - tail], axis=1)
    return low, high


def bootstrap_mean_ci(values: Sequence[float | None], samples: int = 1000, seed: int = 0) -> MeanCI:
    """Mean and 95% bootstrap CI over examples; None and NaN are left out (n counts the rest)."""
    return mean_ci(finite(values), samples, np.random.default_rng(seed))


# ---- paired approximate randomization ----


_BYTE_BITS = ((np.arange(256)[:, None] >> np.arange(8)[None, :]) & 1).astype(float)  # 256 x 8


def _flipped_sums(d: FloatArray, samples: int, rng: np.random.Generator) -> tuple[FloatArray, bool]:
    """|sum of sign-flipped d| per sign vector and column of d (n x k): over all 2^n sign vectors
    when that is at most `samples` (exact), else over `samples` random ones. Returns (sums, exact).

    Random signs come as bytes, 8 documents a byte; the sum of the flipped documents of each
    byte is looked up in a table of all 256 patterns, so no samples x n matrix is built.
    """
    n, k = d.shape
    total = d.sum(axis=0)
    if n <= 20 and 2**n <= samples:
        bits = ((np.arange(2**n)[:, None] >> np.arange(n)[None, :]) & 1).astype(float)
        return np.abs(total - 2 * (bits @ d)), True
    groups = (n + 7) // 8
    padded = np.zeros((groups * 8, k))
    padded[:n] = d
    table = np.einsum("bj,gjk->gbk", _BYTE_BITS, padded.reshape(groups, 8, k))  # flipped sum of each byte pattern
    flipped = np.zeros((samples, k))
    # Blocks of a multiple of 4 rows x `groups` bytes draw the same bytes as one call would.
    step = max(4, CHUNK_ELEMENTS // (groups * k) // 4 * 4)
    for start in range(0, samples, step):
        stop = min(samples, start + step)
        raw = np.frombuffer(rng.bytes((stop - start) * groups), dtype=np.uint8).reshape(stop - start, groups)
        block = flipped[start:stop]
        for g in range(groups):
            block += table[g][raw[:, g]]
    return np.abs(total - 2 * flipped), False


def sign_flip_pvalues(
    differences: npt.ArrayLike, samples: int = 10_000, rng: np.random.Generator | None = None
) -> FloatArray:
    """Two-sided paired approximate-randomization p-values of mean(d) = 0, one per column of
    `differences` (n documents x k comparisons; every column uses the same sign draws).

    Under the null the sign of each document's difference is exchangeable: c counts random sign
    vectors whose |sum| reaches the observed one, p = (c + 1) / (B + 1). When 2^n <= B every
    sign vector is enumerated and p is exact (the identity is one of them).
    """
    d: FloatArray = np.asarray(differences, dtype=np.float64)
    if d.ndim == 1:
        d = d[:, None]
    n, k = d.shape
    if n == 0:
        return np.ones(k)
    rng = rng if rng is not None else np.random.default_rng(0)
    flipped, exact = _flipped_sums(d, samples, rng)
    observed = np.abs(d.sum(axis=0))
    tolerance = 1e-9 * np.maximum(np.abs(d).sum(axis=0), 1e-300)  # float noise must not break ties
    # numpy types a sum along an axis as Any; this one counts, per column, the sums reaching it.
    count: npt.NDArray[np.intp] = (flipped >= observed - tolerance).sum(axis=0)
    p = count / len(flipped) if exact else (count + 1) / (len(flipped) + 1)
    return np.minimum(p, 1.0)


def samples_for_family(family_size: int, alpha: float = ALPHA, samples: int = 10_000) -> int:
    """Resamples for each test of a family of `family_size`: at least `samples`, and enough that
    the smallest attainable p, 1/(B+1), is a tenth of Holm's first threshold alpha/m (else a large
    family could never show a difference)."""
    return max(samples, math.ceil(10 * family_size / alpha))


@dataclass(frozen=True)
class PairedResult:
    """a minus b on the documents both scored."""

    n: int
    diff: float | None
    ci_low: float | None
    ci_high: float | None
    p: float
    sd: float | None  # of the per-document differences
    exact: bool
    min_p: float = 1.0  # the smallest p this test can return on these documents (few documents: large)


def paired_test(a: np.ndarray, b: np.ndarray, samples: int = 10_000, seed: int = 0, shift: float = 0.0) -> PairedResult:
    """Sign-flip test and bootstrap CI of mean(a - b) over paired arrays (NaN pairs left out).

    `shift` tests mean(a - b) = -shift instead (e.g. a margin); the CI is of the unshifted mean.
    Both resamplings come from one generator seeded by `seed`.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    d = a[keep] - b[keep]
    n = len(d)
    if n == 0:
        return PairedResult(0, None, None, None, 1.0, None, True)
    rng = np.random.default_rng(seed)
    p = float(sign_flip_pvalues(d + shift, samples, rng)[0])
    ci = mean_ci(d, min(samples, CI_SAMPLES), rng)  # a larger B only refines small p-values
    sd = float(d.std(ddof=1)) if n > 1 else None
    min_p = smallest_p(int(np.count_nonzero(d + shift)), n, samples)
    return PairedResult(n, ci.mean, ci.low, ci.high, p, sd, n <= 20 and 2**n <= samples, min_p)


def smallest_p(nonzero: int, n: int, samples: int) -> float:
    """The smallest p the two-sided sign-flip test can return on n differences, `nonzero` of them
    not 0: the observed signs and their mirror are always counted, so 2 / 2^nonzero when every
    sign vector is enumerated (2^n <= samples), and never below 1 / (samples + 1) otherwise."""
    if nonzero == 0:
        return 1.0
    floor = 2.0 ** (1 - nonzero)
    return floor if 2**n <= samples else max(floor, 1.0 / (samples + 1))


def documents_for_alpha(alpha: float = ALPHA) -> int:
    """The fewest documents with which the exact sign-flip test can give p < alpha (6 at 0.05)."""
    return int(math.floor(math.log2(1 / alpha))) + 2


# ---- multiplicity ----


def holm(pvalues: Sequence[float]) -> FloatArray:
    """Holm's step-down adjusted p-values (same order as the input; NaN stays NaN)."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full(len(p), np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    scaled = (m - np.arange(m)) * p[order]
    out[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return out


def letter_groups(ranked: Sequence[str], different: set[frozenset[str]]) -> dict[str, str]:
    """Compact letter display (Piepho 2004, insert-and-absorb): runs sharing a letter are not
    significantly different. `ranked` is best first; `different` holds the significant pairs.
    Letters are given in rank order, so the best run's group is "a"."""
    groups: list[set[str]] = [set(ranked)]
    for pair in sorted(different, key=sorted):
        i, j = tuple(pair)
        split: list[set[str]] = []
        for g in groups:
            if i in g and j in g:
                split += [g - {i}, g - {j}]
            else:
                split.append(g)
        groups = [g for g in split if g and not any(g < h for h in split)]
        groups = [g for k, g in enumerate(groups) if g not in groups[:k]]
    rank = {label: k for k, label in enumerate(ranked)}
    groups.sort(key=lambda g: sorted(rank[x] for x in g))
    letters = {label: "" for label in ranked}
    for k, g in enumerate(groups):
        letter = _letter(k)
        for label in g:
            letters[label] += letter
    return letters


def _letter(k: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[k] if k < 26 else f"[{k}]"


# ---- power ----


def min_detectable_difference(
    sd: float | None, n: int, alpha: float = ALPHA, power: float = POWER, min_p: float = 0.0
) -> float | None:
    """Smallest true mean difference a two-sided paired test at `alpha` detects with `power`,
    given the standard deviation of the per-document differences (t approximation); None when
    the test cannot reach p < alpha at all (`min_p`, e.g. 5 documents: 2/32)."""
    if sd is None or n < 2 or min_p >= alpha:
        return None
    return _detectable(sd, n, alpha, power)


def _detectable(sd: float, n: int, alpha: float, power: float) -> float:
    """The t approximation of min_detectable_difference, for n >= 2 documents."""
    return float((_t_ppf(1 - alpha / 2, n - 1) + _t_ppf(power, n - 1)) * sd / math.sqrt(n))


MAX_DOCUMENTS = 10**9  # beyond any dataset: "docs to detect" is left empty


def documents_needed(
    sd: float | None, difference: float | None, alpha: float = ALPHA, power: float = POWER
) -> int | None:
    """Documents a paired test needs to detect `difference` with `power` (None: no difference,
    or more than MAX_DOCUMENTS); never fewer than the exact sign-flip test needs to reach alpha."""
    if sd is None or difference is None or difference == 0:
        return None
    if sd == 0:
        return documents_for_alpha(alpha)
    z = (_norm_ppf(1 - alpha / 2) + _norm_ppf(power)) * sd / abs(difference)
    if not z * z < MAX_DOCUMENTS:  # also catches an infinite ratio
        return None
    n = max(2, math.ceil(z * z))
    while _detectable(sd, n, alpha, power) > abs(difference):
        n += 1
    return max(n, documents_for_alpha(alpha))


# ---- rank correlation ----


def spearman_rho(x: np.ndarray, y: np.ndarray) -> float:
    """scipy.stats.spearmanr(x, y).statistic for finite, non-constant x and y, without importing
    scipy.stats: the same average ranks and the same np.corrcoef call on the same layout."""
    ranked = np.column_stack([_average_ranks(np.asarray(x, dtype=float)), _average_ranks(np.asarray(y, dtype=float))])
    return float(np.corrcoef(ranked, rowvar=False)[1, 0])


def _average_ranks(x: FloatArray) -> npt.NDArray[np.floating]:
    """Ranks 1..n, ties sharing their average rank (scipy.stats.rankdata's default)."""
    order = np.argsort(x, kind="mergesort")
    ordered = x[order]
    # np.r_ is typed Any, so `starts` and `bounds` say what it builds; numpy's stubs type a cumsum
    # of booleans as booleans, so the dtype (numpy's default integer, as before) is named.
    starts: npt.NDArray[np.bool_] = np.r_[True, ordered[1:] != ordered[:-1]]
    dense = np.cumsum(starts, dtype=np.intp)[np.argsort(order, kind="mergesort")]
    bounds: npt.NDArray[np.intp] = np.r_[np.nonzero(starts)[0], len(x)]
    return 0.5 * (bounds[dense] + bounds[dense - 1] + 1)


# ---- kept for harness meta-eval ----


def resample_indices(n: int, samples: int, seed: int) -> npt.NDArray[np.int64]:
    """`samples` x `n` bootstrap draws of range(n) with replacement; the same seed gives the same
    draws, so statistics computed on them are paired across metrics."""
    return np.random.default_rng(seed).integers(0, n, size=(samples, n))


def percentile_ci(values: Sequence[float] | np.ndarray, level: float = 0.95) -> tuple[float | None, float | None]:
    """Percentile interval of bootstrap replicates; NaN replicates (statistic undefined on that
    resample) are left out. (None, None) when none is defined."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return None, None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(x, [tail, 100 - tail])
    return float(low), float(high)


def percentiles(values: Sequence[float], ps: Sequence[float] = (50, 95, 99)) -> dict[str, float] | None:
    """`{"p50": ..., "p95": ..., "p99": ...}` of the values (linear between the closest ranks, as
    numpy's default and most latency dashboards: rank p/100 * (n - 1)); None when there are none."""
    x = sorted(float(v) for v in values)
    if not x:
        return None
    out = {}
    for p in ps:
        rank = p / 100 * (len(x) - 1)
        low = int(rank)
        high = min(low + 1, len(x) - 1)
        out[f"p{p:g}"] = x[low] + (x[high] - x[low]) * (rank - low)
    return out
