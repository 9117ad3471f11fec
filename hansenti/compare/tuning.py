"""Tuning a study's cells with Ray Tune, every (corpus, tokenizer, model) on the same budget.

A search's first trial is the fixed cell's settings; the rest are sampled (seeded random
search: every cell of a study tries the same configurations) from the budget's space of
the settings that interact with token granularity — embedding size, units, layers,
pooling, filters, batch size, learning rate, dropout, the length cut (up to whole
reviews) — for the options the model reads. Each trial trains on a stratified slice of
train with the study's first seed for the budget's epochs (no early stopping: at two
epochs a scheduler's only cut is after the first, which favours the fast starters, and a
stopped trial's worker cannot be reused), reporting validation after every epoch. Of the
trials the budget's cost ratio allows (seconds per epoch against the fixed settings'),
the best validation score at any epoch gives the settings; test plays no part (trials
are given no test split). The tuned cell then trains on the profile's data with every
seed of the study, its epoch chosen on validation by early stopping.

The searches a study still needs run as one Ray Tune experiment (a local session on this
machine's cores, or ``--address``'s cluster) whose workers are reused from trial to trial;
each search is kept in its folder under the study's ``tuning/`` and read back once
finished (``search.json``); an interrupted experiment is restored by Ray Tune.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from contextlib import redirect_stdout
from dataclasses import asdict, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Sequence

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
#: draws tried per configuration wanted before a small space counts as exhausted
DRAW_ATTEMPTS = 50
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
    from ..core.config import option_defaults

    config = replace(cell, tuned=False, settings=()).config(profile)
    values = {**option_defaults(), **config.model_options,
              "maxlen": config.maxlen.partition("<=")[0]}
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
    slice and epochs (all of them: patience does not stop a trial)."""
    config = replace(cell, settings=tuple(settings.items())).config(profile)
    options = dict(config.model_options)
    if "maxlen" in settings:  # a network trained by epochs
        options.update(epochs=budget.epochs, patience=budget.epochs)
    limits = [limit for limit in (budget.limit, config.limit) if limit]
    return replace(config, seed=1, limit=min(limits) if limits else None,
                   model_options=options)


def run_trial(config: dict[str, Any], cells: dict[str, Cell], profile: Profile,
              budget: Budget, root: str, mirror: str | None, context: dict[str, Any],
              data: "dict[str, LabelledData]") -> None:
    """One trial (``config["trial"]``), inside a (reused) Ray worker: train search
    ``trial["search"]``'s cell with ``trial["settings"]`` on its corpus's train slice
    alone (``data``; no test split) and report the validation score after each epoch."""
    from ray import tune

    from ..core.ray_cluster import enter_task
    from ..runs.folder import RunDir
    from ..training.trainer import train
    from .runner import clear_keras_session

    enter_task(context, budget.cpus)
    clear_keras_session()  # the worker's earlier trials
    trial = config["trial"]
    cell, settings = cells[trial["search"]], trial["settings"]
    run_dir = Path(root) / trial["search"] / "trials" / f"trial-{trial['index']}"
    run = RunDir(run_dir)
    if run.finished:  # trained before an interruption, not yet recorded by Tune
        metrics = run.metrics()
        seconds = metrics["seconds"]
        tune.report({"score": metrics["validation"]["score"], "epoch": budget.epochs,
                     "epoch_seconds": seconds["per_epoch"] or seconds["train"]})
        return

    def report(row: dict[str, float], monitor: str) -> None:
        tune.report({"score": row[monitor], "epoch": row["epoch"],
                     "epoch_seconds": row["seconds"]})

    from ..models.progress import listening

    with listening(report):
        metrics = train(trial_config(cell, profile, budget, settings), run_dir,
                        resume=run.config_path.is_file(), mirror=mirror,
                        data=data[cell.corpus])
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


def drawn(space: Space, count: int, seed: int,
          taken: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """``count`` configurations drawn from ``space`` with Ray Tune's samplers, seeded: the
    same draws for every cell whose model reads the same options. None repeats another or
    one of ``taken`` (a trial twice is a trial wasted), so a small discrete space may give
    fewer: ``nblr``'s four n-gram sizes are four trials at most."""
    import numpy as np

    random = np.random.default_rng(seed)
    domains = sampled(space)
    draws: list[dict[str, Any]] = []
    for _ in range(DRAW_ATTEMPTS * count):
        if len(draws) == count:
            break
        draw = {name: native(domain.sample(random_state=random))
                for name, domain in domains.items()}
        if draw not in draws and draw not in taken:
            draws.append(draw)
    return draws


def native(value: Any) -> Any:
    """A sampled value as plain Python (numpy scalars do not go into JSON)."""
    return value.item() if hasattr(value, "item") else value


def search_cells(cells: list[Cell], profile: Profile, out_dir: Path,
                 mirror: str | None) -> dict[str, dict[str, Any] | str]:
    """The search of every tuned (corpus, tokenizer, model) among ``cells``, by search key:
    its record (read back, or run), or why it failed. The searches not yet finished run as
    one Ray Tune experiment (under ``out_dir/tuning/ray``, restored after an interruption):
    every trial a fully specified configuration — each search's fixed settings, then the
    seeded draws — on a worker reused from trial to trial; each search's record is written
    to its folder's search.json."""
    budget = profile.tuning
    bases = {search_key(cell.key): replace(cell, tuned=False, seed=1)
             for cell in cells if cell.tuned}
    records: dict[str, dict[str, Any] | str] = {}
    for key in bases:  # one searched on another budget stops the study before any search
        record = finished_search(out_dir / key, budget)
        if record is not None:
            records[key] = record
    pending = {key: cell for key, cell in bases.items() if key not in records}
    if not pending:
        return records
    plans = {key: search_plan(cell, profile, budget) for key, cell in pending.items()}
    started = time.perf_counter()
    grid = experiment(pending, plans, profile, budget, out_dir, mirror)
    wall = time.perf_counter() - started
    trials: dict[str, list[dict[str, Any]]] = {key: [] for key in pending}
    for result in sorted(grid, key=lambda result: result.config["trial"]["index"]):
        trial = result.config["trial"]
        trials[trial["search"]].append(
            {"settings": trial["settings"], "score": best_score(result),
             "epochs": int(result.metrics.get("epoch", 0)),
             "seconds": float(result.metrics.get("time_total_s", 0.0)),
             "epoch_seconds": epoch_seconds(result), "fixed": trial["index"] == 0,
             "error": error_line(result.error)})
    cpu = {key: budget.cpus * sum(trial["seconds"] for trial in rows)
           for key, rows in trials.items()}
    for key, rows in trials.items():
        if all(trial["score"] is None for trial in rows):
            records[key] = (f"every trial of {out_dir / key} failed: "
                            f"{rows[0]['error'] if rows else 'no trial ran'}")
            continue
        chosen = chosen_trial(rows, budget.cost_ratio)
        records[key] = {
            "space": {name: [kind, list(values)]
                      for name, (kind, values) in plans[key]["space"].items()},
            "budget": asdict(budget), "search": "random (seeded), every trial its budget's "
            "epochs, one Ray Tune experiment for the study's searches, workers reused",
            "rule": CHOICE_RULE, "fixed": plans[key]["fixed"], "trials": rows,
            "chosen": chosen["settings"], "score": chosen["score"],
            "best_score": max(trial["score"] for trial in rows if trial["score"] is not None),
            "cpu_seconds": cpu[key],
            # the experiment's wall-clock time, shared out by each search's CPU time
            "wall_seconds": wall * cpu[key] / max(sum(cpu.values()), 1e-9)}
        atomic.write_json(out_dir / key / SEARCH_FILE, records[key])
    return records


def search_plan(cell: Cell, profile: Profile, budget: Budget) -> dict[str, Any]:
    """What ``cell``'s search tries: the space its model reads, the fixed settings (the
    first trial) and the budget's other trials drawn from the space."""
    space = space_for(cell.model, budget)
    fixed = fixed_settings(cell, profile, space)
    return {"space": space, "fixed": fixed,
            "trials": [fixed, *drawn(space, budget.trials - 1, budget.trials, [fixed])]}


def experiment(cells: dict[str, Cell], plans: dict[str, dict[str, Any]], profile: Profile,
               budget: Budget, out_dir: Path, mirror: str | None) -> Any:
    """Every trial of ``plans`` as one Ray Tune experiment (run, or restored and finished);
    its results."""
    from ray import tune

    from ..core.ray_cluster import task_context
    from ..training.splits import labelled_data

    # each corpus's train slice read once here, shared through Ray's object store
    data = {}
    for cell in cells.values():
        if cell.corpus not in data:
            config = trial_config(cell, profile, budget, {})
            data[cell.corpus] = replace(labelled_data(config, mirror), test=[])
    trainable = tune.with_resources(
        tune.with_parameters(run_trial, cells=cells, profile=profile, budget=budget,
                             root=str(out_dir.resolve()), mirror=mirror,
                             context=task_context(), data=data),
        {"cpu": budget.cpus})
    # the searches' first trials go first
    points = [{"search": key, "index": index, "settings": plan["trials"][index]}
              for index in range(budget.trials) for key, plan in plans.items()
              if index < len(plan["trials"])]
    storage = (out_dir / TUNING_DIR / "ray").resolve()
    name = "searches-" + hashlib.sha1(json.dumps(
        sorted(plans), ensure_ascii=False).encode()).hexdigest()[:10]
    if tune.Tuner.can_restore(storage / name):
        log.info("resuming %d searches", len(plans))
        tuner = tune.Tuner.restore(str(storage / name), trainable, resume_errored=True)
    else:
        tuner = tune.Tuner(
            trainable, param_space={"trial": tune.grid_search(points)},
            tune_config=tune.TuneConfig(metric="score", mode="max", reuse_actors=True),
            run_config=tune.RunConfig(name=name, storage_path=str(storage), verbose=0))
    storage.mkdir(parents=True, exist_ok=True)
    log.info("searching %d cells: %d trials of up to %d epochs each", len(plans),
             budget.trials, budget.epochs)
    with open(storage / f"{name}.log", "a", encoding="utf-8") as sink, redirect_stdout(sink):
        return tuner.fit()  # Ray Tune's tables go to the experiment's log


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
