"""Binary classification metrics, computed once on the held-out split."""

from __future__ import annotations

import numpy as np


def binary_metrics(labels: np.ndarray, probabilities: np.ndarray,
                   threshold: float = 0.5) -> dict[str, object]:
    """Accuracy, precision, recall, F1 of the positive class, and the confusion matrix
    ``[[true neg, false pos], [false neg, true pos]]``."""
    labels = np.asarray(labels, dtype=int)
    predicted = (np.asarray(probabilities) >= threshold).astype(int)
    tp = int(((predicted == 1) & (labels == 1)).sum())
    tn = int(((predicted == 0) & (labels == 0)).sum())
    fp = int(((predicted == 1) & (labels == 0)).sum())
    fn = int(((predicted == 0) & (labels == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"accuracy": (tp + tn) / len(labels) if len(labels) else 0.0,
            "precision": precision, "recall": recall, "f1": f1,
            "confusion": [[tn, fp], [fn, tp]], "examples": int(len(labels))}
