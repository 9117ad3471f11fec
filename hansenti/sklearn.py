"""hansenti as a scikit-learn estimator, for Pipelines, grid searches and cross-validation::

    from hansenti.sklearn import SentimentClassifier
    classifier = SentimentClassifier(tokenizer="mecab", model="nblr").fit(texts, labels)
    classifier.predict_proba(["정말 재밌어요"])

``fit`` is ``hansenti train`` on the texts given: the epoch (or C) is chosen on a
validation split carved from them (``validation_fraction``, ``seed``), the tokenizer and
vocabulary see the fit part only, and the probabilities are calibrated on validation;
``refit=True`` then trains again on all of them. Scoring goes through the same path as
every other route (:meth:`hansenti.Predictor.score`). A fitted estimator pickles as its
run folder's bytes, so it can be sent to worker processes (``cross_val_score(n_jobs=2)``)
and saved with joblib or skops.
"""

from __future__ import annotations

import dataclasses
import io
import tarfile
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError

from .core.config import TrainConfig
from .core.errors import HansentiError
from .corpora import Review
from .inference.predictor import Predictor
from .training.splits import LabelledData

#: what a run is called inside the estimator
RUN_NAME = "run"
#: TrainConfig fields an estimator takes as keyword options (the rest are its own
#: parameters, or make no sense for texts given in memory)
CONFIG_OPTIONS = tuple(field.name for field in dataclasses.fields(TrainConfig)
                       if field.name not in {"corpus", "data", "tokenizer", "tokenizer_options",
                                             "model", "model_options", "pseudo_labels",
                                             "limit", "seed", "validation_fraction",
                                             "refit"})


class SentimentClassifier(ClassifierMixin, BaseEstimator):
    """A hansenti tokenizer and model as one scikit-learn classifier of raw texts.

    ``options`` are the model's options (``units``, ``epochs``, ``c_grid``, ...) and the
    training settings of ``hansenti train`` (``max_vocab``, ``maxlen``, ``class_weight``,
    ...), each a parameter that ``get_params``/``set_params`` and ``GridSearchCV`` see.
    """

    def __init__(self, tokenizer: str = "mecab", model: str = "nblr",
                 tokenizer_options: dict[str, Any] | None = None,
                 validation_fraction: float = 0.1, refit: bool = False, seed: int = 42,
                 n_jobs: int = 1, **options: Any) -> None:
        self.tokenizer = tokenizer
        self.model = model
        self.tokenizer_options = tokenizer_options
        self.validation_fraction = validation_fraction
        self.refit = refit
        self.seed = seed
        self.n_jobs = n_jobs
        #: the keyword options, parameters like the named ones (kept apart from them)
        self._options = dict(options)

    # -- scikit-learn's parameter protocol, with the keyword options as parameters ------

    @classmethod
    def _get_param_names(cls) -> list[str]:
        return sorted(["tokenizer", "model", "tokenizer_options", "validation_fraction",
                       "refit", "seed", "n_jobs"])

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {**super().get_params(deep), **self._options}

    def set_params(self, **params: Any) -> "SentimentClassifier":
        own = set(self._get_param_names())
        for key, value in params.items():
            if key in own:
                setattr(self, key, value)
            else:
                self._options[key] = value
        return self

    # -- training and scoring -------------------------------------------------------------

    def train_config(self) -> TrainConfig:
        """The ``hansenti train`` settings these parameters make; unknown options fail."""
        from .models import models

        options = self._options
        accepted = models.get(self.model).accepted_options
        unknown = sorted(set(options) - set(CONFIG_OPTIONS) - set(accepted))
        if unknown:
            raise HansentiError(f"SentimentClassifier does not take {', '.join(unknown)}: "
                                f"model {self.model} reads {', '.join(accepted)}; training "
                                f"reads {', '.join(CONFIG_OPTIONS)}")
        return TrainConfig(
            corpus="texts", tokenizer=self.tokenizer,
            tokenizer_options=dict(self.tokenizer_options or {}), model=self.model,
            model_options={key: value for key, value in options.items() if key in accepted},
            validation_fraction=self.validation_fraction, refit=self.refit, seed=self.seed,
            **{key: value for key, value in options.items() if key in CONFIG_OPTIONS})

    def fit(self, X: Any, y: Any) -> "SentimentClassifier":
        """Train on texts ``X`` and labels ``y`` (any values: ``classes_`` are their sorted
        unique values); the choices are made on a validation split carved from them."""
        from .training.trainer import train

        texts, labels = as_texts(X), np.asarray(y)
        if labels.ndim != 1 or len(labels) != len(texts):
            raise ValueError(f"y must be one label per text: {len(texts)} texts, "
                             f"labels of shape {labels.shape}")
        classes, indices = np.unique(labels, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(f"y has {len(classes)} class; a classifier needs at least two")
        config = self.train_config()
        records = [Review(f"row{row}", text, int(index), "train")
                   for row, (text, index) in enumerate(zip(texts, indices))]
        data = LabelledData(records, [], tuple(str(name) for name in classes), (), None)
        with tempfile.TemporaryDirectory(prefix="hansenti-fit-") as work:
            run_dir = Path(work) / RUN_NAME
            train(config, run_dir, jobs=self.n_jobs, data=data)
            self.run_archive_ = archive(run_dir)
        self.classes_ = classes
        self.n_features_in_ = 1
        self._predictor = None
        return self

    def predictor(self) -> Predictor:
        """The fitted run, loaded (once per process) from the estimator's own copy."""
        if not hasattr(self, "run_archive_"):
            raise NotFittedError("this SentimentClassifier is not fitted yet: call fit first")
        if getattr(self, "_predictor", None) is None:
            self._folder = tempfile.TemporaryDirectory(prefix="hansenti-run-")
            with tarfile.open(fileobj=io.BytesIO(self.run_archive_), mode="r:gz") as tar:
                tar.extractall(self._folder.name, filter="data")
            self._predictor = Predictor(Path(self._folder.name) / RUN_NAME)
        return self._predictor

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probabilities: one row per text, one column per class of ``classes_``."""
        predictor = self.predictor()
        return predictor.score(as_texts(X), n_jobs=self.n_jobs).probabilities

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each text, as a value of ``classes_``."""
        probabilities = self.predict_proba(X)  # NotFittedError first, if it is not
        return self.classes_[probabilities.argmax(axis=1)]

    def __getstate__(self) -> dict[str, Any]:
        """What pickles: the parameters and the run's bytes, not the loaded model."""
        state = dict(self.__dict__)
        state.pop("_folder", None)
        state["_predictor"] = None
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.non_deterministic = False
        return tags


def as_texts(X: Any) -> list[str]:
    """Texts from a list, a NumPy array, a pandas Series or a one-column DataFrame."""
    if hasattr(X, "columns"):
        if len(X.columns) != 1:
            raise ValueError(f"X has {len(X.columns)} columns; give the text column alone "
                             "(df['review']) or a one-column frame")
        X = X.iloc[:, 0]
    if isinstance(X, str):
        raise ValueError("X must be a sequence of texts, not one string: wrap it in a list")
    values: Sequence[Any] = list(np.asarray(X, dtype=object).ravel()) \
        if isinstance(X, np.ndarray) else list(X)
    bad = next((value for value in values if not isinstance(value, str)), None)
    if bad is not None:
        raise ValueError(f"X must hold texts; found {type(bad).__name__} {bad!r}")
    return values


def archive(folder: Path) -> bytes:
    """``folder`` as the bytes of a .tar.gz holding it under :data:`RUN_NAME`."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(folder, arcname=RUN_NAME)
    return buffer.getvalue()


__all__ = ["SentimentClassifier"]
