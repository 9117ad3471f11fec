"""Where hansenti keeps what it downloads and builds: ``$HANSENTI_HOME``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import HansentiError

HOME_ENV = "HANSENTI_HOME"


def home_dir() -> Path:
    """Where hansenti keeps corpora, caches and models: ``$HANSENTI_HOME`` or ~/.cache."""
    return Path(os.environ.get(HOME_ENV) or Path.home() / ".cache" / "hansenti")


def writable_home() -> Path:
    """:func:`home_dir`, created if needed; one hansenti cannot write to is a one-line
    error (before any work, so nothing is left half-done)."""
    home = home_dir()
    try:
        home.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=home):
            pass
    except OSError as error:
        raise HansentiError(f"{HOME_ENV} {home} is not a writable folder ({error.strerror}): "
                            f"point {HOME_ENV} at one hansenti may write to") from error
    return home
