"""A run's data: the labelled corpus (registered or a user's files) read once, its train
and test records, the class names, and train carved into fit and validation and
tokenized through the cache."""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..core.config import TrainConfig
from ..core.data_spec import DataSpec
from ..core.errors import HansentiError
from ..corpora import (
    Corpus,
    LoadReport,
    Review,
    open_corpus,
    stratified_sample,
    train_validation_split,
)
from ..tokenizers.base import Tokenizer, create_tokenizer
from ..tokenizers.cache import TokenCache, fit_cached

#: the --limit slice is the same for every seed, so runs that differ only in seed compare
#: on the same documents and share one token cache
SLICE_SEED = 42


def labels_of(records: Sequence[Review]) -> np.ndarray:
    return np.array([record.label for record in records], dtype=np.int32)


@dataclass(frozen=True)
class LabelledData:
    """The train and test records of a labelled corpus, its classes and what loading met."""

    train: list[Review]
    test: list[Review]
    classes: tuple[str, ...]
    reports: tuple[LoadReport, ...]
    #: which release of the corpus (NSMC's releases have different test splits)
    variant: str | None

    def facts(self) -> dict[str, Any]:
        """For metrics.json: rows read, kept and dropped per file, and the class counts."""
        counts = np.bincount(labels_of(self.train), minlength=len(self.classes))
        return {"classes": list(self.classes),
                "train_class_counts": dict(zip(self.classes, map(int, counts))),
                "files": [{"source": r.source, "rows": r.rows, "kept": r.kept,
                           "skipped": r.empty + r.malformed, "excluded": r.excluded,
                           "unmapped": r.unmapped} for r in self.reports if r.rows]}


def corpus_of(config: TrainConfig, mirror: str | None,
              test_ids: Sequence[str] | None = None) -> Corpus:
    """The labelled corpus a run trains on (a user's files keep their saved test ids)."""
    if config.data is not None:
        return open_corpus(config.corpus, mirror=mirror, data=config.data, test_ids=test_ids)
    return open_corpus(config.corpus, mirror=mirror)


def labelled_data(config: TrainConfig, mirror: str | None,
                  test_ids: Sequence[str] | None = None) -> LabelledData:
    """The run's records; ``limit`` takes a stratified slice of train and a third as many
    test documents."""
    data = _read(config.corpus, config.data, mirror,
                 tuple(test_ids) if test_ids is not None else None)
    if config.limit:
        data = dataclasses.replace(
            data, train=stratified_sample(data.train, config.limit, SLICE_SEED),
            test=stratified_sample(data.test, max(1, config.limit // 3), SLICE_SEED))
    return data


@functools.lru_cache(maxsize=2)
def _read(corpus_name: str, data: DataSpec | None, mirror: str | None,
          test_ids: tuple[str, ...] | None) -> LabelledData:
    """Read once per process (a study's cells share it)."""
    config = TrainConfig(corpus=corpus_name, data=data)
    corpus = corpus_of(config, mirror, test_ids)
    if not corpus.labelled:
        raise HansentiError(f"corpus {corpus_name!r} has no labels to train on")
    train, test = corpus.load("train"), corpus.load("test")
    if not test.records:
        raise HansentiError(f"corpus {corpus_name!r} has no test reviews")
    return LabelledData(train.records, test.records, tuple(corpus.classes),
                        (train.report, test.report), corpus.variant_name())


def load_splits(config: TrainConfig, mirror: str | None) -> tuple[list[Review], list[Review]]:
    """(train, test) records of the run's corpus."""
    data = labelled_data(config, mirror)
    return data.train, data.test


@dataclass
class TokenizedSplits:
    """A corpus carved and tokenized for one run."""

    fit: list[Review]
    validation: list[Review]
    tokenizer: Tokenizer
    docs_by_id: dict[str, list[str]]
    test_docs: list[list[str]]
    #: seconds the train and test texts took to tokenize (when first computed)
    compute_seconds: float | None
    #: pseudo-labelled reviews (``TrainConfig.pseudo_labels``) and their soft targets
    pseudo_docs: list[list[str]] = dataclasses.field(default_factory=list)
    pseudo_targets: np.ndarray = dataclasses.field(
        default_factory=lambda: np.zeros(0, dtype=np.float32))
    #: train and test reviews over the review limit, tokenized without their middles
    shortened: int = 0

    def docs(self, records: Sequence[Review]) -> list[list[str]]:
        return [self.docs_by_id[record.id] for record in records]

    def training_set(self, records: Sequence[Review]) -> tuple[list[list[str]], np.ndarray]:
        """Documents and targets to train on: ``records``, then any pseudo-labelled ones."""
        if not self.pseudo_docs:
            return self.docs(records), labels_of(records)
        return (self.docs(records) + self.pseudo_docs,
                np.concatenate([labels_of(records).astype(np.float32), self.pseudo_targets]))


def tokenize_splits(tokenizer: Tokenizer, config: TrainConfig, train: list[Review],
                    test: list[Review], jobs: int) -> TokenizedSplits:
    """Carve validation from train, fit the tokenizer on the fit part only, and tokenize
    whole splits through the cache (shared by every run on the same texts)."""
    fit, validation = train_validation_split(train, config.validation_fraction, config.seed)
    # cache entries are keyed by the texts' digest: the name only labels the files
    tokenizer = fit_cached(tokenizer, [r.text for r in fit], f"{config.corpus}-fit")
    cache = TokenCache()
    train_docs = cache.tokenize(tokenizer, [r.text for r in train], f"{config.corpus}-train",
                                n_jobs=jobs)
    test_docs = cache.tokenize(tokenizer, [r.text for r in test], f"{config.corpus}-test",
                               n_jobs=jobs)
    return TokenizedSplits(fit, validation, tokenizer,
                           dict(zip((r.id for r in train), train_docs)), test_docs,
                           cache.compute_seconds, shortened=cache.shortened)


def prepare_tokens(config: TrainConfig, mirror: str | None, jobs: int = 1) -> None:
    """Tokenize a run's splits into the caches (fitting its tokenizer first, if it is
    trained) without training: runs on the same texts then only read them."""
    data = labelled_data(config, mirror)
    tokenizer = create_tokenizer(config.tokenizer, **config.tokenizer_options)
    tokenize_splits(tokenizer, config, data.train, data.test, jobs)


def split_key(config: TrainConfig) -> dict[str, Any]:
    """What fixes a run's validation split: runs combined as an ensemble, or a student and
    its teachers, must share it."""
    key = {"corpus": config.corpus, "seed": config.seed,
           "validation_fraction": config.validation_fraction, "limit": config.limit}
    # as JSON holds it (a tuple read back is a list), so a saved key compares equal
    return json.loads(json.dumps({**key, "data": config.data.to_dict()} if config.data
                                 else key))
