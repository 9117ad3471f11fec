"""Classification metrics for two or more classes, computed once on the held-out split."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

#: the largest class over the smallest at and above which the classes count as imbalanced
IMBALANCE_RATIO = 1.5


def as_matrix(probabilities: np.ndarray) -> np.ndarray:
    """One column per class: a 1-D P(class 1) becomes ``[1 - p, p]``."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim == 1:
        return np.column_stack([1 - probabilities, probabilities])
    return probabilities


def confusion(labels: np.ndarray, predicted: np.ndarray, k: int) -> np.ndarray:
    """``[true class][predicted class]`` counts."""
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels, dtype=int), np.asarray(predicted, dtype=int)), 1)
    return matrix


def per_class_scores(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 of each class from a confusion matrix (0 where undefined)."""
    true_positive = np.diag(matrix).astype(float)
    predicted, actual = matrix.sum(axis=0), matrix.sum(axis=1)
    precision = np.divide(true_positive, predicted, out=np.zeros_like(true_positive),
                          where=predicted > 0)
    recall = np.divide(true_positive, actual, out=np.zeros_like(true_positive), where=actual > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)
    return precision, recall, f1


def macro_f1(labels: np.ndarray, predicted: np.ndarray, k: int) -> float:
    """Unweighted mean of the classes' F1: every class counts, however rare."""
    return float(per_class_scores(confusion(labels, predicted, k))[2].mean())


def score(metric: str, labels: np.ndarray, probabilities: np.ndarray) -> float:
    """``accuracy`` or ``macro_f1`` of the most probable class."""
    matrix = as_matrix(probabilities)
    predicted = matrix.argmax(axis=1)
    if metric == "macro_f1":
        return macro_f1(labels, predicted, matrix.shape[1])
    return float((predicted == np.asarray(labels)).mean()) if len(predicted) else 0.0


def is_imbalanced(labels: Sequence[int], k: int) -> bool:
    """Whether the largest class has at least :data:`IMBALANCE_RATIO` times the smallest."""
    counts = np.bincount(np.asarray(labels, dtype=int), minlength=k)
    return bool(counts.min() == 0 or counts.max() / counts.min() >= IMBALANCE_RATIO)


def classification_metrics(labels: np.ndarray, probabilities: np.ndarray,
                           classes: Sequence[str]) -> dict[str, object]:
    """Accuracy, macro-F1, each class's precision/recall/F1/support, the confusion matrix
    (rows: true class, columns: predicted) and the majority-class baseline; for two classes
    also precision, recall and F1 of the second (positive) class, as before."""
    labels = np.asarray(labels, dtype=int)
    matrix = as_matrix(probabilities)
    k = len(classes)
    predicted = matrix.argmax(axis=1) if len(matrix) else np.zeros(0, dtype=int)
    counts = confusion(labels, predicted, k)
    precision, recall, f1 = per_class_scores(counts)
    support = counts.sum(axis=1)
    majority = int(support.argmax()) if len(labels) else 0
    majority_predicted = np.full_like(labels, majority)
    result: dict[str, object] = {
        "accuracy": float((predicted == labels).mean()) if len(labels) else 0.0,
        "macro_f1": float(f1.mean()),
        "classes": list(classes),
        "per_class": {name: {"precision": float(precision[i]), "recall": float(recall[i]),
                             "f1": float(f1[i]), "support": int(support[i])}
                      for i, name in enumerate(classes)},
        "confusion": counts.tolist(),
        "majority_baseline": {"class": classes[majority],
                              "accuracy": float(support[majority] / max(1, len(labels))),
                              "macro_f1": macro_f1(labels, majority_predicted, k)},
        "examples": int(len(labels)),
    }
    if k == 2:
        result.update(precision=float(precision[1]), recall=float(recall[1]), f1=float(f1[1]))
    return result


def balanced_weights(setting: str, labels: np.ndarray, k: int) -> dict[int, float] | None:
    """Loss weights by inverse class frequency (``n / (k * count)``) when ``setting`` is
    "balanced", or "auto" and the classes are imbalanced; else None."""
    hard = np.rint(np.asarray(labels, dtype=float)).astype(int)
    if setting == "none" or (setting == "auto" and not is_imbalanced(hard, k)):
        return None
    counts = np.bincount(hard, minlength=k)
    return {index: float(len(hard) / (k * count)) for index, count in enumerate(counts)
            if count}


def chosen_metric(setting: str, labels: np.ndarray, k: int) -> str:
    """The validation score that chooses: "auto" is macro-F1 on imbalanced classes."""
    if setting != "auto":
        return setting
    return "macro_f1" if is_imbalanced(labels, k) else "accuracy"


#: z of a two-sided 95% interval
Z_95 = 1.959964


def wilson_interval(successes: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """95% Wilson score interval of a proportion (sane for small groups and 0 or 100%)."""
    if total == 0:
        return (math.nan, math.nan)
    share = successes / total
    centre = (share + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(share * (1 - share) / total + z * z / (4 * total * total)) / (
        1 + z * z / total)
    return (max(0.0, centre - half), min(1.0, centre + half))
