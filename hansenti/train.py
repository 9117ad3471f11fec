"""train(config) -> a finished run directory; evaluate(run, split) -> metrics.

The test split is touched once, after the epoch (or C) was chosen on a validation split
carved from train; tokenizer fitting and the vocabulary see the fit part of train only
(the vocabulary also sees pseudo-labelled unlabelled reviews, when they are given).
"""

from __future__ import annotations

import dataclasses
import functools
import io
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from . import atomic
from .cache import TokenCache, fit_cached
from .config import TrainConfig
from .corpora import Review, open_corpus, stratified_sample, train_validation_split
from .errors import HansentiError
from .faults import failpoint
from .metrics import binary_metrics
from .models.base import Classifier
from .parallel import release_workers
from .plots import plot_curves
from .run import (CHECKPOINT_DIR, CURVES_FILE, HISTORY_FILE, METRICS_FILE, PREDICTIONS_FILE,
                  TOKENIZER_DIR, VOCAB_FILE, Predictor, RunDir)
from .tokenizer import Tokenizer, create_tokenizer
from .vocab import Vocab

if TYPE_CHECKING:
    from .distil import PseudoLabels

log = logging.getLogger("hansenti")


def labels_of(records: Sequence[Review]) -> np.ndarray:
    return np.array([record.label for record in records], dtype=np.int32)


#: the --limit slice is the same for every seed, so runs that differ only in seed compare
#: on the same documents and share one token cache
SLICE_SEED = 42


def load_splits(config: TrainConfig, mirror: str | None) -> tuple[list[Review], list[Review]]:
    """(train, test) records; ``limit`` takes a stratified slice of train and a third as
    many test documents."""
    train, test = labelled_splits(config.corpus, mirror)
    if config.limit:
        train = stratified_sample(train, config.limit, SLICE_SEED)
        test = stratified_sample(test, max(1, config.limit // 3), SLICE_SEED)
    return train, test


@functools.lru_cache(maxsize=2)
def labelled_splits(corpus_name: str, mirror: str | None) -> tuple[list[Review], list[Review]]:
    """The train and test records of a labelled corpus, read once per process."""
    corpus = open_corpus(corpus_name, mirror=mirror)
    if not corpus.labelled:
        raise HansentiError(f"corpus {corpus_name!r} has no labels to train on")
    return corpus.load("train").records, corpus.load("test").records


def corpus_variant(corpus_name: str, mirror: str | None) -> str | None:
    """Which release of the corpus a run reads (NSMC's releases have different test splits)."""
    return open_corpus(corpus_name, mirror=mirror).variant_name()


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
    tokenizer = fit_cached(tokenizer, [r.text for r in fit], f"{config.corpus}-fit")
    cache = TokenCache()
    train_docs = cache.tokenize(tokenizer, [r.text for r in train], f"{config.corpus}-train",
                                n_jobs=jobs)
    test_docs = cache.tokenize(tokenizer, [r.text for r in test], f"{config.corpus}-test",
                               n_jobs=jobs)
    return TokenizedSplits(fit, validation, tokenizer,
                           dict(zip((r.id for r in train), train_docs)), test_docs,
                           cache.compute_seconds, shortened=cache.shortened)


def train(config: TrainConfig | None, run_dir: str | Path, resume: bool = False,
          mirror: str | None = None, jobs: int = 1) -> dict[str, Any]:
    """Train ``config`` into ``run_dir`` (or finish an interrupted run with ``resume``)."""
    from .models import models

    run = RunDir(run_dir)
    run.check_not_finished()
    if resume:
        config = run.saved_config()
    # unknown names and bad options fail here, before the run folder is claimed
    classifier = models.get(config.model)(config)
    if config.refit and not classifier.can_refit:
        raise HansentiError(f"model {config.model} cannot be refitted on all of train; "
                            "drop --refit")
    if config.embeddings:
        check_embeddings(classifier, config.embeddings)
    pseudo = pseudo_labels_for(classifier, config)
    tokenizer = create_tokenizer(config.tokenizer, **config.tokenizer_options)
    train_records, test = load_splits(config, mirror)
    if not resume:
        run.start(config)

    started = time.perf_counter()
    splits = tokenize_splits(tokenizer, config, train_records, test, jobs)
    fit, validation, tokenizer, test_docs = (splits.fit, splits.validation, splits.tokenizer,
                                             splits.test_docs)
    if pseudo:
        splits.pseudo_docs = TokenCache().tokenize(tokenizer, pseudo.texts,
                                                   f"{config.corpus}-pseudo", n_jobs=jobs)
        splits.pseudo_targets = pseudo.probabilities
    release_workers()  # their JVMs are not needed while the model trains
    fit_docs, valid_docs = splits.docs(fit), splits.docs(validation)
    tokenize_seconds = time.perf_counter() - started
    log.info("%s: %d fit%s / %d validation / %d test documents", config.corpus, len(fit),
             f" (+{len(pseudo.ids)} pseudo-labelled)" if pseudo else "", len(validation),
             len(test))
    tokenizer.save(run.path / TOKENIZER_DIR)
    train_docs, train_targets = splits.training_set(fit)
    vocab = Vocab.build(train_docs, config.max_vocab, config.min_freq)
    vocab.save(run.path / VOCAB_FILE)

    started = time.perf_counter()
    history = classifier.fit(train_docs, train_targets, valid_docs, labels_of(validation),
                             run.path / CHECKPOINT_DIR, vocab)
    best = max(history, key=lambda row: row["val_accuracy"])
    # kept from the model chosen on validation: out-of-sample even when it is refitted
    valid_probabilities = classifier.predict_proba(valid_docs)
    refit_history: list[dict[str, float]] = []
    if config.refit:
        vocab, refit_history = refit(classifier, config, splits, best, run.path)
    train_seconds = time.perf_counter() - started
    classifier.save(run.path)

    started = time.perf_counter()
    probabilities = classifier.predict_proba(test_docs)
    eval_seconds = time.perf_counter() - started
    save_predictions(run.path / PREDICTIONS_FILE, validation, valid_probabilities, probabilities)

    epoch_seconds = [row["seconds"] for row in history if "seconds" in row]
    refit_seconds = [row["seconds"] for row in refit_history if "seconds" in row]
    metrics = {
        # which release's test split: NSMC's upstream and rebuilt-mirror splits differ
        "corpus": {"name": config.corpus, "variant": corpus_variant(config.corpus, mirror)},
        "test": binary_metrics(labels_of(test), probabilities),
        "validation_accuracy": best["val_accuracy"],
        "best": metrics_best(best),
        "tokens_per_doc": float(np.mean([len(doc) for doc in fit_docs])),
        "test_oov_rate": vocab.oov_rate(test_docs),
        "vocab_size": len(vocab),
        **classifier.summary(),
        "seconds": {"tokenize": tokenize_seconds, "tokenize_compute": splits.compute_seconds,
                    "train": train_seconds,
                    # unlike "train", also counts the epochs run before a resume
                    "epochs": float(sum(epoch_seconds) + sum(refit_seconds)),
                    "eval": eval_seconds,
                    "per_epoch": float(np.mean(epoch_seconds)) if epoch_seconds else None},
        "documents": {"fit": len(fit), "validation": len(validation), "test": len(test),
                      "pseudo_labelled": len(splits.pseudo_docs),
                      "shortened": splits.shortened},
        "refit": ({"documents": len(fit) + len(validation) + len(splits.pseudo_docs),
                   **metrics_best(best)} if config.refit else None),
    }
    atomic.write_csv(run.path / HISTORY_FILE, history)
    plot_curves(history, run.path / CURVES_FILE,
                f"{config.corpus} · {config.tokenizer} · {config.model}")
    failpoint("train.before_metrics")
    atomic.write_json(run.path / METRICS_FILE, metrics)  # last: the run is now finished
    shutil.rmtree(run.path / CHECKPOINT_DIR, ignore_errors=True)
    return metrics


def metrics_best(row: dict[str, float]) -> dict[str, float]:
    """What was chosen on validation: the epoch, or C."""
    return {key: value for key, value in row.items() if key in ("epoch", "C")}


def refit(classifier: Classifier, config: TrainConfig, splits: TokenizedSplits,
          chosen: dict[str, float], run_path: Path) -> tuple[Vocab, list[dict[str, float]]]:
    """Train ``classifier`` again on fit + validation (+ pseudo-labelled documents) with the
    choice made on validation; the vocabulary is rebuilt on those documents and saved over
    the first one. Returns it and the refit's history."""
    docs, targets = splits.training_set([*splits.fit, *splits.validation])
    vocab = Vocab.build(docs, config.max_vocab, config.min_freq)
    vocab.save(run_path / VOCAB_FILE)
    log.info("refitting on all %d train documents with %s", len(docs), metrics_best(chosen))
    history = classifier.refit(docs, targets, run_path / CHECKPOINT_DIR / "refit", vocab, chosen)
    return vocab, history


def save_predictions(path: Path, validation: Sequence[Review], validation_probabilities: np.ndarray,
                     test_probabilities: np.ndarray) -> None:
    """The finished model's probabilities, so runs can be combined without predicting again."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, validation_ids=np.array([r.id for r in validation]),
                        validation=validation_probabilities.astype(np.float32),
                        test=test_probabilities.astype(np.float32))
    atomic.write_bytes(path, buffer.getvalue())


def pseudo_labels_for(classifier: Classifier, config: TrainConfig) -> "PseudoLabels | None":
    """The pseudo-labelled reviews of ``config``, checked before any work: the model must
    take soft targets and the teachers must share the run's validation split."""
    from .distil import check_student, load_pseudo_labels

    if not config.pseudo_labels:
        return None
    if not classifier.accepts_soft_labels:
        raise HansentiError(f"model {classifier.name} cannot learn from pseudo-labels "
                            "(soft targets); drop --pseudo-labels or pick a neural model")
    pseudo = load_pseudo_labels(config.pseudo_labels)
    check_student(pseudo, config)
    return pseudo


def check_embeddings(classifier: Classifier, path: str) -> None:
    """Fail before any work if pre-trained vectors are given to a model that cannot use
    them, or are not there."""
    from .embeddings.vectors import vectors_path

    if not classifier.accepts_embeddings:
        raise HansentiError(f"model {classifier.name} does not use word vectors; "
                            "drop --embeddings or pick a neural model")
    vectors_path(path)


def evaluate(run_dir: str | Path, corpus: str | None = None, split: str = "test",
             mirror: str | None = None, jobs: int = 1) -> dict[str, Any]:
    """Metrics of a finished run on ``split`` of ``corpus`` (default: the run's own)."""
    predictor = Predictor(run_dir)
    source = open_corpus(corpus or predictor.config.corpus, mirror=mirror)
    records = source.load(split).records
    if any(record.label is None for record in records):
        raise HansentiError(f"split {split!r} has no labels to evaluate against")
    probabilities = predictor.predict([record.text for record in records], n_jobs=jobs)
    return {**binary_metrics(labels_of(records), probabilities),
            "corpus": {"name": source.name, "split": split, "variant": source.variant_name()}}
