"""Accuracy that also reads soft targets: a target of 0.8 counts as positive, so training
accuracy stays meaningful when pseudo-labels (probabilities) are among the labels. On hard
0/1 labels it equals Keras' binary accuracy. Import this module before loading a model."""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="hansenti", name="accuracy")
def accuracy(y_true, y_pred):
    """Share of documents whose target and prediction fall on the same side of 0.5."""
    y_true = keras.ops.reshape(keras.ops.cast(y_true, "float32"), keras.ops.shape(y_pred))
    agree = keras.ops.equal(y_true >= 0.5, y_pred >= 0.5)
    return keras.ops.mean(keras.ops.cast(agree, "float32"), axis=-1)
