"""``hansenti embed train|similar|export``: pre-trained word vectors."""

from __future__ import annotations

from pathlib import Path

import click

from ..tokenizer import TOKENIZER_FILE, load_tokenizer
from .options import (build_tokenizer, code_option, mirror_option, parse_options,
                      tokenizer_options_option)


@click.group("embed")
def embed_group() -> None:
    """Train word2vec/fastText vectors on unlabelled reviews, inspect and export them."""


@embed_group.command("train")
@code_option
@mirror_option
@click.option("--corpus", "source", default="naver-reviews", show_default=True,
              type=click.Choice(["naver-reviews", "nsmc", "imdb-unsup"]),
              help="Unlabelled text: the raw Naver crawl (NSMC test ids dropped), NSMC train, "
                   "or IMDB train+unsup. Test documents are never used.")
@click.option("-t", "--tokenizer", default="mecab", show_default=True,
              help="Tokenizer name, or a saved tokenizer folder (e.g. RUN/tokenizer).")
@tokenizer_options_option
@click.option("--algo", type=click.Choice(["word2vec", "fasttext"]), default="word2vec",
              show_default=True)
@click.option("--dim", type=click.IntRange(min=2), default=100, show_default=True)
@click.option("--window", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--min-count", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--epochs", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--cbow", is_flag=True, help="CBOW instead of skip-gram (faster, a bit worse).")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Tokenizer processes and gensim worker threads.")
@click.option("--out", type=click.Path(file_okay=False),
              help="Output folder (default: embeddings/CORPUS-TOKENIZER-ALGODIM).")
def train_command(mirror: str | None, source: str, tokenizer: str,
                  tokenizer_options: tuple[str, ...], algo: str, dim: int, window: int,
                  min_count: int, epochs: int, cbow: bool, seed: int, jobs: int,
                  out: str | None) -> None:
    """Pre-train vectors; writes vectors.kv, vectors.txt (word2vec text) and embedding.json."""
    from ..embeddings import EmbeddingConfig, train_embeddings

    saved = Path(tokenizer, TOKENIZER_FILE).is_file()
    ready = load_tokenizer(tokenizer) if saved else build_tokenizer(tokenizer, tokenizer_options)
    config = EmbeddingConfig(source=source, tokenizer=ready.name,
                             tokenizer_options=parse_options(tokenizer_options), algo=algo,
                             dim=dim, window=window, min_count=min_count, epochs=epochs,
                             skipgram=not cbow, seed=seed)
    out_dir = Path(out or f"embeddings/{source}-{ready.name}-{algo}{dim}")
    result = train_embeddings(config, out_dir, mirror=mirror, jobs=jobs, tokenizer=ready)
    meta = result.metadata
    click.echo(f"{out_dir}: {meta['vocab_size']:,} words x {meta['dim']} from "
               f"{meta['documents']:,} documents ({meta['tokens']:,} tokens) in "
               f"{meta['seconds']['train']:.0f} s")


@embed_group.command("similar")
@click.option("-n", "--top", type=click.IntRange(min=1), default=10, show_default=True)
@click.argument("vectors_path", metavar="VECTORS", type=click.Path())
@click.argument("words", nargs=-1, required=True)
def similar_command(top: int, vectors_path: str, words: tuple[str, ...]) -> None:
    """Nearest WORDS by cosine in VECTORS (a vectors file/folder, or a run directory)."""
    from ..embeddings.vectors import most_similar, open_vectors

    vectors = open_vectors(vectors_path)
    for word in words:
        neighbours = most_similar(vectors, word, top)
        click.echo(f"{word}: " + ", ".join(f"{key} {score:.2f}" for key, score in neighbours))


@embed_group.command("export")
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
    from ..embeddings.vectors import open_vectors, write_projector, write_word2vec_text
    from ..errors import HansentiError

    if not projector and not word2vec_path:
        raise HansentiError("say where to export: --projector DIR and/or --word2vec FILE")
    vectors = open_vectors(vectors_path)
    if projector:
        count = write_projector(vectors, projector, limit)
        click.echo(f"{projector}: tensor.tsv + metadata.tsv, {count:,} words")
    if word2vec_path:
        count = write_word2vec_text(vectors, word2vec_path, limit)
        click.echo(f"{word2vec_path}: {count:,} words x {vectors.vector_size}")
