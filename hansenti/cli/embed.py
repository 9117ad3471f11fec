"""``hansenti embed train|similar|export``: pre-trained word vectors."""

from __future__ import annotations

from pathlib import Path

import click

from ..corpora.references import open_tokenizer
from ..embeddings.training import EmbeddingConfig
from .options import (
    code_option,
    jobs_option,
    mirror_option,
    overwrite_option,
    tokenizer_options_option,
    trust_pickle_option,
)

#: the defaults of every option, shown in --help
DEFAULTS = EmbeddingConfig()


@click.group("embed")
def embed_group() -> None:
    """Train word2vec/fastText vectors on unlabelled reviews, inspect and export them."""


@embed_group.command("train")
@code_option
@mirror_option
@click.option("--corpus", "source", default=DEFAULTS.source, show_default=True,
              metavar="CORPUS[:SPLIT+SPLIT]",
              help="Text to learn from, e.g. naver-reviews (the raw crawl, NSMC test ids "
                   "dropped), nsmc:train or imdb:train+unsup (default: every split but "
                   "test). Test documents are never used.")
@click.option("-t", "--tokenizer", default=DEFAULTS.tokenizer, show_default=True,
              help="Tokenizer name, or a saved tokenizer folder (e.g. RUN/tokenizer).")
@tokenizer_options_option
@click.option("--algo", type=click.Choice(["word2vec", "fasttext"]), default=DEFAULTS.algo,
              show_default=True)
@click.option("--dim", type=click.IntRange(min=2), default=DEFAULTS.dim, show_default=True)
@click.option("--window", type=click.IntRange(min=1), default=DEFAULTS.window,
              show_default=True)
@click.option("--min-count", type=click.IntRange(min=1), default=DEFAULTS.min_count,
              show_default=True)
@click.option("--epochs", type=click.IntRange(min=1), default=DEFAULTS.epochs,
              show_default=True)
@click.option("--cbow", is_flag=True, help="CBOW instead of skip-gram (faster, a bit worse).")
@click.option("--seed", type=int, default=DEFAULTS.seed, show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Learn from a seeded sample of N documents (default: all).")
@jobs_option
@click.option("--out", type=click.Path(file_okay=False),
              help="Output folder, new or empty (default: "
                   "embeddings/CORPUS-TOKENIZER-ALGODIM).")
@overwrite_option
def train_command(mirror: str | None, source: str, tokenizer: str,
                  tokenizer_options: dict, algo: str, dim: int, window: int,
                  min_count: int, epochs: int, cbow: bool, seed: int, limit: int | None,
                  jobs: int, out: str | None, overwrite: bool) -> None:
    """Pre-train vectors; writes vectors.bin and vectors.txt (word2vec binary and text) and
    embedding.json."""
    from ..embeddings import train_embeddings

    ready = open_tokenizer(tokenizer, tokenizer_options)
    config = EmbeddingConfig(source=source, tokenizer=ready.name,
                             tokenizer_options=tokenizer_options, algo=algo,
                             dim=dim, window=window, min_count=min_count, epochs=epochs,
                             skipgram=not cbow, seed=seed, limit=limit)
    slug = str(source).replace(":", "-").replace("+", "-")
    out_dir = Path(out or f"embeddings/{slug}-{ready.name}-{algo}{dim}")
    result = train_embeddings(config, out_dir, mirror=mirror, jobs=jobs, tokenizer=ready,
                              overwrite=overwrite)
    meta = result.metadata
    click.echo(f"{out_dir}: {meta['vocab_size']:,} words x {meta['dim']} from "
               f"{meta['documents']:,} documents ({meta['tokens']:,} tokens) in "
               f"{meta['seconds']['train']:.0f} s")


@embed_group.command("similar")
@trust_pickle_option
@click.option("-n", "--top", type=click.IntRange(min=1), default=10, show_default=True)
@click.argument("vectors_path", metavar="VECTORS", type=click.Path())
@click.argument("words", nargs=-1, required=True)
def similar_command(top: int, vectors_path: str, words: tuple[str, ...]) -> None:
    """Nearest WORDS by cosine in VECTORS (a vectors file/folder, or a run directory)."""
    from ..embeddings.vectors import most_similar
    from ..inference.run_vectors import open_vectors

    vectors = open_vectors(vectors_path)
    for word in words:
        neighbours = most_similar(vectors, word, top)
        click.echo(f"{word}: " + ", ".join(f"{key} {score:.2f}" for key, score in neighbours))


@embed_group.command("export")
@trust_pickle_option
@click.option("--projector", type=click.Path(file_okay=False),
              help="Folder for TensorBoard Projector tensor.tsv + metadata.tsv.")
@click.option("--word2vec", "word2vec_path", type=click.Path(dir_okay=False),
              help="word2vec text file to write.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Only the N most frequent words.")
@click.argument("vectors_path", metavar="VECTORS", type=click.Path())
def export_command(projector: str | None, word2vec_path: str | None, limit: int | None,
                   vectors_path: str) -> None:
    """Export VECTORS (a vectors file/folder, or a trained run's embedding layer)."""
    from ..core.errors import HansentiError
    from ..embeddings.vectors import write_projector, write_word2vec_text
    from ..inference.run_vectors import open_vectors

    if not projector and not word2vec_path:
        raise HansentiError("say where to export: --projector DIR and/or --word2vec FILE")
    vectors = open_vectors(vectors_path)
    if projector:
        count = write_projector(vectors, projector, limit)
        click.echo(f"{projector}: tensor.tsv + metadata.tsv, {count:,} words")
    if word2vec_path:
        count = write_word2vec_text(vectors, word2vec_path, limit)
        click.echo(f"{word2vec_path}: {count:,} words x {vectors.vector_size}")
