"""Corpora by name: ``open_corpus("nsmc", mirror=...).load("train")``.

Corpora register through the ``hansenti_corpora`` entry-point group (hansenti's own NSMC,
IMDB and Naver crawl are the ``hansenti_corpora`` package, declared exactly so), by
:func:`register_corpus`, or are a user's own files described in a TOML file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..registry import Registry
from .base import Corpus, LoadReport, Review, Split, stratified_sample, train_validation_split
from .fetch import HOME_ENV, MIRROR_ENV, home_dir
from .files import DataSpec, FileCorpus, is_description

corpora: Registry[type[Corpus]] = Registry("corpus", entry_point_group="hansenti_corpora")


def register_corpus(corpus: type[Corpus]) -> type[Corpus]:
    """Register a :class:`Corpus` subclass under its ``name`` (usable as a decorator)."""
    return corpora.register(corpus.name, corpus)


def open_corpus(name: str, mirror: str | Path | None = None,
                data: dict[str, Any] | None = None, **options) -> Corpus:
    """The corpus registered as ``name``, reading from ``mirror`` (or ``$HANSENTI_MIRROR``);
    a ``.toml`` path is a user's corpus description, and ``data`` (a saved
    :class:`DataSpec`) a user's corpus described inline."""
    if data is not None:
        return FileCorpus(DataSpec.from_dict(data), mirror=mirror, **options)
    if is_description(name):
        return FileCorpus(DataSpec.from_toml(name), mirror=mirror, **options)
    return corpora.get(name)(mirror=mirror, **options)


__all__ = ["Corpus", "DataSpec", "FileCorpus", "LoadReport", "Review", "Split", "corpora",
           "open_corpus", "register_corpus", "home_dir", "stratified_sample",
           "train_validation_split", "HOME_ENV", "MIRROR_ENV"]
