"""Options shared by several commands."""

from __future__ import annotations

import dataclasses
import functools
import os
import types
from pathlib import Path
from typing import Any, Callable, Literal, Sequence, Union, get_args, get_origin, get_type_hints

import click

from ..core.data_spec import is_description
from ..core.errors import HansentiError
from ..core.ray_cluster import EXECUTORS
from ..core.user_code import load_user_code
from ..corpora import MIRROR_ENV, DataSpec
from ..corpora.files import check_suffix
from ..corpora.references import parse_options
from ..embeddings.vectors import TRUST_PICKLE_ENV


def _load_code(ctx: click.Context, param: click.Parameter, paths: tuple[str, ...]) -> tuple[str, ...]:
    for path in paths:
        load_user_code(path)
    return paths


code_option = click.option(
    "--code", multiple=True, is_eager=True, expose_value=False, callback=_load_code,
    type=click.Path(dir_okay=False), metavar="FILE.py",
    help="Python file to run first, e.g. one that calls register_tokenizer().")

overwrite_option = click.option(
    "--overwrite", is_flag=True,
    help="Replace what hansenti wrote at the output before; a user's other files there "
         "are kept, and an input is never replaced.")


def _trust_pickle(ctx: click.Context, param: click.Parameter, trusted: bool) -> None:
    if trusted:
        os.environ[TRUST_PICKLE_ENV] = "1"


trust_pickle_option = click.option(
    "--trust-pickle", is_flag=True, expose_value=False, callback=_trust_pickle,
    help="Also load gensim's pickled .kv/.model vector files: a pickle can run code when "
         "loaded, so only for files you trust.")

encoding_option = click.option(
    "--encoding", default=None, metavar="NAME",
    help="Text encoding of your files (e.g. cp949 for Korean Windows/Excel files) "
         "[default: UTF-8, with or without a BOM].")

def scoring_options(command):
    """What every command that scores a user's reviews takes: how to read their file and
    name the prediction columns (handed to the command as one ``file_scoring``, a
    :class:`hansenti.inference.scoring.FileScoring`), and when to answer ``unsure``
    (``min_confidence``)."""
    from ..core.review_files import DEFAULT_MAX_SKIPPED

    @functools.wraps(command)
    def gathered(*args, prefix: str, encoding: str | None, max_skipped: float,
                 overwrite: bool, **kwargs):
        from ..inference.scoring import FileScoring

        return command(*args, file_scoring=FileScoring(prefix, encoding, max_skipped,
                                                       overwrite), **kwargs)

    options = [
        encoding_option,
        click.option("--prefix", default="pred_", show_default=True,
                     help="Start of the prediction columns' names (pred_label, "
                          "pred_probability, pred_p_<class>, pred_known); input columns "
                          "are kept as they are."),
        click.option("--max-skipped", type=click.FloatRange(0.0, 1.0),
                     default=DEFAULT_MAX_SKIPPED, show_default=True,
                     help="Share of unreadable rows (no text, bad quoting, wrong "
                          "encoding) above which the file fails instead of being scored."),
        click.option("--min-confidence", type=click.FloatRange(0.0, 1.0), default=0.0,
                     show_default=True,
                     help="Label a review 'unsure' when its most probable class is "
                          "less probable than this (calibrated on validation)."),
        overwrite_option,
    ]
    for option in reversed(options):
        gathered = option(gathered)
    return gathered


mirror_option = click.option(
    "--mirror", envvar=MIRROR_ENV, type=click.Path(file_okay=False), default=None,
    help=f"Local mirror folder of the corpora (publisher layout) [env {MIRROR_ENV}].")

#: worker processes when ``--jobs`` is not given: the 2 cores of a small machine
DEFAULT_JOBS = 2

jobs_option = click.option(
    "-j", "--jobs", type=click.IntRange(min=1), default=DEFAULT_JOBS, show_default=True,
    help="Worker processes for tokenizing (embed: also gensim threads).")

tokenizer_options_option = click.option(
    "-o", "--tokenizer-option", "tokenizer_options", multiple=True, metavar="KEY=VALUE",
    callback=lambda ctx, param, pairs: parse_options(pairs),
    help="Tokenizer option, e.g. -o stem=true, or any tokenizer's "
         "-o normalize=repeats+emoji-space (values parsed as JSON when they can be).")


def option_key(param: click.Parameter) -> str:
    """A parameter's key in a settings file: its long option name without dashes
    (``--cell-cpus`` -> ``cell_cpus``)."""
    longs = [name for name in getattr(param, "opts", []) if name.startswith("--")]
    return (longs[0] if longs else param.name).lstrip("-").replace("-", "_")


def _defaults_from_file(ctx: click.Context, param: click.Parameter, path: str | None) -> None:
    if path is None:
        return
    import tomllib

    try:
        settings = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HansentiError(f"config file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise HansentiError(f"{path} is not valid TOML: {error}") from None
    by_key = {option_key(p): p for p in ctx.command.params if p is not param}
    unknown = sorted(set(settings) - set(by_key))
    if unknown:
        raise HansentiError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: "
                            f"{', '.join(sorted(by_key))}")
    ctx.default_map = {**(ctx.default_map or {}),
                       **{by_key[key].name: value for key, value in settings.items()}}


settings_file_option = click.option(
    "--config", "settings_file", is_eager=True, expose_value=False, callback=_defaults_from_file,
    type=click.Path(dir_okay=False), metavar="FILE.toml",
    help="Settings from a TOML file, keyed by option name (the study's own study.toml, or "
         "yours); options given on the command line win.")


def settings_of(ctx: click.Context, keys: Sequence[str]) -> dict[str, Any]:
    """The values of the parameters named by ``keys`` (option names), as a settings file
    holds them: what reproduces the command; unset ones left out."""
    by_key = {option_key(p): p for p in ctx.command.params}
    values = {key: ctx.params[by_key[key].name] for key in keys}
    return {key: list(value) if isinstance(value, tuple) else value
            for key, value in values.items() if value not in (None, (), [])}


def config_options(cls: type, skip: Sequence[str] = ()) -> Callable:
    """click options generated from the fields of the config dataclass ``cls`` and their
    metadata (:func:`hansenti.core.config.setting`): a new setting is one field. Each
    option's parameter is the field's name; ``skip`` names fields built otherwise."""
    hints = get_type_hints(cls)
    options = []
    for spec in dataclasses.fields(cls):
        if spec.name in skip:
            continue
        meta = spec.metadata
        flags = meta.get("flags") or (f"--{spec.name.replace('_', '-')}",)
        kind = _non_optional(hints[spec.name])
        default = (spec.default if spec.default is not dataclasses.MISSING
                   else spec.default_factory())
        extra: dict[str, Any] = {"default": default, "show_default": default not in (None, {})}
        if kind is bool and "/" not in flags[0]:
            extra["is_flag"] = True
        elif kind is bool:
            pass  # --on/--off: click reads a boolean from the pair
        elif get_origin(kind) is Literal:
            extra["type"] = click.Choice(get_args(kind))
        elif kind is dict or get_origin(kind) is dict:
            extra.update(multiple=True, metavar="KEY=VALUE", default=(), show_default=False,
                         callback=lambda ctx, param, pairs: parse_options(pairs))
        elif kind in (int, float) and (meta.get("low") is not None
                                       or meta.get("high") is not None):
            bounds = click.IntRange if kind is int else click.FloatRange
            extra["type"] = bounds(meta.get("low"), meta.get("high"))
        elif meta.get("path"):
            extra["type"] = click.Path()
        else:
            extra["type"] = kind
        options.append(click.option(*flags, spec.name, help=meta.get("help"), **extra))

    def decorate(command):
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def _non_optional(hint: Any) -> Any:
    """``X`` of ``X | None``."""
    args = [arg for arg in get_args(hint) if arg is not type(None)]
    return args[0] if get_origin(hint) in (Union, types.UnionType) and len(args) == 1 else hint


def data_options(command):
    """``--data FILE`` and how to read it: a user's own labelled reviews."""
    options = [
        click.option("--data", type=click.Path(exists=True),
                     help="Your labelled reviews: a .csv, .tsv, .jsonl or .parquet file "
                          "(optionally .gz), or a folder with one sub-folder per class."),
        click.option("--text-column", default="text", show_default=True,
                     help="--data: the column holding the review text."),
        click.option("--label-column", default="label", show_default=True,
                     help="--data: the column holding the label (a class or a rating)."),
        click.option("--labels", "label_map", metavar="MAP",
                     help="--data: values or inclusive ranges to classes, e.g. "
                          "\"1-2=negative,4-5=positive\" (unmapped rows are dropped); "
                          "default: the column's values are the classes."),
        click.option("--id-column", help="--data: a column of unique row ids "
                                         "(default: file name and line)."),
        click.option("--test-data", type=click.Path(exists=True),
                     help="--data: a test file laid out like --data."),
        click.option("--test-fraction", type=float,
                     help="--data: hold out this stratified, seeded share as test "
                          "[default 0.2 without --test-data]."),
        click.option("--exclude", multiple=True, metavar="CORPUS:SPLIT",
                     help="--data: drop the rows whose --id-column id is in this corpus "
                          "split, e.g. nsmc:test (repeatable)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def data_spec(data: str | None, text_column: str, label_column: str, label_map: str | None,
              id_column: str | None, test_data: str | None, test_fraction: float | None,
              exclude: tuple[str, ...] = ()) -> DataSpec | None:
    """The ``--data`` options as a :class:`DataSpec` (None without ``--data``)."""
    if data is None:
        if test_data or test_fraction is not None or label_map or exclude:
            raise HansentiError("--labels, --test-data, --test-fraction and --exclude "
                                "describe --data: give the file with --data")
        return None
    for path in (data, test_data):
        if path:
            check_suffix(path)
    spec = DataSpec(train=str(Path(data).resolve()), text_column=text_column,
                    label_column=label_column, labels=label_map, id_column=id_column,
                    test=str(Path(test_data).resolve()) if test_data else None,
                    test_fraction=test_fraction, exclude=tuple(exclude))
    spec.check_files()
    return spec


def corpus_and_data(corpus: str | None, data: DataSpec | None
                    ) -> tuple[str, DataSpec | None]:
    """The run's corpus name and, for a user's files (``--data`` or a ``.toml``
    description), their description."""
    if data is not None:
        if corpus:
            raise HansentiError("give --corpus or --data, not both")
        return data.name, data
    corpus = corpus or "nsmc"
    if is_description(corpus):
        spec = DataSpec.from_toml(corpus)
        spec.check_files()
        return spec.name, spec
    return corpus, None


mlflow_option = click.option(
    "--mlflow", "mlflow_uri", is_flag=False, flag_value="file:./mlruns", default=None,
    metavar="[URI]",
    help="Log to MLflow when done: parameters, per-epoch metrics, scores, the run folder "
         "(default URI: a local file store, ./mlruns; needs hansenti[track]).")


def executor_options(command):
    """``--executor local|ray`` and ``--address``: where the work runs."""
    options = [
        click.option("--executor", type=click.Choice(EXECUTORS), default="local",
                     show_default=True,
                     help="local: this machine's process pool; ray: Ray tasks (needs "
                          "hansenti[ray]) on the cluster at --address or one started here."),
        click.option("--address", metavar="ADDR", default=None,
                     help="Ray cluster to join, e.g. ray://head:10001 or auto (default: "
                          "$RAY_ADDRESS, else a local Ray on this machine's cores)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command

part_format_option = click.option(
    "--part-format", type=click.Choice(["parquet", "csv"]), default="parquet",
    show_default=True, help="With --executor ray: the format of the scored parts.")


def check_single_file(input_path: str | None) -> None:
    """Locally, --input is one file: a folder or a glob is Ray's."""
    if input_path and (Path(input_path).is_dir() or any(c in input_path for c in "*?[")):
        raise HansentiError(f"{input_path}: a folder or a glob of files needs --executor ray; "
                            "locally, give one file")
