"""Getting corpus files into the cache: download, or copy from a local mirror; verify; extract."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tqdm.auto import tqdm

from ..core import atomic
from ..core.errors import CorpusError
from ..core.outputs import new_staging

log = logging.getLogger("hansenti")

MIRROR_ENV = "HANSENTI_MIRROR"


@dataclass(frozen=True)
class RemoteFile:
    """One file as its publisher distributes it."""

    path: str  # relative to the corpus folder, as laid out in a mirror
    url: str  # the publisher's address; for a file built from upstream data, where it came from
    sha256: str  # of the copy this project was built and tested against
    size: int
    downloadable: bool = True  # False: built from upstream data, only a mirror can provide it
    #: sha256 of the other known releases of this file (e.g. NSMC: upstream and the mirror)
    also_known: tuple[str, ...] = ()

    @property
    def known_sha256(self) -> tuple[str, ...]:
        return (self.sha256, *self.also_known)



def mirror_dir(mirror: str | os.PathLike | None = None) -> Path | None:
    """The mirror folder from the option, else ``$HANSENTI_MIRROR``, else none."""
    value = mirror or os.environ.get(MIRROR_ENV)
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise CorpusError(f"mirror folder {path} does not exist: check --mirror/{MIRROR_ENV}")
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256.json")


def recorded_sha256(path: Path) -> str | None:
    """The checksum recorded when ``path`` was fetched, if the file is unchanged since."""
    try:
        stamp = json.loads(_stamp_path(path).read_text())
        stat = path.stat()
    except (OSError, ValueError):
        return None
    if stamp.get("size") != stat.st_size or stamp.get("mtime_ns") != stat.st_mtime_ns:
        return None
    return stamp.get("sha256")


def _record_sha256(path: Path, sha256: str) -> None:
    stat = path.stat()
    atomic.write_json(_stamp_path(path),
                      {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns})


def ensure_file(remote: RemoteFile, corpus_dir: Path, mirror: Path | None,
                verify: bool = True, progress: bool | None = None) -> Path:
    """Return the cached copy of ``remote``, fetching and verifying it first if needed."""
    target = corpus_dir / remote.path
    recorded = recorded_sha256(target)
    if recorded and (recorded in remote.known_sha256 or not verify):
        return target
    if recorded:
        raise CorpusError(f"the cached {remote.path} matches no known release (it was accepted "
                          "once with --no-verify): pass --no-verify again to use it, or delete "
                          f"{target} and fetch again")
    if mirror is not None:
        source = mirror / remote.path
        if not source.is_file():
            raise CorpusError(f"{source} is not in the mirror; expected the publisher's layout")
        log.info("copying %s from the mirror", source)
        atomic.copy_file(source, target)
    elif remote.downloadable:
        _download(remote.url, target, remote.size, progress)
    else:
        raise CorpusError(f"{remote.path} is built from {remote.url} and has no single download: "
                          f"give a mirror folder that has it with --mirror or {MIRROR_ENV}")
    actual = sha256_file(target)
    if actual not in remote.known_sha256:
        if verify:
            target.unlink()
            raise CorpusError(
                f"checksum mismatch for {remote.path} (got {actual[:12]}…, expected "
                f"{' or '.join(sha[:12] + '…' for sha in remote.known_sha256)}): the copy is "
                "corrupt or a release hansenti does not know; fetch again, or pass "
                "--no-verify to accept it as it is")
        log.warning("%s matches no known release (sha256 %s…): accepted unverified "
                    "(--no-verify)", remote.path, actual[:12])
    _record_sha256(target, actual)
    return target


def _download(url: str, target: Path, size: int, progress: bool | None) -> None:
    log.info("downloading %s", url)
    try:
        with urllib.request.urlopen(url, timeout=60) as response, \
                atomic.atomic_open(target, "wb") as out, \
                tqdm(total=int(response.headers.get("Content-Length") or size), unit="B",
                     unit_scale=True, desc=target.name, disable=progress is False) as bar:
            for block in iter(lambda: response.read(1 << 16), b""):
                out.write(block)
                bar.update(len(block))
    except (urllib.error.URLError, OSError) as error:
        raise CorpusError(f"cannot download {url} ({error}): check the network, "
                          f"or give a local mirror with --mirror or {MIRROR_ENV}") from error


def safe_extract(archive: Path, destination: Path) -> Path:
    """Extract a tar archive into ``destination`` atomically, refusing members that would
    land outside it (absolute paths, ``..``, links out, devices)."""
    if destination.is_dir():
        return destination
    staging = new_staging(destination)
    try:
        with tarfile.open(archive) as tar:
            members = tar.getmembers()
            for member in members:
                _check_member(member)
            tar.extractall(staging, members=members, filter="data")
        try:
            os.replace(staging, destination)
        except OSError:
            if not destination.is_dir():  # else another process extracted it meanwhile
                raise
    except (tarfile.TarError, OSError) as error:
        raise CorpusError(f"cannot extract {archive.name}: {error}; delete it and fetch again") \
            from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return destination


def _check_member(member: tarfile.TarInfo) -> None:
    name = PurePosixPath(member.name)
    unsafe = (name.is_absolute() or ".." in name.parts
              or not (member.isfile() or member.isdir()) or "\\" in member.name)
    if unsafe:
        raise CorpusError(f"refusing to extract unsafe archive member {member.name!r}")
