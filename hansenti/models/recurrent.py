"""Recurrent classifiers: SimpleRNN (seed tutorial), LSTM, BiLSTM, GRU."""

from __future__ import annotations

from typing import Callable

from ..core.config import NetworkOptions
from .keras_classifier import output_layer, register_keras_model

RECURRENT_OPTIONS = ("embedding_dropout", "units", "layers", "pooling")


def recurrent(options: NetworkOptions, vocab_size: int, maxlen: int, classes: int,
              make_layer: Callable[[int, bool], object]):
    """Embedding (padding masked) -> dropout -> ``layers`` stacked recurrent layers ->
    the last state (``pooling="last"``) or max pooling over all states ("max") -> dropout
    -> sigmoid/softmax."""
    import keras

    inputs = keras.Input(shape=(None,), dtype="int32")  # any length
    x = keras.layers.Embedding(vocab_size, options.embedding_dim, mask_zero=True)(inputs)
    x = keras.layers.Dropout(options.embedding_dropout)(x)
    for index in range(options.layers):
        sequences = index < options.layers - 1 or options.pooling == "max"
        x = make_layer(options.units, sequences)(x)
    if options.pooling == "max":
        x = keras.layers.GlobalMaxPooling1D()(x)
    x = keras.layers.Dropout(options.dropout)(x)
    outputs = output_layer(classes)(x)
    return keras.Model(inputs, outputs)


@register_keras_model("rnn", uses=RECURRENT_OPTIONS)
def build_rnn(options: NetworkOptions, vocab_size: int, maxlen: int, classes: int):
    import keras

    return recurrent(options, vocab_size, maxlen, classes,
                     lambda units, sequences: keras.layers.SimpleRNN(units, return_sequences=sequences))


@register_keras_model("lstm", uses=RECURRENT_OPTIONS)
def build_lstm(options: NetworkOptions, vocab_size: int, maxlen: int, classes: int):
    import keras

    return recurrent(options, vocab_size, maxlen, classes,
                     lambda units, sequences: keras.layers.LSTM(units, return_sequences=sequences))


@register_keras_model("bilstm", uses=RECURRENT_OPTIONS)
def build_bilstm(options: NetworkOptions, vocab_size: int, maxlen: int, classes: int):
    import keras

    return recurrent(options, vocab_size, maxlen, classes, lambda units, sequences: keras.layers.Bidirectional(
        keras.layers.LSTM(units, return_sequences=sequences)))


@register_keras_model("gru", uses=RECURRENT_OPTIONS)
def build_gru(options: NetworkOptions, vocab_size: int, maxlen: int, classes: int):
    import keras

    return recurrent(options, vocab_size, maxlen, classes,
                     lambda units, sequences: keras.layers.GRU(units, return_sequences=sequences))
