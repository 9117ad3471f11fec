"""How sure a run's answers are: temperature scaling fitted on the validation split
(Guo et al. 2017), the expected calibration error, and what a confidence threshold keeps.

A temperature divides the log-probabilities before they are normalised again: it changes
no prediction, only how sure each one says it is. One number, fitted on the validation
split the run already holds out, so test stays untouched.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import atomic
from .errors import RunDirError

CALIBRATION_FILE = "calibration.json"
#: equal-width confidence bins of the expected calibration error
ECE_BINS = 15
#: confidence thresholds whose coverage and accuracy metrics.json reports
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
#: the label of a review whose top probability is under ``--min-confidence``
UNSURE = "unsure"
_EPSILON = 1e-7


@dataclass(frozen=True)
class Calibration:
    """A temperature for a run's probabilities (1.0: as the model gives them)."""

    temperature: float = 1.0

    def apply(self, probabilities: np.ndarray) -> np.ndarray:
        """``probabilities`` (one column per class) at this temperature."""
        probabilities = np.asarray(probabilities, dtype=np.float64)
        if self.temperature == 1.0 or probabilities.size == 0:
            return probabilities
        return _softmax(np.log(np.clip(probabilities, _EPSILON, 1.0)) / self.temperature)

    @classmethod
    def fit(cls, probabilities: np.ndarray, labels: np.ndarray) -> "Calibration":
        """The temperature with the least log-loss on ``labels`` (a golden-section search
        over log T in [-3, 3]; T from 0.05 to 20)."""
        logits = np.log(np.clip(np.asarray(probabilities, dtype=np.float64), _EPSILON, 1.0))
        labels = np.asarray(labels, dtype=int)
        if not len(labels):
            return cls()

        def loss(log_t: float) -> float:
            scaled = _softmax(logits / math.exp(log_t))
            return float(-np.log(np.clip(scaled[np.arange(len(labels)), labels],
                                         _EPSILON, 1.0)).mean())

        low, high = -3.0, 3.0
        ratio = (math.sqrt(5) - 1) / 2
        for _ in range(60):
            a, b = high - ratio * (high - low), low + ratio * (high - low)
            if loss(a) < loss(b):
                high = b
            else:
                low = a
        return cls(round(math.exp((low + high) / 2), 4))

    def save(self, run_path: Path) -> None:
        atomic.write_json(run_path / CALIBRATION_FILE, {"temperature": self.temperature})

    @classmethod
    def load(cls, run_path: Path) -> "Calibration":
        """The run's calibration; a run from before calibration existed has none (1.0)."""
        path = run_path / CALIBRATION_FILE
        if not path.is_file():
            return cls()
        try:
            temperature = float(json.loads(path.read_text(encoding="utf-8"))["temperature"])
        except (ValueError, KeyError, TypeError) as error:
            raise RunDirError(f"{path} is corrupt ({error}): train the run again") from error
        if not 0 < temperature < math.inf:
            raise RunDirError(f"{path}: temperature {temperature} is not positive: train "
                              "the run again")
        return cls(temperature)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def reliability(probabilities: np.ndarray, labels: np.ndarray,
                bins: int = ECE_BINS) -> list[dict[str, float]]:
    """Per confidence bin that holds reviews: its range, count, mean confidence and
    accuracy (the points of a reliability diagram)."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == np.asarray(labels)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.searchsorted(edges, confidence, side="right") - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = index == b
        if inside.any():
            rows.append({"low": round(float(edges[b]), 4), "high": round(float(edges[b + 1]), 4),
                         "count": int(inside.sum()),
                         "confidence": round(float(confidence[inside].mean()), 4),
                         "accuracy": round(float(correct[inside].mean()), 4)})
    return rows


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray,
                               bins: int = ECE_BINS) -> float:
    """The count-weighted mean gap between confidence and accuracy over the bins."""
    rows = reliability(probabilities, labels, bins)
    total = sum(row["count"] for row in rows)
    return float(sum(row["count"] * abs(row["confidence"] - row["accuracy"])
                     for row in rows) / max(1, total))


def coverage(probabilities: np.ndarray, labels: np.ndarray | None = None,
             thresholds: Sequence[float] = THRESHOLDS) -> list[dict[str, Any]]:
    """For each ``--min-confidence`` threshold: the share of reviews it labels (the rest
    are ``unsure``) and, with ``labels``, the accuracy on those."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    confidence = probabilities.max(axis=1)
    rows = []
    for threshold in thresholds:
        kept = confidence >= threshold
        row: dict[str, Any] = {"min_confidence": threshold,
                               "coverage": round(float(kept.mean()), 4) if len(kept) else 0.0}
        if labels is not None:
            hits = probabilities.argmax(axis=1)[kept] == np.asarray(labels)[kept]
            row["accuracy"] = round(float(hits.mean()), 4) if kept.any() else None
        rows.append(row)
    return rows


def calibration_report(calibration: Calibration, validation: tuple[np.ndarray, np.ndarray],
                       test: tuple[np.ndarray, np.ndarray] | None) -> dict[str, Any]:
    """What ``metrics.json`` records: the temperature, ECE before and after on validation
    and test, test's reliability bins and its coverage at each threshold (no test figures
    for a run without test)."""
    valid_p, valid_y = validation
    report = {
        "method": "temperature", "temperature": calibration.temperature,
        "fitted_on": "validation",
        "validation_ece": {"before": round(expected_calibration_error(valid_p, valid_y), 4),
                           "after": round(expected_calibration_error(
                               calibration.apply(valid_p), valid_y), 4)},
    }
    if test is None:
        return report
    test_p, test_y = test
    calibrated = calibration.apply(test_p)
    return {
        **report,
        "test_ece": {"before": round(expected_calibration_error(test_p, test_y), 4),
                     "after": round(expected_calibration_error(calibrated, test_y), 4)},
        "test_reliability": reliability(calibrated, test_y),
        "test_coverage": coverage(calibrated, test_y),
    }
