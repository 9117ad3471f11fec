"""Options shared by several commands."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..cache import fit_cached
from ..corpora import MIRROR_ENV, DataSpec, open_corpus
from ..corpora.files import check_suffix, is_description
from ..errors import HansentiError
from ..tokenizer import TOKENIZER_FILE, Tokenizer, create_tokenizer, load_tokenizer, load_user_code


def _load_code(ctx: click.Context, param: click.Parameter, paths: tuple[str, ...]) -> tuple[str, ...]:
    for path in paths:
        load_user_code(path)
    return paths


code_option = click.option(
    "--code", multiple=True, is_eager=True, expose_value=False, callback=_load_code,
    type=click.Path(dir_okay=False), metavar="FILE.py",
    help="Python file to run first, e.g. one that calls register_tokenizer().")

mirror_option = click.option(
    "--mirror", envvar=MIRROR_ENV, type=click.Path(file_okay=False), default=None,
    help=f"Local mirror folder of the corpora (publisher layout) [env {MIRROR_ENV}].")

jobs_option = click.option(
    "-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
    help="Worker processes for tokenizing.")

tokenizer_options_option = click.option(
    "-o", "--tokenizer-option", "tokenizer_options", multiple=True, metavar="KEY=VALUE",
    help="Tokenizer option, e.g. -o stem=true (values parsed as JSON when they can be).")


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
              exclude: tuple[str, ...] = ()) -> dict | None:
    """The ``--data`` options as a saved :class:`DataSpec` (None without ``--data``)."""
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
    return spec.to_dict()


def corpus_and_data(corpus: str | None, data: dict | None) -> tuple[str, dict | None]:
    """The run's corpus name and, for a user's files (``--data`` or a ``.toml``
    description), their saved description."""
    if data is not None:
        if corpus:
            raise HansentiError("give --corpus or --data, not both")
        return data["name"], data
    corpus = corpus or "nsmc"
    if is_description(corpus):
        spec = DataSpec.from_toml(corpus)
        return spec.name, spec.to_dict()
    return corpus, None


def parse_options(pairs: tuple[str, ...]) -> dict[str, object]:
    """``("stem=true", "vocab_size=8000")`` -> ``{"stem": True, "vocab_size": 8000}``."""
    options: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="-o")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def build_tokenizer(name: str, pairs: tuple[str, ...] = ()) -> Tokenizer:
    return create_tokenizer(name, **parse_options(pairs))


def resolve_tokenizer(name: str, pairs: tuple[str, ...] = (), fit_corpus: str | None = None,
                      mirror: str | None = None) -> Tokenizer:
    """A ready tokenizer: from a saved directory, or by name (fitted on a corpus if asked)."""
    if Path(name, TOKENIZER_FILE).is_file():
        return load_tokenizer(name)
    tokenizer = build_tokenizer(name, pairs)
    if fit_corpus:
        train = open_corpus(fit_corpus, mirror=mirror).load("train")
        tokenizer = fit_cached(tokenizer, train.texts, f"{fit_corpus}-train")
    if tokenizer.trainable and not tokenizer.is_fitted:
        raise HansentiError(f"tokenizer {name!r} must be trained first: add --fit nsmc "
                            "(or another corpus), or give a saved tokenizer directory")
    return tokenizer
