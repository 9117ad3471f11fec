"""The per-epoch callback behind resumable training and epoch selection on validation."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import keras
import numpy as np

from .. import atomic
from . import soft_accuracy  # noqa: F401  (checkpoints name its metric)
from .keras_classifier import save_model

log = logging.getLogger("hansenti")

MONITOR = "val_accuracy"


class EpochProgress(keras.callbacks.Callback):
    """Per-epoch bookkeeping in ``workdir``: history.json, the latest model (for --resume)
    and the best one by validation accuracy; stops after ``patience`` epochs without gain.
    With ``validated=False`` (a refit on all of train) the latest epoch counts as the best."""

    def __init__(self, workdir: Path, patience: int, validated: bool = True) -> None:
        super().__init__()
        self.validated = validated
        workdir.mkdir(parents=True, exist_ok=True)
        self.history_path = workdir / "history.json"
        self.latest_path = workdir / "latest.keras"
        self.best_path = workdir / "best.keras"
        self.patience = patience
        self.history: list[dict[str, float]] = []
        self._started = 0.0

    def resume(self) -> keras.Model | None:
        """The latest model if an earlier attempt left one, with its history restored."""
        if not (self.history_path.is_file() and self.latest_path.is_file()):
            return None
        self.history = json.loads(self.history_path.read_text())
        log.info("resuming after epoch %d", len(self.history))
        return keras.saving.load_model(self.latest_path)

    @property
    def chosen_path(self) -> Path:
        """The model to keep: the best by validation, or the last when not validated."""
        return self.best_path if self.validated else self.latest_path

    def best_epoch(self) -> int:
        scores = [row[MONITOR] for row in self.history]
        return int(np.argmax(scores)) + 1 if scores else 0

    def finished(self, epochs: int) -> bool:
        """True once ``epochs`` are done or the monitored score stopped improving."""
        if len(self.history) >= epochs:
            return True
        return (self.validated and bool(self.history)
                and len(self.history) - self.best_epoch() >= self.patience)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        row = {"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()},
               "seconds": time.perf_counter() - self._started}
        self.history.append(row)
        if self.validated and self.best_epoch() == row["epoch"]:
            save_model(self.model, self.best_path)
        save_model(self.model, self.latest_path)
        atomic.write_json(self.history_path, self.history)  # last: the epoch's commit point
        if self.finished(len(self.history) + 1):
            log.info("no gain in %s for %d epochs: stopping", MONITOR, self.patience)
            self.model.stop_training = True
