"""Tokenizing large batches across processes, with a progress bar.

Workers are started with ``spawn`` (JPype's JVM and fork do not mix) and each builds
its own tokenizer from the parent's serialised state, so one Okt lives per worker.
A spawned worker re-imports the main script; when it cannot (a script piped from stdin,
one without an ``if __name__ == "__main__":`` guard), or the workers fail to start, the
batch is tokenized in this process instead, with a one-line warning that says why.
"""

from __future__ import annotations

import ast
import atexit
import gc
import logging
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from tqdm.auto import tqdm

from .errors import HansentiError

if TYPE_CHECKING:
    from .tokenizer import Tokenizer

log = logging.getLogger("hansenti")

_worker_tokenizer: "Tokenizer | None" = None


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


def _init_worker(state: dict[str, Any], artifacts: dict[str, bytes], code_files: list[str]) -> None:
    global _worker_tokenizer
    from .tokenizer import Tokenizer, load_user_code

    for path in code_files:
        load_user_code(path)
    _worker_tokenizer = Tokenizer.from_dict(state, artifacts)


def _tokenize_chunk(texts: list[str]) -> list[list[str]]:
    with gc_paused():
        return [_worker_tokenizer.tokenize(text) for text in texts]


#: fewest documents per worker task
MIN_CHUNK_DOCS = 500

#: the warm worker pool of this process: (what it was made for, the pool)
_pool: tuple[tuple, ProcessPoolExecutor] | None = None


def warm_pool(tokenizer: "Tokenizer", n_jobs: int) -> ProcessPoolExecutor:
    """Worker processes holding ``tokenizer``, kept between calls: a JVM warms up once
    per process, not once per batch (train tokenizes train, then test)."""
    global _pool
    from .tokenizer import USER_CODE_FILES

    key = (tokenizer.fingerprint(), n_jobs, tuple(USER_CODE_FILES))
    if _pool is not None and _pool[0] == key:
        return _pool[1]
    release_workers()
    pool = ProcessPoolExecutor(n_jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker,
                               initargs=(tokenizer.to_dict(), tokenizer.artifacts(),
                                         list(USER_CODE_FILES)))
    _pool = (key, pool)
    return pool


def release_workers() -> None:
    """Stop the warm worker processes (their JVMs hold ~0.5 GB each), if any."""
    global _pool
    if _pool is not None:
        _pool[1].shutdown(wait=True, cancel_futures=True)
        _pool = None


atexit.register(release_workers)


def worker_count(tokenizer: "Tokenizer", documents: int, n_jobs: int) -> int:
    """Processes worth starting for ``documents``: each must get at least the tokenizer's
    ``min_docs_per_process``, or its start-up costs more than it saves."""
    return max(1, min(n_jobs, available_cores() * 2,
                      documents // max(1, tokenizer.min_docs_per_process)))


def tokenize_in_processes(
    tokenizer: "Tokenizer", texts: Sequence[str], n_jobs: int, progress: bool | None = None
) -> list[list[str]]:
    """Tokenize ``texts`` in up to ``n_jobs`` spawned worker processes, keeping their order
    (in this process when the batch is too small to pay for them, or, with a warning,
    when workers cannot start)."""
    n_jobs = worker_count(tokenizer, len(texts), n_jobs)
    if n_jobs < 2:
        return tokenize_here(tokenizer, texts, progress)
    blocker = spawn_blocker()
    if blocker:
        log.warning("tokenizing in one process: %s", blocker)
        return tokenize_here(tokenizer, texts, progress)
    chunk_size = max(MIN_CHUNK_DOCS, min(20_000, len(texts) // (n_jobs * 8) + 1))
    starts = range(0, len(texts), chunk_size)
    results: list[list[list[str]]] = [[] for _ in starts]
    done = 0  # documents back from the workers
    with progress_bar(len(texts), f"tokenize[{tokenizer.name}]x{n_jobs}", progress) as bar:
        pool = warm_pool(tokenizer, n_jobs)
        try:
            futures = {pool.submit(_tokenize_chunk, list(texts[start:start + chunk_size])):
                       index for index, start in enumerate(starts)}
            with gc_paused():
                for future in as_completed(futures):
                    index = futures[future]
                    results[index] = future.result()
                    done += len(results[index])
                    bar.update(len(results[index]))
        except BrokenProcessPool as error:
            release_workers()
            if done:  # it died mid-way: a crash on some text, or out of memory
                raise HansentiError(f"a {tokenizer.name} worker process died ({error}); "
                                    "see the log above, or run with --jobs 1") from error
        except BaseException:  # Ctrl-C, SIGTERM: no worker outlives the batch
            release_workers()
            raise
    if done < len(texts):
        log.warning("tokenizing in one process: the %s worker processes did not start "
                    "(see the log above)", tokenizer.name)
        return tokenize_here(tokenizer, texts, progress)
    return [tokens for chunk in results for tokens in chunk]


def tokenize_here(tokenizer: "Tokenizer", texts: Sequence[str],
                  progress: bool | None = None) -> list[list[str]]:
    """Tokenize ``texts`` in this process, with a progress bar."""
    with progress_bar(len(texts), f"tokenize[{tokenizer.name}]", progress) as bar, gc_paused():
        result = []
        for text in texts:
            result.append(tokenizer.tokenize(text))
            bar.update(1)
    return result
