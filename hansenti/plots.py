"""Training curves as the seed tutorials plot them: loss and accuracy, train vs validation."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Sequence

from . import atomic


def plot_curves(history: Sequence[dict[str, float]], path: Path, title: str) -> bool:
    """Write curves.png; False (and no file) when the history has no epochs to plot."""
    if not history or "epoch" not in history[0]:
        return False
    plt = pyplot()
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
    atomic.write_bytes(path, png_bytes(figure))
    return True


def pyplot():
    """matplotlib.pyplot on the file-only Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def png_bytes(figure, dpi: int = 100) -> bytes:
    """``figure`` as PNG bytes; the figure is closed."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    pyplot().close(figure)
    return buffer.getvalue()


def png_data_uri(figure) -> str:
    """``figure`` as a ``data:`` URI, for self-contained HTML."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(figure)).decode()
