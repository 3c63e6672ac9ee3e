"""Balanced accuracy of a metric used as a detector of 0/1 human labels (SummaC's protocol).

SummaC (Laban et al., 2022) turns a score into a decision with a threshold tuned on held-out
data and reports balanced accuracy, the mean of the true-positive and true-negative rates, which
is 0.5 for any constant guess whatever the class balance. Here the threshold is chosen by
cross-validation over documents: documents are split into folds (seeded, by name), and each
fold's summaries are labelled with the threshold that maximises balanced accuracy on the other
folds. Balanced accuracy is then computed once over all held-out decisions, so no summary is
judged by a threshold fitted to it.

Direction: "positive" (label 1) is predicted for scores at or above the threshold when higher is
better, at or below it when lower is better; for a field with no declared direction each
training split picks the direction that serves it better.
"""

from __future__ import annotations

import numpy as np

from harness.stats import seed_for

FOLDS = 5


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(threshold, balanced accuracy) maximising balanced accuracy of `score >= threshold` on
    these pairs; thresholds sit midway between adjacent distinct scores (or beyond the ends).
    The lowest such threshold wins a tie."""
    values = np.unique(scores)
    cuts = np.concatenate([[values[0] - 1.0], (values[:-1] + values[1:]) / 2, [values[-1] + 1.0]])
    positive = labels == 1
    # share of positives / negatives at or above each cut
    sorted_pos, sorted_neg = np.sort(scores[positive]), np.sort(scores[~positive])
    tpr = 1 - np.searchsorted(sorted_pos, cuts, side="left") / len(sorted_pos)
    tnr = np.searchsorted(sorted_neg, cuts, side="left") / len(sorted_neg)
    accuracy = (tpr + tnr) / 2
    best = int(np.argmax(accuracy))
    return float(cuts[best]), float(accuracy[best])


def document_folds(docs: list[str], seed: int, folds: int = FOLDS) -> np.ndarray:
    """Fold number per document: the documents ordered by a seeded hash of their ids (so a
    document's fold does not depend on the file's order) and dealt round-robin."""
    order = sorted(
        range(len(docs)),
        key=lambda i: (seed_for(seed, "balanced-accuracy-folds", docs[i], little_endian_64=True), docs[i]),
    )
    fold = np.empty(len(docs), dtype=int)
    fold[order] = np.arange(len(docs)) % max(2, min(folds, len(docs)))
    return fold


def cross_validated_predictions(
    scores: np.ndarray, labels: np.ndarray, doc_fold: np.ndarray, higher_is_better: bool | None
) -> np.ndarray:
    """Held-out 0/1 decisions per pair (NaN where the pair is missing or its training split
    lacks a class). `doc_fold` gives each pair's fold."""
    predictions = np.full(len(scores), np.nan)
    present = ~(np.isnan(scores) | np.isnan(labels))
    signs = {True: (1.0,), False: (-1.0,), None: (1.0, -1.0)}[higher_is_better]
    for fold in np.unique(doc_fold[present]):
        train = present & (doc_fold != fold)
        test = present & (doc_fold == fold)
        if len(np.unique(labels[train])) < 2:
            continue
        fitted = [(best_threshold(sign * scores[train], labels[train]), sign) for sign in signs]
        (threshold, _), sign = max(fitted, key=lambda f: f[0][1])  # first wins a tie
        predictions[test] = (sign * scores[test] >= threshold).astype(float)
    return predictions


def balanced_accuracy_replicates(
    predictions: np.ndarray, labels: np.ndarray, cluster: np.ndarray, n_clusters: int, counts: np.ndarray
) -> np.ndarray:
    """Balanced accuracy of fixed decisions on each resample of clusters (rows of `counts`;
    a row of ones: the point value). The thresholds are not refitted per resample, so the interval
    covers the sampling of documents given the decisions."""
    keep = ~(np.isnan(predictions) | np.isnan(labels))
    p, y, c = predictions[keep], labels[keep], np.asarray(cluster)[keep]

    def per_cluster(mask: np.ndarray) -> np.ndarray:
        return np.bincount(c, weights=mask.astype(float), minlength=n_clusters)

    tp, pos = counts @ per_cluster((p == 1) & (y == 1)), counts @ per_cluster(y == 1)
    tn, neg = counts @ per_cluster((p == 0) & (y == 0)), counts @ per_cluster(y == 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (tp / pos + tn / neg) / 2
    out[(pos == 0) | (neg == 0)] = np.nan
    return out
