"""Tokenizing large batches across processes, with a progress bar.

Workers are started with ``spawn`` (JPype's JVM and fork do not mix) and each builds
its own tokenizer from the parent's serialised state, so one Okt lives per worker.
"""

from __future__ import annotations

import gc
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


def _init_worker(state: dict[str, Any], artifacts: dict[str, bytes], code_files: list[str]) -> None:
    global _worker_tokenizer
    from .tokenizer import Tokenizer, load_user_code

    for path in code_files:
        load_user_code(path)
    _worker_tokenizer = Tokenizer.from_dict(state, artifacts)


def _tokenize_chunk(texts: list[str]) -> list[list[str]]:
    with gc_paused():
        return [_worker_tokenizer.tokenize(text) for text in texts]


def tokenize_in_processes(
    tokenizer: "Tokenizer", texts: Sequence[str], n_jobs: int, progress: bool | None = None
) -> list[list[str]]:
    """Tokenize ``texts`` in ``n_jobs`` spawned worker processes, keeping their order."""
    from .tokenizer import PARALLEL_MIN_CHUNK, USER_CODE_FILES

    n_jobs = min(n_jobs, available_cores() * 2)
    chunk_size = max(PARALLEL_MIN_CHUNK, min(20_000, len(texts) // (n_jobs * 8) + 1))
    starts = range(0, len(texts), chunk_size)
    results: list[list[list[str]]] = [[] for _ in starts]
    context = multiprocessing.get_context("spawn")
    with progress_bar(len(texts), f"tokenize[{tokenizer.name}]x{n_jobs}", progress) as bar, \
            ProcessPoolExecutor(n_jobs, mp_context=context, initializer=_init_worker,
                                initargs=(tokenizer.to_dict(), tokenizer.artifacts(),
                                          list(USER_CODE_FILES))) as pool:
        futures = {pool.submit(_tokenize_chunk, list(texts[start:start + chunk_size])): index
                   for index, start in enumerate(starts)}
        try:
            with gc_paused():
                for future in as_completed(futures):
                    index = futures[future]
                    results[index] = future.result()
                    bar.update(len(results[index]))
        except BrokenProcessPool as error:
            raise HansentiError(f"a {tokenizer.name} worker process died ({error}); "
                                "see the log above, or run with --jobs 1") from error
    return [tokens for chunk in results for tokens in chunk]
