"""Corpora by name: ``open_corpus("nsmc", mirror=...).load("train")``.

Corpora register through the ``hansenti_corpora`` entry-point group (hansenti's own NSMC,
IMDB and Naver crawl are the ``hansenti_corpora`` package, declared exactly so), by
:func:`register_corpus`, or are a user's own files described in a TOML file.
"""

from __future__ import annotations

from pathlib import Path

from ..core.data_spec import DataSpec, is_description
from .base import (
    Corpus,
    LoadReport,
    Review,
    Split,
    stratified_sample,
    train_validation_split,
)
from .fetch import MIRROR_ENV
from .files import FileCorpus
from .reference import CorpusReference
from .registry import (
    corpora,
    open_registered,
    referenced_ids,
    referenced_reviews,
    register_corpus,
)


def open_corpus(name: str, mirror: str | Path | None = None,
                data: DataSpec | None = None, **options) -> Corpus:
    """The corpus registered as ``name``, reading from ``mirror`` (or ``$HANSENTI_MIRROR``);
    a ``.toml`` path is a user's corpus description, and ``data`` a user's corpus
    described inline."""
    if data is not None:
        return FileCorpus(data, mirror=mirror, **options)
    if is_description(name):
        return FileCorpus(DataSpec.from_toml(name), mirror=mirror, **options)
    return open_registered(name, mirror, **options)


__all__ = ["Corpus", "CorpusReference", "DataSpec", "FileCorpus", "LoadReport", "MIRROR_ENV",
           "Review", "Split", "corpora", "open_corpus", "referenced_ids", "referenced_reviews",
           "register_corpus", "stratified_sample", "train_validation_split"]
