"""A finished run loaded to score texts: ``hansenti.load("runs/x").predict([...])``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..errors import RunDirError
from ..installed_runs import resolve_run
from ..models import models
from ..run import CLASSES_FILE, TOKENIZER_DIR, RunDir
from ..text import review_limit, shorten, shorten_all
from ..tokenizer import Tokenizer, load_tokenizer

if TYPE_CHECKING:
    from .explain import Explanation


class Predictor:
    """A finished run, ready to score texts: ``hansenti.load("runs/x").predict([...])``."""

    def __init__(self, run_dir: str | Path | None = None) -> None:
        """Load a run folder, an installed model by name, or (None) the default model."""
        run = RunDir(resolve_run(run_dir))
        self.config = run.finished_config()
        self.run = run
        self.tokenizer: Tokenizer = load_tokenizer(run.path / TOKENIZER_DIR)
        self.classes = run.classes()
        self.classifier = models.get(self.config.model)(self.config)
        self.classifier.load(run.path)
        if self.classifier.n_classes != len(self.classes):
            raise RunDirError(f"{run.path}: the model predicts {self.classifier.n_classes} "
                              f"classes but {CLASSES_FILE} names {len(self.classes)}: "
                              "train the run again")

    def predict(self, texts: Sequence[str], n_jobs: int = 1) -> np.ndarray:
        """Probabilities: one row per text, one column per class (``classes``)."""
        bounded = shorten_all(texts, self.tokenizer)[0]
        docs = self.tokenizer.tokenize_batch(bounded, n_jobs=n_jobs, progress=False)
        return self.classifier.predict_proba(docs)

    def explain(self, text: str) -> "Explanation":
        """The probability of ``text``'s class (binary: of the second, positive class) and
        each token's contribution to it (occlusion)."""
        from .explain import occlusion

        return occlusion(self.classifier,
                         self.tokenizer.tokenize(shorten(text, review_limit(self.tokenizer))),
                         self.classes)

    def labels(self, probabilities: np.ndarray) -> list[str]:
        """The most probable class of each row."""
        return [self.classes[index] for index in np.asarray(probabilities).argmax(axis=1)]


def load(run_dir: str | Path | None = None) -> Predictor:
    """Load a finished run folder or an installed model by name for prediction; without
    one, the default Korean model (``hansenti models`` lists what is installed)."""
    return Predictor(run_dir)
