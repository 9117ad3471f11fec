"""Training curves as the seed tutorials plot them: loss and accuracy, train vs validation."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Sequence

from . import atomic


def plot_curves(history: Sequence[dict[str, float]], path: Path, title: str) -> bool:
    """Write curves.png; False (and no file) when the history has no epochs to plot."""
    if not history or "epoch" not in history[0]:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [row["epoch"] for row in history]
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for axis, metric in zip(axes, ("loss", "accuracy")):
        axis.plot(epochs, [row[metric] for row in history], "o-", label="train")
        axis.plot(epochs, [row[f"val_{metric}"] for row in history], "s-", label="validation")
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        axis.grid(alpha=0.3)
        axis.legend()
    figure.suptitle(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    atomic.write_bytes(path, buffer.getvalue())
    return True
