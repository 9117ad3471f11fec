"""Runs installed as Python packages, found through the ``hansenti_models`` entry-point
group (``hansenti package`` builds them; the default Korean model is one), and finding a
run by folder or by name."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from .errors import RunDirError
from .run import CONFIG_FILE

ENTRY_POINT_GROUP = "hansenti_models"
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
    """Every installed model by name (the first of two with one name wins)."""
    found: dict[str, InstalledRun] = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.name in found:
            continue
        try:
            path = Path(entry_point.load())
        except Exception as error:  # a broken package must not hide the others
            raise RunDirError(f"installed model {entry_point.name!r} "
                              f"({entry_point.value}) failed to load: {error}") from error
        dist = entry_point.dist
        version = getattr(importlib.import_module(entry_point.module), "VERSION", None)
        found[entry_point.name] = InstalledRun(entry_point.name, path,
                                               dist.name if dist else "?",
                                               version or (dist.version if dist else "?"))
    return found


def resolve_run(name_or_dir: str | Path | None) -> Path:
    """The folder of a run given as a folder, or as the name of an installed model
    (None: the default model)."""
    if name_or_dir is None:
        name_or_dir = DEFAULT_MODEL
    path = Path(name_or_dir)
    if (path / CONFIG_FILE).is_file() or path.is_dir():
        return path
    installed = installed_runs()
    if str(name_or_dir) in installed:
        return installed[str(name_or_dir)].path
    known = ", ".join(sorted(installed)) or "none"
    raise RunDirError(f"{name_or_dir} is neither a run folder nor an installed model "
                      f"(installed: {known}; hansenti models lists them)")


def is_run_reference(text: str) -> bool:
    """Whether ``text`` names a run (a folder with a config, or an installed model)."""
    return Path(text, CONFIG_FILE).is_file() or text in installed_runs()
