"""The per-epoch callback behind resumable training and epoch selection on validation.

Each epoch's model is saved under its own name (``epoch-N.keras``) and only then is
``history.json`` rewritten, atomically: that file is the commit point. A process killed
at any moment leaves either the old history (and a stray model file that nothing reads)
or the new one with every model it names complete.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import keras
import numpy as np

from ..core import atomic
from ..core.faults import failpoint
from ..core.metrics import score
from . import soft_accuracy, unfreezing  # noqa: F401  (names checkpoints use)
from .saving import save_model

log = logging.getLogger("hansenti")

#: called after each validated epoch is committed, with its history row and the name of
#: the validation score that chooses epochs (a tuner's report); see :func:`listening`
Listener = Callable[[dict[str, float], str], None]
_listeners: list[Listener] = []


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Call ``listener`` after every validated epoch trained inside the block."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


class EpochProgress(keras.callbacks.Callback):
    """Per-epoch bookkeeping in ``workdir``: history.json, the latest model (for --resume)
    and the best one by ``monitor`` (a validation score); stops after ``patience`` epochs
    without gain. With ``validated=False`` (a refit on all of train) the latest epoch
    counts as the best."""

    def __init__(self, workdir: Path, patience: int, validated: bool = True,
                 monitor: str = "val_accuracy") -> None:
        super().__init__()
        self.validated = validated
        self.monitor = monitor
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.history_path = workdir / "history.json"
        self.patience = patience
        self.history: list[dict[str, float]] = []
        self._started = 0.0

    def model_path(self, epoch: int) -> Path:
        return self.workdir / f"epoch-{epoch}.keras"

    def resume(self) -> keras.Model | None:
        """The latest committed model if an earlier attempt left one, its history restored."""
        if not self.history_path.is_file():
            return None
        self.history = json.loads(self.history_path.read_text())
        if not self.history:
            return None
        log.info("resuming after epoch %d", len(self.history))
        return keras.saving.load_model(self.model_path(len(self.history)))

    @property
    def chosen_path(self) -> Path:
        """The model to keep: the best by validation, or the last when not validated."""
        return self.model_path(self.best_epoch() if self.validated else len(self.history))

    def best_epoch(self) -> int:
        scores = [row[self.monitor] for row in self.history]
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
        save_model(self.model, self.model_path(row["epoch"]))
        failpoint("train.epoch_saved")
        self.history.append(row)
        atomic.write_json(self.history_path, self.history)  # the epoch's commit point
        failpoint("train.epoch_committed")
        if self.validated:
            for listener in list(_listeners):
                listener(row, self.monitor)
        keep = {self.model_path(len(self.history)), self.chosen_path}
        for stale in self.workdir.glob("epoch-*.keras"):
            if stale not in keep:
                stale.unlink(missing_ok=True)
        if self.finished(len(self.history) + 1):
            log.info("no gain in %s for %d epochs: stopping", self.monitor, self.patience)
            self.model.stop_training = True


class ValidationScore(keras.callbacks.Callback):
    """Adds ``val_<metric>`` (e.g. macro-F1, which Keras does not compute) to each epoch's
    logs, for :class:`EpochProgress` to choose by; listed before it."""

    def __init__(self, metric: str, x: np.ndarray, labels: np.ndarray) -> None:
        super().__init__()
        self.metric, self.x, self.labels = metric, x, labels

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        output = self.model.predict(self.x, batch_size=1024, verbose=0)
        probabilities = output[:, 0] if output.shape[1] == 1 else output
        if logs is not None:
            logs[f"val_{self.metric}"] = score(self.metric, self.labels, probabilities)


class EpochBar(keras.callbacks.ProgbarLogger):
    """Keras' progress bar, counting epochs out of the run's ``epochs``: each epoch is a
    ``fit`` call of its own, whose bar would say "Epoch 3/3"."""

    def __init__(self, epochs: int) -> None:
        super().__init__()
        self.run_epochs = epochs

    def set_params(self, params: dict) -> None:
        super().set_params({**params, "epochs": self.run_epochs})
