"""Run directories: their layout and their state (fresh, interrupted, finished)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from . import atomic
from .config import TrainConfig
from .errors import HansentiError, RunDirError
from .labels import BINARY

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"  # written last: its presence marks a finished run
HISTORY_FILE = "history.csv"
CURVES_FILE = "curves.png"
TOKENIZER_DIR = "tokenizer"
#: the finished model's probabilities on the validation and test splits (for ensembles)
PREDICTIONS_FILE = "predictions.npz"
CHECKPOINT_DIR = "checkpoints"
CONFUSION_FILE = "confusion.png"
#: the class names, in the order of the model's outputs (runs without it: negative/positive)
CLASSES_FILE = "classes.json"
#: the ids of a user's file held out as test (``--test-fraction``), one per line
TEST_IDS_FILE = "test_ids.txt"


class RunDir:
    """One training run's folder."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def finished(self) -> bool:
        return (self.path / METRICS_FILE).is_file()

    def metrics(self) -> dict[str, Any]:
        """What a finished run measured (``metrics.json``)."""
        return json.loads((self.path / METRICS_FILE).read_text(encoding="utf-8"))

    def check_not_finished(self) -> None:
        if self.finished:
            raise HansentiError(f"run {self.path} is already finished: choose another --name, "
                                "or delete the folder to train it again")

    def saved_config(self) -> TrainConfig:
        """The config of an interrupted run, to resume it."""
        self.check_not_finished()
        if not self.config_path.is_file():
            raise HansentiError(f"nothing to resume in {self.path}: train without --resume")
        return TrainConfig.load(self.config_path)

    def finished_config(self) -> TrainConfig:
        """The config of a finished run; a missing or unfinished one is an error."""
        if not self.path.is_dir():
            raise RunDirError(f"run directory {self.path} does not exist")
        config = TrainConfig.load(self.config_path)
        if not self.finished:
            raise RunDirError(f"run {self.path} is unfinished ({METRICS_FILE} is missing): "
                              "finish it with hansenti train --resume")
        return config

    def save_classes(self, classes: Sequence[str], test_ids: Sequence[str] | None) -> None:
        """Record the class names and, for a user's file, which rows are test."""
        atomic.write_json(self.path / CLASSES_FILE, list(classes))
        if test_ids is not None:
            atomic.write_text(self.path / TEST_IDS_FILE, "".join(f"{i}\n" for i in test_ids))

    def classes(self) -> tuple[str, ...]:
        path = self.path / CLASSES_FILE
        if not path.is_file():
            return BINARY
        try:
            return tuple(json.loads(path.read_text(encoding="utf-8")))
        except ValueError as error:
            raise RunDirError(f"{path} is corrupt ({error}): train the run again") from error

    def saved_test_ids(self) -> list[str] | None:
        """The test rows of a user's file, as the run held them out (None: not saved)."""
        path = self.path / TEST_IDS_FILE
        return path.read_text(encoding="utf-8").splitlines() if path.is_file() else None

    def start(self, config: TrainConfig) -> None:
        """Claim an empty folder for a new run by writing its config."""
        self.check_not_finished()
        if self.config_path.is_file():
            raise HansentiError(f"run {self.path} was interrupted: add --resume to "
                                "continue it, or delete the folder")
        self.path.mkdir(parents=True, exist_ok=True)
        config.save(self.config_path)
