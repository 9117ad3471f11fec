"""The layers of a bidirectional language model (ELMo, Peters et al. 2018) in Keras 3:
character-aware token vectors, forward and backward LSTM stacks, a sampled softmax for a
large vocabulary, and the contextual embedding a classifier reads a frozen biLM through.
Written against ``keras.ops`` only, so it runs on any Keras backend."""

from __future__ import annotations

import math
from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable("hansenti")
class CharTokenEncoder(keras.layers.Layer):
    """Token ids -> one vector per token from its characters: a fixed table gives each
    id its character ids; character embedding -> one convolution per width, max-pooled
    over the characters -> highway -> projection to ``dim`` (ELMo's token layer)."""

    def __init__(self, table_rows: int, max_chars: int, chars: int, dim: int,
                 char_dim: int = 16, filters: tuple[int, ...] = (32, 32, 64, 64, 64),
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table_rows, self.max_chars, self.chars, self.dim = table_rows, max_chars, chars, dim
        self.char_dim, self.filters = char_dim, tuple(filters)
        self.char_embedding = keras.layers.Embedding(chars, char_dim, name="chars")
        self.convolutions = [keras.layers.Conv2D(count, (1, width), activation="relu",
                                                 name=f"width_{width}")
                             for width, count in enumerate(self.filters, start=1)]
        total = sum(self.filters)
        self.gate = keras.layers.Dense(total, activation="sigmoid", name="highway_gate",
                                       bias_initializer=keras.initializers.Constant(-1.0))
        self.transform = keras.layers.Dense(total, activation="relu", name="highway")
        self.projection = keras.layers.Dense(dim, name="projection")

    def build(self, input_shape: tuple) -> None:
        self.table = self.add_weight(shape=(self.table_rows, self.max_chars), dtype="int32",
                                     initializer="zeros", trainable=False, name="char_table")
        chars_shape = (*input_shape, self.max_chars)
        self.char_embedding.build(chars_shape)
        for convolution in self.convolutions:
            convolution.build((*chars_shape, self.char_dim))
        pooled_shape = (*input_shape, sum(self.filters))
        for dense in (self.gate, self.transform, self.projection):
            dense.build(pooled_shape)
        super().build(input_shape)

    def call(self, ids):
        chars = ops.take(self.table, ops.cast(ids, "int32"), axis=0)  # (batch, time, chars)
        x = self.char_embedding(chars)
        pooled = [ops.max(convolution(x), axis=2) for convolution in self.convolutions]
        x = ops.concatenate(pooled, axis=-1)
        gate = self.gate(x)
        x = gate * self.transform(x) + (1.0 - gate) * x
        return self.projection(x)

    @property
    def learned_weights(self) -> list:
        """Its weights but the character table (which is the vocabulary's, not learnt)."""
        return [v for v in self.weights if v is not self.table]

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (*input_shape, self.dim)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "table_rows": self.table_rows,
                "max_chars": self.max_chars, "chars": self.chars, "dim": self.dim,
                "char_dim": self.char_dim, "filters": list(self.filters)}


@keras.saving.register_keras_serializable("hansenti")
class BiLSTMStack(keras.layers.Layer):
    """Token vectors -> the biLM's layers: layer 0 is the token vector (twice, to match
    the width of the others), layer j the forward and backward states of the j-th LSTMs,
    with a residual connection from the second layer on. Padding (id 0 in ``ids``) is
    skipped by both directions and zeroed in every output."""

    def __init__(self, units: int, layers: int = 2, dropout: float = 0.1,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units, self.depth, self.dropout_rate = units, layers, dropout
        self.forward = [keras.layers.LSTM(units, return_sequences=True, name=f"forward_{i}")
                        for i in range(layers)]
        self.backward = [keras.layers.LSTM(units, return_sequences=True, name=f"backward_{i}")
                         for i in range(layers)]
        self.dropout = keras.layers.Dropout(dropout)

    def build(self, input_shape: tuple) -> None:
        width = input_shape[-1]
        for lstm in (*self.forward, *self.backward):
            lstm.build((*input_shape[:-1], width if lstm in (self.forward[0], self.backward[0])
                        else self.units))
        super().build(input_shape)

    def call(self, inputs, ids, training=None):
        """A list of ``layers + 1`` tensors (batch, time, 2 * units)."""
        mask = ops.not_equal(ids, 0)
        keep = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        outputs = [ops.concatenate([inputs, inputs], axis=-1) * keep]
        ahead, behind = inputs, ops.flip(inputs, axis=1)
        behind_mask = ops.flip(mask, axis=1)
        for index, (forward, backward) in enumerate(zip(self.forward, self.backward)):
            new_ahead = forward(self.dropout(ahead, training=training), mask=mask)
            new_behind = backward(self.dropout(behind, training=training), mask=behind_mask)
            if index:
                new_ahead, new_behind = new_ahead + ahead, new_behind + behind
            ahead, behind = new_ahead, new_behind
            outputs.append(ops.concatenate([ahead, ops.flip(behind, axis=1)], axis=-1) * keep)
        return outputs

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units, "layers": self.depth,
                "dropout": self.dropout_rate}


@keras.saving.register_keras_serializable("hansenti")
class SampledSoftmaxLoss(keras.layers.Layer):
    """Adds the biLM's training loss: each direction's top state predicts the next (or
    previous) token against ``samples`` negatives drawn once per batch from a log-uniform
    (Zipf) distribution over the frequency-sorted vocabulary, with the logits corrected
    by the expected counts (Jean et al. 2015). Target 0 is padding. Returns the loss."""

    def __init__(self, vocab_size: int, units: int, samples: int = 512, seed: int = 0,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.vocab_size, self.units = vocab_size, units
        self.samples, self.seed = min(samples, vocab_size), seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape: Any) -> None:
        self.kernel = self.add_weight(shape=(self.vocab_size, self.units), name="kernel",
                                      initializer=keras.initializers.RandomNormal(stddev=0.05))
        self.bias = self.add_weight(shape=(self.vocab_size,), name="bias", initializer="zeros")
        super().build(input_shape)

    def log_expected(self, ids):
        """log(samples x P(id)) under the log-uniform sampler."""
        ids = ops.cast(ids, "float32")
        probability = ops.log((ids + 2.0) / (ids + 1.0)) / math.log(self.vocab_size + 1.0)
        return ops.log(probability * self.samples)

    def call(self, states):
        """``states``: [forward top, backward top, forward targets, backward targets]."""
        ahead, behind, ahead_targets, behind_targets = states
        uniform = keras.random.uniform((self.samples,), seed=self.seed_generator)
        negatives = ops.cast(ops.floor(ops.exp(uniform * math.log(self.vocab_size + 1.0))),
                             "int32") - 1
        negatives = ops.clip(negatives, 0, self.vocab_size - 1)
        negative_weights = ops.take(self.kernel, negatives, axis=0)
        negative_bias = ops.take(self.bias, negatives) - self.log_expected(negatives)
        total, count = 0.0, 0.0
        for state, targets in ((ahead, ahead_targets), (behind, behind_targets)):
            targets = ops.cast(targets, "int32")
            true_logit = (ops.sum(state * ops.take(self.kernel, targets, axis=0), axis=-1)
                          + ops.take(self.bias, targets) - self.log_expected(targets))
            negative_logits = ops.einsum("btd,kd->btk", state, negative_weights) + negative_bias
            hits = ops.equal(ops.expand_dims(targets, -1), negatives)
            negative_logits = ops.where(hits, -1e9, negative_logits)
            logits = ops.concatenate([ops.expand_dims(true_logit, -1), negative_logits], -1)
            token_loss = ops.logsumexp(logits, axis=-1) - true_logit
            real = ops.cast(ops.not_equal(targets, 0), token_loss.dtype)
            total = total + ops.sum(token_loss * real)
            count = count + ops.sum(real)
        loss = total / ops.maximum(count, 1.0)
        self.add_loss(loss)
        return loss

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return ()

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "vocab_size": self.vocab_size, "units": self.units,
                "samples": self.samples, "seed": self.seed}


@keras.saving.register_keras_serializable("hansenti")
class ContextualEmbedding(keras.layers.Layer):
    """A classifier's token embedding concatenated with a frozen biLM's layers, each
    normalised over its features (ELMo's layer-norm option: the token layer's scale is
    far from the LSTMs'), mixed by softmax-normalised weights s_j and scaled by gamma,
    both learned by the classifier (ELMo's task-specific combination). Masks padding
    when ``embedding`` does."""

    def __init__(self, embedding: keras.layers.Embedding, encoder: CharTokenEncoder,
                 stack: BiLSTMStack, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.embedding, self.encoder, self.stack = embedding, encoder, stack
        self.supports_masking = bool(embedding.mask_zero)

    def build(self, input_shape: tuple) -> None:
        self.mix = self.add_weight(shape=(self.stack.depth + 1,), initializer="zeros",
                                   name="layer_weights")
        # the normalised layers start on the scale of a fresh embedding, not 30x above it
        self.gamma = self.add_weight(shape=(), name="gamma",
                                     initializer=keras.initializers.Constant(0.1))
        for part in (self.embedding, self.encoder):
            if not part.built:
                part.build(input_shape)
        if not self.stack.built:
            self.stack.build((*input_shape, self.stack.units))
        for variable in (*self.encoder.weights, *self.stack.weights):
            variable.trainable = False  # the biLM stays frozen, also once reloaded
        super().build(input_shape)

    def call(self, ids):
        layers = self.stack(self.encoder(ids), ids, training=False)
        keep = ops.expand_dims(ops.cast(ops.not_equal(ids, 0), layers[0].dtype), -1)
        shares = ops.softmax(self.mix)
        mixed = sum(shares[index] * normalised(layer) * keep
                    for index, layer in enumerate(layers))
        return ops.concatenate([self.embedding(ids), self.gamma * mixed], axis=-1)

    def compute_mask(self, ids, mask=None):
        return ops.not_equal(ids, 0) if self.supports_masking else None

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (*input_shape, self.embedding.output_dim + 2 * self.stack.units)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(),
                **{name: keras.saving.serialize_keras_object(getattr(self, name))
                   for name in ("embedding", "encoder", "stack")}}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "ContextualEmbedding":
        parts = {name: keras.saving.deserialize_keras_object(config.pop(name))
                 for name in ("embedding", "encoder", "stack")}
        return cls(**parts, **config)


def normalised(x):
    """``x`` with zero mean and unit variance over its last axis."""
    mean = ops.mean(x, axis=-1, keepdims=True)
    variance = ops.var(x, axis=-1, keepdims=True)
    return (x - mean) / ops.sqrt(variance + 1e-6)
