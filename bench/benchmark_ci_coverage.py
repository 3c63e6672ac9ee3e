"""Simulation: how often the CIs of `harness meta-eval --benchmark` cover a checker's true
balanced accuracy.

A scripted checker is right with probability p on balanced labelled claims (two datasets, n dev
and n test claims each; score 0.9 for "supported", 0.1 otherwise), so its balanced accuracy is p.
Each replication draws new claims, chooses each dataset's threshold on its dev claims and
computes the 95% CIs exactly as the command does (`detection.evaluate_field`); the script prints
how often the per-dataset CI and the macro average's CI contain p, and the mean point error.

Usage: python bench/benchmark_ci_coverage.py [--reps 400] [--n 100 400] [--p 0.8]
"""

from __future__ import annotations

import argparse

import numpy as np

from harness.analysis.meta_eval.detection import evaluate_field


def replication(rng: np.random.Generator, n: int, p: float, seed: int) -> tuple[list[bool], bool, float]:
    labels, datasets, is_dev, scores = [], [], [], []
    for dataset in ("A", "B"):
        for dev in (True, False):
            y = np.arange(n) % 2
            right = rng.random(n) < p
            answer = np.where(right, y, 1 - y)
            labels += list(y)
            scores += list(np.where(answer == 1, 0.9, 0.1))
            datasets += [dataset] * n
            is_dev += [dev] * n
    result = evaluate_field(
        "sim",
        np.array(scores),
        np.array(labels, dtype=float),
        datasets,
        np.array(is_dev),
        True,
        samples=1000,
        seed=seed,
    )
    covered = [r.ci95 is not None and r.ci95[0] <= p <= r.ci95[1] for r in result.datasets]
    average = result.average_ci95 is not None and result.average_ci95[0] <= p <= result.average_ci95[1]
    return covered, average, float(result.average or 0) - p


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=400)
    parser.add_argument("--n", type=int, nargs="+", default=[100, 400])
    parser.add_argument("--p", type=float, default=0.8)
    args = parser.parse_args()
    print(
        "| n dev = n test per dataset | p | per-dataset CI covers p | average CI covers p | mean error of the average |"
    )
    print("|---|---|---|---|---|")
    for n in args.n:
        rng = np.random.default_rng(n)
        per, avg, err = [], [], []
        for rep in range(args.reps):
            covered, average, error = replication(rng, n, args.p, rep)
            per += covered
            avg.append(average)
            err.append(error)
        print(f"| {n} | {args.p} | {np.mean(per):.3f} | {np.mean(avg):.3f} | {np.mean(err):+.4f} |")


if __name__ == "__main__":
    main()
