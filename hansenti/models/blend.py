"""``blend``: nblr and a CNN over the same tokens, their log-probabilities mixed with a
weight chosen on the validation split. nblr's C and the CNN's epoch are chosen there
first, each on its own; the mix is chosen on the same reviews after them. Training needs
Keras; prediction needs NumPy alone (the CNN's forward pass in :mod:`.cnn_numpy`), so a
blend ships in the slim prediction install.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..core import atomic
from ..core.config import NBLROptions, NetworkOptions, TrainConfig, bounded, checked_options
from ..core.errors import HansentiError, RunDirError
from ..core.metrics import score
from ..tokenizers.vocab import VOCAB_FILE, Vocab
from .base import Classifier, Documents, models
from .cnn_numpy import ConvolutionWeights, NumpyCNN
from .nblr import NBLRClassifier

CNN_FILE = "cnn.npz"
BLEND_FILE = "blend.json"
#: the options of ``cnn`` a blend passes on to its network
NETWORK_OPTIONS = ("embedding_dim", "dropout", "embedding_dropout", "filters", "kernel_sizes",
                   "learning_rate", "batch_size", "epochs", "patience")
LINEAR_OPTIONS = tuple(f.name for f in dataclasses.fields(NBLROptions))


@dataclass(frozen=True)
class BlendOptions:
    """The CNN's share of the mixed log-probabilities tried on validation (0: nblr alone,
    1: the CNN alone)."""

    mix_grid: tuple[float, ...] = bounded(tuple(step / 10 for step in range(11)),
                                          low=0.0, high=1.0)


def mixed(linear: np.ndarray, network: np.ndarray, share: float) -> np.ndarray:
    """Probabilities proportional to linear^(1 - share) x network^share, per document."""
    logs = ((1 - share) * np.log(np.clip(linear, 1e-7, 1))
            + share * np.log(np.clip(network, 1e-7, 1)))
    exp = np.exp(logs - logs.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


class BlendClassifier(Classifier):
    """nblr + cnn, mixed; its options are theirs (each goes to the model that reads it)
    and ``mix_grid``."""

    name = "blend"
    accepts_embeddings = True  # the CNN's embedding layer
    accepts_soft_labels = True
    accepted_options = (*LINEAR_OPTIONS, *NETWORK_OPTIONS, "mix_grid")

    def __init__(self, config: TrainConfig) -> None:
        options = config.model_options
        unknown = sorted(set(options) - set(self.accepted_options))
        if unknown:
            raise HansentiError(f"model blend does not take option(s) {', '.join(unknown)}; "
                                f"it takes: {', '.join(sorted(self.accepted_options))}")
        self.mix_grid = checked_options(BlendOptions, {
            k: v for k, v in options.items() if k == "mix_grid"}, self.name).mix_grid
        self.linear = NBLRClassifier(replace(config, model="nblr", model_options={
            k: v for k, v in options.items() if k in LINEAR_OPTIONS}))
        self.network_config = replace(config, model="cnn", model_options={
            k: v for k, v in options.items() if k in NETWORK_OPTIONS})
        # checked now, before any work (the network itself is built only to train)
        checked_options(NetworkOptions, self.network_config.model_options, "cnn")
        self.cnn: NumpyCNN | None = None
        self.mix = 0.0

    def set_task(self, n_classes: int, metric: str) -> None:
        super().set_task(n_classes, metric)
        self.linear.set_task(n_classes, metric)

    def network(self) -> Any:
        """An untrained CNN (a Keras classifier: training imports Keras) for this task."""
        network = models.get("cnn")(self.network_config)
        network.set_task(self.n_classes, self.metric)
        return network

    def keep(self, network: Any, vocab: Vocab) -> None:
        """Keep a trained CNN's weights for the NumPy forward pass."""
        self.cnn = NumpyCNN(ConvolutionWeights.from_keras(
            network.model, network.maxlen, self.network_config.padding,
            self.network_config.truncating, network.long_documents), vocab)

    def fit(self, fit_docs: Documents, fit_labels: np.ndarray, valid_docs: Documents,
            valid_labels: np.ndarray, workdir: Path, vocab: Vocab) -> list[dict[str, float]]:
        key = f"val_{self.metric}"
        linear_best = max(self.linear.fit(fit_docs, fit_labels, valid_docs, valid_labels,
                                          workdir / "nblr", vocab), key=lambda row: row[key])
        network = self.network()
        network_best = max(network.fit(fit_docs, fit_labels, valid_docs, valid_labels,
                                       workdir / "cnn", vocab), key=lambda row: row[key])
        self.keep(network, vocab)
        linear, network = self.linear.predict_proba(valid_docs), self.cnn.predict_proba(
            valid_docs)
        history = []
        for share in self.mix_grid:
            valid = mixed(linear, network, share)
            history.append({"mix": share, "C": linear_best["C"],
                            "class_weight": linear_best["class_weight"],
                            "cnn_epoch": network_best["epoch"],
                            "val_accuracy": score("accuracy", valid_labels, valid),
                            "val_macro_f1": score("macro_f1", valid_labels, valid)})
        self.mix = max(history, key=lambda row: row[key])["mix"]  # the first of equals
        return history

    def refit(self, docs: Documents, labels: np.ndarray, workdir: Path, vocab: Vocab,
              chosen: dict[str, float]) -> list[dict[str, float]]:
        self.linear.refit(docs, labels, workdir / "nblr", vocab, chosen)
        network = self.network()
        network.refit(docs, labels, workdir / "cnn", vocab, {"epoch": int(chosen["cnn_epoch"])})
        self.keep(network, vocab)
        self.mix = chosen["mix"]
        return [{"mix": self.mix, "C": chosen["C"], "class_weight": chosen["class_weight"],
                 "cnn_epoch": chosen["cnn_epoch"]}]

    def predict_proba(self, docs: Documents) -> np.ndarray:
        return mixed(self.linear.predict_proba(docs), self.cnn.predict_proba(docs), self.mix)

    def save(self, directory: Path) -> None:
        self.linear.save(directory)
        self.cnn.weights.save(directory / CNN_FILE)
        atomic.write_json(directory / BLEND_FILE, {"mix": self.mix})

    def load(self, directory: Path) -> None:
        self.linear.load(directory)
        try:
            self.mix = float(json.loads((directory / BLEND_FILE).read_text())["mix"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise RunDirError(f"{directory / BLEND_FILE} is missing or corrupt ({error}): "
                              "train the run again") from error
        self.cnn = NumpyCNN(ConvolutionWeights.load(directory / CNN_FILE),
                            Vocab.load(directory / VOCAB_FILE))
        self.n_classes = self.linear.n_classes

    def summary(self) -> dict[str, Any]:
        weights = self.cnn.weights
        network = sum(array.size for array in (weights.embedding, weights.dense,
                                               weights.dense_bias, *weights.kernels,
                                               *weights.biases))
        linear = self.linear.summary()
        return {"parameters": linear["parameters"] + network, "mix": self.mix,
                "nblr": linear, "cnn": {"parameters": network, "maxlen": weights.maxlen,
                                        "long_documents": weights.long_documents}}


models.register("blend", BlendClassifier)
