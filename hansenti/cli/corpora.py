"""``hansenti corpora list|fetch|info``."""

from __future__ import annotations

import click

from ..corpora import corpora, open_corpus
from ..corpora.references import open_tokenizer
from ..corpora.stats import describe_split
from ..tokenizers.cache import TokenCache
from .options import code_option, jobs_option, mirror_option

verify_option = click.option("--no-verify", "no_verify", is_flag=True,
                             help="Accept files whose checksum differs from the known one.")


@click.group("corpora")
def corpora_group() -> None:
    """List, fetch and describe corpora."""


@corpora_group.command("list")
def list_command() -> None:
    """Known corpora, their language, splits, license and whether they are fetched."""
    for name in corpora.names():
        corpus = open_corpus(name)
        state = "fetched" if corpus.is_fetched() else "not fetched"
        click.echo(f"{name:<14} {corpus.language}  {'/'.join(corpus.splits):<17} "
                   f"{state:<12} {corpus.license}")
        click.echo(f"{'':<14} {corpus.description}  <{corpus.homepage}>")


@corpora_group.command("fetch")
@mirror_option
@verify_option
@click.argument("names", nargs=-1, required=True)
def fetch_command(mirror: str | None, no_verify: bool, names: tuple[str, ...]) -> None:
    """Download NAMES into the cache, or copy them from a local mirror."""
    for name in names:
        directory = open_corpus(name, mirror=mirror, verify=not no_verify).fetch()
        click.echo(f"{name}: {directory}")


@corpora_group.command("info")
@code_option
@mirror_option
@verify_option
@click.option("--strict", is_flag=True, help="Fail on the first malformed row instead of skipping.")
@click.option("-t", "--tokenizer", "tokenizer_names", multiple=True,
              default=("whitespace", "char"), show_default=True,
              help="Tokenizers to give length statistics for (repeatable).")
@jobs_option
@click.argument("name")
def info_command(mirror: str | None, no_verify: bool, strict: bool,
                 tokenizer_names: tuple[str, ...], jobs: int, name: str) -> None:
    """Sizes, class balance and token-length statistics of corpus NAME (a registered name
    or a .toml description of your files)."""
    corpus = open_corpus(name, mirror=mirror, verify=not no_verify, strict=strict)
    tokenizers = [open_tokenizer(tokenizer_name) for tokenizer_name in tokenizer_names]
    click.echo(f"{corpus.name}: {corpus.description}")
    click.echo(f"license: {corpus.license}; source: {corpus.homepage}")
    variant = corpus.variant_name()
    if variant:
        click.echo(f"release: {variant}")
    cache = TokenCache()
    for split_name in corpus.splits:
        split = corpus.load(split_name)
        tokenized = {tokenizer.name: cache.tokenize(tokenizer, split.texts,
                                                    f"{name}-{split_name}", n_jobs=jobs)
                     for tokenizer in tokenizers}
        click.echo("")
        click.echo(describe_split(split, tokenized, corpus.classes))
