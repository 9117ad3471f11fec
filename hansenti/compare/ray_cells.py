"""A study's cells as Ray tasks (``hansenti compare --executor ray``).

Each (corpus, tokenizer) is tokenized once, by one task, into the token cache under
``$HANSENTI_HOME`` — a folder, not Ray's object store, because its files outlive the
cluster session (a study resumed tomorrow reads them back), are read by cells on any node
and by local runs alike, and would fill the object store's memory. On a cluster that
folder, like the study's ``--out``, must be on a filesystem every node mounts at the same
path. Cells whose tokens are ready then train in parallel, each with its resource request;
a seed's ensemble starts as soon as its last cell has finished. Finished cells are read
back and failures recorded exactly as by the local runner (:mod:`.runner`).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from ..core.faults import failpoint
from ..core.parallel import progress_bar
from ..core.ray_cluster import cluster_gpus, enter_task, ray_session, task_context
from ..models.base import uses_accelerator
from ..runs.folder import RunDir
from ..tokenizers.base import tokenizers
from .ensembles import ensemble_seed, seed_groups, write_ensembles
from .matrix import Cell, Profile, Skipped
from .runner import RUNS_DIR, CellResult, cell_logs_quiet, run_cell, write_results

log = logging.getLogger("hansenti")

#: times a task whose worker died (out of memory, killed) runs again; a cell resumes
#: from its last saved epoch
RETRIES = 1


@dataclass(frozen=True)
class CellResources:
    """What each cell asks the cluster for."""

    cpus: float = 1.0
    #: bytes of memory reserved per cell (None: no reservation)
    memory: int | None = None
    #: GPUs per cell of a model that uses one, when the cluster has GPUs; None: 1 then
    gpus: float | None = None

    def request(self, ray: ModuleType, model: str) -> dict[str, Any]:
        """Ray's ``.options()`` for a cell of ``model``."""
        gpus = 0.0
        if uses_accelerator(model) and cluster_gpus(ray) > 0:
            gpus = 1.0 if self.gpus is None else self.gpus
        request: dict[str, Any] = {"num_cpus": self.cpus, "num_gpus": gpus,
                                   "max_retries": RETRIES}
        if self.memory:
            request["memory"] = self.memory
        return request


def tokens_key(cell: Cell) -> tuple:
    """Cells with the same key read the same cached tokens: a trained tokenizer is fitted
    on each seed's fit split, an analyser's tokens are the same for every seed."""
    trained = tokenizers.get(cell.tokenizer.name).trainable
    return cell.corpus, cell.data, cell.tokenizer, cell.seed if trained else None


def run_cells_on_ray(cells: list[Cell], skipped: list[Skipped], profile: Profile,
                     out_dir: Path, mirror: str | None, address: str | None = None,
                     resources: CellResources = CellResources(),
                     progress: bool | None = None) -> list[CellResult]:
    """Train every unfinished cell under ``out_dir/runs`` as a Ray task and ensemble each
    seed as it completes; results.csv (in plan order) is rewritten after every cell."""
    out_dir = out_dir.resolve()
    mirror = str(Path(mirror).resolve()) if mirror else None
    with ray_session(address) as ray:
        return _Scheduler(ray, cells, skipped, profile, out_dir, mirror, resources).run(progress)


class _Scheduler:
    """The driver's side: submit, wait, record."""

    def __init__(self, ray: ModuleType, cells: list[Cell], skipped: list[Skipped],
                 profile: Profile, out_dir: Path, mirror: str | None,
                 resources: CellResources) -> None:
        self.ray, self.cells, self.skipped, self.profile = ray, cells, skipped, profile
        self.out_dir, self.mirror, self.resources = out_dir, mirror, resources
        self.context = task_context()
        self.results: dict[int, CellResult] = {}
        self.groups = seed_groups(cells, out_dir)
        self.ensembled: set[tuple[str, int]] = set()
        self.ensemble_rows: list[dict[str, Any]] = []
        self.pending: dict[Any, int | tuple[str, int]] = {}
        self.tasks = {task.__name__: ray.remote(task)
                      for task in (_prepare_tokens, _train_cell, _ensemble)}

    def run(self, progress: bool | None) -> list[CellResult]:
        shown = sys.stderr.isatty() if progress is None else progress
        self.submit_cells()
        with progress_bar(len(self.cells), "study cells on Ray", shown, unit="cell") as bar:
            bar.update(len(self.results))
            self.submit_ready_ensembles()
            while self.pending:
                [ref], _ = self.ray.wait(list(self.pending), num_returns=1)
                what = self.pending.pop(ref)
                if isinstance(what, int):
                    self.record_cell(what, ref)
                    bar.set_postfix_str(self.cells[what].key, refresh=False)
                    bar.update(1)
                    self.submit_ready_ensembles()
                else:
                    self.record_ensemble(what, ref)
        write_ensembles(self.ensemble_rows, self.out_dir)
        return self.ordered()

    def submit_cells(self) -> None:
        """Read back finished cells; the rest wait on one tokenizing task per tokens key."""
        prepared: dict[tuple, Any] = {}
        for index, cell in enumerate(self.cells):
            run_dir = self.out_dir / RUNS_DIR / cell.key
            if RunDir(run_dir).finished:
                self.results[index] = CellResult(cell, "done", RunDir(run_dir).metrics())
                continue
            key = tokens_key(cell)
            if key not in prepared:
                prepared[key] = self.tasks["_prepare_tokens"].options(
                    num_cpus=self.resources.cpus, max_retries=RETRIES).remote(
                    cell.config(self.profile), self.mirror, self.resources.cpus, self.context)
            request = self.resources.request(self.ray, cell.model)
            ref = self.tasks["_train_cell"].options(**request).remote(
                cell, self.profile, str(run_dir), self.mirror, self.resources.cpus,
                self.context, prepared[key])
            self.pending[ref] = index

    def record_cell(self, index: int, ref: Any) -> None:
        cell = self.cells[index]
        try:
            result = self.ray.get(ref)
        except self.ray.exceptions.RayError as error:  # a crash, not a user error
            reason = f"{type(error).__name__}: {task_failure(error)}"
            log.warning("cell %s failed: %s", cell.key, reason)
            result = CellResult(cell, "failed", reason=reason)
        self.results[index] = result
        write_results(self.ordered(), self.skipped, self.out_dir)
        failpoint("compare.cell_done")

    def submit_ready_ensembles(self) -> None:
        """An ensemble task for each (corpus, seed) whose cells have all finished."""
        done = {(r.cell.corpus, r.cell.seed) for r in self.results.values() if r.status == "done"}
        complete = {key for key in done if all(
            RunDir(run_dir).finished for run_dir in self.groups[key])}
        for key in sorted(complete - self.ensembled):
            self.ensembled.add(key)
            ref = self.tasks["_ensemble"].options(num_cpus=self.resources.cpus).remote(
                *key, [str(path) for path in self.groups[key]], str(self.out_dir),
                self.mirror, self.resources.cpus, self.context)
            self.pending[ref] = key

    def record_ensemble(self, key: tuple[str, int], ref: Any) -> None:
        try:
            row = self.ray.get(ref)
        except self.ray.exceptions.RayError as error:
            log.warning("ensemble of %s seed %d failed: %s", *key, task_failure(error))
            return
        if row:
            self.ensemble_rows.append(row)

    def ordered(self) -> list[CellResult]:
        return [self.results[index] for index in sorted(self.results)]


def task_failure(error: Exception) -> str:
    """The last line of a failed task's error: the exception, without Ray's traceback."""
    cause = getattr(error, "cause", None)
    if cause is not None:
        return f"{type(cause).__name__}: {cause}".splitlines()[0]
    lines = [line for line in str(error).splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no message"


def _prepare_tokens(config: Any, mirror: str | None, cpus: float,
                    context: dict[str, Any]) -> str | None:
    """Task: tokenize one corpus with one tokenizer into the caches; why not, or None."""
    from ..core.errors import HansentiError
    from ..training.splits import prepare_tokens

    enter_task(context, cpus)
    try:
        prepare_tokens(config, mirror, max(1, int(cpus)))
    except HansentiError as error:
        return str(error)
    return None


def _train_cell(cell: Cell, profile: Profile, run_dir: str, mirror: str | None, cpus: float,
                context: dict[str, Any], tokens_problem: str | None) -> CellResult:
    """Task: one cell, once its tokens are in the cache."""
    enter_task(context, cpus)
    if tokens_problem:
        return CellResult(cell, "failed", reason=tokens_problem)
    with cell_logs_quiet():
        return run_cell(cell, profile, Path(run_dir), mirror, max(1, int(cpus)))


def _ensemble(corpus: str, seed: int, run_dirs: list[str], out_dir: str, mirror: str | None,
              cpus: float, context: dict[str, Any]) -> dict[str, Any] | None:
    """Task: the ensemble of one (corpus, seed)."""
    enter_task(context, cpus)
    return ensemble_seed(corpus, seed, [Path(path) for path in run_dirs], Path(out_dir),
                         mirror, max(1, int(cpus)))
