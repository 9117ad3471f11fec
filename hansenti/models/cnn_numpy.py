"""The Kim CNN's forward pass in NumPy alone (no Keras at prediction: the slim install).

Each token's contribution to every convolution tap is looked up in a table computed once
at load (embedding matrix x convolution kernels, vocabulary x taps x filters), so scoring
a review is gathers and sums over its own tokens, not a matrix product per position. The
result is the Keras model's, padding included: windows that cover only ``<PAD>`` give one
constant per kernel size, added where the padded review has such a window.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..core import atomic
from ..core.errors import HansentiError, RunDirError
from ..tokenizers.vocab import PAD_ID, Vocab
from .keras_classifier import padded_lengths

if TYPE_CHECKING:
    import keras

#: gathered floats held at once while scoring (~128 MB)
GATHER_BUDGET = 32_000_000


@dataclass
class ConvolutionWeights:
    """What the forward pass needs from a trained ``cnn``: its weights and how reviews
    were padded to it."""

    embedding: np.ndarray  # (vocab, dim), float16
    kernels: list[np.ndarray]  # one (size, dim, filters) per kernel size
    biases: list[np.ndarray]  # one (filters,) per kernel size
    dense: np.ndarray  # (kernel sizes x filters, outputs)
    dense_bias: np.ndarray  # (outputs,)
    maxlen: int
    padding: str
    truncating: str
    #: documents longer than maxlen: "whole" (padded to a power-of-two multiple) or "cut"
    long_documents: str

    @classmethod
    def from_keras(cls, model: "keras.Model", maxlen: int, padding: str, truncating: str,
                   long_documents: str) -> "ConvolutionWeights":
        """The weights of a model built by ``build_cnn``, convolutions in kernel order."""
        import keras

        def of(kind):
            return [layer for layer in model.layers if isinstance(layer, kind)]

        embeddings, convolutions, denses = (of(keras.layers.Embedding),
                                            of(keras.layers.Conv1D), of(keras.layers.Dense))
        if len(embeddings) != 1 or not convolutions or len(denses) != 1:
            raise HansentiError("only a cnn (one embedding, convolutions, one dense output) "
                                "can be scored without Keras")
        sizes = [layer.kernel_size[0] for layer in convolutions]
        if max(sizes) > maxlen:
            raise HansentiError(f"kernel size {max(sizes)} is longer than the max length "
                                f"{maxlen}: set --maxlen to at least {max(sizes)}")
        kernels, biases = zip(*(layer.get_weights() for layer in convolutions))
        dense, dense_bias = denses[0].get_weights()
        # the embedding, most of the weights, kept to float16 precision: half the size
        embedding = embeddings[0].get_weights()[0].astype(np.float16)
        return cls(embedding, list(kernels), list(biases), dense, dense_bias, maxlen, padding,
                   truncating, long_documents)

    def save(self, path: Path) -> None:
        arrays = {"embedding": self.embedding, "dense": self.dense,
                  "dense_bias": self.dense_bias,
                  "encoding": np.array([self.padding, self.truncating, self.long_documents]),
                  "maxlen": np.array([self.maxlen])}
        for index, (kernel, bias) in enumerate(zip(self.kernels, self.biases)):
            arrays[f"kernel{index}"], arrays[f"bias{index}"] = kernel, bias
        with atomic.atomic_open(path, "wb") as handle:
            np.savez_compressed(handle, **{name: np.asarray(array) for name, array
                                           in arrays.items()})

    @classmethod
    def load(cls, path: Path) -> "ConvolutionWeights":
        try:
            with np.load(path, allow_pickle=False) as data:
                count = sum(name.startswith("kernel") for name in data.files)
                padding, truncating, long_documents = (str(v) for v in data["encoding"])
                return cls(data["embedding"], [data[f"kernel{i}"] for i in range(count)],
                           [data[f"bias{i}"] for i in range(count)], data["dense"],
                           data["dense_bias"], int(data["maxlen"][0]), padding, truncating,
                           long_documents)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile,
                zlib.error) as error:
            raise RunDirError(f"{path} is missing or corrupt ({error}): train the run "
                              "again") from error


class NumpyCNN:
    """Probabilities of a trained ``cnn`` from token lists, as Keras computes them."""

    def __init__(self, weights: ConvolutionWeights, vocab: Vocab) -> None:
        self.weights, self.vocab = weights, vocab
        self.sizes = [len(kernel) for kernel in weights.kernels]
        embedding = weights.embedding.astype(np.float32)
        # a last id past the vocabulary fills a batch beyond each document: its row is
        # -inf, so no window that reaches it wins the max
        self.beyond = len(embedding)
        #: per kernel size, per tap: every token's contribution (vocab + 1, filters)
        self.tables = [[np.vstack([embedding @ tap.astype(np.float32),
                                   np.full((1, tap.shape[1]), -np.inf, np.float32)])
                        for tap in kernel] for kernel in weights.kernels]
        self.biases = [bias.astype(np.float32) for bias in weights.biases]
        #: each kernel size's output over a window of padding alone, before its ReLU
        self.padding_only = [self.window(np.full((1, size), PAD_ID), index)[0, 0]
                             for index, size in enumerate(self.sizes)]

    @property
    def table_floats(self) -> int:
        """Floats held by the lookup tables (memory at prediction)."""
        return sum(table.size for kernel in self.tables for table in kernel)

    def window(self, ids: np.ndarray, index: int) -> np.ndarray:
        """Kernel ``index``'s pre-activation at each window start of ``ids`` (documents x
        positions): documents x window starts x filters."""
        tables = self.tables[index]
        width = ids.shape[1] - len(tables) + 1
        total = tables[0][ids[:, :width]] + self.biases[index]
        for tap, table in enumerate(tables[1:], start=1):
            total += table[ids[:, tap:tap + width]]
        return total

    def scored_length(self, length: int) -> int:
        """How long a document of ``length`` tokens is once padded (as KerasClassifier)."""
        if self.weights.long_documents == "cut":
            return self.weights.maxlen
        return int(padded_lengths(np.array([length]), self.weights.maxlen)[0])

    def local_ids(self, doc: Sequence[str]) -> tuple[list[int], int]:
        """The ids of ``doc`` as scored, with as much padding as a window can reach into
        (the rest of the padding only adds padding-only windows), and how much padding the
        padded document has in all."""
        ids = self.vocab.encode(doc)
        length = self.scored_length(len(ids))
        if len(ids) > length:
            ids = ids[-length:] if self.weights.truncating == "pre" else ids[:length]
        padding = length - len(ids)
        near = [PAD_ID] * min(padding, max(self.sizes) - 1)
        return (near + ids if self.weights.padding == "pre" else ids + near), padding

    def width(self, local: list[int]) -> int:
        """Positions a batch ending in ``local`` (its longest) is scored over: every
        kernel needs one window."""
        return max(len(local), max(self.sizes))

    def predict_proba(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        encoded = [self.local_ids(doc) for doc in docs]
        order = np.argsort([len(ids) for ids, _ in encoded], kind="stable")
        outputs = np.zeros((len(docs), self.weights.dense.shape[1]), dtype=np.float32)
        per_position = sum(size * table[0].shape[1] for size, table
                           in zip(self.sizes, self.tables))
        start = 0
        while start < len(order):  # batches of similar lengths, bounded in memory
            count = 1
            while (start + count < len(order)
                   and (count + 1) * self.width(encoded[order[start + count]][0])
                   * per_position <= GATHER_BUDGET):
                count += 1
            rows = order[start:start + count]
            outputs[rows] = self.outputs([encoded[row] for row in rows],
                                         self.width(encoded[rows[-1]][0]))
            start += count
        if outputs.shape[1] == 1:
            positive = 1 / (1 + np.exp(-outputs[:, 0]))
            return np.column_stack([1 - positive, positive])
        exp = np.exp(outputs - outputs.max(axis=1, keepdims=True))
        return exp / exp.sum(axis=1, keepdims=True)

    def outputs(self, encoded: list[tuple[list[int], int]], width: int) -> np.ndarray:
        """The dense layer's pre-activation for documents of at most ``width`` local ids."""
        ids = np.full((len(encoded), width), self.beyond, dtype=np.int64)
        for row, (local, _) in enumerate(encoded):
            ids[row, :len(local)] = local
        padding = np.array([pad for _, pad in encoded])
        pooled = []
        for index, size in enumerate(self.sizes):
            best = self.window(ids, index).max(axis=1)
            best = np.where((padding >= size)[:, None],
                            np.maximum(best, self.padding_only[index]), best)
            pooled.append(np.maximum(best, 0))  # ReLU commutes with the max
        features = np.concatenate(pooled, axis=1)
        return features @ self.weights.dense.astype(np.float32) + self.weights.dense_bias
