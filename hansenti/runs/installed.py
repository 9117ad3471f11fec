"""Runs installed as Python packages, found through the ``hansenti_models`` entry-point
group (``hansenti package`` builds them; the default Korean model is one), and finding a
run by folder or by name."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import RunDirError
from ..core.plugins import MODEL_GROUP, installed_models
from .folder import CONFIG_FILE

log = logging.getLogger("hansenti")

ENTRY_POINT_GROUP = MODEL_GROUP
#: longest path the file system is asked about (Linux: PATH_MAX)
PATH_BYTES = 4096
#: what ``hansenti predict "..."`` and ``hansenti.load()`` use without a run
DEFAULT_MODEL = "ko-nsmc-mecab-nblr"


@dataclass(frozen=True)
class InstalledRun:
    """A run folder shipped inside an installed package."""

    name: str
    path: Path
    #: the distribution that installed it, and its version
    package: str
    version: str


def installed_runs() -> dict[str, InstalledRun]:
    """Every installed model by name (the first of two with one name wins); a package
    that fails to load is reported once, in one line, and left out."""
    found: dict[str, InstalledRun] = {}
    for name, path in installed_models.load_all().items():
        entry_point = installed_models.entry_point(name)
        dist = entry_point.dist if entry_point else None
        module = sys.modules.get(entry_point.module) if entry_point else None
        version = getattr(module, "VERSION", None) or (dist.version if dist else "?")
        found[name] = InstalledRun(name, path, dist.name if dist else "?", version)
    return found


def as_run_folder(name: str, obj: Any) -> Path:
    """What an installed model's entry point gives: the path of its run folder."""
    if not isinstance(obj, (str, os.PathLike)):
        raise RunDirError(f"installed model {name!r} points at {obj!r}, not a run folder")
    return Path(obj)


installed_models.adapt_with(as_run_folder)


def resolve_run(name_or_dir: str | Path | None) -> Path:
    """The folder of a run given as a folder, or as the name of an installed model
    (None: the default model)."""
    if name_or_dir is None:
        name_or_dir = DEFAULT_MODEL
    if _is_folder(str(name_or_dir)):
        return Path(name_or_dir)
    installed = installed_runs()
    if str(name_or_dir) in installed:
        return installed[str(name_or_dir)].path
    known = ", ".join(sorted(installed)) or "none"
    raise RunDirError(f"{name_or_dir} is neither a run folder nor an installed model "
                      f"(installed: {known}; hansenti models lists them)")


def _is_folder(text: str) -> bool:
    """Whether ``text`` names an existing folder; any text may be asked (a review too
    long for a file name, odd bytes): the answer is then no, never an error."""
    if not text or len(text.encode("utf-8", "surrogateescape")) > PATH_BYTES or "\0" in text:
        return False
    try:
        return Path(text).is_dir()
    except (OSError, ValueError):
        return False


def is_run_reference(text: str) -> bool:
    """Whether ``text`` names a run (a folder with a config, or an installed model)."""
    if _is_folder(text):
        try:
            return Path(text, CONFIG_FILE).is_file()
        except (OSError, ValueError):
            return False
    return text in installed_runs()
