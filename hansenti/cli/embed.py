"""``hansenti embed train|similar|export``: pre-trained word vectors."""

from __future__ import annotations

from pathlib import Path

import click

from ..corpora.references import open_tokenizer
from ..embeddings.contextual import BiLMConfig
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
BILM_DEFAULTS = BiLMConfig()


@click.group("embed")
def embed_group() -> None:
    """Train word2vec/fastText vectors or an ELMo biLM on unlabelled reviews, inspect and
    export them."""


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
@click.option("--algo", type=click.Choice(["word2vec", "fasttext", "elmo"]),
              default=DEFAULTS.algo, show_default=True,
              help="elmo: a bidirectional LSTM language model over character-aware token "
                   "inputs, for classifiers' -p contextual=FOLDER.")
@click.option("--dim", type=click.IntRange(min=2), default=None,
              help=f"Vector size (default {DEFAULTS.dim}); for elmo the LSTM units per "
                   f"direction (default {BILM_DEFAULTS.units}).")
@click.option("--window", type=click.IntRange(min=1), default=DEFAULTS.window,
              show_default=True)
@click.option("--min-count", type=click.IntRange(min=1), default=DEFAULTS.min_count,
              show_default=True)
@click.option("--epochs", type=click.IntRange(min=1), default=None,
              help=f"Passes over the text (default {DEFAULTS.epochs}; elmo "
                   f"{BILM_DEFAULTS.epochs}). Running an elmo command again continues its "
                   "training: from where an interrupted run stopped, or with more epochs.")
@click.option("--layers", type=click.IntRange(min=1, max=8), default=BILM_DEFAULTS.layers,
              show_default=True, help="elmo: LSTM layers per direction.")
@click.option("--vocab-size", type=click.IntRange(min=100), default=BILM_DEFAULTS.vocab_size,
              show_default=True, help="elmo: the most frequent tokens the softmax predicts.")
@click.option("--batch-size", type=click.IntRange(min=1), default=BILM_DEFAULTS.batch_size,
              show_default=True, help="elmo: pieces of up to 64 tokens per batch.")
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
                  tokenizer_options: dict, algo: str, dim: int | None, window: int,
                  min_count: int, epochs: int | None, layers: int, vocab_size: int,
                  batch_size: int, cbow: bool, seed: int, limit: int | None,
                  jobs: int, out: str | None, overwrite: bool) -> None:
    """Pre-train vectors; writes vectors.bin and vectors.txt (word2vec binary and text) and
    embedding.json; for elmo bilm.json and bilm.npz."""
    from ..embeddings import train_embeddings

    refuse_other_algos_options(algo)
    ready = open_tokenizer(tokenizer, tokenizer_options)
    slug = str(source).replace(":", "-").replace("+", "-")
    if algo == "elmo":
        train_elmo(BiLMConfig(source=source, tokenizer=ready.name,
                              tokenizer_options=tokenizer_options,
                              units=dim or BILM_DEFAULTS.units, layers=layers,
                              vocab_size=vocab_size, batch_size=batch_size,
                              epochs=epochs or BILM_DEFAULTS.epochs, seed=seed, limit=limit),
                   Path(out or f"embeddings/{slug}-{ready.name}-elmo"), mirror, jobs, ready,
                   overwrite)
        return
    dim, epochs = dim or DEFAULTS.dim, epochs or DEFAULTS.epochs
    config = EmbeddingConfig(source=source, tokenizer=ready.name,
                             tokenizer_options=tokenizer_options, algo=algo,
                             dim=dim, window=window, min_count=min_count, epochs=epochs,
                             skipgram=not cbow, seed=seed, limit=limit)
    out_dir = Path(out or f"embeddings/{slug}-{ready.name}-{algo}{dim}")
    result = train_embeddings(config, out_dir, mirror=mirror, jobs=jobs, tokenizer=ready,
                              overwrite=overwrite)
    meta = result.metadata
    click.echo(f"{out_dir}: {meta['vocab_size']:,} words x {meta['dim']} from "
               f"{meta['documents']:,} documents ({meta['tokens']:,} tokens) in "
               f"{meta['seconds']['train']:.0f} s")


#: the options only word vectors read, and those only a biLM reads
WORD_VECTOR_OPTIONS = ("window", "min_count", "cbow")
BILM_OPTIONS = ("layers", "vocab_size", "batch_size")


def refuse_other_algos_options(algo: str) -> None:
    """An option given on the command line that ``algo`` does not read is an error."""
    from click.core import ParameterSource

    from ..core.errors import HansentiError

    context = click.get_current_context()
    unread = WORD_VECTOR_OPTIONS if algo == "elmo" else BILM_OPTIONS
    given = [name for name in unread
             if context.get_parameter_source(name) == ParameterSource.COMMANDLINE]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise HansentiError(f"--algo {algo} does not read {flags}: drop it, or pick "
                            f"{'word2vec/fasttext' if algo == 'elmo' else 'elmo'}")


def train_elmo(config: BiLMConfig, out_dir: Path, mirror: str | None, jobs: int,
               tokenizer, overwrite: bool) -> None:
    """Pre-train (or continue) a biLM and say what it cost."""
    from ..training.language_model import train_bilm

    meta = train_bilm(config, out_dir, mirror=mirror, jobs=jobs, tokenizer=tokenizer,
                      overwrite=overwrite).metadata
    last = meta["history"][-1]
    click.echo(f"{out_dir}: biLM {config.layers} x {config.units} units per direction, "
               f"{meta['output_vocab']:,} words, from {meta['documents']:,} documents "
               f"({meta['tokens']:,} tokens) in {meta['seconds']['train'] / 60:.0f} min; "
               f"held-out perplexity {meta['heldout_perplexity']:.1f}, "
               f"{last['tokens_per_s']:,.0f} tokens/s")


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
