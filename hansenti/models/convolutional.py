"""Convolution and pooling classifiers: Kim-style multi-kernel CNN, embedding + max pooling."""

from __future__ import annotations

from ..core.config import NetworkOptions
from .keras_classifier import output_layer, register_keras_model


@register_keras_model("cnn", uses=("embedding_dropout", "filters", "kernel_sizes"))
def build_cnn(options: NetworkOptions, vocab_size: int, maxlen: int, classes: int):
    """Embedding -> dropout -> one Conv1D + global max pooling per kernel size -> concat ->
    dropout -> sigmoid/softmax (Kim 2014)."""
    import keras

    inputs = keras.Input(shape=(None,), dtype="int32")  # any length
    x = keras.layers.Embedding(vocab_size, options.embedding_dim)(inputs)
    x = keras.layers.Dropout(options.embedding_dropout)(x)
    pooled = [keras.layers.GlobalMaxPooling1D()(
        keras.layers.Conv1D(options.filters, size, activation="relu",
                            padding="valid" if size <= maxlen else "same")(x))
        for size in options.kernel_sizes]
    x = keras.layers.Concatenate()(pooled) if len(pooled) > 1 else pooled[0]
    x = keras.layers.Dropout(options.dropout)(x)
    outputs = output_layer(classes)(x)
    return keras.Model(inputs, outputs)


@register_keras_model("gmp", uses=())
def build_gmp(options: NetworkOptions, vocab_size: int, maxlen: int, classes: int):
    """The seed tutorial's smallest model: embedding -> global max pooling -> sigmoid/softmax."""
    import keras

    inputs = keras.Input(shape=(None,), dtype="int32")  # any length
    x = keras.layers.Embedding(vocab_size, options.embedding_dim)(inputs)
    x = keras.layers.GlobalMaxPooling1D()(x)
    x = keras.layers.Dropout(options.dropout)(x)
    outputs = output_layer(classes)(x)
    return keras.Model(inputs, outputs)
