"""``hansenti compare``: the tokenization study."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..compare.matrix import DEFAULT_MODELS
from ..core.atomic import write_text
from ..models import models
from .options import (
    code_option,
    corpus_and_data,
    data_options,
    data_spec,
    executor_options,
    jobs_option,
    mirror_option,
    mlflow_option,
    settings_file_option,
    settings_of,
)

#: the settings that reproduce a study, in its folder
SETTINGS_FILE = "study.toml"
#: the options that define a study, written to its study.toml
STUDY_SETTINGS = ("corpus", "data", "text_column", "label_column", "labels", "id_column",
                  "test_data", "test_fraction", "exclude", "tokenizer", "model", "seeds",
                  "profile", "limit", "tune", "trials", "cost_ratio", "tuned_epochs",
                  "contextual", "out")


@click.command("compare")
@code_option
@settings_file_option
@mirror_option
@click.option("--corpus", "corpus_names", multiple=True,
              help="Labelled corpus: a name or a .toml description of your files "
                   "(repeatable)  [default: nsmc and imdb, or none with --data]")
@data_options
@click.option("-t", "--tokenizer", "tokenizer_texts", multiple=True,
              metavar="[LABEL=]NAME[:K=V,...]",
              help="Tokenizer, e.g. okt, 'okt-stem=okt:norm=true,stem=true' or "
                   "'spm:vocab_size=8000' (repeatable; default: the corpus's standard set).")
@click.option("-m", "--model", "model_names", multiple=True,
              help=f"Model: {', '.join(models.names())} (repeatable; default: "
                   f"{', '.join(DEFAULT_MODELS)}).")
@click.option("--seeds", type=click.IntRange(min=1), default=None,
              help="Seeds per cell (default: 1 quick, 3 full).")
@click.option("--profile", "profile_name", type=click.Choice(["quick", "full"]), default="quick",
              show_default=True, help="quick: stratified slices, 2 epochs (minutes); "
                                      "full: the whole corpora (hours).")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Train documents per corpus (a stratified slice; test gets a third as "
                   "many) instead of the profile's.")
@click.option("--tune", is_flag=True,
              help="Also train each cell with settings searched by Ray Tune on the "
                   "validation split (the same budget per cell: the profile's trials, "
                   "epochs and slice); the report sets fixed and tuned side by side.")
@click.option("--trials", type=click.IntRange(min=1), default=None,
              help="--tune: configurations tried per (corpus, tokenizer, model) "
                   "[default: 3 quick, 4 full].")
@click.option("--cost-ratio", type=click.FloatRange(min=0, min_open=True), default=None,
              help="--tune: the most a chosen configuration may cost per epoch, as a "
                   "multiple of the fixed cell's (inf: no bound) [default: 1.0 quick, 1.5 "
                   "full].")
@click.option("--tuned-epochs", type=click.IntRange(min=1), default=None,
              help="--tune: the most epochs a tuned cell trains, its epoch chosen on "
                   "validation by early stopping (patience 2) [default: as its fixed cell, "
                   "3 quick, 2 full].")
@click.option("--contextual", is_flag=True,
              help="Also train each network reading a biLM (ELMo) pre-trained for its "
                   "corpus and tokenizer on unlabelled reviews (quick: 30,000 reviews, 1 "
                   "epoch, 64 units; full: all, 2 epochs, 128 units); the report sets "
                   "both side by side.")
@jobs_option
@executor_options
@click.option("--cell-cpus", type=click.FloatRange(min=0.1), default=1.0, show_default=True,
              help="With --executor ray: CPUs each cell asks for (its tokenizer workers "
                   "and TensorFlow threads follow).")
@click.option("--cell-memory", type=click.FloatRange(min=0.1), default=None, metavar="GB",
              help="With --executor ray: memory each cell reserves (default: none).")
@click.option("--cell-gpus", type=click.FloatRange(min=0), default=None,
              help="With --executor ray: GPUs each Keras cell asks for where the cluster "
                   "has GPUs (default: 1; nblr cells never ask).")
@mlflow_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="reports/study",
              show_default=True, help="Study folder: runs/, results.csv, report.md/html.")
def compare_command(mirror: str | None, corpus_names: tuple[str, ...], data: str | None,
                    text_column: str, label_column: str, label_map: str | None,
                    id_column: str | None, test_data: str | None, test_fraction: float | None,
                    exclude: tuple[str, ...],
                    tokenizer_texts: tuple[str, ...], model_names: tuple[str, ...],
                    seeds: int | None, profile_name: str, limit: int | None, tune: bool,
                    trials: int | None, cost_ratio: float | None,
                    tuned_epochs: int | None, contextual: bool,
                    jobs: int,
                    executor: str,
                    address: str | None, cell_cpus: float, cell_memory: float | None,
                    cell_gpus: float | None, mlflow_uri: str | None, out_dir: str) -> None:
    """Train every corpus x tokenizer x model x seed and report accuracy, speed and vocab.

    Finished cells are reused: run the same command again to continue after an interrupt."""
    import tomli_w

    from ..compare.ray_cells import CellResources
    from ..compare.study import run_study
    from ..core.ray_cluster import require_ray

    if executor == "ray":
        require_ray()
    if tune:
        require_ray("--tune")
    if mlflow_uri:
        from ..runs.tracking import check_available

        check_available()
    names, specs = [], {}
    given = data_spec(data, text_column, label_column, label_map, id_column, test_data,
                      test_fraction, exclude)
    references = [*corpus_names, *([None] if given else [])] or ["nsmc", "imdb"]
    for reference in references:
        name, spec = corpus_and_data(reference, given if reference is None else None)
        names.append(name)
        if spec is not None:
            specs[name] = spec
    report = run_study(names, list(tokenizer_texts), list(model_names), seeds,
                       profile_name, out_dir, mirror, jobs,
                       command="hansenti " + " ".join(sys.argv[1:]), data=specs,
                       executor=executor, address=address,
                       resources=CellResources(cell_cpus, int(cell_memory * 2**30)
                                               if cell_memory else None, cell_gpus),
                       limit=limit, tune=tune, trials=trials, cost_ratio=cost_ratio,
                       tuned_epochs=tuned_epochs, contextual=contextual)
    write_text(Path(out_dir) / SETTINGS_FILE, tomli_w.dumps(
        settings_of(click.get_current_context(), STUDY_SETTINGS)))
    click.echo(f"report: {report} and {report.with_suffix('.html')}; settings: "
               f"{Path(out_dir) / SETTINGS_FILE} (hansenti compare --config reads it)")
    if mlflow_uri:
        from ..runs.tracking import log_study

        parent, cells = log_study(out_dir, mlflow_uri)
        click.echo(f"logged to MLflow at {mlflow_uri}: study run {parent}, {cells} cells nested")


@click.command("ensemble")
@mirror_option
@jobs_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for ensemble.json (members, weights, validation and test metrics).")
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path())
def ensemble_command(mirror: str | None, jobs: int, out_dir: str,
                     run_dirs: tuple[str, ...]) -> None:
    """Combine finished RUN_DIRS of one corpus (weights fitted on their shared validation
    split) and score the test split once."""
    from ..training.ensemble import ensemble

    result = ensemble(list(run_dirs), out_dir, mirror, jobs)
    for member in result["members"]:
        click.echo(f"  {member['run']}: validation {member['validation_accuracy']:.4f}, "
                   f"weight {member['weight']:.3f}")
    validation = result["validation_accuracy"]
    click.echo(f"{result['method']} ensemble (validation: stack {validation['stack_cv']:.4f} "
               f"cross-validated at C={result['stack_C']:g}, mean {validation['mean']:.4f}): "
               "test accuracy "
               f"{result['test']['accuracy']:.4f} (F1 {result['test']['f1']:.4f}) -> {out_dir}")
