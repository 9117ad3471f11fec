"""What a sentiment model is to hansenti: fit on token lists, predict probabilities, save."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar, Sequence

import numpy as np

from ..core.plugins import architectures
from ..tokenizers.vocab import Vocab

Documents = Sequence[Sequence[str]]


class Classifier(ABC):
    """A sentiment classifier over tokenized documents, for two or more classes."""

    name: ClassVar[str] = ""
    #: whether ``TrainConfig.embeddings`` (pre-trained vectors) can initialise it
    accepts_embeddings: ClassVar[bool] = False
    #: whether labels may be probabilities in [0, 1] (``TrainConfig.pseudo_labels``)
    accepts_soft_labels: ClassVar[bool] = False
    #: the ``TrainConfig.model_options`` it reads; None: it checks them itself
    accepted_options: ClassVar[tuple[str, ...] | None] = None
    #: how many classes it predicts (set by :meth:`set_task`; :meth:`load` reads it back)
    n_classes: int = 2
    #: what chooses epochs (or C) on validation: "accuracy" or "macro_f1"
    metric: str = "accuracy"

    def set_task(self, n_classes: int, metric: str) -> None:
        """Say, before :meth:`fit`, how many classes the labels have (0..n-1) and which
        validation score to choose by."""
        self.n_classes, self.metric = n_classes, metric

    @abstractmethod
    def fit(self, fit_docs: Documents, fit_labels: np.ndarray, valid_docs: Documents,
            valid_labels: np.ndarray, workdir: Path, vocab: Vocab) -> list[dict[str, float]]:
        """Train, choosing epochs/hyper-parameters on the validation data only (by
        ``val_<metric>``); return one history row per epoch (or per candidate). ``workdir`` holds resumable state;
        ``vocab`` was built from ``fit_docs`` (models that need no ids may ignore it)."""

    def refit(self, docs: Documents, labels: np.ndarray, workdir: Path, vocab: Vocab,
              chosen: dict[str, float]) -> list[dict[str, float]]:
        """Train again from scratch on ``docs`` (fit + validation) with what :meth:`fit`
        chose on validation (``chosen``: its best history row); return the history."""
        raise NotImplementedError(f"model {self.name} cannot be refitted")

    @property
    def can_refit(self) -> bool:
        """Whether :meth:`refit` is implemented (``TrainConfig.refit`` needs it)."""
        return type(self).refit is not Classifier.refit

    @abstractmethod
    def predict_proba(self, docs: Documents) -> np.ndarray:
        """Probabilities, one row per document and one column per class."""

    @abstractmethod
    def save(self, directory: Path) -> None:
        """Write the trained model into ``directory`` (atomically, file by file)."""

    @abstractmethod
    def load(self, directory: Path) -> None:
        """Read back what :meth:`save` wrote (``directory`` also holds vocab.json)."""

    def summary(self) -> dict[str, Any]:
        """Facts for metrics.json: parameters, max length and its coverage, vocab size."""
        return {}


#: name -> factory(training config) -> an untrained Classifier (a Classifier subclass, or
#: any callable; one with an ``accepted_options`` attribute lets the study and the CLI
#: check options before any work)
#: the model architectures by name (``hansenti.core.plugins.architectures``)
models = architectures


def accepted_options(model: str) -> tuple[str, ...] | None:
    """The model options that model ``model`` reads (None when it does not say)."""
    return getattr(models.get(model), "accepted_options", None)


def uses_accelerator(model: str) -> bool:
    """Whether model ``model`` trains faster on a GPU (a factory's ``uses_accelerator``)."""
    return bool(getattr(models.get(model), "uses_accelerator", False))
