"""Pre-train word2vec or fastText vectors with gensim on unlabelled review text — never on a
test split: the sources below name the splits they read, and every fed id is checked
against the labelled corpora's test ids before training starts."""

from __future__ import annotations

import dataclasses
import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..core import atomic
from ..core.errors import HansentiError
from ..core.faults import failpoint
from ..core.outputs import check_output_folder, output_folder
from ..core.parallel import available_cores
from ..corpora import CorpusReference, Review, open_corpus
from ..tokenizers.base import Tokenizer, create_tokenizer
from ..tokenizers.cache import TokenCache, fit_cached
from .vectors import (
    METADATA_FILE,
    VECTORS_FILE,
    WORD2VEC_TEXT_FILE,
    write_word2vec_text,
)

log = logging.getLogger("hansenti")


@dataclass(frozen=True)
class EmbeddingConfig:
    """What determines a set of pre-trained vectors."""

    #: a corpus reference, ``CORPUS[:SPLIT+SPLIT]`` (default: every split but test)
    source: str = "naver-reviews"
    tokenizer: str = "mecab"
    tokenizer_options: dict[str, Any] = field(default_factory=dict)
    algo: Literal["word2vec", "fasttext"] = "word2vec"
    dim: int = 100
    window: int = 5
    min_count: int = 3
    epochs: int = 5
    skipgram: bool = True
    seed: int = 42
    #: a seeded sample of this many documents of the source (default: all of them)
    limit: int | None = None


@dataclass
class EmbeddingResult:
    """A finished training: where the vectors are, and the ids of every document fed."""

    path: Path
    metadata: dict[str, Any]
    fed_ids: list[str]


def training_records(source: str, mirror: str | None = None) -> list[Review]:
    """The documents of ``source`` (``CORPUS[:SPLIT+SPLIT]``; every split but test by
    default), after checking none is a test document of the corpus or of the labelled
    corpus it was drawn from (:attr:`Corpus.test_corpus`)."""
    reference = CorpusReference.parse(source)
    corpus = open_corpus(reference.name, mirror=mirror)
    splits = (reference.splits_of(corpus.splits) if reference.splits
              else tuple(split for split in corpus.splits if split != "test"))
    if "test" in splits:
        raise HansentiError(f"{source}: vectors are never trained on a test split; name "
                            f"the others (e.g. {reference.name}:train)")
    records = [record for split in splits for record in corpus.load(split).records]
    guarded = corpus.test_corpus or (reference.name if "test" in corpus.splits else None)
    if guarded:
        check_no_test_ids(records, open_corpus(guarded, mirror=mirror).load("test").records)
    return records


def check_no_test_ids(records: list[Review], test: list[Review]) -> None:
    """Refuse to train on any document from a test split or whose id is a test id."""
    leaked = ({record.id for record in records} & {record.id for record in test}) | {
        record.id for record in records if record.split == "test"}
    if leaked:
        raise HansentiError(f"{len(leaked):,} test documents (e.g. {min(leaked)}) would be "
                            "used to train embeddings; refusing")


def train_embeddings(config: EmbeddingConfig, out_dir: str | Path, mirror: str | None = None,
                     jobs: int = 1, tokenizer: Tokenizer | None = None,
                     overwrite: bool = False) -> EmbeddingResult:
    """Tokenize ``config.source`` (through the token cache), train gensim vectors and write
    ``vectors.bin`` (word2vec binary), ``vectors.txt`` and ``embedding.json`` into
    ``out_dir`` (new, empty, or hansenti's own with ``overwrite``) atomically."""
    check_output_folder(out_dir, overwrite, option="--out")
    if config.algo not in ("word2vec", "fasttext"):
        raise HansentiError(f"--algo must be word2vec or fasttext, not {config.algo!r}")
    records = training_records(config.source, mirror)
    if config.limit is not None and config.limit < len(records):
        picked = sorted(random.Random(config.seed).sample(range(len(records)), config.limit))
        records = [records[index] for index in picked]
    texts = [record.text for record in records]
    tokenizer = tokenizer or create_tokenizer(config.tokenizer, **config.tokenizer_options)
    tokenizer = fit_cached(tokenizer, texts, f"{config.source}-embed")
    cache = TokenCache()
    documents = cache.tokenize(tokenizer, texts, f"{config.source}-embed", n_jobs=jobs)
    documents = [doc for doc in documents if doc]

    started = time.perf_counter()
    model = fit_gensim(config, documents, workers=max(1, min(jobs, available_cores())))
    train_seconds = time.perf_counter() - started
    metadata = {
        "config": dataclasses.asdict(config), "tokenizer_state": tokenizer.to_dict(),
        "documents": len(documents), "tokens": int(model.corpus_total_words),
        "vocab_size": len(model.wv), "dim": model.wv.vector_size,
        # tokenizing: its cost when first computed, even if the cache served it now
        "seconds": {"tokenize": cache.compute_seconds, "train": train_seconds},
    }
    with output_folder(out_dir, overwrite, option="--out") as staging:
        model.wv.save_word2vec_format(str(staging / VECTORS_FILE), binary=True)
        write_word2vec_text(model.wv, staging / WORD2VEC_TEXT_FILE)
        atomic.write_json(staging / METADATA_FILE, metadata)
    log.info("%s vectors: %d words x %d dims from %d documents in %.0f s -> %s", config.algo,
             len(model.wv), model.wv.vector_size, len(documents), train_seconds, out_dir)
    return EmbeddingResult(Path(out_dir), metadata, [record.id for record in records])


def fit_gensim(config: EmbeddingConfig, documents: list[list[str]], workers: int):
    """A trained gensim Word2Vec or FastText model, logging loss/time per epoch."""
    from gensim.models import FastText, Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    class EpochLog(CallbackAny2Vec):
        """Seconds and, for word2vec, the epoch's loss (gensim's running total is reset
        each epoch: accumulated in float32 it stops growing after the first)."""

        def __init__(self) -> None:
            self.epoch, self.started = 0, time.perf_counter()

        def on_epoch_begin(self, model) -> None:
            model.running_training_loss = 0.0

        def on_epoch_end(self, model) -> None:
            failpoint("embed.epoch")
            self.epoch += 1
            loss = (f", loss {model.get_latest_training_loss():,.0f}"
                    if config.algo == "word2vec" else "")
            log.info("%s epoch %d/%d: %.0f s%s", config.algo, self.epoch, config.epochs,
                     time.perf_counter() - self.started, loss)

    algo = Word2Vec if config.algo == "word2vec" else FastText
    extra = {"compute_loss": True} if config.algo == "word2vec" else {}
    log.info("training %s (%d dims, %s) on %d documents with %d workers", config.algo,
             config.dim, "skip-gram" if config.skipgram else "CBOW", len(documents), workers)
    return algo(sentences=documents, vector_size=config.dim, window=config.window,
                min_count=config.min_count, epochs=config.epochs, sg=int(config.skipgram),
                seed=config.seed, workers=workers, callbacks=[EpochLog()], **extra)
