"""Where hansenti keeps what it downloads and builds: ``$HANSENTI_HOME``."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "HANSENTI_HOME"


def home_dir() -> Path:
    """Where hansenti keeps corpora, caches and models: ``$HANSENTI_HOME`` or ~/.cache."""
    return Path(os.environ.get(HOME_ENV) or Path.home() / ".cache" / "hansenti")
