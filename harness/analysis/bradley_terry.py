"""Bradley-Terry strengths, win rates, length-controlled win rates and the judge's biases, from
pairwise outcomes, with bootstrap CIs over documents.

One model serves strengths and length control: a logistic regression of the outcome of "a vs b"
on system effects (+1 for a, -1 for b), fitted by Newton's method.

- Ties are half a win each way: the outcome is 0, 1/2 or 1, and the (fractional) logistic
  likelihood is the Bradley-Terry likelihood with each tie split into half a win for each side,
  as Chatbot Arena's leaderboard counts them (Zheng et al. 2023; Chiang et al. 2024). We chose
  this over Davidson's tie parameter because most of our ties are the two orders disagreeing
  (position bias), not a judge saying "tie", and a tie then says "no evidence either way".
- `prior`: each pair of systems gets that many virtual comparisons scored as a tie, so strengths
  stay finite when a system wins (or loses) every comparison, in a bootstrap resample too; 0.5
  against a pair's usual hundreds of comparisons moves a strength by well under its CI.
- Length control after AlpacaEval's length-controlled win rate (Dubois et al. 2024, "Length-
  Controlled AlpacaEval"): the regression also gets tanh(length difference / its standard
  deviation) (in words); win rates are predicted with that term at zero, i.e. as if the two
  summaries were equally long.
- CIs: percentile intervals of B bootstrap resamples of the documents (every comparison of a
  document goes with it), one set of draws for every statistic, seeded.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from harness.stats import seed_for

PRIOR = 0.5
CHUNK = 64  # resamples fitted at once (memory: CHUNK x comparisons x parameters floats)


@dataclass(frozen=True)
class Outcomes:
    """One row per judged (document, pair of systems), both orders asked and read.

    `y` is a's score: 1 a won in both orders, 0 b did, 1/2 otherwise (a tie, or the orders
    disagreed). `length` is a's words minus b's. `flipped`: the two orders gave different verdicts
    (in terms of systems). `first`: of the two single-order verdicts, how many chose the summary
    shown first; `decisive`: how many chose either summary (not "tie")."""

    systems: int
    doc: np.ndarray  # document index 0..D-1
    a: np.ndarray
    b: np.ndarray
    y: np.ndarray
    length: np.ndarray
    flipped: np.ndarray
    first: np.ndarray
    decisive: np.ndarray

    @property
    def documents(self) -> int:
        return int(self.doc.max()) + 1 if len(self.doc) else 0


@dataclass(frozen=True)
class Estimate:
    value: float | None
    low: float | None
    high: float | None

    def record(self, digits: int = 4) -> dict[str, float | None]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, digits)

        return {"value": r(self.value), "low": r(self.low), "high": r(self.high)}


@dataclass(frozen=True)
class Analysis:
    strength: list[Estimate]  # Bradley-Terry log-strength per system, centred on their mean
    lc_strength: list[Estimate]  # the same with the length term (at zero length difference)
    win_rate: list[Estimate]  # observed, ties half, against the reference (baseline or every other system)
    lc_win_rate: list[Estimate]  # predicted at zero length difference, against the same reference
    bt_win_rate: list[Estimate]  # predicted by the Bradley-Terry strengths (no length term)
    matrix: list[list[Estimate | None]]  # [i][j]: i's observed win rate against j (None: never compared)
    comparisons: np.ndarray  # [i][j]: judged pairs of i and j
    length_coefficient: Estimate  # the regression's weight on tanh(length difference / sd); None: lengths never differ
    length_scale: float | None  # the sd of the length differences, in words
    position_flip_rate: Estimate  # share of pairs whose verdict changes with the order
    first_position_share: Estimate  # of single-order verdicts choosing a summary, the share choosing the first
    longer_wins: Estimate  # of decided pairs whose lengths differ, the share won by the longer summary
    reference: int | None  # the baseline system, or None: the average over the other systems
    samples: int


def expit(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def design(out: Outcomes, length_feature: np.ndarray | None) -> np.ndarray:
    """Columns: systems 1..K-1 (system 0's effect is fixed at 0), then the length feature."""
    x = np.zeros((len(out.y), out.systems))
    rows = np.arange(len(out.y))
    x[rows, out.a] += 1.0
    x[rows, out.b] -= 1.0
    x = x[:, 1:]
    return x if length_feature is None else np.column_stack([x, length_feature])


def prior_rows(systems: int, columns: int) -> np.ndarray:
    """One virtual tie per pair of systems (length feature 0)."""
    rows = []
    for i in range(systems):
        for j in range(i + 1, systems):
            row = np.zeros(systems)
            row[i], row[j] = 1.0, -1.0
            rows.append(np.r_[row[1:], np.zeros(columns - (systems - 1))])
    return np.array(rows).reshape(-1, columns)


def logistic_fit(x: np.ndarray, won: np.ndarray, weights: np.ndarray, iterations: int = 100) -> np.ndarray:
    """Weighted logistic regression with fractional outcomes, one fit per row of `weights`
    (B x N; `won`: weight x outcome, B x N): coefficients B x p. Newton's method; the likelihood
    is concave, steps are capped so a near-separable resample cannot overshoot."""
    p = x.shape[1]
    outer = (x[:, :, None] * x[:, None, :]).reshape(len(x), p * p)  # the Hessian is curvature @ outer
    coef = np.zeros((weights.shape[0], p))
    for _ in range(iterations):
        mu = expit(coef @ x.T)
        gradient = (won - weights * mu) @ x
        curvature = weights * mu * (1.0 - mu)
        hessian = (curvature @ outer).reshape(-1, p, p) + 1e-9 * np.eye(p)
        step = np.clip(np.linalg.solve(hessian, gradient[..., None])[..., 0], -5.0, 5.0)
        coef += step
        if np.abs(step).max() < 1e-10:
            break
    return coef


def collapse(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows with the same covariates merged (the likelihood is unchanged): (distinct rows, summed
    weight x outcome, summed weights). Without a length term every comparison of a pair of systems
    is one row, so the bootstrap's fits are of 15 rows for 6 systems, not thousands."""
    distinct, inverse = np.unique(x, axis=0, return_inverse=True)
    order = np.argsort(inverse.ravel(), kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(inverse.ravel()[order])) + 1]
    return (
        distinct,
        np.add.reduceat((weights * y)[:, order], starts, axis=1),
        np.add.reduceat(weights[:, order], starts, axis=1),
    )


def fit(
    out: Outcomes, weights: np.ndarray, length_feature: np.ndarray | None = None, prior: float = PRIOR
) -> tuple[np.ndarray, np.ndarray | None]:
    """(log-strengths B x K centred on their mean, length coefficients B or None)."""
    x, won, weights = collapse(design(out, length_feature), out.y.astype(float), weights)
    if prior > 0:
        extra = prior_rows(out.systems, x.shape[1])
        x = np.vstack([x, extra])
        won = np.hstack([won, np.full((len(won), len(extra)), 0.5 * prior)])
        weights = np.hstack([weights, np.full((len(weights), len(extra)), prior)])
    coef = np.vstack(
        [logistic_fit(x, won[s : s + CHUNK], weights[s : s + CHUNK]) for s in range(0, len(weights), CHUNK)]
    )
    theta = np.column_stack([np.zeros(len(coef)), coef[:, : out.systems - 1]])
    theta -= theta.mean(axis=1, keepdims=True)
    return theta, (coef[:, -1] if length_feature is not None else None)


def predicted_win_rates(theta: np.ndarray, reference: int | None) -> np.ndarray:
    """B x K: each system's predicted win rate against the reference (or averaged over the others)."""
    p = expit(theta[:, :, None] - theta[:, None, :])
    if reference is not None:
        return p[:, :, reference]
    k = theta.shape[1]
    return (p.sum(axis=2) - 0.5) / (k - 1)


def observed(out: Outcomes, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(wins B x K x K with ties half, comparisons B x K x K)."""
    k, n = out.systems, len(out.y)
    won = np.zeros((n, k * k))
    met = np.zeros((n, k * k))
    rows = np.arange(n)
    won[rows, out.a * k + out.b] = out.y
    won[rows, out.b * k + out.a] = 1.0 - out.y
    met[rows, out.a * k + out.b] = 1.0
    met[rows, out.b * k + out.a] = 1.0
    return (weights @ won).reshape(-1, k, k), (weights @ met).reshape(-1, k, k)


def observed_win_rates(wins: np.ndarray, met: np.ndarray, reference: int | None) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = wins / met
    if reference is not None:
        return rate[:, :, reference]
    k = wins.shape[1]
    off = ~np.eye(k, dtype=bool)
    with warnings.catch_warnings():  # a resample in which a system met no other: NaN, left out of its CI
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.where(off, rate, np.nan), axis=2)


def ratio(weights: np.ndarray, numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (weights @ numerator) / (weights @ denominator)


def document_weights(out: Outcomes, samples: int, seed: int) -> np.ndarray:
    """Row 0: every comparison once; rows 1..samples: bootstrap resamples of the documents (a
    comparison weighted by how often its document was drawn)."""
    d = out.documents
    rng = np.random.default_rng(seed_for("pairwise bootstrap", seed))
    counts = np.zeros((samples + 1, d))
    counts[0] = 1.0
    if samples and d:
        draws = rng.integers(0, d, size=(samples, d))
        np.add.at(counts, (np.repeat(np.arange(1, samples + 1), d), draws.ravel()), 1.0)
    return counts[:, out.doc]


def estimate(values: np.ndarray, level: float = 0.95) -> Estimate:
    """values[0] is the statistic, values[1:] its bootstrap replicates (NaN: undefined there)."""
    point = float(values[0])
    if np.isnan(point):
        return Estimate(None, None, None)
    rest = values[1:][~np.isnan(values[1:])]
    if not len(rest):
        return Estimate(point, None, None)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(rest, [tail, 100 - tail])
    return Estimate(point, float(low), float(high))


def length_scale(out: Outcomes) -> float | None:
    sd = float(np.std(out.length)) if len(out.length) else 0.0
    return sd if sd > 0 else None


def analyse(
    out: Outcomes, samples: int = 1000, seed: int = 0, reference: int | None = None, prior: float = PRIOR
) -> Analysis:
    """Every statistic of `harness pairwise` with its bootstrap CI."""
    k = out.systems
    weights = document_weights(out, samples, seed)
    theta, _ = fit(out, weights, None, prior)
    scale = length_scale(out)
    feature = None if scale is None else np.tanh(out.length / scale)
    lc_theta, gamma = fit(out, weights, feature, prior) if feature is not None else (theta, None)
    wins, met = observed(out, weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        pair_rates = wins / met
    decided = (out.y != 0.5) & (out.length != 0)
    longer_won = decided & ((out.y == 1.0) == (out.length > 0))
    columns = range(k)
    return Analysis(
        strength=[estimate(theta[:, i]) for i in columns],
        lc_strength=[estimate(lc_theta[:, i]) for i in columns],
        win_rate=[estimate(v) for v in observed_win_rates(wins, met, reference).T],
        lc_win_rate=[estimate(v) for v in predicted_win_rates(lc_theta, reference).T],
        bt_win_rate=[estimate(v) for v in predicted_win_rates(theta, reference).T],
        matrix=[[estimate(pair_rates[:, i, j]) if i != j and met[0, i, j] else None for j in columns] for i in columns],
        comparisons=met[0].astype(int),
        length_coefficient=estimate(gamma) if gamma is not None else Estimate(None, None, None),
        length_scale=scale,
        position_flip_rate=estimate(ratio(weights, out.flipped.astype(float), np.ones(len(out.y)))),
        first_position_share=estimate(ratio(weights, out.first.astype(float), out.decisive.astype(float))),
        longer_wins=estimate(ratio(weights, longer_won.astype(float), decided.astype(float))),
        reference=reference,
        samples=samples,
    )
