"""Recurrent classifiers: SimpleRNN (seed tutorial), LSTM, BiLSTM, GRU."""

from __future__ import annotations

from typing import Callable

from ..config import NetworkOptions
from .keras_classifier import register_keras_model


def recurrent(options: NetworkOptions, vocab_size: int, maxlen: int,
              make_layer: Callable[[int, bool], object]):
    """Embedding (padding masked) -> ``layers`` stacked recurrent layers -> dropout -> sigmoid."""
    import keras

    inputs = keras.Input(shape=(maxlen,), dtype="int32")
    x = keras.layers.Embedding(vocab_size, options.embedding_dim, mask_zero=True)(inputs)
    for index in range(options.layers):
        x = make_layer(options.units, index < options.layers - 1)(x)
    x = keras.layers.Dropout(options.dropout)(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


@register_keras_model("rnn")
def build_rnn(options: NetworkOptions, vocab_size: int, maxlen: int):
    import keras

    return recurrent(options, vocab_size, maxlen,
                     lambda units, sequences: keras.layers.SimpleRNN(units, return_sequences=sequences))


@register_keras_model("lstm")
def build_lstm(options: NetworkOptions, vocab_size: int, maxlen: int):
    import keras

    return recurrent(options, vocab_size, maxlen,
                     lambda units, sequences: keras.layers.LSTM(units, return_sequences=sequences))


@register_keras_model("bilstm")
def build_bilstm(options: NetworkOptions, vocab_size: int, maxlen: int):
    import keras

    return recurrent(options, vocab_size, maxlen, lambda units, sequences: keras.layers.Bidirectional(
        keras.layers.LSTM(units, return_sequences=sequences)))


@register_keras_model("gru")
def build_gru(options: NetworkOptions, vocab_size: int, maxlen: int):
    import keras

    return recurrent(options, vocab_size, maxlen,
                     lambda units, sequences: keras.layers.GRU(units, return_sequences=sequences))
