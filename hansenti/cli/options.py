"""Options shared by several commands."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..cache import fit_cached
from ..corpora import MIRROR_ENV, open_corpus
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
