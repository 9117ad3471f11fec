"""On-disk caches of tokenized corpora and of fitted (trained) tokenizers.

Keys hold the tokenizer's fingerprint (config + learned state) and a digest of the exact
texts, so a changed option, a retrained SentencePiece model or a different slice of a
corpus can never be served stale tokens. Token files are ``.npz`` of plain arrays (no
pickle): the distinct tokens as one UTF-8 JSON blob, every token as an int32 id into
them, and document offsets.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from ..core import atomic
from ..core.parallel import gc_paused
from ..core.paths import home_dir
from ..core.text import shorten_all
from .base import Tokenizer, load_tokenizer

log = logging.getLogger("hansenti")


def texts_digest(texts: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _cache_name(label: str, tokenizer: Tokenizer, texts: Sequence[str]) -> str:
    safe_label = "".join(c if c.isalnum() or c in "-_" else "_" for c in label)
    return f"{safe_label}-{tokenizer.name}-{tokenizer.fingerprint()}-{texts_digest(texts)}"


class TokenCache:
    """Tokenized documents on disk under ``$HANSENTI_HOME/tokens``."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory or home_dir() / "tokens")
        #: seconds the texts served so far took to tokenize when first computed (a cache
        #: hit reports the original cost, not the read); None once a file did not say
        self.compute_seconds: float | None = 0.0
        #: reviews served so far that were over ``hansenti.core.text.review_limit()``
        self.shortened = 0

    def path(self, tokenizer: Tokenizer, texts: Sequence[str], label: str) -> Path:
        return self.directory / f"{_cache_name(label, tokenizer, texts)}.npz"

    def tokenize(self, tokenizer: Tokenizer, texts: Sequence[str], label: str = "texts",
                 n_jobs: int = 1, progress: bool | None = None) -> list[list[str]]:
        """Tokens of ``texts`` (shortened to the review limit): read from the cache, or
        computed and then cached."""
        texts, shortened = shorten_all(texts, tokenizer)
        self.shortened += shortened
        path = self.path(tokenizer, texts, label)
        if path.is_file():
            try:
                documents, seconds = read_tokens(path), read_seconds(path)
                if len(documents) == len(texts):
                    log.debug("token cache hit %s", path.name)
                    self._add_seconds(seconds)
                    return documents
            except (OSError, ValueError, KeyError) as error:
                log.warning("ignoring unreadable token cache %s (%s)", path.name, error)
        started = time.perf_counter()
        documents = tokenizer.tokenize_batch(texts, n_jobs=n_jobs, progress=progress)
        seconds = time.perf_counter() - started
        self._add_seconds(seconds)
        write_tokens(path, documents, seconds)
        return documents

    def _add_seconds(self, seconds: float | None) -> None:
        if self.compute_seconds is not None:
            self.compute_seconds = None if seconds is None else self.compute_seconds + seconds


def write_tokens(path: Path, documents: Sequence[Sequence[str]], seconds: float = 0.0) -> None:
    """Save token lists as id arrays + a type table (and the seconds they took), atomically."""
    index: dict[str, int] = {}
    ids = np.fromiter((index.setdefault(token, len(index))
                       for tokens in documents for token in tokens), dtype=np.int32)
    offsets = np.zeros(len(documents) + 1, dtype=np.int64)
    np.cumsum([len(tokens) for tokens in documents], out=offsets[1:])
    types = json.dumps(list(index), ensure_ascii=False).encode("utf-8", "surrogatepass")
    with atomic.atomic_open(path, "wb") as handle:
        np.savez(handle, ids=ids, offsets=offsets, types=np.frombuffer(types, dtype=np.uint8),
                 seconds=np.float64(seconds))


def read_tokens(path: Path) -> list[list[str]]:
    with np.load(path, allow_pickle=False) as data, gc_paused():
        types = json.loads(data["types"].tobytes().decode("utf-8", "surrogatepass"))
        # fancy indexing of an object array looks the strings up in C: 6x a Python loop
        flat = np.array(types, dtype=object)[data["ids"]].tolist()
        bounds = data["offsets"].tolist()
        return [flat[start:end] for start, end in zip(bounds, bounds[1:])]


def read_seconds(path: Path) -> float | None:
    """How long the cached tokens took to compute (None for files from before it was kept)."""
    with np.load(path, allow_pickle=False) as data:
        return float(data["seconds"]) if "seconds" in data.files else None


def fit_cached(tokenizer: Tokenizer, texts: Sequence[str], label: str,
               directory: str | Path | None = None) -> Tokenizer:
    """``tokenizer`` fitted on ``texts``, reusing an identical earlier fit from disk;
    analysers and already fitted tokenizers come back as they are."""
    if not tokenizer.trainable or tokenizer.is_fitted:
        return tokenizer
    directory = Path(directory or home_dir() / "tokenizers")
    target = directory / _cache_name(label, tokenizer, texts)
    if target.is_dir():
        log.info("reusing fitted %s from %s", tokenizer.name, target)
        return load_tokenizer(target)
    log.info("fitting %s on %d %s texts", tokenizer.name, len(texts), label)
    tokenizer.fit(texts)
    with atomic.staged_directory(target) as staging:
        tokenizer.save(staging)
    return tokenizer
