"""How a user names a tokenizer, parsed in one place: a registered name or a saved folder,
with ``KEY=VALUE`` options whose values are read as JSON when they can be (``true``,
``8000``, ``[3,4]``) and as text otherwise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from ..core.errors import HansentiError
from ..tokenizers.base import TOKENIZER_FILE, Tokenizer, create_tokenizer, load_tokenizer
from ..tokenizers.cache import fit_cached
from . import CorpusReference, open_corpus


def option_value(text: str) -> Any:
    """``"true"`` -> True, ``"8000"`` -> 8000, ``"bpe"`` -> "bpe"."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_options(pairs: Iterable[str]) -> dict[str, Any]:
    """``("stem=true", "vocab_size=8000")`` -> ``{"stem": True, "vocab_size": 8000}``."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise HansentiError(f"{pair!r} is not KEY=VALUE")
        options[key.strip()] = option_value(value)
    return options


def is_saved_tokenizer(name_or_dir: str | Path) -> bool:
    """Whether ``name_or_dir`` is a folder written by :meth:`Tokenizer.save`."""
    return Path(name_or_dir, TOKENIZER_FILE).is_file()


def open_tokenizer(name_or_dir: str | Path, options: dict[str, Any] | None = None,
                   fit_on: str | None = None, mirror: str | None = None) -> Tokenizer:
    """A ready tokenizer: a saved folder (``RUN/tokenizer``), or a registered name built
    with ``options`` and, for a trainable one, fitted on ``fit_on`` (a corpus reference,
    its train split by default; cached)."""
    if is_saved_tokenizer(name_or_dir):
        if options or fit_on:
            raise HansentiError(f"{name_or_dir} is a saved tokenizer: drop its options "
                                "and --fit")
        return load_tokenizer(name_or_dir)
    tokenizer = create_tokenizer(str(name_or_dir), **(options or {}))
    if fit_on:
        reference = CorpusReference.parse(fit_on)
        splits = reference.splits or ("train",)
        if "test" in splits:
            raise HansentiError("a tokenizer is never fitted on a test split: --fit "
                                f"{reference.name}:train")
        corpus = open_corpus(reference.name, mirror=mirror)
        texts = [text for split in CorpusReference(reference.name, splits).splits_of(
            corpus.splits) for text in corpus.load(split).texts]
        tokenizer = fit_cached(tokenizer, texts, f"{reference.name}-{'+'.join(splits)}")
    if tokenizer.trainable and not tokenizer.is_fitted:
        raise HansentiError(f"tokenizer {name_or_dir!r} must be trained first: add --fit nsmc "
                            "(or another corpus), or give a saved tokenizer directory")
    return tokenizer
