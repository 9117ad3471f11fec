"""Training curves as the seed tutorials plot them (loss and accuracy, train vs
validation) and the test confusion matrix with class names."""

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


def plot_confusion(counts: Sequence[Sequence[int]], classes: Sequence[str], path: Path,
                   title: str) -> None:
    """Write confusion.png: rows are the true classes, columns the predicted ones; each
    cell shows its count and its share of the row (the class's recall on the diagonal)."""
    plt = pyplot()
    size = 1.2 * len(classes) + 2
    figure, axis = plt.subplots(figsize=(size + 1, size))
    totals = [max(1, sum(row)) for row in counts]
    shares = [[n / total for n in row] for row, total in zip(counts, totals)]
    image = axis.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i, row in enumerate(counts):
        for j, n in enumerate(row):
            axis.text(j, i, f"{n:,}\n{shares[i][j]:.0%}", ha="center", va="center",
                      color="white" if shares[i][j] > 0.5 else "black")
    axis.set_xticks(range(len(classes)), classes)
    axis.set_yticks(range(len(classes)), classes)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    figure.colorbar(image, ax=axis, label="share of the true class")
    axis.set_title(title)
    atomic.write_bytes(path, png_bytes(figure))


def plot_reliability(bins: Sequence[dict[str, float]], path: Path, title: str) -> None:
    """Write reliability.png: accuracy against confidence per bin (calibrated test
    probabilities), the diagonal where they agree, and how many reviews each bin holds."""
    plt = pyplot()
    figure, (axis, counts) = plt.subplots(2, 1, figsize=(5, 6), sharex=True,
                                         gridspec_kw={"height_ratios": [3, 1]})
    axis.plot([0, 1], [0, 1], "--", color="grey", label="perfectly calibrated")
    axis.plot([row["confidence"] for row in bins], [row["accuracy"] for row in bins], "o-",
              label="test (calibrated)")
    axis.set_ylabel("accuracy")
    axis.set_ylim(0, 1.02)
    axis.grid(alpha=0.3)
    axis.legend(loc="upper left")
    axis.set_title(title)
    counts.bar([(row["low"] + row["high"]) / 2 for row in bins], [row["count"] for row in bins],
               width=[row["high"] - row["low"] for row in bins], color="tab:blue", alpha=0.6)
    counts.set_xlabel("confidence (probability of the predicted class)")
    counts.set_ylabel("reviews")
    counts.set_xlim(0, 1)
    figure.tight_layout()
    atomic.write_bytes(path, png_bytes(figure))


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
