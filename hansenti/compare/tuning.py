"""Tuning a study's cells with Ray Tune, every (corpus, tokenizer, model) on the same budget.

A search's first trial is the fixed cell's settings; the rest are sampled (seeded random
search: every cell of a study tries the same configurations) from the budget's space of
the settings that interact with token granularity — embedding size, units, layers,
pooling, filters, batch size, learning rate, dropout, the length cut (up to whole
reviews) — for the options the model reads. Each trial trains on a stratified slice of
train with the study's first seed and reports validation after every epoch; ASHA stops
the weak ones early. Of the trials the budget's cost ratio allows (seconds per epoch
against the fixed settings'), the best validation score at any epoch gives the settings;
test plays no part (trials are given no test split). The tuned cell then trains on the
profile's data with every seed of the study, its epoch chosen on validation by early
stopping.

Searches run on Ray (a local session on this machine's cores, or ``--address``'s
cluster), are kept under the study's ``tuning/`` folder and are resumable: a finished
search is read back (``search.json``), an interrupted one is restored by Ray Tune.
"""

from __future__ import annotations

import json
import logging
import time
from contextlib import redirect_stdout
from dataclasses import asdict, fields, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ..core import atomic
from ..core.config import TrainConfig
from ..core.errors import HansentiError
from .budget import Budget, Space
from .matrix import Cell, Profile

if TYPE_CHECKING:
    from ..training.splits import LabelledData

log = logging.getLogger("hansenti")

SEARCH_FILE = "search.json"
TUNING_DIR = "tuning"
#: length cuts tried (``p100``: whole reviews), under the profile's cap for the corpus
MAXLEN_CHOICES = ("mean+2std", "p99", "p100")
#: ASHA: every trial gets this many epochs before it can be stopped; then halves
GRACE_EPOCHS, REDUCTION = 1, 2
#: how the settings are chosen from the trials, as search.json records it
CHOICE_RULE = ("the best validation score at any epoch of the trials no dearer per epoch "
               "than the budget's cost ratio times the fixed settings' trial; of equal "
               "scores, the cheaper")


def space_for(model: str, budget: Budget) -> Space:
    """The options of ``budget``'s space that ``model`` reads, plus the length cut for
    models over token ids."""
    from ..models.base import accepted_options

    accepted = accepted_options(model) or ()
    space = {name: choices for name, choices in budget.space.items() if name in accepted}
    if "epochs" in accepted:  # a network over padded ids
        space["maxlen"] = ("choice", MAXLEN_CHOICES)
    return space


def fixed_settings(cell: Cell, profile: Profile, space: Space) -> dict[str, Any]:
    """The fixed cell's values of ``space``'s options (the profile's, else the model's
    defaults; its length cut without the cap): every search's first trial."""
    from ..core.config import NBLROptions, NetworkOptions

    config = replace(cell, tuned=False, settings=()).config(profile)
    defaults = {option.name: option.default
                for options in (NetworkOptions, NBLROptions) for option in fields(options)}
    values = {**defaults, **config.model_options, "maxlen": config.maxlen.partition("<=")[0]}
    return {name: values[name] for name in space if name in values}


def chosen_trial(trials: list[dict[str, Any]], cost_ratio: float | None = None
                 ) -> dict[str, Any]:
    """The trial whose settings a cell trains: the best validation score of those no
    dearer per epoch than ``cost_ratio`` times the fixed settings' trial (``"fixed":
    True``; always eligible); of equal scores, the cheaper."""
    scored = [trial for trial in trials if trial["score"] is not None]
    fixed = next((trial for trial in scored if trial.get("fixed")), None)
    if cost_ratio is not None and fixed is not None:
        ceiling = cost_ratio * fixed["epoch_seconds"]
        scored = [trial for trial in scored
                  if trial is fixed or trial["epoch_seconds"] <= ceiling]
    return max(scored, key=lambda trial: (trial["score"], -trial["epoch_seconds"]))


def sampled(space: Space) -> dict[str, Any]:
    """Ray Tune's param_space for ``space``."""
    from ray import tune

    kinds = {"choice": lambda values: tune.choice(list(values)),
             "loguniform": lambda bounds: tune.loguniform(*bounds),
             "uniform": lambda bounds: tune.uniform(*bounds)}
    return {name: kinds[kind](values) for name, (kind, values) in space.items()}


def trial_config(cell: Cell, profile: Profile, budget: Budget,
                 settings: dict[str, Any]) -> TrainConfig:
    """A trial of ``cell``'s search: ``settings`` on the study's first seed, the budget's
    slice and epochs (ASHA, not patience, stops a trial)."""
    config = replace(cell, settings=tuple(settings.items())).config(profile)
    options = dict(config.model_options)
    if "maxlen" in settings:  # a network trained by epochs
        options.update(epochs=budget.epochs, patience=budget.epochs)
    limits = [limit for limit in (budget.limit, config.limit) if limit]
    return replace(config, seed=1, limit=min(limits) if limits else None,
                   model_options=options)


def run_trial(settings: dict[str, Any], cell: Cell, profile: Profile, budget: Budget,
              root: str, mirror: str | None, context: dict[str, Any],
              data: "LabelledData | None" = None) -> None:
    """One trial, inside a Ray worker: train with ``settings`` on train alone (``data``, or
    the corpus read here; no test split) and report the validation score after each
    epoch."""
    from ray import tune

    from ..core.ray_cluster import enter_task
    from ..runs.folder import RunDir
    from ..training.splits import labelled_data
    from ..training.trainer import train

    enter_task(context, budget.cpus)
    config = trial_config(cell, profile, budget, settings)
    run_dir = Path(root) / "trials" / tune.get_context().get_trial_id()
    run = RunDir(run_dir)
    if run.finished:  # trained before an interruption, not yet recorded by Tune
        metrics = run.metrics()
        seconds = metrics["seconds"]
        tune.report({"score": metrics["validation"]["score"], "epoch": budget.epochs,
                     "epoch_seconds": seconds["per_epoch"] or seconds["train"]})
        return
    data = data or replace(labelled_data(config, mirror), test=[])

    def report(row: dict[str, float], monitor: str) -> None:
        tune.report({"score": row[monitor], "epoch": row["epoch"],
                     "epoch_seconds": row["seconds"]})

    from ..models.progress import listening

    with listening(report):
        metrics = train(config, run_dir, resume=run.config_path.is_file(), mirror=mirror,
                        data=data)
    if "maxlen" not in settings:  # one fit, no epochs (nblr): its validation score once
        tune.report({"score": metrics["validation"]["score"], "epoch": 1,
                     "epoch_seconds": metrics["seconds"]["train"]})


def finished_search(folder: Path, budget: Budget) -> dict[str, Any] | None:
    """The search finished in ``folder`` on ``budget``, None if none finished there; one
    finished on another budget is an error (its choice answers another question)."""
    done = folder / SEARCH_FILE
    if not done.is_file():
        return None
    record = json.loads(done.read_text(encoding="utf-8"))
    then, now = record.get("budget") or {}, json.loads(json.dumps(asdict(budget)))
    differences = [f"{name} {then.get(name)} there, {value} here"
                   for name, value in now.items() if then.get(name) != value]
    if differences:
        raise HansentiError(f"{folder} was searched on another budget "
                            f"({'; '.join(differences)}): give the study another --out")
    return record


def search(cell: Cell, profile: Profile, budget: Budget, folder: Path,
           mirror: str | None) -> dict[str, Any]:
    """``cell``'s search (run, restored or read back): its trials, cost and choice."""
    record = finished_search(folder, budget)
    if record is not None:
        return record
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.basic_variant import BasicVariantGenerator

    from ..core.ray_cluster import task_context
    from ..training.splits import labelled_data

    space = space_for(cell.model, budget)
    base = replace(cell, tuned=False, seed=1)
    # read once here, shared through Ray's object store: IMDB's 50,000 files take ~18 s
    config = trial_config(base, profile, budget, {})
    data = replace(labelled_data(config, mirror), test=[])
    fixed = fixed_settings(base, profile, space)
    trainable = tune.with_resources(
        tune.with_parameters(run_trial, cell=base, profile=profile, budget=budget,
                             root=str(folder.resolve()), mirror=mirror,
                             context=task_context(), data=data),
        {"cpu": budget.cpus})
    storage = (folder / "ray").resolve()
    started = time.perf_counter()
    if tune.Tuner.can_restore(storage / "search"):
        log.info("resuming the search of %s", folder)
        tuner = tune.Tuner.restore(str(storage / "search"), trainable, resume_errored=True)
    else:
        tuner = tune.Tuner(
            trainable, param_space=sampled(space),
            tune_config=tune.TuneConfig(
                metric="score", mode="max", num_samples=budget.trials,
                search_alg=BasicVariantGenerator(points_to_evaluate=[dict(fixed)],
                                                 random_state=budget.trials),
                scheduler=ASHAScheduler(time_attr="epoch", max_t=max(budget.epochs, 1),
                                        grace_period=GRACE_EPOCHS,
                                        reduction_factor=REDUCTION)),
            run_config=tune.RunConfig(name="search", storage_path=str(storage), verbose=0))
    folder.mkdir(parents=True, exist_ok=True)
    log.info("searching %s: %d trials of up to %d epochs", folder, budget.trials,
             budget.epochs)
    with open(folder / "tune.log", "a", encoding="utf-8") as sink, redirect_stdout(sink):
        grid = tuner.fit()  # Ray Tune's tables go to the search's tune.log
    trials = [{"settings": result.config, "score": best_score(result),
               "epochs": int(result.metrics.get("epoch", 0)),
               "seconds": float(result.metrics.get("time_total_s", 0.0)),
               "epoch_seconds": epoch_seconds(result), "fixed": result.config == fixed,
               "error": error_line(result.error)}
              for result in grid]
    if all(trial["score"] is None for trial in trials):
        raise HansentiError(f"every trial of {folder} failed: "
                            f"{trials[0]['error'] if trials else 'no trial ran'}")
    chosen = chosen_trial(trials, budget.cost_ratio)
    record = {"space": {name: [kind, list(values)] for name, (kind, values) in space.items()},
              "budget": asdict(budget), "search": "random (seeded), ASHA "
              f"(grace {GRACE_EPOCHS} epoch, reduction {REDUCTION})",
              "rule": CHOICE_RULE, "fixed": fixed,
              "trials": trials, "chosen": chosen["settings"], "score": chosen["score"],
              "best_score": max(trial["score"] for trial in trials
                                if trial["score"] is not None),
              "cpu_seconds": budget.cpus * sum(trial["seconds"] for trial in trials),
              "wall_seconds": time.perf_counter() - started}
    atomic.write_json(folder / SEARCH_FILE, record)
    return record


def error_line(error: BaseException | None) -> str | None:
    """A failed trial's exception in one line (the last of Ray's report)."""
    if error is None:
        return None
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


def epoch_seconds(result: Any) -> float:
    """A trial's median seconds per epoch (its whole time when it reported none)."""
    frame = result.metrics_dataframe
    if frame is None or "epoch_seconds" not in frame or frame["epoch_seconds"].dropna().empty:
        return float(result.metrics.get("time_total_s", 0.0))
    return float(frame["epoch_seconds"].dropna().median())


def best_score(result: Any) -> float | None:
    """A trial's best validation score at any epoch it reported."""
    frame = result.metrics_dataframe
    if frame is None or "score" not in frame or frame["score"].dropna().empty:
        return None
    return float(frame["score"].max())


def search_key(cell_key: str) -> str:
    """Where the search of the cell keyed ``cell_key`` (``nsmc/char/cnn-tuned/seed1``) lives
    in a study, and its key in study.json: one per (corpus, tokenizer, model), for every
    seed (``tuning/nsmc/char/cnn-tuned``)."""
    return f"{TUNING_DIR}/{PurePosixPath(cell_key).parent}"


def run_search_key(run_dir: str) -> str:
    """The search key of a cell whose run folder results.csv records as ``run_dir``
    (``runs/nsmc/char/cnn-tuned/seed1``)."""
    from .runner import RUNS_DIR

    return search_key(PurePosixPath(run_dir).relative_to(RUNS_DIR).as_posix())
