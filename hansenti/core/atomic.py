"""Atomic writes: a temporary file in the target's folder, then one rename."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Sequence

from .errors import HansentiError
from .faults import failpoint
from .outputs import new_staging

#: errors that mean the disk (or the user's quota) is full
FULL_DISK = (errno.ENOSPC, errno.EDQUOT)


@contextmanager
def full_disk_reported(path: str | os.PathLike) -> Iterator[None]:
    """Turn a write to ``path`` that runs out of space into a one-line error."""
    try:
        yield
    except OSError as error:
        if error.errno not in FULL_DISK:
            raise
        raise HansentiError(f"no space left on the disk of {Path(path).parent} while writing "
                            f"{Path(path).name}: free some space and run the command again "
                            "(what was written before is intact)") from error


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", **kwargs: Any) -> Iterator[IO]:
    """Open a temporary sibling of ``path``; it replaces ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
    try:
        with full_disk_reported(path), open(tmp, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        failpoint("atomic.before_replace")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_open(path, "w") as handle:
        handle.write(text)


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_text(path, json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def write_csv(path: str | os.PathLike, rows: Iterable[dict[str, Any]],
              columns: Sequence[str] | None = None) -> None:
    """Rows as CSV under a header: ``columns``, or every key of the rows in first-seen
    order; a missing value is an empty field."""
    rows = list(rows)
    columns = list(columns or dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    if columns:
        writer = csv.DictWriter(buffer, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    write_text(path, buffer.getvalue())


def copy_file(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Copy ``src`` to ``dst`` so that ``dst`` is either absent or complete."""
    with open(src, "rb") as source, atomic_open(dst, "wb") as target:
        shutil.copyfileobj(source, target, length=1 << 20)


@contextmanager
def staged_directory(target: str | os.PathLike) -> Iterator[Path]:
    """A temporary sibling folder to fill; it becomes ``target`` (replacing an older one)
    only if the block succeeds, so readers never see a half-written folder."""
    target = Path(target)
    staging = new_staging(target)
    try:
        yield staging
        if target.exists():
            retired = staging.with_name(f"{staging.name}.old")
            os.replace(target, retired)
            os.replace(staging, target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
