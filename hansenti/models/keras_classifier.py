"""Training any Keras architecture on padded token ids, with per-epoch checkpoints so an
interrupted run resumes, and the epoch chosen on validation (accuracy or macro-F1).

A document longer than the training max length is scored whole by models whose input
takes any length (every built-in one: their pooling reads the whole sequence), or as
overlapping windows whose probabilities are averaged by a model with a fixed input; the
whole/cut choice is made on the validation documents that are longer than the max length.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Sequence

import numpy as np

from ..core import atomic
from ..core.config import NetworkOptions, TrainConfig, checked_options
from ..core.errors import HansentiError, RunDirError
from ..core.metrics import balanced_weights, score
from ..tokenizers.vocab import VOCAB_FILE, Vocab, choose_maxlen
from .backend import keras_module
from .base import Classifier, Documents, models
from .saving import save_model

if TYPE_CHECKING:
    import keras

    from ..embeddings.contextual import PretrainedBiLM

log = logging.getLogger("hansenti")

MODEL_FILE = "model.keras"
#: documents scored per call of the model
PREDICT_BATCH = 1024
ENCODING_FILE = "encoding.json"

#: build(options, vocab_size, maxlen, classes) -> an uncompiled keras.Model ending in
#: :func:`output_layer` (a sigmoid for two classes, a softmax over more); an input of
#: shape ``(None,)`` lets long documents be scored whole
Builder = Callable[[NetworkOptions, int, int, int], "keras.Model"]


def padded_lengths(lengths: np.ndarray, maxlen: int) -> np.ndarray:
    """How long documents of ``lengths`` tokens are padded to when scored whole: the
    power-of-two multiple of ``maxlen`` that holds them (few shapes, each a trace; short
    documents exactly as in training)."""
    return maxlen * 2 ** np.ceil(np.log2(np.maximum(lengths, maxlen) / maxlen)).astype(int)


def output_layer(classes: int) -> "keras.layers.Dense":
    """P(class 1) for two classes (binary cross-entropy), else a softmax over ``classes``."""
    import keras

    if classes == 2:
        return keras.layers.Dense(1, activation="sigmoid")
    return keras.layers.Dense(classes, activation="softmax")


class KerasClassifier(Classifier):
    """Embedding-based Keras network over ids from a :class:`Vocab`."""

    accepts_embeddings = True
    accepts_soft_labels = True

    def __init__(self, name: str, build: Builder, config: TrainConfig,
                 accepted: tuple[str, ...] | None = None) -> None:
        self.name = name
        self.build = build
        self.config = config
        self.options = checked_options(NetworkOptions, config.model_options, name, accepted)
        keras_module()  # imported here, quietly, before any layer is built
        self.vocab: Vocab | None = None
        self.maxlen = 0
        self.coverage = 0.0
        #: how documents longer than ``maxlen`` are scored: "whole" (or windows, for a
        #: fixed-length input) or "cut" to their last/first ``maxlen`` tokens
        self.long_documents = "whole"
        self.long_report: dict[str, Any] = {}
        self.cut_documents = 0
        self.model: keras.Model | None = None
        self.initial_embeddings: np.ndarray | None = None
        self.embeddings_report: dict[str, Any] | None = None
        #: the pre-trained biLM of ``-p contextual=``, read when training starts (a
        #: trained model carries its weights: predicting needs no biLM folder)
        self.bilm: PretrainedBiLM | None = None

    # --- encoding -----------------------------------------------------------------------
    def encode(self, docs: Documents, length: int | None = None) -> np.ndarray:
        return self.vocab.encode_padded(docs, length or self.maxlen, self.config.padding,
                                        self.config.truncating)

    def fit(self, fit_docs: Documents, fit_labels: np.ndarray, valid_docs: Documents,
            valid_labels: np.ndarray, workdir: Path, vocab: Vocab) -> list[dict[str, float]]:
        self.prepare(vocab, fit_docs)
        history = self.train_epochs(self.encode(fit_docs), fit_labels,
                                    (self.encode(valid_docs), valid_labels), workdir,
                                    self.options.epochs)
        self.choose_long_documents(valid_docs, valid_labels)
        return history

    def refit(self, docs: Documents, labels: np.ndarray, workdir: Path, vocab: Vocab,
              chosen: dict[str, float]) -> list[dict[str, float]]:
        self.prepare(vocab, docs)
        return self.train_epochs(self.encode(docs), labels, None, workdir, int(chosen["epoch"]))

    def choose_long_documents(self, docs: Documents, labels: np.ndarray) -> None:
        """Score the validation documents longer than ``maxlen`` whole and cut; keep the
        better way (whole on a tie, or when validation has none that long)."""
        longer = [index for index, doc in enumerate(docs) if len(doc) > self.maxlen]
        if not longer:
            self.long_documents = "whole"
            self.long_report = {"validation_longer": 0, "chosen": "whole"}
            return
        subset = [docs[index] for index in longer]
        scores = {}
        for way in ("cut", "whole"):
            self.long_documents = way
            scores[way] = score(self.metric, labels[longer], self.predict_proba(subset))
        self.long_documents = "whole" if scores["whole"] >= scores["cut"] else "cut"
        self.long_report = {"validation_longer": len(longer), **scores,
                            "chosen": self.long_documents}
        log.info("%d validation documents are longer than %d tokens: %s %.4f scored whole, "
                 "%.4f cut; scoring them %s", len(longer), self.maxlen, self.metric,
                 scores["whole"], scores["cut"], self.long_documents)

    def prepare(self, vocab: Vocab, docs: Documents) -> None:
        """Take ``vocab``, choose the max length on ``docs`` and build the pre-trained
        embedding matrix for the vocab, if vectors are configured."""
        self.vocab = vocab
        lengths = [len(doc) for doc in docs]
        chosen = choose_maxlen(lengths, self.config.maxlen)
        self.maxlen, self.coverage = chosen.length, chosen.coverage
        self.cut_documents = sum(length > self.maxlen for length in lengths)
        log.info("max length %d (%s) keeps %.1f%% of training documents whole; %d are cut "
                 "to %d tokens for training", self.maxlen, chosen.policy, 100 * self.coverage,
                 self.cut_documents, self.maxlen)
        if self.config.embeddings:
            self.use_pretrained(self.config.embeddings)
        if self.options.contextual:
            from ..embeddings.contextual import PretrainedBiLM

            self.bilm = PretrainedBiLM.checked(self.options.contextual, self.config.tokenizer)

    def train_epochs(self, x: np.ndarray, labels: np.ndarray,
                     validation: tuple[np.ndarray, np.ndarray] | None, workdir: Path,
                     epochs: int) -> list[dict[str, float]]:
        """Up to ``epochs`` epochs from the seed, resumable from ``workdir``; keeps the best
        epoch by validation accuracy, or the last when there is no ``validation``. Each
        epoch is seeded by (seed, epoch), so a run resumed after any interruption ends
        with the same model as one never interrupted."""
        import keras

        from .progress import EpochBar, EpochProgress, ValidationScore

        keras.utils.set_random_seed(self.config.seed)
        progress = EpochProgress(workdir, self.options.patience, validated=validation is not None,
                                 monitor=f"val_{self.metric}")
        model = progress.resume() or self.compiled()
        callbacks = [progress, EpochBar(epochs)]
        if validation is not None and self.metric != "accuracy":
            callbacks.insert(0, ValidationScore(self.metric, *validation))
        weights = balanced_weights(self.config.class_weight, labels, self.n_classes)
        while not progress.finished(epochs):
            epoch = len(progress.history)
            if self.options.contextual_finetune == "gradual":
                from .unfreezing import unfreeze

                self.compile(model, unfreeze(model, epoch))  # a fresh optimizer each epoch
            reseed(model, self.config.seed * 1_000 + epoch)  # this epoch's draws
            model.fit(x, labels, validation_data=validation, batch_size=self.options.batch_size,
                      epochs=epoch + 1, initial_epoch=epoch, class_weight=weights,
                      callbacks=callbacks, verbose=keras_verbosity())
            if len(progress.history) == epoch:
                raise HansentiError(f"epoch {epoch + 1} did not run: is the training set empty?")
        self.model = keras.saving.load_model(progress.chosen_path)
        return progress.history

    def use_pretrained(self, path: str) -> None:
        """Initialise the embedding layer from the vectors at ``path`` (dimension included)."""
        from ..embeddings.vectors import embedding_matrix, load_vectors, metadata_of

        matrix, coverage = embedding_matrix(self.vocab, load_vectors(path), self.config.seed)
        self.initial_embeddings = matrix
        self.options = dataclasses.replace(self.options, embedding_dim=matrix.shape[1])
        self.embeddings_report = {"path": str(path), "dim": matrix.shape[1],
                                  "frozen": self.config.freeze_embeddings,
                                  "coverage": coverage.to_dict(),
                                  "trained_on": metadata_of(path).get("config")}
        log.info("pre-trained vectors cover %.1f%% of the vocab, %.1f%% of tokens (%d more "
                 "from subwords)", 100 * coverage.vocab, 100 * coverage.tokens,
                 coverage.from_subwords)

    def compiled(self) -> "keras.Model":
        model = self.build(self.options, len(self.vocab), self.maxlen, self.n_classes)
        if self.initial_embeddings is not None:
            layer = embedding_layer(model, len(self.vocab))
            layer.set_weights([self.initial_embeddings])
            layer.trainable = not self.config.freeze_embeddings
        if self.bilm is not None:
            from ..embeddings.contextual import with_contextual

            model = with_contextual(model, embedding_layer(model, len(self.vocab)), self.bilm,
                                    self.vocab)
        self.compile(model)
        return model

    def compile(self, model: "keras.Model", factors: dict[str, float] | None = None) -> None:
        """Compile ``model`` with Adam at the run's learning rate (scaled per variable by
        ``factors``: a fine-tuned biLM's discriminative rates)."""
        import keras

        from .soft_accuracy import accuracy

        if factors is None:
            optimizer = keras.optimizers.Adam(self.options.learning_rate)
        else:
            from .unfreezing import LayerwiseAdam

            optimizer = LayerwiseAdam(factors, learning_rate=self.options.learning_rate)
        binary = self.n_classes == 2
        model.compile(optimizer=optimizer,
                      loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
                      metrics=[accuracy if binary else "accuracy"])

    def predict_proba(self, docs: Documents) -> np.ndarray:
        if not len(docs):
            return np.zeros((0, self.n_classes), dtype=np.float32)
        lengths = np.array([len(doc) for doc in docs])
        if self.long_documents == "cut" or lengths.max() <= self.maxlen:
            return self.scored(self.encode(docs))
        if self.model.input_shape[1] is not None:
            return self.windowed(docs)
        buckets = padded_lengths(lengths, self.maxlen)
        result = np.zeros((len(docs), self.n_classes), dtype=np.float32)
        for bucket in np.unique(buckets):
            rows = np.flatnonzero(buckets == bucket)
            result[rows] = self.scored(self.encode([docs[i] for i in rows], int(bucket)))
        return result

    def windowed(self, docs: Documents) -> np.ndarray:
        """A fixed-length model's probabilities averaged over windows of ``maxlen`` tokens
        that overlap by half."""
        stride = max(1, self.maxlen // 2)
        pieces, owners = [], []
        for index, doc in enumerate(docs):
            starts = range(0, max(1, len(doc) - self.maxlen + stride), stride)
            for start in starts:
                pieces.append(doc[start:start + self.maxlen])
                owners.append(index)
        scored = self.scored(self.encode(pieces))
        owners = np.array(owners)
        return np.stack([scored[owners == index].mean(axis=0) for index in range(len(docs))])

    def scored(self, x: np.ndarray) -> np.ndarray:
        """One column per class for the id matrix ``x``."""
        # predict_on_batch skips predict()'s per-call data pipeline: 2 ms instead of ~50-100
        # for one review (hansenti serve), the same numbers for many
        output = np.concatenate([self.model.predict_on_batch(x[start:start + PREDICT_BATCH])
                                 for start in range(0, len(x), PREDICT_BATCH)])
        if output.shape[1] == 1:
            return np.column_stack([1 - output[:, 0], output[:, 0]])
        return output

    # --- persistence --------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        save_model(self.model, directory / MODEL_FILE)
        atomic.write_json(directory / ENCODING_FILE,
                          {"maxlen": self.maxlen, "coverage": self.coverage,
                           "long_documents": self.long_documents})

    def load(self, directory: Path) -> None:
        import keras

        from . import soft_accuracy, unfreezing  # noqa: F401  (names saved models use)

        try:
            encoding = json.loads((directory / ENCODING_FILE).read_text())
            self.maxlen, self.coverage = encoding["maxlen"], encoding["coverage"]
            self.long_documents = encoding.get("long_documents", "cut")
        except (OSError, ValueError, KeyError) as error:
            raise RunDirError(f"{directory / ENCODING_FILE} is missing or corrupt ({error}): "
                              "train the run again") from error
        self.vocab = Vocab.load(directory / VOCAB_FILE)
        try:
            self.model = keras.saving.load_model(directory / MODEL_FILE)
        except Exception as error:  # Keras raises many types for a broken archive
            raise RunDirError(f"{directory / MODEL_FILE} is missing or corrupt "
                              f"({type(error).__name__}): train the run again") from error
        self.n_classes = max(2, int(self.model.output_shape[-1]))

    def summary(self) -> dict[str, Any]:
        facts = {"parameters": int(self.model.count_params()), "maxlen": self.maxlen,
                 "maxlen_coverage": self.coverage,
                 "long_documents": {"cut_in_training": self.cut_documents,
                                    **self.long_report}}
        if self.embeddings_report:
            facts["embeddings"] = self.embeddings_report
        if self.bilm is not None:
            from ..embeddings.contextual import learned_mix

            facts["contextual"] = {**self.bilm.report(), **(learned_mix(self.model) or {})}
        return facts


def embedding_layer(model: "keras.Model", vocab_size: int) -> "keras.layers.Embedding":
    """The one Embedding layer of ``model`` over the vocabulary."""
    import keras

    def walk(layer):
        yield layer
        for inner in getattr(layer, "layers", ()):
            yield from walk(inner)

    layers = [layer for layer in walk(model)
              if isinstance(layer, keras.layers.Embedding) and layer.input_dim == vocab_size]
    if len(layers) != 1:
        raise HansentiError(f"pre-trained vectors need exactly one Embedding layer over the "
                            f"vocabulary; this model has {len(layers)}")
    return layers[0]


def reseed(model: "keras.Model", seed: int) -> None:
    """Make the next epoch's random draws depend on ``seed`` alone: the global seeds (the
    shuffle) and the state of every layer's seed generator (dropout), which a reloaded
    model would otherwise restart from a fresh seed."""
    import keras

    keras.utils.set_random_seed(seed)
    states = [v for v in model.non_trainable_variables if v.path.endswith("seed_generator_state")]
    for index, state in enumerate(states):
        dtype = keras.ops.convert_to_numpy(state).dtype
        state.assign(np.array([seed + 7_919 * index, 0], dtype=dtype))


def keras_verbosity() -> int:
    """Keras' epoch output: a live bar on a terminal, a line per epoch in logs, nothing
    when hansenti's own logging is quietened (-q, or inside a study)."""
    if not log.isEnabledFor(logging.INFO):
        return 0
    return 1 if sys.stdout.isatty() else 2


@dataclass(frozen=True)
class KerasModel:
    """A registered Keras architecture: calling it with a config gives its classifier."""

    name: str
    build: Builder
    #: the :class:`NetworkOptions` fields ``build`` (and training) reads
    accepted_options: tuple[str, ...]
    #: a GPU, where there is one, speeds it up (a study on Ray asks for one per cell)
    uses_accelerator: ClassVar[bool] = True

    def __call__(self, config: TrainConfig) -> KerasClassifier:
        return KerasClassifier(self.name, self.build, config, self.accepted_options)


#: what every Keras model reads: embedding size and the training loop's settings
TRAINING_OPTIONS = ("embedding_dim", "dropout", "learning_rate", "batch_size", "epochs",
                    "patience", "contextual", "contextual_finetune")


def register_keras_model(name: str, uses: Sequence[str] | None = None
                         ) -> Callable[[Builder], Builder]:
    """Register a Keras build function as model ``name``; ``uses`` names the
    :class:`NetworkOptions` it reads beyond :data:`TRAINING_OPTIONS` (None: all of them),
    so that any other option given to it is refused before training."""

    def decorator(build: Builder) -> Builder:
        models.register(name, KerasModel(name, build, accepted_options(uses)))
        return build

    return decorator


def accepted_options(uses: Sequence[str] | None) -> tuple[str, ...]:
    """The options a Keras model reads: the training loop's and those it ``uses``."""
    if uses is None:
        return tuple(f.name for f in dataclasses.fields(NetworkOptions))
    return (*TRAINING_OPTIONS, *uses)


def as_architecture(name: str, obj: Any) -> Any:
    """What the architecture registry stores: a classifier factory (a Classifier class,
    a KerasModel); a plain Keras build function (a third party's entry point) becomes a
    KerasModel reading the options named by its ``uses`` attribute (default: all)."""
    if isinstance(obj, KerasModel) or (isinstance(obj, type) and issubclass(obj, Classifier)):
        return obj
    if inspect.isfunction(obj):
        return KerasModel(name, obj, accepted_options(getattr(obj, "uses", None)))
    raise HansentiError(f"cannot register {obj!r} as model {name!r}: give a Keras build "
                        "function or a Classifier class")


models.adapt_with(as_architecture)
