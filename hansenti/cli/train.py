"""``hansenti train``, ``hansenti evaluate``, ``hansenti predict``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

from ..core.config import TrainConfig
from ..core.errors import HansentiError
from ..core.text import printable
from ..runs.folder import RunDir, check_run_name
from ..runs.installed import is_run_reference
from .options import (
    check_single_file,
    code_option,
    config_options,
    corpus_and_data,
    data_options,
    data_spec,
    executor_options,
    jobs_option,
    mirror_option,
    mlflow_option,
    part_format_option,
    scoring_options,
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
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="FILE.toml",
              help="Settings from a TOML file (a run's run.toml, or yours); options given "
                   "here and --set override it.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override one setting, e.g. --set seed=7 --set model_options.units=256 "
                   "(repeatable; values read as JSON when they can be).")
@click.option("--corpus", help="Labelled corpus to train on: a name (hansenti corpora list) "
                                "or a .toml description of your files  [default: nsmc]")
@data_options
@config_options(TrainConfig, skip=("corpus", "data"))
@trust_pickle_option
@jobs_option
@click.option("--runs-dir", type=click.Path(file_okay=False), default="runs", show_default=True)
@click.option("--name", help="Run folder name (default: corpus-tokenizer-model).")
@mlflow_option
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run of this --name (with its saved options; "
                   "options given must agree with them).")
def train_command(mirror: str | None, config_file: str | None, overrides: tuple[str, ...],
                  corpus: str | None, data: str | None, text_column: str, label_column: str,
                  label_map: str | None, id_column: str | None, test_data: str | None,
                  test_fraction: float | None, exclude: tuple[str, ...], jobs: int,
                  runs_dir: str, name: str | None, mlflow_uri: str | None, resume: bool,
                  **settings) -> None:
    """Train a classifier; the epoch is chosen on validation, test is scored once. Every
    TrainConfig setting is an option here; the run writes run.toml, which --config reads."""
    from ..training.trainer import train

    if mlflow_uri:
        from ..runs.tracking import check_available

        check_available()
    ctx = click.get_current_context()
    corpus, spec = corpus_and_data(corpus, data_spec(data, text_column, label_column, label_map,
                                                     id_column, test_data, test_fraction,
                                                     exclude))
    config = TrainConfig(corpus=corpus, data=spec, **settings)
    if config_file or overrides:
        config = configured(ctx, config, config_file, overrides)
    run_dir = Path(runs_dir) / check_run_name(
        name or f"{config.corpus}-{config.tokenizer}-{config.model}")
    if resume:
        config = resumed_config(ctx, config, run_dir)
    try:
        metrics = train(config, run_dir, resume=resume, mirror=mirror, jobs=jobs)
    except KeyboardInterrupt:
        click.echo(f"interrupted: continue with hansenti train --runs-dir {runs_dir} "
                   f"--name {run_dir.name} --resume", err=True)
        raise
    click.echo(train_summary(run_dir, metrics))
    if mlflow_uri:
        from ..runs.tracking import log_run

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


def given_fields(ctx: click.Context) -> set[str]:
    """The TrainConfig fields the command line set (``corpus`` and ``data`` when any
    option that makes them was given)."""
    given = {name for name in ctx.params
             if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT}
    fields = {name for name in given if name in TrainConfig.__dataclass_fields__}
    if given & set(CORPUS_PARAMETERS):
        fields |= {"corpus", "data"}
    return fields


def configured(ctx: click.Context, config: TrainConfig, config_file: str | None,
               overrides: tuple[str, ...]) -> TrainConfig:
    """``config_file``'s settings, with those given on the command line in place and then
    the ``--set`` overrides."""
    from ..core.config import from_dict, with_overrides

    base = TrainConfig.from_toml(config_file).to_dict() if config_file else config.to_dict()
    given = config.as_saved()
    merged = {**base, **{name: given[name] for name in given_fields(ctx)}}
    return from_dict(TrainConfig, with_overrides(merged, overrides))


def resumed_config(ctx: click.Context, config: TrainConfig, run_dir: Path) -> TrainConfig | None:
    """What ``--resume`` continues with: the saved options, with those given on the command
    line in place (``train`` refuses them where they disagree); None when none was given."""
    fields = given_fields(ctx)
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
