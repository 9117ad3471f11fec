"""Word vectors from a file, an embedding folder, or the embedding layer a run learned."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import HansentiError
from ..embeddings.vectors import load_vectors, vectors_from_rows
from ..models.keras_classifier import KerasClassifier, embedding_layer
from ..runs.folder import CONFIG_FILE
from ..tokenizers.vocab import SPECIALS
from .predictor import Predictor

if TYPE_CHECKING:
    from gensim.models import KeyedVectors


def open_vectors(path: str | Path) -> "KeyedVectors":
    """Vectors from a file or embedding folder, or the embedding layer a run learned."""
    if Path(path, CONFIG_FILE).is_file():
        return run_vectors(path)
    return load_vectors(path)


def run_vectors(run_dir: str | Path) -> "KeyedVectors":
    """The trained embedding layer of a finished Keras run, one vector per vocab token."""
    classifier = Predictor(run_dir).classifier
    if not isinstance(classifier, KerasClassifier):
        raise HansentiError(f"run {run_dir} ({classifier.name}) has no embedding layer")
    rows = embedding_layer(classifier.model, len(classifier.vocab)).get_weights()[0]
    keep = len(SPECIALS)
    return vectors_from_rows(classifier.vocab.itos[keep:], rows[keep:])
