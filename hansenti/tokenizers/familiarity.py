"""How familiar a text is to a run: the share of its tokens that the run's vocabulary
knows. Each run records the spread of that share over its validation reviews; a batch
scored later where many texts fall below almost every validation review (English into a
Korean model, another domain's jargon) gets a one-line warning with the shares measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .vocab import Vocab

#: a text is unfamiliar below this percentile of the validation reviews' known shares
LOW_PERCENTILE = 5
#: the share of unfamiliar texts in a batch above which scoring warns
ALERT_SHARE = 0.25


def known_shares(docs: Sequence[Sequence[str]], vocab: Vocab) -> np.ndarray:
    """Per document, the share of its tokens in ``vocab`` (NaN for a document without
    tokens)."""
    shares = np.full(len(docs), np.nan)
    for index, tokens in enumerate(docs):
        if tokens:
            shares[index] = sum(token in vocab for token in tokens) / len(tokens)
    return shares


@dataclass(frozen=True)
class Familiarity:
    """What a run's validation reviews looked like to its vocabulary."""

    #: mean share of known tokens
    mean: float
    #: the :data:`LOW_PERCENTILE` th percentile of the per-review shares
    low: float

    @classmethod
    def measure(cls, docs: Sequence[Sequence[str]], vocab: Vocab) -> "Familiarity":
        shares = known_shares(docs, vocab)
        shares = shares[~np.isnan(shares)]
        if not len(shares):
            return cls(1.0, 0.0)
        return cls(round(float(shares.mean()), 4),
                   round(float(np.percentile(shares, LOW_PERCENTILE)), 4))

    def to_dict(self) -> dict[str, Any]:
        return {"known_token_share_mean": self.mean,
                f"known_token_share_p{LOW_PERCENTILE}": self.low,
                "measured_on": "validation"}

    @classmethod
    def from_metrics(cls, metrics: dict[str, Any]) -> "Familiarity | None":
        """The run's familiarity, or None for a run from before it was recorded."""
        data = metrics.get("familiarity")
        if not isinstance(data, dict):
            return None
        try:
            return cls(float(data["known_token_share_mean"]),
                       float(data[f"known_token_share_p{LOW_PERCENTILE}"]))
        except (KeyError, TypeError, ValueError):
            return None

    def unfamiliar(self, shares: np.ndarray) -> np.ndarray:
        """Which texts know fewer tokens than all but the lowest validation reviews."""
        return np.nan_to_num(np.asarray(shares, dtype=float), nan=0.0) < self.low

    def warning(self, shares: np.ndarray, what: str = "texts") -> str | None:
        """One line when too many of a batch's texts are unfamiliar, else None."""
        shares = np.asarray(shares, dtype=float)
        if not len(shares):
            return None
        unfamiliar = int(self.unfamiliar(shares).sum())
        if unfamiliar / len(shares) <= ALERT_SHARE:
            return None
        mean = float(np.nanmean(shares)) if not np.isnan(shares).all() else 0.0
        return (f"{unfamiliar:,} of {len(shares):,} {what} ({unfamiliar / len(shares):.0%}) "
                f"are less familiar to this model than {100 - LOW_PERCENTILE}% of its "
                f"validation reviews (known tokens {mean:.0%}, validation "
                f"{self.mean:.0%}): its answers on them are guesses; a model trained on "
                "labelled reviews like them does better (hansenti train --data)")


def batch_share(shares: np.ndarray) -> float | None:
    """The mean known share of a batch (None when no text had tokens)."""
    shares = np.asarray(shares, dtype=float)
    shares = shares[~np.isnan(shares)]
    return round(float(shares.mean()), 4) if len(shares) else None
