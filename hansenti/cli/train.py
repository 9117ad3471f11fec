"""``hansenti train``, ``hansenti evaluate``, ``hansenti predict``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..config import TrainConfig
from ..errors import HansentiError
from .options import (code_option, jobs_option, mirror_option, parse_options,
                      tokenizer_options_option)

DEFAULT_JOBS = 2


@click.command("train")
@code_option
@mirror_option
@click.option("--corpus", default="nsmc", show_default=True, help="Labelled corpus to train on.")
@click.option("-t", "--tokenizer", default="mecab", show_default=True)
@tokenizer_options_option
@click.option("-m", "--model", default="cnn", show_default=True,
              help="lstm, bilstm, gru, cnn, gmp, rnn or nblr.")
@click.option("-p", "--model-option", "model_options", multiple=True, metavar="KEY=VALUE",
              help="Model hyper-parameter, e.g. -p units=256 -p epochs=5 (repeatable).")
@click.option("--embeddings", type=click.Path(),
              help="Initialise the embedding layer from these vectors (hansenti embed train "
                   "output, word2vec .txt/.bin, gensim .kv, fastText .bin).")
@click.option("--freeze/--finetune", "freeze_embeddings", default=False, show_default=True,
              help="Keep pre-trained vectors fixed, or train them further.")
@click.option("--max-vocab", type=int, default=None, help="Keep at most this many tokens.")
@click.option("--min-freq", type=int, default=2, show_default=True)
@click.option("--maxlen", default="mean+2std", show_default=True,
              help="Sequence length: a number, mean+Kstd or pNN of training lengths.")
@click.option("--padding", type=click.Choice(["pre", "post"]), default="pre", show_default=True)
@click.option("--truncating", type=click.Choice(["pre", "post"]), default="pre",
              show_default=True)
@click.option("--validation-fraction", type=float, default=0.1, show_default=True)
@click.option("--refit", is_flag=True,
              help="After choosing the epoch (or C) on validation, train again on all of "
                   "train with that choice; the refitted model is saved and tested.")
@click.option("--pseudo-labels", type=click.Path(file_okay=False),
              help="Also train on the reviews labelled by hansenti distil (soft targets); "
                   "the teachers must share this run's corpus, seed and validation split.")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--limit", type=click.IntRange(min=10), default=None,
              help="Quick run: a stratified slice of N train and N/3 test documents.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=DEFAULT_JOBS,
              show_default=True, help="Worker processes for tokenizing.")
@click.option("--runs-dir", type=click.Path(file_okay=False), default="runs", show_default=True)
@click.option("--name", help="Run folder name (default: corpus-tokenizer-model).")
@click.option("--resume", is_flag=True, help="Continue an interrupted run of this --name.")
def train_command(mirror: str | None, corpus: str, tokenizer: str,
                  tokenizer_options: tuple[str, ...], model: str, model_options: tuple[str, ...],
                  embeddings: str | None, freeze_embeddings: bool, max_vocab: int | None,
                  min_freq: int, maxlen: str, padding: str, truncating: str,
                  validation_fraction: float, refit: bool, pseudo_labels: str | None,
                  seed: int, limit: int | None, jobs: int, runs_dir: str, name: str | None,
                  resume: bool) -> None:
    """Train a classifier; the epoch is chosen on validation, test is scored once."""
    from ..train import train

    config = TrainConfig(
        corpus=corpus, tokenizer=tokenizer, tokenizer_options=parse_options(tokenizer_options),
        model=model, model_options=parse_options(model_options), embeddings=embeddings,
        freeze_embeddings=freeze_embeddings, max_vocab=max_vocab,
        min_freq=min_freq, maxlen=maxlen, padding=padding, truncating=truncating,
        validation_fraction=validation_fraction, refit=refit, pseudo_labels=pseudo_labels,
        seed=seed, limit=limit)
    run_dir = Path(runs_dir) / (name or f"{corpus}-{tokenizer}-{model}")
    try:
        metrics = train(config, run_dir, resume=resume, mirror=mirror, jobs=jobs)
    except KeyboardInterrupt:
        click.echo(f"interrupted: continue with hansenti train --runs-dir {runs_dir} "
                   f"--name {run_dir.name} --resume", err=True)
        raise
    test = metrics["test"]
    click.echo(f"{run_dir}: test accuracy {test['accuracy']:.4f} (F1 {test['f1']:.4f}) on "
               f"{test['examples']:,} reviews; validation accuracy "
               f"{metrics['validation_accuracy']:.4f} at {metrics['best']}"
               + (f", then refitted on {metrics['refit']['documents']:,} reviews"
                  if metrics.get("refit") else ""))


@click.command("evaluate")
@mirror_option
@click.option("--corpus", help="Corpus to score (default: the run's own).")
@click.option("--split", default="test", show_default=True)
@jobs_option
@click.argument("run_dir", type=click.Path())
def evaluate_command(mirror: str | None, corpus: str | None, split: str, jobs: int,
                     run_dir: str) -> None:
    """Accuracy, precision, recall, F1 and confusion matrix of RUN_DIR on a corpus split."""
    from ..train import evaluate

    click.echo(json.dumps(evaluate(run_dir, corpus, split, mirror, jobs), indent=2))


@click.command("predict")
@click.option("--input", "input_path", type=click.Path(dir_okay=False),
              help="A .csv, .tsv, .jsonl or .txt file (one review a line) to score.")
@click.option("--column", default="text", show_default=True,
              help="Text column (CSV/TSV header, JSON key).")
@click.option("--output", type=click.Path(dir_okay=False), help="Scored CSV to write.")
@click.option("--batch-size", type=click.IntRange(min=1), default=5_000, show_default=True)
@click.option("--explain", is_flag=True,
              help="Also show the tokens that raised (+) or lowered (-) each score most.")
@jobs_option
@click.argument("run_dir", type=click.Path())
@click.argument("texts", nargs=-1)
def predict_command(input_path: str | None, column: str, output: str | None, batch_size: int,
                    explain: bool, jobs: int, run_dir: str, texts: tuple[str, ...]) -> None:
    """Score TEXTS (label and probability), or a whole file with --input/--output."""
    from ..run import Predictor
    from ..scoring import score_file

    if bool(input_path) != bool(output):
        raise HansentiError("--input and --output go together")
    if not texts and not input_path:
        raise HansentiError("give review texts to score, or --input FILE --output FILE")
    predictor = Predictor(run_dir)
    if input_path:
        report = score_file(predictor, Path(input_path), Path(output), column, batch_size, jobs)
        click.echo(f"scored {report.rows - report.skipped:,} reviews -> {output}"
                   + (f" ({report.skipped:,} rows skipped)" if report.skipped else ""))
        return
    probabilities = predictor.predict(texts, n_jobs=jobs)
    for text, label, probability in zip(texts, predictor.labels(probabilities), probabilities):
        click.echo(f"{label}\t{probability:.4f}\t{text}")
        if explain:
            top = predictor.explain(text).top(6)
            click.echo("\t" + "  ".join(f"{token} {effect:+.3f}" for token, effect in top))
