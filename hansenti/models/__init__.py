"""Sentiment models by name; Keras and scikit-learn are imported only when a model is used."""

from . import blend, convolutional, nblr, recurrent  # noqa: F401  (they register their models)
from .base import Classifier, models
from .keras_classifier import register_keras_model

__all__ = ["Classifier", "models", "register_keras_model"]
