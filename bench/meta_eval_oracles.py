"""Recompute meta-eval's partial correlations and balanced accuracy with independent libraries.

Reads a `harness meta-eval` output folder (meta_eval.json and meta_eval_scores.jsonl, the
per-summary scores) and recomputes, from the per-summary scores alone:

  partial r                 pingouin.partial_corr(method="pearson") of metric and human with the
                            system one-hot encoded as covariates, and FRANK's own code path
                            (scikit-learn LinearRegression on the one-hot system, scipy pearsonr
                            of the residuals)
  partial rho               FRANK's code path with scipy spearmanr of the residuals (pingouin's
                            method="spearman" ranks first: a different quantity)
  balanced accuracy         scikit-learn's balanced_accuracy_score of held-out decisions; each
                            fold's threshold found by brute force over every training score
                            (sklearn's score of each candidate), the folds being meta-eval's
                            seeded document folds (SummaC's protocol, cross-validated)

and prints them beside meta-eval's figures with the largest difference.

    python bench/meta_eval_oracles.py OUT_DIR [OUT_DIR ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's harness, not an installed one
from harness.analysis.meta_eval.classification import document_folds  # noqa: E402


def read_folder(folder: Path) -> tuple[dict, list[dict]]:
    payload = json.loads((folder / "meta_eval.json").read_text())
    rows = [json.loads(line) for line in (folder / "meta_eval_scores.jsonl").read_text().splitlines()]
    return payload, rows


def columns(rows: list[dict], field: str, human: str):
    """metric, human, system index, document id for the summaries where both are present."""
    kept = [r for r in rows if r["metrics"][field] is not None and r["human"][human] is not None]
    systems = sorted({r["system_id"] for r in kept})
    return (
        np.array([r["metrics"][field] for r in kept]),
        np.array([r["human"][human] for r in kept]),
        np.array([systems.index(r["system_id"]) for r in kept]),
        [r["doc_id"] for r in kept],
    )


def pingouin_partial(metric: np.ndarray, human: np.ndarray, system: np.ndarray) -> float:
    import pandas as pd
    import pingouin

    frame = pd.DataFrame({"metric": metric, "human": human})
    covariates = []
    for s in np.unique(system)[1:]:
        frame[f"s{s}"] = (system == s).astype(float)
        covariates.append(f"s{s}")
    return float(pingouin.partial_corr(frame, x="metric", y="human", covar=covariates, method="pearson")["r"].iloc[0])


def frank_partial(metric: np.ndarray, human: np.ndarray, system: np.ndarray, method: str) -> float:
    """FRANK's evaluate.py (human_metric_correlation): one-hot system, LinearRegression
    residuals, scipy pearsonr / spearmanr. Residuals rounded to 10 decimals so that exact ties
    stay ties (as meta-eval does)."""
    from scipy import stats
    from sklearn.linear_model import LinearRegression
    from sklearn.preprocessing import OneHotEncoder

    q = OneHotEncoder().fit_transform(system.reshape(-1, 1))
    x = np.round(metric - LinearRegression().fit(q, metric).predict(q), 10)
    y = np.round(human - LinearRegression().fit(q, human).predict(q), 10)
    return float((stats.pearsonr if method == "pearson" else stats.spearmanr)(x, y)[0])


def sklearn_balanced_accuracy(
    metric: np.ndarray,
    labels: np.ndarray,
    doc_ids: list[str],
    all_docs: list[str],
    seed: int,
    higher_is_better: bool | None,
) -> float:
    from sklearn.metrics import balanced_accuracy_score

    folds = document_folds(all_docs, seed)
    fold_of = dict(zip(all_docs, folds))
    fold = np.array([fold_of[d] for d in doc_ids])
    decisions = np.full(len(metric), np.nan)
    signs = {True: [1.0], False: [-1.0], None: [1.0, -1.0]}[higher_is_better]
    for f in np.unique(fold):
        train, test = fold != f, fold == f
        if len(np.unique(labels[train])) < 2:
            continue
        best = (-1.0, 0.0, 1.0)  # accuracy, threshold, sign
        for sign in signs:
            scores = sign * metric[train]
            # every distinct training score, and one above the maximum (nothing positive)
            for threshold in [*np.unique(scores), np.inf]:
                accuracy = balanced_accuracy_score(labels[train], scores >= threshold)
                if accuracy > best[0] + 1e-12:
                    best = (accuracy, threshold, sign)
        _, threshold, sign = best
        # The same decisions on the training folds; a held-out score between two training scores
        # needs a rule: meta-eval's cut lies midway between the chosen score and the next lower
        # one (1 below the lowest, 1 above the highest for "nothing positive").
        distinct = np.unique(sign * metric[train])
        below = distinct[distinct < threshold]
        if not np.isfinite(threshold):
            cut = distinct[-1] + 1.0
        elif len(below):
            cut = (below[-1] + threshold) / 2
        else:
            cut = threshold - 1.0
        decisions[test] = sign * metric[test] >= cut
    keep = ~np.isnan(decisions)
    return float(balanced_accuracy_score(labels[keep], decisions[keep].astype(bool)))


def compare(folder: Path) -> float:
    payload, rows = read_folder(folder)
    protocol = payload["protocol"]
    seed = protocol["bootstrap"]["seed"]
    all_docs = list(dict.fromkeys(r["doc_id"] for r in rows))
    directions = protocol.get("higher_is_better", {})
    worst = 0.0
    print(f"\n{folder} ({protocol['data']['file']})")
    print(f"{'metric':<24} {'human':<27} {'statistic':<18} {'meta-eval':>9} {'oracle':>9}  oracle")
    for field, by_human in payload["results"].items():
        for human, levels in by_human.items():
            metric, values, system, docs = columns(rows, field, human)
            glob = levels["global"]
            checks = []
            if glob.get("partial_pearson", {}).get("value") is not None:
                checks.append(("partial_pearson", pingouin_partial(metric, values, system), "pingouin"))
                checks.append(("partial_pearson", frank_partial(metric, values, system, "pearson"), "FRANK's script"))
            if glob.get("partial_spearman", {}).get("value") is not None:
                checks.append(("partial_spearman", frank_partial(metric, values, system, "spearman"), "FRANK's script"))
            if glob.get("balanced_accuracy", {}).get("value") is not None:
                oracle = sklearn_balanced_accuracy(metric, values, docs, all_docs, seed, directions.get(field, True))
                checks.append(("balanced_accuracy", oracle, "scikit-learn"))
            for name, oracle, source in checks:
                ours = glob[name]["value"]
                worst = max(worst, abs(ours - oracle))
                print(f"{field:<24} {human:<27} {name:<18} {ours:>9.4f} {oracle:>9.4f}  {source}")
    print(f"largest difference: {worst:.1e}")
    return worst


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(0 if max(compare(Path(p)) for p in sys.argv[1:]) < 1e-6 else 1)
