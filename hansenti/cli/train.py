"""``hansenti train``, ``hansenti evaluate``, ``hansenti predict``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

from ..config import TrainConfig
from ..errors import HansentiError
from ..installed_runs import is_run_reference
from ..models import models
from ..run import RunDir, check_run_name
from ..text import printable
from .options import (
    check_single_file,
    code_option,
    corpus_and_data,
    data_options,
    data_spec,
    executor_options,
    jobs_option,
    mirror_option,
    mlflow_option,
    parse_options,
    part_format_option,
    scoring_options,
    tokenizer_options_option,
    trust_pickle_option,
)

if TYPE_CHECKING:
    from ..inference.scoring import FileScoring

#: the defaults of every training option, shown in --help
DEFAULTS = TrainConfig()
#: command-line parameters that together make TrainConfig.corpus and .data
CORPUS_PARAMETERS = ("corpus", "data", "text_column", "label_column", "label_map", "id_column",
                     "test_data", "test_fraction", "exclude")


@click.command("train")
@code_option
@mirror_option
@click.option("--corpus", help="Labelled corpus to train on: a name (hansenti corpora list) "
                                "or a .toml description of your files  [default: nsmc]")
@data_options
@click.option("-t", "--tokenizer", default=DEFAULTS.tokenizer, show_default=True)
@tokenizer_options_option
@click.option("-m", "--model", default=DEFAULTS.model, show_default=True,
              help=f"One of: {', '.join(models.names())}.")
@click.option("-p", "--model-option", "model_options", multiple=True, metavar="KEY=VALUE",
              help="Model hyper-parameter, e.g. -p units=256 -p epochs=5 (repeatable).")
@click.option("--embeddings", type=click.Path(), default=DEFAULTS.embeddings,
              help="Initialise the embedding layer from these vectors (hansenti embed train "
                   "output, word2vec .txt/.bin, GloVe .txt, fastText .bin; gensim .kv only "
                   "with --trust-pickle).")
@trust_pickle_option
@click.option("--freeze/--finetune", "freeze_embeddings", default=DEFAULTS.freeze_embeddings,
              show_default=True,
              help="Keep pre-trained vectors fixed, or train them further.")
@click.option("--max-vocab", type=int, default=DEFAULTS.max_vocab,
              help="Keep at most this many tokens.")
@click.option("--min-freq", type=int, default=DEFAULTS.min_freq, show_default=True)
@click.option("--maxlen", default=DEFAULTS.maxlen, show_default=True,
              help="Sequence length: a number, mean+Kstd or pNN of training lengths.")
@click.option("--padding", type=click.Choice(["pre", "post"]), default=DEFAULTS.padding,
              show_default=True)
@click.option("--truncating", type=click.Choice(["pre", "post"]), default=DEFAULTS.truncating,
              show_default=True)
@click.option("--validation-fraction", type=float, default=DEFAULTS.validation_fraction,
              show_default=True)
@click.option("--refit", is_flag=True, default=DEFAULTS.refit,
              help="After choosing the epoch (or C) on validation, train again on all of "
                   "train with that choice; the refitted model is saved and tested.")
@click.option("--pseudo-labels", type=click.Path(file_okay=False),
              default=DEFAULTS.pseudo_labels,
              help="Also train on the reviews labelled by hansenti distil (soft targets); "
                   "the teachers must share this run's corpus, seed and validation split.")
@click.option("--metric", type=click.Choice(["auto", "accuracy", "macro_f1"]),
              default=DEFAULTS.metric,
              show_default=True,
              help="Validation score that chooses the epoch (or C); auto: macro_f1 when the "
                   "classes are imbalanced (largest/smallest >= 1.5), else accuracy.")
@click.option("--class-weight", type=click.Choice(["auto", "none", "balanced"]),
              default=DEFAULTS.class_weight, show_default=True,
              help="Weight the loss by inverse class frequency; auto: balanced on imbalanced "
                   "classes (nblr tries both and keeps the better on validation).")
@click.option("--seed", type=int, default=DEFAULTS.seed, show_default=True)
@click.option("--limit", type=click.IntRange(min=10), default=DEFAULTS.limit,
              help="Quick run: a stratified slice of N train and N/3 test documents.")
@jobs_option
@click.option("--runs-dir", type=click.Path(file_okay=False), default="runs", show_default=True)
@click.option("--name", help="Run folder name (default: corpus-tokenizer-model).")
@mlflow_option
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run of this --name (with its saved options; "
                   "options given must agree with them).")
def train_command(mirror: str | None, corpus: str | None, data: str | None,
                  text_column: str, label_column: str, label_map: str | None,
                  id_column: str | None, test_data: str | None, test_fraction: float | None,
                  exclude: tuple[str, ...],
                  tokenizer: str,
                  tokenizer_options: dict, model: str, model_options: tuple[str, ...],
                  embeddings: str | None, freeze_embeddings: bool, max_vocab: int | None,
                  min_freq: int, maxlen: str, padding: str, truncating: str,
                  validation_fraction: float, refit: bool, pseudo_labels: str | None,
                  metric: str, class_weight: str, seed: int, limit: int | None, jobs: int,
                  runs_dir: str, name: str | None, mlflow_uri: str | None,
                  resume: bool) -> None:
    """Train a classifier; the epoch is chosen on validation, test is scored once."""
    from ..training.trainer import train

    if mlflow_uri:
        from ..tracking import check_available

        check_available()
    corpus, spec = corpus_and_data(corpus, data_spec(data, text_column, label_column, label_map,
                                                     id_column, test_data, test_fraction,
                                                     exclude))
    config = TrainConfig(
        corpus=corpus, data=spec, tokenizer=tokenizer, tokenizer_options=tokenizer_options,
        model=model, model_options=parse_options(model_options), embeddings=embeddings,
        freeze_embeddings=freeze_embeddings, max_vocab=max_vocab,
        min_freq=min_freq, maxlen=maxlen, padding=padding, truncating=truncating,
        validation_fraction=validation_fraction, refit=refit, pseudo_labels=pseudo_labels,
        metric=metric, class_weight=class_weight, seed=seed, limit=limit)
    run_dir = Path(runs_dir) / check_run_name(name or f"{corpus}-{tokenizer}-{model}")
    if resume:
        config = resumed_config(click.get_current_context(), config, run_dir)
    try:
        metrics = train(config, run_dir, resume=resume, mirror=mirror, jobs=jobs)
    except KeyboardInterrupt:
        click.echo(f"interrupted: continue with hansenti train --runs-dir {runs_dir} "
                   f"--name {run_dir.name} --resume", err=True)
        raise
    click.echo(train_summary(run_dir, metrics))
    if mlflow_uri:
        from ..tracking import log_run

        click.echo(f"logged to MLflow at {mlflow_uri}: run {log_run(run_dir, mlflow_uri)}")


def split_run(args: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """``predict``'s arguments as (run, texts): the first names a run when it is a run
    folder or an installed model, and is otherwise a text like the rest (``--`` before
    texts that start with a dash)."""
    if args and is_run_reference(args[0]):
        return args[0], args[1:]
    if len(args) > 1 and looks_like_a_path(args[0]):
        click.echo(f"note: {printable(args[0])} is not a run folder or an installed model, so it is "
                   "scored as a text (hansenti models lists the models)", err=True)
    return None, args


def looks_like_a_path(text: str) -> bool:
    """A first argument more likely a mistyped run folder than a review."""
    return not any(char.isspace() for char in text) and (
        "/" in text or text.startswith(".")) and not any("가" <= c <= "힣" for c in text)


def resumed_config(ctx: click.Context, config: TrainConfig, run_dir: Path) -> TrainConfig | None:
    """What ``--resume`` continues with: the saved options, with those given on the command
    line in place (``train`` refuses them where they disagree); None when none was given."""
    given = {name for name in ctx.params
             if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT}
    fields = {name for name in given if name in TrainConfig.__dataclass_fields__}
    if given & set(CORPUS_PARAMETERS):
        fields |= {"corpus", "data"}
    if not fields:
        return None
    saved = RunDir(run_dir).saved_config()
    return dataclasses.replace(saved, **{name: getattr(config, name) for name in fields})


def train_summary(run_dir: Path, metrics: dict) -> str:
    """What a finished run measured, in two lines: test, the baseline, what chose."""
    test, validation = metrics["test"], metrics["validation"]
    baseline = test["majority_baseline"]
    dropped = sum(f["unmapped"] for f in metrics["data"]["files"])
    recalls = ", ".join(f"{name} {scores['recall']:.3f}"
                        for name, scores in test["per_class"].items())
    return (f"{run_dir}: test accuracy {test['accuracy']:.4f}, macro-F1 {test['macro_f1']:.4f} "
            f"on {test['examples']:,} reviews (majority class {baseline['class']!r}: "
            f"{baseline['accuracy']:.4f}); recall {recalls}\n"
            f"chosen on validation by {validation['metric']} ({validation['score']:.4f}) at "
            f"{metrics['best']}"
            + (f", then refitted on {metrics['refit']['documents']:,} reviews"
               if metrics.get("refit") else "")
            + (f"; {dropped:,} rows left out by --labels" if dropped else ""))


@click.command("evaluate")
@mirror_option
@click.option("--corpus", help="Corpus to score: a name or a .toml description (default: "
                               "the run's own, with its own test rows).")
@data_options
@click.option("--split", default="test", show_default=True)
@jobs_option
@click.argument("run_dir", type=click.Path())
def evaluate_command(mirror: str | None, corpus: str | None, data: str | None,
                     text_column: str, label_column: str, label_map: str | None,
                     id_column: str | None, test_data: str | None, test_fraction: float | None,
                  exclude: tuple[str, ...],
                     split: str, jobs: int, run_dir: str) -> None:
    """Accuracy, macro-F1, per-class scores and confusion matrix of RUN_DIR on a corpus split."""
    from ..training.trainer import evaluate

    if test_data or test_fraction is not None:
        raise HansentiError("evaluate scores every row of --data: drop --test-data and "
                            "--test-fraction")
    spec = data_spec(data, text_column, label_column, label_map, id_column, None, None,
                     exclude)
    if spec is not None and corpus:
        raise HansentiError("give --corpus or --data, not both")
    click.echo(json.dumps(evaluate(run_dir, corpus, split, mirror, jobs, spec), indent=2))


@click.command("predict")
@click.option("--input", "input_path", type=click.Path(),
              help="A .csv, .tsv, .jsonl, .parquet or .txt file (one review a line) to "
                   "score; with --executor ray also a folder or a glob of them.")
@click.option("--column", default="text", show_default=True,
              help="Text column (CSV/TSV header, JSON key).")
@click.option("--output", type=click.Path(),
              help="Scored CSV to write (every input column, then the predictions); with "
                   "--executor ray a folder of parts.")
@scoring_options
@click.option("--batch-size", type=click.IntRange(min=1), default=5_000, show_default=True)
@click.option("--explain", is_flag=True,
              help="Also show the tokens that raised (+) or lowered (-) each score most.")
@jobs_option
@executor_options
@part_format_option
@click.argument("texts", nargs=-1, metavar="[RUN] [TEXTS]...")
def predict_command(input_path: str | None, column: str, output: str | None,
                    file_scoring: "FileScoring", min_confidence: float, batch_size: int,
                    explain: bool, jobs: int, executor: str, address: str | None,
                    part_format: str, texts: tuple[str, ...]) -> None:
    """Score TEXTS (label, calibrated probability), or a whole file with --input/--output.
    RUN is a run folder or an installed model's name; without one, the default Korean
    model (trained on movie reviews). Put -- before texts that start with a dash."""
    from ..inference.predictor import Predictor
    from ..inference.scoring import score_file

    run_dir, texts = split_run(texts)
    if bool(input_path) != bool(output):
        raise HansentiError("--input and --output go together")
    if not texts and not input_path:
        raise HansentiError("give review texts to score, or --input FILE --output FILE")
    if input_path and texts:
        raise HansentiError("give texts or --input, not both (is the first text a run "
                            "folder that does not exist?)")
    if executor == "ray":
        from ..inference.ray_scoring import score_on_ray

        result = score_on_ray(run_dir, input_path, output, column, batch_size=batch_size,
                              part_format=part_format, summarise=False, address=address,
                              options=file_scoring, min_confidence=min_confidence)
        click.echo(f"scored {result.scored:,} reviews -> {output}/parts"
                   + (f" ({result.report.skipped:,} rows skipped)"
                      if result.report.skipped else ""))
        return
    check_single_file(input_path)
    predictor = Predictor(run_dir, min_confidence)
    if input_path:
        report = score_file(predictor, Path(input_path), Path(output), column, batch_size,
                            jobs, options=file_scoring)
        click.echo(f"scored {report.rows - report.skipped:,} reviews -> {output}"
                   + (f" ({report.skipped:,} rows skipped)" if report.skipped else ""))
        return
    scored = predictor.score(texts, n_jobs=jobs)
    for index, text in enumerate(texts):
        click.echo(f"{scored.labels[index]}\t{scored.confidence[index]:.4f}\t"
                   f"{printable(text)}")
        if explain:
            top = predictor.explain(text).top(6)
            click.echo("\t" + "  ".join(f"{token} {effect:+.3f}" for token, effect in top))
    warning = predictor.familiarity_warning(scored.known)
    if warning:
        click.echo(f"warning: {warning}", err=True)
