"""Frozen dataclass configs, saved as config.json beside every artifact."""

from __future__ import annotations

import dataclasses
import json
import tomllib
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
from .data_spec import DataSpec
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
    #: a biLM folder (hansenti embed train --algo elmo) whose layers, mixed by learned
    #: weights, are concatenated with the token embedding ("": none)
    contextual: str = bounded("")
    #: "gradual": fine-tune that biLM as ULMFiT does (gradual unfreezing from the top,
    #: discriminative learning rates); "none": keep it frozen
    contextual_finetune: str = bounded("none", choices=("none", "gradual"))


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


def option_defaults() -> dict[str, Any]:
    """Every built-in model option with its default (each model reads those it needs)."""
    return {option.name: option.default
            for options in (NetworkOptions, NBLROptions) for option in fields(options)}


def setting(default: Any = dataclasses.MISSING, help: str = "", flags: tuple[str, ...] = (),
            low: float | None = None, high: float | None = None, path: bool = False,
            default_factory: Any = dataclasses.MISSING) -> Any:
    """A :class:`TrainConfig` field with what its command-line option needs: ``help``,
    its ``flags`` (default ``--field-name``), an inclusive range, and whether it names a
    path. ``hansenti train``'s options are generated from these."""
    metadata = {"help": help, "flags": flags, "low": low, "high": high, "path": path}
    if default_factory is not dataclasses.MISSING:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run (and so its result). Each field is an
    option of ``hansenti train`` and a key of the run's ``run.toml``."""

    corpus: str = setting("nsmc", "Labelled corpus to train on: a name (hansenti corpora "
                                  "list) or a .toml description of your files.")
    #: a user's own labelled files; when set, ``corpus`` is only its name
    data: DataSpec | None = setting(None, "Your labelled reviews (--data and its options).")
    tokenizer: str = setting("mecab", "Tokenizer name (hansenti tokenizers lists them).",
                             ("-t", "--tokenizer"))
    tokenizer_options: dict[str, Any] = setting(
        help="Tokenizer option, e.g. -o stem=true, or any tokenizer's "
             "-o normalize=repeats+emoji-space (values parsed as JSON when they can be).",
        flags=("-o", "--tokenizer-option"), default_factory=dict)
    model: str = setting("cnn", "Model architecture: cnn, lstm, bilstm, gru, rnn, gmp, nblr, "
                                "blend or one a package adds.", ("-m", "--model"))
    model_options: dict[str, Any] = setting(
        help="Model hyper-parameter, e.g. -p units=256 -p epochs=5 (repeatable).",
        flags=("-p", "--model-option"), default_factory=dict)
    embeddings: str | None = setting(
        None, "Initialise the embedding layer from these vectors (hansenti embed train "
              "output, word2vec .txt/.bin, GloVe .txt, fastText .bin; gensim .kv only with "
              "--trust-pickle).", path=True)
    freeze_embeddings: bool = setting(False, "Keep pre-trained vectors fixed, or train them "
                                             "further.", ("--freeze/--finetune",))
    max_vocab: int | None = setting(None, "Keep at most this many tokens.", low=4)
    min_freq: int = setting(2, "Keep tokens seen at least this often in training.", low=1)
    maxlen: str = setting("mean+2std", "Sequence length: a number, mean+Kstd or pNN of "
                                       "training lengths, optionally capped (<=400).")
    padding: Literal["pre", "post"] = setting("pre", "Pad short sequences before or after.")
    truncating: Literal["pre", "post"] = setting("pre", "Cut long sequences' start or end.")
    validation_fraction: float = setting(0.1, "Share of train held out as validation "
                                              "(between 0 and 1).")
    #: after choosing epochs (or C) on validation, train again from scratch on all of train
    #: with that choice; the refitted model is the one saved and scored on test
    refit: bool = setting(False, "After choosing the epoch (or C) on validation, train again "
                                 "on all of train with that choice; the refitted model is "
                                 "saved and tested.")
    #: a folder written by ``hansenti distil``: its reviews join the fit part (and the
    #: refit), with the teachers' mean probabilities as soft targets
    pseudo_labels: str | None = setting(
        None, "Also train on the reviews labelled by hansenti distil (soft targets); the "
              "teachers must share this run's corpus, seed and validation split.", path=True)
    #: what chooses the epoch (or C) on validation: accuracy, macro_f1, or auto (macro-F1
    #: when the classes are imbalanced, else accuracy)
    metric: Literal["auto", "accuracy", "macro_f1"] = setting(
        "auto", "Validation score that chooses the epoch (or C); auto: macro_f1 when the "
                "classes are imbalanced (largest/smallest >= 1.5), else accuracy.")
    #: weight the loss by inverse class frequency: none, balanced, or auto (balanced when
    #: the classes are imbalanced; nblr also tries both and keeps the better on validation)
    class_weight: Literal["auto", "none", "balanced"] = setting(
        "auto", "Weight the loss by inverse class frequency; auto: balanced on imbalanced "
                "classes (nblr tries both and keeps the better on validation).")
    seed: int = setting(42, "Seed of the validation split, the shuffles and the weights.")
    limit: int | None = setting(None, "Quick run: a stratified slice of N train and N/3 test "
                                      "documents.", low=10)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def as_saved(self) -> dict[str, Any]:
        """The settings as config.json holds them (tuples read back as lists), to compare."""
        return json.loads(json.dumps(self.to_dict()))

    def trains_as(self, other: "TrainConfig") -> bool:
        """Whether ``other`` trains the same run: the same settings, a model option left
        at its default counting as given with that value."""
        defaults = json.loads(json.dumps(option_defaults()))

        def filled(config: TrainConfig) -> dict[str, Any]:
            saved = config.as_saved()
            return {**saved, "model_options": {**defaults, **saved["model_options"]}}

        return filled(self) == filled(other)

    def save(self, path: str | Path) -> None:
        atomic.write_json(path, self.to_dict())

    def to_toml(self) -> str:
        """The run as a TOML file ``hansenti train --config`` reads back (None left out)."""
        import tomli_w

        return tomli_w.dumps(_without_none(self.to_dict()))

    @classmethod
    def from_toml(cls, path: str | Path, overrides: Sequence[str] = ()) -> "TrainConfig":
        """A run's settings from a TOML file (``run.toml`` of a run, or one of yours),
        with ``KEY=VALUE`` overrides (``model_options.units=256``, ``data.labels=...``)."""
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise HansentiError(f"config file {path} does not exist") from error
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise HansentiError(f"{path} is not valid TOML: {error}") from error
        return from_dict(cls, with_overrides(data, overrides))

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


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    return list(value) if isinstance(value, tuple) else value


def with_overrides(data: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """``data`` with each ``KEY=VALUE`` of ``overrides`` set (a dotted key reaches into a
    table; values read as JSON when they can be, else as text)."""
    data = json.loads(json.dumps(data))
    for override in overrides:
        key, separator, text = override.partition("=")
        if not separator or not key.strip():
            raise HansentiError(f"--set {override!r}: write KEY=VALUE, e.g. --set seed=7 or "
                                "--set model_options.units=256")
        *tables, last = key.strip().split(".")
        target = data
        for table in tables:
            target = target.setdefault(table, {})
            if not isinstance(target, dict):
                raise HansentiError(f"--set {override!r}: {table} is not a table")
        target[last] = _json_or_text(text)
    return data


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def from_dict(cls: type[C], data: dict[str, Any]) -> C:
    """Build dataclass ``cls`` from a dict, refusing unknown keys with a clear message;
    lists become tuples where the field is a tuple."""
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise HansentiError(f"unknown option(s) {', '.join(unknown)} for {cls.__name__}; "
                            f"known: {', '.join(known)}")
    hints = get_type_hints(cls)
    values = {key: _typed(hints[key], value) for key, value in data.items()}
    return cls(**values)


def _typed(hint: Any, value: Any) -> Any:
    """A JSON or TOML value as the field's type: lists as tuples where the field is a
    tuple, tables as the dataclass the field holds."""
    if isinstance(value, list) and (get_origin(hint) is tuple or "tuple" in str(hint)):
        return tuple(value)
    if isinstance(value, dict):
        nested = [arg for arg in (get_args(hint) or (hint,))
                  if dataclasses.is_dataclass(arg) and isinstance(arg, type)]
        if nested:
            return nested[0].from_dict(value) if hasattr(nested[0], "from_dict") else \
                from_dict(nested[0], value)
    return value


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
