"""Frozen dataclass configs, saved as config.json beside every artifact."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import (
    Any,
    Literal,
    Mapping,
    Sequence,
    TypeVar,
    get_args,
    get_origin,
    get_type_hints,
)

from . import atomic
from .errors import HansentiError, RunDirError

C = TypeVar("C")


def bounded(default: Any, low: float | None = None, high: float | None = None,
            choices: tuple[str, ...] | None = None) -> Any:
    """A hyper-parameter field with the range (inclusive; each element of a tuple) or the
    choices that :func:`checked_options` enforces."""
    return field(default=default, metadata={"low": low, "high": high, "choices": choices})


@dataclass(frozen=True)
class NetworkOptions:
    """Hyper-parameters of the Keras architectures; each uses the fields it needs."""

    embedding_dim: int = bounded(128, low=1)
    units: int = bounded(128, low=1)
    layers: int = bounded(1, low=1, high=16)
    dropout: float = bounded(0.4, low=0.0, high=0.99)
    #: dropout on the embedded tokens, before the recurrent/convolution layers
    embedding_dropout: float = bounded(0.2, low=0.0, high=0.99)
    #: recurrent models: classify from the last state, or max-pool over every state
    pooling: str = bounded("last", choices=("last", "max"))
    filters: int = bounded(128, low=1)
    kernel_sizes: tuple[int, ...] = bounded((3, 4, 5), low=1)
    learning_rate: float = bounded(1e-3, low=1e-8, high=10.0)
    batch_size: int = bounded(256, low=1)
    epochs: int = bounded(8, low=1)
    patience: int = bounded(2, low=0)


@dataclass(frozen=True)
class NBLROptions:
    """NB-weighted logistic regression (Wang & Manning 2012): n-grams and the C grid that
    is searched on the validation split."""

    ngram_max: int = bounded(2, low=1, high=6)
    #: also character n-grams of 2..char_ngram_max characters of the tokens joined by
    #: spaces, NB-weighted like the token n-grams (0: none)
    char_ngram_max: int = bounded(0, low=0, high=8)
    min_df: int = bounded(1, low=1)
    c_grid: tuple[float, ...] = bounded((0.1, 0.3, 1.0, 3.0), low=1e-8)
    alpha: float = bounded(1.0, low=1e-8)


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run (and so its result)."""

    corpus: str = "nsmc"
    #: a user's own labelled files (:class:`hansenti.corpora.DataSpec` as a dict); when
    #: set, ``corpus`` is only its name
    data: dict[str, Any] | None = None
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
    #: what chooses the epoch (or C) on validation: accuracy, macro_f1, or auto (macro-F1
    #: when the classes are imbalanced, else accuracy)
    metric: Literal["auto", "accuracy", "macro_f1"] = "auto"
    #: weight the loss by inverse class frequency: none, balanced, or auto (balanced when
    #: the classes are imbalanced; nblr also tries both and keeps the better on validation)
    class_weight: Literal["auto", "none", "balanced"] = "auto"
    seed: int = 42
    limit: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def save(self, path: str | Path) -> None:
        atomic.write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> "TrainConfig":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise HansentiError(f"it holds {type(data).__name__}, not the run's settings")
            return from_dict(cls, data)
        except FileNotFoundError as error:
            raise RunDirError(f"{path} is missing: not a hansenti run directory") from error
        except (ValueError, TypeError, HansentiError) as error:
            raise RunDirError(f"{path} is corrupt ({error}): train the run again") from error


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


_PLURALS = {int: "integers", float: "numbers", str: "strings"}


def checked_options(cls: type[C], data: dict[str, Any], model: str,
                    accepted: Sequence[str] | None = None) -> C:
    """Hyper-parameters ``data`` of ``model`` as dataclass ``cls``, checked before any work:
    known to ``cls`` and used by the model (``accepted``; None = every field), of the
    field's type (a tuple field also takes "3,4,5" or one value) and inside its range."""
    known = {f.name: f for f in fields(cls)}
    accepted = tuple(accepted) if accepted is not None else tuple(known)
    unused = sorted(set(data) - set(accepted))
    if unused:
        raise HansentiError(f"model {model} does not take option(s) {', '.join(unused)}; "
                            f"it takes: {', '.join(sorted(accepted))}")
    hints = get_type_hints(cls)
    values = {name: _checked_value(model, name, value, hints[name], known[name].metadata)
              for name, value in data.items()}
    return cls(**values)


def _checked_value(model: str, name: str, value: Any, hint: Any,
                   limits: Mapping[str, Any]) -> Any:
    def fail(what: str) -> HansentiError:
        return HansentiError(f"model {model}: option {name} must be {what}, not {value!r}")

    if get_origin(hint) is tuple:
        element = get_args(hint)[0]
        items = value.split(",") if isinstance(value, str) else value
        items = items if isinstance(items, (list, tuple)) else [items]
        if not items:
            raise fail(f"a list of one or more {_PLURALS[element]}")
        try:
            return tuple(_checked_value(model, name, _number(item), element, limits)
                         for item in items)
        except HansentiError:
            raise fail(f"a list of {_PLURALS[element]} in range, e.g. 3,4,5") from None
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail("an integer")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail("a number")
        value = float(value)
    elif hint is str and not isinstance(value, str):
        raise fail("a string")
    low, high, choices = limits.get("low"), limits.get("high"), limits.get("choices")
    if choices and value not in choices:
        raise fail(f"one of {', '.join(choices)}")
    if low is not None and value < low or high is not None and value > high:
        span = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise fail(span)
    return value


def _number(item: Any) -> Any:
    """``"3"`` -> 3 and ``"0.5"`` -> 0.5 (items of a comma-separated option value)."""
    if not isinstance(item, str):
        return item
    try:
        return json.loads(item.strip())
    except json.JSONDecodeError:
        return item
