"""Which tokens pushed a prediction up or down: occlusion (drop each token, re-score)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..core.calibration import Calibration
from ..models.base import Classifier


@dataclass(frozen=True)
class Explanation:
    """A document's tokens with how much each raised (+) or lowered (-) the probability
    of ``label``."""

    label: str
    probability: float
    tokens: list[str]
    contributions: list[float]

    def top(self, n: int = 5) -> list[tuple[str, float]]:
        """The ``n`` tokens with the largest effect either way."""
        order = np.argsort(-np.abs(self.contributions))[:n]
        return [(self.tokens[i], self.contributions[i]) for i in order]

    def to_dict(self) -> dict:
        return {"label": self.label, "probability": self.probability,
                "tokens": [{"token": token, "contribution": round(contribution, 6)}
                           for token, contribution in zip(self.tokens, self.contributions)]}


#: tokens scored per batch of token-dropped variants, between two looks at the clock
BATCH_TOKENS = 20_000


def occlusion(classifier: Classifier, tokens: list[str], classes: Sequence[str],
              calibration: Calibration | None = None,
              check: Callable[[], None] | None = None) -> Explanation:
    """The probability of one class for ``tokens`` — the second (positive) of two, else
    the most probable — and for each token the drop in it when that token is removed.
    The variants are scored in batches, calling ``check`` (which may raise to stop: a
    deadline) before each: a long review has as many variants as tokens."""
    calibration = calibration or Calibration()
    # variant 0 is the whole text, variant i + 1 drops token i; each batch is built when
    # it is scored (all of them at once would be len(tokens) squared tokens in memory)
    batch = max(1, BATCH_TOKENS // max(1, len(tokens)))
    rows = []
    for start in range(0, len(tokens) + 1, batch):
        if check:
            check()
        variants = [tokens if i == 0 else tokens[:i - 1] + tokens[i:]
                    for i in range(start, min(start + batch, len(tokens) + 1))]
        rows.append(calibration.apply(classifier.predict_proba(variants)))
    probabilities = np.concatenate(rows)
    column = 1 if len(classes) == 2 else int(probabilities[0].argmax())
    full = float(probabilities[0, column])
    return Explanation(classes[column], full, list(tokens),
                       [full - float(p) for p in probabilities[1:, column]])
