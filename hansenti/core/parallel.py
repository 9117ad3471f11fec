"""Mapping a function over a large batch in worker processes, with a progress bar.

Workers are started with ``spawn`` (JPype's JVM and fork do not mix); the caller says how
each is set up (a tokenizer rebuilds itself from its serialised state, so one Okt lives
per worker) and what it does to a chunk. A spawned worker re-imports the main script; when it cannot (a script piped from stdin,
one without an ``if __name__ == "__main__":`` guard), or the workers fail to start, the
batch is mapped in this process instead, with a one-line warning that says why.
"""

from __future__ import annotations

import ast
import atexit
import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Iterator, Sequence

from tqdm.auto import tqdm

from .errors import HansentiError

log = logging.getLogger("hansenti")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building millions of token lists: its
    full passes over them slowed an Okt loop on full NSMC from ~1,000 to ~400 docs/s."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def progress_bar(total: int | None, desc: str, enabled: bool | None = None,
                 unit: str = "doc") -> Iterator[tqdm]:
    """A tqdm bar on stderr; ``enabled=None`` shows it only on a terminal, and only for
    long jobs when the total is known."""
    if enabled is None:
        enabled = (total is None or total >= 5_000) and sys.stderr.isatty()
    with tqdm(total=total, desc=desc, unit=unit, disable=not enabled,
              dynamic_ncols=True, smoothing=0.1) as bar:
        yield bar


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def spawn_blocker() -> str | None:
    """Why spawned workers could not start from this program's main module, or None.
    Notebooks, ``python -c`` and ``python -m package`` have nothing to re-import."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    spec_name = getattr(getattr(main, "__spec__", None), "name", "") or ""
    if path is None or spec_name.endswith("__main__"):
        return None
    if not os.path.isfile(path):
        return f"the main script {path} is not a file (piped from stdin?)"
    if path.endswith(".py") and not has_main_guard(path):
        return (f"{os.path.basename(path)} has no `if __name__ == \"__main__\":` guard, so "
                "each worker would run it again")
    return None


def has_main_guard(path: str) -> bool:
    """Whether the Python file at ``path`` runs its work under ``if __name__ == "__main__"``."""
    try:
        tree = ast.parse(open(path, encoding="utf-8").read())
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return True  # cannot tell: let the workers try
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
            names = [node.test.left, *node.test.comparators]
            if any(isinstance(n, ast.Name) and n.id == "__name__" for n in names) and \
                    any(isinstance(n, ast.Constant) and n.value == "__main__" for n in names):
                return True
    return False


#: prctl option: the signal a process gets when its parent dies (linux/prctl.h)
PR_SET_PDEATHSIG = 1

#: fewest items per worker task
MIN_CHUNK = 500

#: the warm worker pool of this process: (what it was set up with, the pool)
_pool: tuple[Hashable, ProcessPoolExecutor] | None = None


@dataclass(frozen=True)
class WorkerSetup:
    """What every worker process runs once before its first chunk: ``function(*args)``
    (module-level, so a spawned process can import it). Pools with equal ``key`` are the
    same pool, reused between calls."""

    function: Callable[..., None]
    args: tuple
    key: Hashable


def warm_pool(setup: WorkerSetup, n_jobs: int) -> ProcessPoolExecutor:
    """Worker processes set up by ``setup``, kept between calls: a JVM warms up once per
    process, not once per batch (train tokenizes train, then test)."""
    global _pool
    key = (setup.key, n_jobs)
    if _pool is not None and _pool[0] == key:
        return _pool[1]
    release_workers()
    pool = ProcessPoolExecutor(n_jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker,
                               initargs=(os.getpid(), setup.function, setup.args))
    _pool = (key, pool)
    return pool


def _start_worker(parent: int, function: Callable[..., None], args: tuple) -> None:
    """A worker's first step: die with its parent, then the caller's set-up."""
    die_with_parent(parent)
    function(*args)


def die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies (a ``kill -9`` of the command
    leaves no tokenizer worker, each holding a JVM or an analyser, behind); elsewhere, or
    when the parent is already gone, nothing more can be done than exiting now."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def release_workers() -> None:
    """Stop the warm worker processes (an Okt worker's JVM holds ~0.5 GB), if any."""
    global _pool
    if _pool is not None:
        _pool[1].shutdown(wait=True, cancel_futures=True)
        _pool = None


atexit.register(release_workers)


def worker_count(items: int, n_jobs: int, min_per_process: int) -> int:
    """Processes worth starting for ``items``: each must get at least ``min_per_process``,
    or its start-up costs more than it saves."""
    return max(1, min(n_jobs, available_cores() * 2, items // max(1, min_per_process)))


def map_in_processes(setup: WorkerSetup, apply_chunk: Callable[[list], list],
                     apply_one: Callable[[Any], Any], items: Sequence, n_jobs: int,
                     desc: str, min_per_process: int = 1,
                     progress: bool | None = None) -> list:
    """``apply_one`` over ``items`` in order, as ``apply_chunk`` on chunks in up to
    ``n_jobs`` spawned workers (in this process when the batch is too small to pay for
    them, or, with a warning, when workers cannot start)."""
    n_jobs = worker_count(len(items), n_jobs, min_per_process)
    if n_jobs < 2:
        return map_here(apply_one, items, desc, progress)
    blocker = spawn_blocker()
    if blocker:
        log.warning("%s in one process: %s", desc, blocker)
        return map_here(apply_one, items, desc, progress)
    chunk_size = max(MIN_CHUNK, min(20_000, len(items) // (n_jobs * 8) + 1))
    starts = range(0, len(items), chunk_size)
    results: list[list] = [[] for _ in starts]
    done = 0  # items back from the workers
    with progress_bar(len(items), f"{desc}x{n_jobs}", progress) as bar:
        pool = warm_pool(setup, n_jobs)
        try:
            futures = {pool.submit(apply_chunk, list(items[start:start + chunk_size])):
                       index for index, start in enumerate(starts)}
            with gc_paused():
                for future in as_completed(futures):
                    index = futures[future]
                    results[index] = future.result()
                    done += len(results[index])
                    bar.update(len(results[index]))
        except BrokenProcessPool as error:
            release_workers()
            if done:  # it died mid-way: a crash on some item, or out of memory
                raise HansentiError(f"a {desc} worker process died ({error}); "
                                    "see the log above, or run with --jobs 1") from error
        except BaseException:  # Ctrl-C, SIGTERM: no worker outlives the batch
            release_workers()
            raise
    if done < len(items):
        log.warning("%s in one process: the worker processes did not start "
                    "(see the log above)", desc)
        return map_here(apply_one, items, desc, progress)
    return [result for chunk in results for result in chunk]


def map_here(apply_one: Callable[[Any], Any], items: Sequence, desc: str,
             progress: bool | None = None) -> list:
    """``apply_one`` over ``items`` in this process, with a progress bar."""
    with progress_bar(len(items), desc, progress) as bar, gc_paused():
        result = []
        for item in items:
            result.append(apply_one(item))
            bar.update(1)
    return result
