"""``hansenti tokenizers`` and ``hansenti tokenize``."""

from __future__ import annotations

import json
import sys

import click

from ..core.errors import HansentiError
from ..core.text import shorten_all
from ..corpora.references import open_tokenizer
from ..tokenizers.base import tokenizers
from .options import (
    code_option,
    jobs_option,
    mirror_option,
    tokenizer_options_option,
)


@click.command("tokenizers")
@code_option
def tokenizers_command() -> None:
    """List tokenizers: name, whether the backend is installed, what it does."""
    rows = []
    for name in tokenizers.names():
        try:
            cls = tokenizers.get(name)
        except HansentiError as error:
            rows.append((name, "broken", str(error)))
            continue
        missing = cls.backend_missing()
        rows.append((name, "missing " + ",".join(missing) if missing else "installed",
                     cls.description()))
    width = max(len(name) for name, _, _ in rows)
    status_width = max(len(status) for _, status, _ in rows)
    for name, status, description in rows:
        click.echo(f"{name:<{width}}  {status:<{status_width}}  {description}")


@click.command("tokenize")
@code_option
@click.option("-t", "--tokenizer", "name", required=True,
              help="Registered tokenizer name, or a saved tokenizer directory.")
@tokenizer_options_option
@click.option("--fit", "fit_corpus", metavar="CORPUS[:SPLIT+SPLIT]",
              help="Train a trainable tokenizer (spm) on CORPUS's train split (or the splits "
                   "named) first (cached).")
@mirror_option
@click.option("--json", "as_json", is_flag=True, help="One JSON list of tokens per text.")
@click.option("--roundtrip", is_flag=True,
              help="Also print the text rebuilt from the tokens (reversible tokenizers).")
@jobs_option
@click.argument("texts", nargs=-1)
def tokenize_command(name: str, tokenizer_options: dict, fit_corpus: str | None,
                     mirror: str | None, as_json: bool,
                     roundtrip: bool, jobs: int, texts: tuple[str, ...]) -> None:
    """Tokenize TEXTS (or each line of stdin): tokens separated by spaces, one text a line."""
    tokenizer = open_tokenizer(name, tokenizer_options, fit_corpus, mirror)
    if roundtrip and not tokenizer.reversible:
        raise HansentiError(f"tokenizer {name!r} is not reversible; drop --roundtrip")
    lines = list(texts) if texts else [line.rstrip("\n") for line in sys.stdin]
    bounded = shorten_all(lines, tokenizer)[0]
    for text, tokens in zip(lines, tokenizer.tokenize_batch(bounded, n_jobs=jobs)):
        click.echo(json.dumps(tokens, ensure_ascii=False) if as_json else " ".join(tokens))
        if roundtrip:
            rebuilt = tokenizer.detokenize(tokens)
            click.echo(f"→ {rebuilt}  ({'exact' if rebuilt == text else 'differs'})")
