"""Run directories: their layout and their state (fresh, interrupted, finished)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Sequence

from ..core import atomic
from ..core.config import TrainConfig
from ..core.errors import HansentiError, RunDirError
from ..core.labels import BINARY

log = logging.getLogger("hansenti")

CONFIG_FILE = "config.json"
#: the same settings as TOML: ``hansenti train --config RUN/run.toml`` trains the run again
RUN_SETTINGS_FILE = "run.toml"
METRICS_FILE = "metrics.json"  # written last: its presence marks a finished run
HISTORY_FILE = "history.csv"
CURVES_FILE = "curves.png"
TOKENIZER_DIR = "tokenizer"
#: the finished model's probabilities on the validation and test splits (for ensembles)
PREDICTIONS_FILE = "predictions.npz"
CHECKPOINT_DIR = "checkpoints"
CONFUSION_FILE = "confusion.png"
#: accuracy against confidence of the calibrated test probabilities
RELIABILITY_FILE = "reliability.png"
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
        path = self.path / METRICS_FILE
        try:
            metrics = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise RunDirError(f"{path} is missing: the run is unfinished") from error
        except ValueError as error:
            raise RunDirError(f"{path} is corrupt ({error}): train the run again") from error
        if not isinstance(metrics, dict):
            raise RunDirError(f"{path} is corrupt (not a JSON object): train the run again")
        return metrics

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
        """The test rows of a user's file, as the run held them out (None: not saved); a
        damaged list (cut short, or not as many ids as the run tested) is an error."""
        path = self.path / TEST_IDS_FILE
        if not path.is_file():
            return None
        try:
            text = path.read_text(encoding="utf-8")
        except ValueError as error:
            raise RunDirError(f"{path} is corrupt ({error}): train the run again") from error
        ids = text.splitlines()
        expected = (self.metrics().get("documents", {}).get("test") if self.finished
                    else None)
        if (text and not text.endswith("\n")) or (expected is not None and len(ids) != expected):
            raise RunDirError(f"{path} is damaged ({len(ids):,} ids"
                              + (f", the run tested {expected:,}" if expected is not None
                                 else ", the last one cut short")
                              + "): train the run again")
        return ids

    @property
    def has_progress(self) -> bool:
        """Whether an interrupted run saved any training (a checkpoint) worth resuming."""
        checkpoints = self.path / CHECKPOINT_DIR
        return checkpoints.is_dir() and any(path.is_file() for path in checkpoints.rglob("*"))

    def start(self, config: TrainConfig) -> None:
        """Claim an empty folder for a new run by writing its config; a run claimed
        before but stopped before any training was saved is claimed again, with the
        new options."""
        self.check_not_finished()
        if self.config_path.is_file():
            if self.has_progress:
                raise HansentiError(f"run {self.path} was interrupted: add --resume to "
                                    "continue it, or delete the folder")
            log.info("%s was started but saved no training: starting it again", self.path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            config.save(self.config_path)
            atomic.write_text(self.path / RUN_SETTINGS_FILE, config.to_toml())
        except PermissionError as error:
            raise HansentiError(f"cannot write the run folder {self.path} ({error.strerror}): "
                                "choose a writable --runs-dir") from error


def check_run_name(name: str) -> str:
    """A run's ``--name`` is one folder name inside ``--runs-dir``, never a path."""
    if (not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name
            or name.startswith("~") or len(name.encode("utf-8", "surrogateescape")) > 255):
        raise HansentiError(f"--name {name!r} must be a folder name (no /, not . or .., at "
                            "most 255 bytes): the run goes inside --runs-dir")
    return name
