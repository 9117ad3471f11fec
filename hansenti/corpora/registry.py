"""The registered corpora (built-in ones come through the ``hansenti_corpora`` entry
points) and reading the reviews a :class:`CorpusReference` names."""

from __future__ import annotations

from pathlib import Path

from ..core.plugins import corpora
from .base import Corpus, Review
from .reference import CorpusReference


def register_corpus(corpus: type[Corpus]) -> type[Corpus]:
    """Register a :class:`Corpus` subclass under its ``name`` (usable as a decorator)."""
    return corpora.register(corpus.name, corpus)


def open_registered(name: str, mirror: str | Path | None = None, **options) -> Corpus:
    """The registered corpus ``name``, reading from ``mirror`` (or ``$HANSENTI_MIRROR``)."""
    return corpora.get(name)(mirror=mirror, **options)


def referenced_ids(reference: CorpusReference, mirror: str | Path | None = None) -> set[str]:
    """Every review id of the referenced splits, empty documents included where the corpus
    lists them (NSMC's ``ids``)."""
    corpus = open_registered(reference.name, mirror)
    ids: set[str] = set()
    for split in reference.splits_of(corpus.splits):
        ids |= (corpus.ids(split) if hasattr(corpus, "ids") else
                {record.id for record in corpus.load(split).records})
    return ids


def referenced_reviews(reference: CorpusReference,
                       mirror: str | Path | None = None) -> list[Review]:
    """The reviews of the referenced splits, in split order."""
    corpus = open_registered(reference.name, mirror)
    return [record for split in reference.splits_of(corpus.splits)
            for record in corpus.load(split).records]
