"""Writing a Keras model so that a crash never leaves half a file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import atomic

if TYPE_CHECKING:
    import keras


def save_model(model: "keras.Model", path: Path) -> None:
    """``model.save`` through a temporary name (Keras insists on the .keras suffix)."""
    temporary = path.with_name(f".{path.stem}.tmp{os.getpid()}.keras")
    try:
        with atomic.full_disk_reported(path):
            model.save(temporary)
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
