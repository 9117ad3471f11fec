"""train(config) -> a finished run directory; evaluate(run, split) -> metrics.

The test split is touched once, after the epoch (or C) was chosen on a validation split
carved from train; tokenizer fitting and the vocabulary see the fit part of train only
(the vocabulary also sees pseudo-labelled unlabelled reviews, when they are given).
"""

from __future__ import annotations

import io
import logging
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ..core import atomic
from ..core.calibration import Calibration, calibration_report
from ..core.config import TrainConfig
from ..core.data_spec import DataSpec
from ..core.errors import HansentiError
from ..core.faults import failpoint
from ..core.metrics import balanced_weights, chosen_metric, classification_metrics
from ..core.parallel import release_workers
from ..core.paths import writable_home
from ..core.plots import plot_confusion, plot_curves, plot_reliability
from ..corpora import Review, open_corpus
from ..inference.predictor import Predictor
from ..models.base import Classifier
from ..runs.folder import (
    CHECKPOINT_DIR,
    CONFUSION_FILE,
    CURVES_FILE,
    HISTORY_FILE,
    METRICS_FILE,
    PREDICTIONS_FILE,
    RELIABILITY_FILE,
    TOKENIZER_DIR,
    RunDir,
)
from ..runs.model_card import write_model_card
from ..tokenizers.base import create_tokenizer
from ..tokenizers.cache import TokenCache
from ..tokenizers.familiarity import Familiarity
from ..tokenizers.vocab import VOCAB_FILE, Vocab, choose_maxlen
from . import splits as data_splits
from .pseudo_labels import check_student, load_pseudo_labels
from .splits import TokenizedSplits, labels_of, tokenize_splits

if TYPE_CHECKING:
    from .pseudo_labels import PseudoLabels

log = logging.getLogger("hansenti")


def train(config: TrainConfig | None, run_dir: str | Path, resume: bool = False,
          mirror: str | None = None, jobs: int = 1,
          data: data_splits.LabelledData | None = None) -> dict[str, Any]:
    """Train ``config`` into ``run_dir``, or finish an interrupted run with ``resume`` (its
    saved config; a ``config`` given too must agree with it). ``data``: records to learn
    from instead of the config's corpus (the scikit-learn estimator's), whose test split
    may be empty: the run then has no test figures."""
    from ..models import models

    run = RunDir(run_dir)
    run.check_not_finished()
    if resume:
        config = resumable(run, config)
    # unknown names and bad options fail here, before the run folder is claimed
    check_settings(config)
    classifier = models.get(config.model)(config)
    if config.refit and not classifier.can_refit:
        raise HansentiError(f"model {config.model} cannot be refitted on all of train; "
                            "drop --refit")
    if config.embeddings:
        check_embeddings(classifier, config.embeddings)
    if config.model_options.get("contextual"):
        from ..embeddings.contextual import PretrainedBiLM

        PretrainedBiLM.checked(config.model_options["contextual"], config.tokenizer)
    tokenizer = create_tokenizer(config.tokenizer, **config.tokenizer_options)
    if data is None:
        data = data_splits.labelled_data(config, mirror,
                                         run.saved_test_ids() if resume else None)
    train_records, test, classes = data.train, data.test, data.classes
    pseudo = pseudo_labels_for(classifier, config, classes)
    metric = chosen_metric(config.metric, labels_of(train_records), len(classes))
    classifier.set_task(len(classes), metric)
    if not resume:
        run.start(config)
        run.save_classes(classes, [r.id for r in test] if config.data else None)

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
    log.info("%s: %d fit%s / %d validation / %d test documents, %d classes (%s); choosing "
             "by validation %s", config.corpus, len(fit),
             f" (+{len(pseudo.ids)} pseudo-labelled)" if pseudo else "", len(validation),
             len(test), len(classes), ", ".join(classes), metric)
    tokenizer.save(run.path / TOKENIZER_DIR)
    train_docs, train_targets = splits.training_set(fit)
    vocab = Vocab.build(train_docs, config.max_vocab, config.min_freq)
    vocab.save(run.path / VOCAB_FILE)

    started = time.perf_counter()
    history = classifier.fit(train_docs, train_targets, valid_docs, labels_of(validation),
                             run.path / CHECKPOINT_DIR, vocab)
    best = max(history, key=lambda row: row[f"val_{metric}"])
    # kept from the model chosen on validation: out-of-sample even when it is refitted
    valid_probabilities = classifier.predict_proba(valid_docs)
    # how much of a held-out review the vocabulary knows: measured before a refit, whose
    # vocabulary has seen the validation reviews
    familiarity = Familiarity.measure(valid_docs, vocab)
    refit_history: list[dict[str, float]] = []
    if config.refit:
        vocab, refit_history = refit(classifier, config, splits, best, run.path)
    train_seconds = time.perf_counter() - started
    classifier.save(run.path)

    started = time.perf_counter()
    probabilities = (classifier.predict_proba(test_docs) if test_docs
                     else np.zeros((0, len(classes)), dtype=np.float32))
    eval_seconds = time.perf_counter() - started
    save_predictions(run.path / PREDICTIONS_FILE, validation, valid_probabilities, probabilities)
    calibration = Calibration.fit(valid_probabilities, labels_of(validation))
    calibration.save(run.path)

    epoch_seconds = [row["seconds"] for row in history if "seconds" in row]
    refit_seconds = [row["seconds"] for row in refit_history if "seconds" in row]
    metrics = {
        # which release's test split: NSMC's upstream and rebuilt-mirror splits differ
        "corpus": {"name": config.corpus, "variant": data.variant},
        "test": classification_metrics(labels_of(test), probabilities, classes) if test
        else None,
        "validation_accuracy": best["val_accuracy"],
        "validation": {"metric": metric, "score": best[f"val_{metric}"],
                       **classification_metrics(labels_of(validation), valid_probabilities,
                                                classes)},
        "best": metrics_best(best),
        "data": data.facts(),
        "class_weight": named_weights(balanced_weights(config.class_weight, labels_of(fit),
                                                       len(classes)), classes),
        "tokens_per_doc": float(np.mean([len(doc) for doc in fit_docs])),
        "test_oov_rate": vocab.oov_rate(test_docs),
        "calibration": calibration_report(
            calibration, (valid_probabilities, labels_of(validation)),
            (probabilities, labels_of(test)) if test else None),
        "familiarity": familiarity.to_dict(),
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
    title = f"{config.corpus} · {config.tokenizer} · {config.model}"
    plot_curves(history, run.path / CURVES_FILE, title)
    if test:
        plot_confusion(metrics["test"]["confusion"], classes, run.path / CONFUSION_FILE, title)
        plot_reliability(metrics["calibration"]["test_reliability"],
                         run.path / RELIABILITY_FILE, title)
    failpoint("train.before_metrics")
    if test:  # the card reports test figures
        write_model_card(run.path, config, metrics)
    atomic.write_json(run.path / METRICS_FILE, metrics)  # last: the run is now finished
    shutil.rmtree(run.path / CHECKPOINT_DIR, ignore_errors=True)
    return metrics


def check_settings(config: TrainConfig) -> None:
    """Settings that would fail later, checked before the run folder is claimed: the
    validation share, the length policy, and a writable ``$HANSENTI_HOME``."""
    if not 0 < config.validation_fraction < 1:
        raise HansentiError(f"--validation-fraction must be between 0 and 1 (e.g. 0.1), not "
                            f"{config.validation_fraction}")
    if config.min_freq < 1:
        raise HansentiError(f"--min-freq must be at least 1, not {config.min_freq}")
    if config.max_vocab is not None and config.max_vocab < 4:
        raise HansentiError(f"--max-vocab must be at least 4, not {config.max_vocab}")
    choose_maxlen([1], config.maxlen)
    writable_home()


def resumable(run: RunDir, config: TrainConfig | None) -> TrainConfig:
    """The saved config of the interrupted ``run``; ``config``, when given, must agree with
    it (as saved: a tuple and the list it is read back as are one value), since a run
    cannot change its options half-way."""
    saved = run.saved_config()
    if config is not None and config.as_saved() != saved.as_saved():
        given, kept = config.as_saved(), saved.as_saved()
        changed = [f"{name} {given[name]!r} (saved: {kept[name]!r})"
                   for name in given if given[name] != kept[name]]
        raise HansentiError(f"run {run.path} was started with other options: "
                            f"{'; '.join(changed)}. Resume without them, or train it "
                            "under another --name")
    return saved


def named_weights(weights: dict[int, float] | None,
                  classes: Sequence[str]) -> dict[str, float] | None:
    """Loss weights by class name, for metrics.json."""
    return {classes[index]: weight for index, weight in weights.items()} if weights else None


def metrics_best(row: dict[str, float]) -> dict[str, float]:
    """What was chosen on validation: the epoch, or C (and the class weighting; a blend's
    mix and CNN epoch)."""
    chosen = ("epoch", "C", "class_weight", "mix", "cnn_epoch")
    return {key: value for key, value in row.items() if key in chosen}


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
    """The finished model's probabilities (one column per class), so runs can be combined
    without predicting again."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, validation_ids=np.array([r.id for r in validation]),
                        validation=validation_probabilities.astype(np.float32),
                        test=test_probabilities.astype(np.float32))
    atomic.write_bytes(path, buffer.getvalue())


def pseudo_labels_for(classifier: Classifier, config: TrainConfig,
                      classes: Sequence[str]) -> "PseudoLabels | None":
    """The pseudo-labelled reviews of ``config``, checked before any work: the model must
    take soft targets and the teachers must share the run's validation split."""
    if not config.pseudo_labels:
        return None
    if len(classes) != 2:
        raise HansentiError(f"pseudo-labels are P(positive) of two classes; this corpus has "
                            f"{len(classes)}: drop --pseudo-labels")
    if config.class_weight == "balanced":
        raise HansentiError("--class-weight balanced cannot weight soft pseudo-label targets: "
                            "drop one of the two")
    if not classifier.accepts_soft_labels:
        raise HansentiError(f"model {classifier.name} cannot learn from pseudo-labels "
                            "(soft targets); drop --pseudo-labels or pick one that can "
                            "(cnn, nblr, ...)")
    pseudo = load_pseudo_labels(config.pseudo_labels)
    check_student(pseudo, config)
    return pseudo


def check_embeddings(classifier: Classifier, path: str) -> None:
    """Fail before any work if pre-trained vectors are given to a model that cannot use
    them, are not there, or do not read as vectors (the first few are read)."""
    from ..embeddings.vectors import load_vectors

    if not classifier.accepts_embeddings:
        raise HansentiError(f"model {classifier.name} does not use word vectors; "
                            "drop --embeddings or pick a neural model")
    load_vectors(path, limit=100)


def evaluate(run_dir: str | Path, corpus: str | None = None, split: str = "test",
             mirror: str | None = None, jobs: int = 1,
             data: DataSpec | None = None) -> dict[str, Any]:
    """Metrics of a finished run on ``split`` of ``corpus`` (default: the run's own, a
    user's file with exactly the test rows it was scored on), or on every row of a
    user's file described by ``data``."""
    predictor = Predictor(run_dir)
    if data is not None:
        source = open_corpus(data.name, mirror=mirror, data=data)
        split = "all"
        records = [*source.load("train").records, *source.load("test").records]
    else:
        if corpus is None:
            source = data_splits.corpus_of(predictor.config, mirror,
                                           predictor.run.saved_test_ids())
        else:
            source = open_corpus(corpus, mirror=mirror)
        records = source.load(split).records
    if any(record.label is None for record in records):
        raise HansentiError(f"split {split!r} has no labels to evaluate against")
    if set(source.classes) != set(predictor.classes):
        raise HansentiError(f"{source.name} has classes {', '.join(source.classes)} but the "
                            f"run predicts {', '.join(predictor.classes)}: evaluate it on a "
                            "corpus with the same classes (--labels maps values to them)")
    position = {name: index for index, name in enumerate(predictor.classes)}
    labels = np.array([position[source.classes[record.label]] for record in records])
    probabilities = predictor.predict([record.text for record in records], n_jobs=jobs)
    return {**classification_metrics(labels, probabilities, predictor.classes),
            "corpus": {"name": source.name, "split": split, "variant": source.variant_name()}}
