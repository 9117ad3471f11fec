"""Corpora by name: ``open_corpus("nsmc", mirror=...).load("train")``."""

from __future__ import annotations

from pathlib import Path

from ..registry import Registry
from .base import Corpus, LoadReport, Review, Split, stratified_sample, train_validation_split
from .fetch import HOME_ENV, MIRROR_ENV, home_dir
from .imdb import IMDB
from .naver_reviews import NaverReviews
from .nsmc import NSMC

corpora: Registry[type[Corpus]] = Registry("corpus")
for _corpus in (NSMC, IMDB, NaverReviews):
    corpora.register(_corpus.name, _corpus)


def open_corpus(name: str, mirror: str | Path | None = None, **options) -> Corpus:
    """The corpus registered as ``name``, reading from ``mirror`` (or ``$HANSENTI_MIRROR``)."""
    return corpora.get(name)(mirror=mirror, **options)


__all__ = ["Corpus", "LoadReport", "Review", "Split", "corpora", "open_corpus", "home_dir",
           "stratified_sample", "train_validation_split", "HOME_ENV", "MIRROR_ENV"]
