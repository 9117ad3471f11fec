"""Frozen dataclass configs, saved as config.json beside every artifact."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, TypeVar

from . import atomic
from .errors import HansentiError, RunDirError

C = TypeVar("C")


@dataclass(frozen=True)
class NetworkOptions:
    """Hyper-parameters of the Keras architectures; each uses the fields it needs."""

    embedding_dim: int = 128
    units: int = 128
    layers: int = 1
    dropout: float = 0.4
    #: dropout on the embedded tokens, before the recurrent/convolution layers
    embedding_dropout: float = 0.2
    #: recurrent models: classify from the last state, or max-pool over every state
    pooling: str = "last"
    filters: int = 128
    kernel_sizes: tuple[int, ...] = (3, 4, 5)
    learning_rate: float = 1e-3
    batch_size: int = 256
    epochs: int = 8
    patience: int = 2


@dataclass(frozen=True)
class NBLROptions:
    """NB-weighted logistic regression (Wang & Manning 2012): n-grams and the C grid that
    is searched on the validation split."""

    ngram_max: int = 2
    min_df: int = 1
    c_grid: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0)
    alpha: float = 1.0


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run (and so its result)."""

    corpus: str = "nsmc"
    tokenizer: str = "mecab"
    tokenizer_options: dict[str, Any] = field(default_factory=dict)
    model: str = "cnn"
    model_options: dict[str, Any] = field(default_factory=dict)
    embeddings: str | None = None
    freeze_embeddings: bool = False
    max_vocab: int | None = None
    min_freq: int = 2
    maxlen: str = "mean+2std"
    padding: Literal["pre", "post"] = "pre"
    truncating: Literal["pre", "post"] = "pre"
    validation_fraction: float = 0.1
    #: after choosing epochs (or C) on validation, train again from scratch on all of train
    #: with that choice; the refitted model is the one saved and scored on test
    refit: bool = False
    #: a folder written by ``hansenti distil``: its reviews join the fit part (and the
    #: refit), with the teachers' mean probabilities as soft targets
    pseudo_labels: str | None = None
    seed: int = 42
    limit: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def save(self, path: str | Path) -> None:
        atomic.write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> "TrainConfig":
        try:
            return from_dict(cls, json.loads(Path(path).read_text(encoding="utf-8")))
        except FileNotFoundError as error:
            raise RunDirError(f"{path} is missing: not a hansenti run directory") from error
        except (json.JSONDecodeError, HansentiError) as error:
            raise RunDirError(f"{path} is corrupt: {error}") from error


def from_dict(cls: type[C], data: dict[str, Any]) -> C:
    """Build dataclass ``cls`` from a dict, refusing unknown keys with a clear message;
    lists become tuples where the field is a tuple."""
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise HansentiError(f"unknown option(s) {', '.join(unknown)} for {cls.__name__}; "
                            f"known: {', '.join(known)}")
    values = {key: tuple(value) if isinstance(value, list) and "tuple" in str(known[key].type)
              else value for key, value in data.items()}
    return cls(**values)
