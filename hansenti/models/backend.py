"""Keras, imported once, quietly and deterministically.

TensorFlow's C++ side writes its start-up lines (absl, oneDNN, cudart, cuInit) straight
to file descriptor 2, before and regardless of ``TF_CPP_MIN_LOG_LEVEL``; they are held
back here while Keras is imported and its backend starts, unless ``HANSENTI_BACKEND_LOGS``
is set (``hansenti -v`` sets it). Python errors raised meanwhile still surface.
"""

from __future__ import annotations

import functools
import os
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    import keras

BACKEND_LOGS_ENV = "HANSENTI_BACKEND_LOGS"


@contextmanager
def stderr_silenced() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null for the duration."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@functools.cache
def keras_module() -> "keras":
    """``keras``, its backend started (a first tensor made) without the start-up chatter."""
    if os.environ.get(BACKEND_LOGS_ENV):
        import keras
    else:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        with stderr_silenced():
            import keras

            keras.ops.convert_to_tensor([0.0])  # cuInit and friends speak here
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        # the same seed gives the same model on one machine, run after run (costs little
        # on the CPU); machines still differ in rounding, so tests keep margins
        tf.config.experimental.enable_op_determinism()
    return keras
