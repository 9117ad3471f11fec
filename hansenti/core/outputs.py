"""Where commands write what a user asked for: new places, or places hansenti owns.

An output folder records the names hansenti wrote there in a manifest. A folder that
already holds files is refused unless the user says ``--overwrite``, and even then only
files of the manifest are replaced: a user's own files beside them, and the command's
inputs, are never touched. Work is staged in a hidden sibling folder, named after this
process, that the next command sweeps up if this one was killed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from .errors import HansentiError

MANIFEST = ".hansenti-output.json"
#: staging folders are ``.<target>.staging-<pid>-<random>``
STAGING_TAG = ".staging-"


def same_path(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether ``a`` and ``b`` name one file (a path that does not exist is only itself)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).absolute() == Path(b).absolute()


def check_output_file(target: str | os.PathLike, overwrite: bool,
                      inputs: Iterable[str | os.PathLike] = ()) -> None:
    """Refuse an output file that is an input, or that exists without ``overwrite``."""
    for source in inputs:
        if same_path(source, target):
            raise HansentiError(f"--output {target} is the input file: write the result "
                                "to a new file")
    if Path(target).is_dir():
        raise HansentiError(f"--output {target} is a folder: give a file name")
    if Path(target).exists() and not overwrite:
        raise HansentiError(f"{target} already exists: choose a new --output, or add "
                            "--overwrite to replace it")


def hansenti_names(folder: Path) -> set[str]:
    """The names the manifest of ``folder`` says hansenti wrote (none when it has none)."""
    try:
        names = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    return {name for name in names if isinstance(name, str) and "/" not in name
            and name not in ("", ".", "..")}


def sweep_staging(target: Path) -> None:
    """Remove staging folders of ``target`` left by processes that no longer run."""
    prefix = f".{target.name}{STAGING_TAG}"
    try:
        siblings = list(target.parent.iterdir())
    except OSError:
        return
    for path in siblings:
        if not path.name.startswith(prefix):
            continue
        pid = path.name[len(prefix):].split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (one of another user's is alive too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def new_staging(target: Path) -> Path:
    """A fresh staging folder beside ``target`` (after sweeping dead ones)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise HansentiError(f"cannot create {target.parent} ({error.strerror}): choose "
                            "a writable place") from error
    sweep_staging(target)
    try:
        return Path(tempfile.mkdtemp(prefix=f".{target.name}{STAGING_TAG}{os.getpid()}-",
                                     dir=target.parent))
    except OSError as error:
        raise HansentiError(f"cannot write in {target.parent} ({error.strerror}): choose "
                            "a writable place") from error


@contextmanager
def output_folder(target: str | os.PathLike, overwrite: bool = False,
                  inputs: Iterable[str | os.PathLike] = (),
                  option: str = "--output") -> Iterator[Path]:
    """A staging folder to fill; when the block succeeds its files move into ``target``.

    ``target`` may be new or empty; one that holds files needs ``overwrite``, and then
    only the files hansenti wrote there before (its manifest) are replaced. A staged name
    that is one of ``inputs`` or a file of the user's is refused before anything moves.
    """
    target = Path(target)
    inputs = [Path(path) for path in inputs]
    check_output_folder(target, overwrite, inputs, option)
    staging = new_staging(target)
    try:
        yield staging
        _publish(staging, target, inputs, option)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def check_output_folder(target: str | os.PathLike, overwrite: bool,
                        inputs: Iterable[str | os.PathLike] = (),
                        option: str = "--output") -> None:
    """Fail early (before any work) where :func:`output_folder` would refuse ``target``."""
    target = Path(target)
    for source in inputs:
        if same_path(source, target):
            raise HansentiError(f"{option} {target} is the input: give a new folder")
    if target.exists() and not target.is_dir():
        raise HansentiError(f"{option} {target} is a file: give a folder")
    if _holds_files(target) and not overwrite:
        raise HansentiError(f"{option} {target} already holds files: choose a new folder, "
                            "or add --overwrite to replace what hansenti wrote there (other "
                            "files are kept)")


def check_own_folder(target: str | os.PathLike, own_files: Iterable[str],
                     option: str = "--out") -> None:
    """A folder a command keeps adding to (a study, an ensemble, pseudo-labels) is new,
    empty, or already holds one of ``own_files``: never a folder of the user's files."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise HansentiError(f"{option} {target} is a file: give a folder")
    mine = [path for path in _entries(target) if not _is_temporary(path.name)]
    if mine and not any((target / name).exists() for name in own_files):
        raise HansentiError(f"{option} {target} already holds files that hansenti did not "
                            "write: give a new folder")


def _holds_files(folder: Path) -> bool:
    try:
        return folder.is_dir() and any(folder.iterdir())
    except OSError:
        return True


def _entries(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir()) if folder.is_dir() else []
    except OSError:
        return []


def _is_temporary(name: str) -> bool:
    """An atomic write's temporary file (``.NAME.XXXX.tmp``) left by a killed command."""
    return name.startswith(".") and name.endswith(".tmp")


def _publish(staging: Path, target: Path, inputs: list[Path], option: str) -> None:
    """Move the staged entries into ``target``, replacing only hansenti's own files."""
    if not target.exists():
        (staging / MANIFEST).write_text(json.dumps(
            {"files": sorted(path.name for path in staging.iterdir())}), encoding="utf-8")
        os.replace(staging, target)
        return
    owned = hansenti_names(target)
    names = sorted(path.name for path in staging.iterdir())
    for name in names:
        existing = target / name
        if any(same_path(existing, source) for source in inputs):
            raise HansentiError(f"{option} {target} would replace the input {existing}: "
                                "give a new folder")
        if (existing.exists() or existing.is_symlink()) and name not in owned:
            raise HansentiError(f"{existing} was not written by hansenti: it is kept, so "
                                f"give a new {option} folder")
    # the manifest names old and new files first, so a kill half-way leaves none unowned
    _write_manifest(target, owned | set(names))
    for name in sorted(owned - set(names)):
        _remove(target / name)
    for name in names:
        _remove(target / name)
        os.replace(staging / name, target / name)
    _write_manifest(target, set(names))


def _write_manifest(folder: Path, names: set[str]) -> None:
    temporary = folder / f"{MANIFEST}.tmp"
    temporary.write_text(json.dumps({"files": sorted(names)}), encoding="utf-8")
    os.replace(temporary, folder / MANIFEST)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
