"""A finished run loaded to score texts: ``hansenti.load("runs/x").predict([...])``.

Every route that scores reviews — texts and files at the command line, ``analyze``, the
HTTP service, the Ray scorer, ``evaluate``, ``distil`` — goes through :meth:`Predictor.score`
(or :meth:`Predictor.score_tokens` for tokens already cached): prepare (the tokenizer's
contract bounds each text) → score (the model, then the run's calibration) → one
:class:`Scored` batch. So one review gets one answer, whatever the route.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from ..core.calibration import UNSURE, Calibration
from ..core.errors import HansentiError, RunDirError
from ..models import models
from ..runs.folder import CLASSES_FILE, TOKENIZER_DIR, RunDir
from ..runs.installed import DEFAULT_MODEL, resolve_run
from ..tokenizers.base import Tokenizer, load_tokenizer
from ..tokenizers.familiarity import Familiarity, known_shares
from ..tokenizers.vocab import VOCAB_FILE, Vocab
from .columns import DEFAULT_PREFIX
from .scored import Scored

if TYPE_CHECKING:
    import pandas as pd

    from .analysis import Analysis
    from .explain import Explanation

log = logging.getLogger("hansenti")


class Predictor:
    """A finished run, ready to score texts: ``hansenti.load("runs/x").predict([...])``."""

    def __init__(self, run_dir: str | Path | None = None, min_confidence: float = 0.0) -> None:
        """Load a run folder, an installed model by name, or (None) the default model;
        texts whose top probability is under ``min_confidence`` are labelled ``unsure``."""
        if not 0.0 <= min_confidence <= 1.0:
            raise HansentiError(f"--min-confidence must be between 0 and 1, not "
                                f"{min_confidence}")
        run = RunDir(resolve_run(run_dir))
        self.config = run.finished_config()
        self.run = run
        #: what the user called it: an installed model's name, or the run folder's name
        self.name = (run.path.name if run_dir is not None and Path(run_dir) == run.path
                     else str(run_dir or DEFAULT_MODEL))
        self.min_confidence = min_confidence
        self.tokenizer: Tokenizer = load_tokenizer(run.path / TOKENIZER_DIR)
        self.classes = run.classes()
        self.classifier = models.get(self.config.model)(self.config)
        self.classifier.load(run.path)
        if self.classifier.n_classes != len(self.classes):
            raise RunDirError(f"{run.path}: the model predicts {self.classifier.n_classes} "
                              f"classes but {CLASSES_FILE} names {len(self.classes)}: "
                              "train the run again")
        self.calibration = Calibration.load(run.path)
        self.familiarity = Familiarity.from_metrics(run.metrics())
        # a Keras model loaded the run's vocabulary already; nblr reads it only here
        self.vocab = (getattr(self.classifier, "vocab", None)
                      or Vocab.load(run.path / VOCAB_FILE)) if self.familiarity else None

    def score(self, texts: Sequence[str], n_jobs: int = 1) -> Scored:
        """Tokenize (bounded by the tokenizer's contract) and score ``texts``."""
        docs = self.tokenizer.tokenize_batch(list(texts), n_jobs=n_jobs, progress=False)
        return self.score_tokens(docs)

    def score_tokens(self, docs: list[list[str]]) -> Scored:
        """Score texts already tokenized by this run's tokenizer."""
        probabilities = self.calibration.apply(self.classifier.predict_proba(docs))
        known = (known_shares(docs, self.vocab) if self.vocab is not None
                 else np.full(len(docs), np.nan))
        return Scored(probabilities, self.labels(probabilities), docs, known)

    def predict(self, texts: Sequence[str], n_jobs: int = 1) -> np.ndarray:
        """Calibrated probabilities: one row per text, one column per class (``classes``)."""
        return self.score(texts, n_jobs).probabilities

    def predict_frame(self, data: "pd.DataFrame | pd.Series", text_column: str | None = None,
                      prefix: str = DEFAULT_PREFIX, n_jobs: int = 1) -> "pd.DataFrame":
        """A copy of a DataFrame (or a Series of texts) with the prediction columns of file
        scoring added: ``pred_label``, ``pred_probability``, ``pred_p_<class>``,
        ``pred_known``; index, columns and row order kept; a column of those names in the
        input is refused."""
        from .frames import predict_frame

        return predict_frame(self, data, text_column, prefix, n_jobs)

    def analyze_frame(self, data: "pd.DataFrame | pd.Series", text_column: str | None = None,
                      group_column: str | None = None, keep: int = 5,
                      n_jobs: int = 1) -> "Analysis":
        """``hansenti analyze`` on a DataFrame: per group the class shares with 95%
        intervals, the most certain reviews and the telling tokens, as
        ``.summary_frame()``, ``.extremes_frame()`` and ``.aspects_frame()``."""
        from .frames import analyze_frame

        return analyze_frame(self, data, text_column, group_column, keep, n_jobs)

    def explain(self, text: str, check: Callable[[], None] | None = None) -> "Explanation":
        """The probability of ``text``'s class (binary: of the second, positive class) and
        each token's contribution to it (occlusion); ``check`` is called between batches
        of the work and may raise to stop it (a deadline)."""
        from .explain import occlusion

        return occlusion(self.classifier, self.tokenizer.tokenize(text), self.classes,
                         self.calibration, check)

    def labels(self, probabilities: np.ndarray) -> list[str]:
        """The most probable class of each row, or ``unsure`` under ``min_confidence``."""
        probabilities = np.asarray(probabilities)
        if not len(probabilities):
            return []
        best = probabilities.argmax(axis=1)
        sure = probabilities.max(axis=1) >= self.min_confidence
        return [self.classes[index] if ok else UNSURE for index, ok in zip(best, sure)]

    def familiarity_warning(self, known: np.ndarray, what: str = "texts") -> str | None:
        """One line when too many scored texts are unlike the run's validation reviews."""
        return self.familiarity.warning(known, what) if self.familiarity else None


def load(run_dir: str | Path | None = None, min_confidence: float = 0.0) -> Predictor:
    """Load a finished run folder or an installed model by name for prediction; without
    one, the default Korean model (``hansenti models`` lists what is installed)."""
    return Predictor(run_dir, min_confidence)
