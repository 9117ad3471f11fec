"""The prediction columns every scored table gets, files and DataFrames alike.

Under a prefix (``pred_`` by default): ``pred_label``, ``pred_probability``,
``pred_p_<class>`` and ``pred_known`` (the share of the review's tokens the model knows).
A prediction column whose name the input already uses is refused, never written over the
user's column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from ..core.errors import HansentiError

if TYPE_CHECKING:
    from .scored import Scored

#: what prediction columns start with unless ``--prefix`` says otherwise
DEFAULT_PREFIX = "pred_"


def prediction_names(classes: Sequence[str], prefix: str = DEFAULT_PREFIX) -> list[str]:
    """The columns scoring adds, in order."""
    return [f"{prefix}label", f"{prefix}probability", *(f"{prefix}p_{c}" for c in classes),
            f"{prefix}known"]


def prediction_columns(classes: Sequence[str], scored: Scored, index: int,
                       prefix: str = DEFAULT_PREFIX) -> dict[str, object]:
    """What scoring adds to row ``index`` of a scored batch (rounded, for text files)."""
    scores, known = scored.probabilities[index], scored.known[index]
    return {f"{prefix}label": scored.labels[index],
            f"{prefix}probability": round(float(scores.max()), 6),
            **{f"{prefix}p_{name}": round(float(p), 6) for name, p in zip(classes, scores)},
            f"{prefix}known": None if np.isnan(known) else round(float(known), 4)}


def check_collisions(columns: Iterable[str], classes: Sequence[str], prefix: str) -> None:
    """Refuse a prediction column the input already has: the user's data stays theirs."""
    taken = [name for name in prediction_names(classes, prefix) if name in set(columns)]
    if taken:
        raise HansentiError(f"the input already has a column {taken[0]!r}: choose another "
                            f"--prefix for the prediction columns (now {prefix!r})")
