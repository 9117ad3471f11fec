"""What the scoring path returns (:class:`Scored`), and what scores (:class:`Scorer`: a
:class:`~hansenti.inference.predictor.Predictor`, or anything with its two members)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np


@dataclass
class Scored:
    """A batch of texts through the scoring path, row for row."""

    #: calibrated probabilities: one row per text, one column per class
    probabilities: np.ndarray
    #: the most probable class, or ``unsure`` under the predictor's ``min_confidence``
    labels: list[str]
    #: the tokens each text was scored on
    tokens: list[list[str]]
    #: per text, the share of its tokens the run's vocabulary knows (NaN: no tokens)
    known: np.ndarray

    @property
    def confidence(self) -> np.ndarray:
        """The probability of each text's most probable class."""
        return self.probabilities.max(axis=1) if len(self.probabilities) else np.zeros(0)


class Scorer(Protocol):
    """What the tables built on scoring (DataFrames, analyses) need of a predictor."""

    classes: Sequence[str]

    def score(self, texts: Sequence[str], n_jobs: int = 1) -> Scored: ...
