"""What a sentiment model is to hansenti: fit on token lists, predict probabilities, save."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Callable, ClassVar, Sequence

import numpy as np

from ..config import TrainConfig
from ..registry import Registry
from ..vocab import Vocab

Documents = Sequence[Sequence[str]]


class Classifier(ABC):
    """A binary sentiment classifier over tokenized documents."""

    name: ClassVar[str] = ""
    #: whether ``TrainConfig.embeddings`` (pre-trained vectors) can initialise it
    accepts_embeddings: ClassVar[bool] = False
    #: whether labels may be probabilities in [0, 1] (``TrainConfig.pseudo_labels``)
    accepts_soft_labels: ClassVar[bool] = False
    #: the ``TrainConfig.model_options`` it reads; None: it checks them itself
    accepted_options: ClassVar[tuple[str, ...] | None] = None

    @abstractmethod
    def fit(self, fit_docs: Documents, fit_labels: np.ndarray, valid_docs: Documents,
            valid_labels: np.ndarray, workdir: Path, vocab: Vocab) -> list[dict[str, float]]:
        """Train, choosing epochs/hyper-parameters on the validation data only; return one
        history row per epoch (or per candidate). ``workdir`` holds resumable state;
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
        """Probability of the positive class for each document."""

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
models: Registry[Callable[[TrainConfig], Classifier]] = Registry("model")


def accepted_options(model: str) -> tuple[str, ...] | None:
    """The model options that model ``model`` reads (None when it does not say)."""
    return getattr(models.get(model), "accepted_options", None)
