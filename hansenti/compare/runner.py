"""Run the cells of a study as ordinary run directories: finished cells are read back,
interrupted ones resumed, failures recorded; results.csv is rewritten after every cell."""

from __future__ import annotations

import json
import logging
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import atomic
from ..core.config import TrainConfig
from ..core.errors import HansentiError
from ..core.faults import failpoint
from ..core.parallel import progress_bar
from ..runs.folder import METRICS_FILE, RunDir
from .matrix import Cell, Profile, Skipped

log = logging.getLogger("hansenti")

RUNS_DIR = "runs"
RESULTS_FILE = "results.csv"
#: metrics.json of a tuned cell that is its fixed twin's run: the twin's folder
REUSED_FROM = "reused_from"
REUSED_REASON = "its search kept the fixed settings: the fixed cell's run, not trained again"
COLUMNS = ("corpus", "tokenizer", "tokenizer_spec", "model", "seed", "status", "reason",
           "test_accuracy", "test_f1", "test_macro_f1", "validation_accuracy", "chosen",
           "settings", "tokens_per_doc", "vocab_size", "test_oov_rate", "maxlen",
           "maxlen_coverage", "parameters", "tokenize_seconds", "seconds_per_epoch",
           "train_seconds", "run_dir")


@dataclass
class CellResult:
    """What one cell produced (``metrics`` is None unless it finished)."""

    cell: Cell
    status: str  # "done", "failed"
    metrics: dict[str, Any] | None = None
    reason: str = ""

    def row(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "corpus": self.cell.corpus, "tokenizer": self.cell.tokenizer.label,
            "tokenizer_spec": self.cell.tokenizer.to_text(), "model": self.cell.label,
            "seed": self.cell.seed, "status": self.status, "reason": self.reason,
            "settings": json.dumps(dict(self.cell.settings)) if self.cell.tuned else None,
            "run_dir": f"{RUNS_DIR}/{self.cell.key}"}
        if self.metrics:
            m = self.metrics
            row.update({
                "test_accuracy": m["test"]["accuracy"], "test_f1": m["test"].get("f1"),
                "test_macro_f1": m["test"].get("macro_f1"),
                "validation_accuracy": m["validation_accuracy"],
                "chosen": json.dumps(m["best"]), "tokens_per_doc": m["tokens_per_doc"],
                "vocab_size": m["vocab_size"], "test_oov_rate": m["test_oov_rate"],
                "maxlen": m.get("maxlen"), "maxlen_coverage": m.get("maxlen_coverage"),
                "parameters": m.get("parameters"),
                "tokenize_seconds": m["seconds"].get("tokenize_compute",
                                                     m["seconds"]["tokenize"]),
                "seconds_per_epoch": m["seconds"]["per_epoch"],
                "train_seconds": m["seconds"]["train"]})
            if m.get(REUSED_FROM):  # not trained: the fixed cell's run, copied
                row.update({"reason": f"{REUSED_REASON} ({m[REUSED_FROM]})",
                            "tokenize_seconds": 0.0, "train_seconds": 0.0})
        return row


def run_cells(cells: list[Cell], skipped: list[Skipped], profile: Profile, out_dir: Path,
              mirror: str | None = None, jobs: int = 1,
              progress: bool | None = None) -> list[CellResult]:
    """Train every cell not yet finished under ``out_dir/runs``; keep going past a cell
    that fails (its reason goes into results.csv); Ctrl-C leaves the study resumable."""
    results: list[CellResult] = []
    shown = sys.stderr.isatty() if progress is None else progress
    with progress_bar(len(cells), "study cells", shown, unit="cell") as bar, cell_logs_quiet():
        for cell in cells:
            bar.set_postfix_str(cell.key, refresh=True)
            results.append(run_cell(cell, profile, out_dir / RUNS_DIR / cell.key, mirror, jobs))
            write_results(results, skipped, out_dir)
            failpoint("compare.cell_done")
            bar.update(1)
    return results


def run_cell(cell: Cell, profile: Profile, run_dir: Path, mirror: str | None,
             jobs: int) -> CellResult:
    """Train (or resume, or read back) one cell."""
    from ..training.trainer import train

    run = RunDir(run_dir)
    if run.finished:
        changed = settings_changed(run, cell.config(profile))
        if changed:
            log.warning("cell %s: %s", cell.key, changed)
            return CellResult(cell, "failed", reason=changed)
        return CellResult(cell, "done", run.metrics())
    twin = fixed_twin(cell, profile, run_dir)
    if twin is not None:
        return CellResult(cell, "done", reused(twin, run_dir))
    started = time.perf_counter()
    try:
        clear_keras_session()
        resume = run.config_path.is_file()
        metrics = train(None if resume else cell.config(profile), run_dir, resume=resume,
                        mirror=mirror, jobs=jobs)
    except HansentiError as error:
        log.warning("cell %s failed: %s", cell.key, error)
        return CellResult(cell, "failed", reason=str(error))
    log.info("cell %s: test accuracy %.4f in %.0f s", cell.key, metrics["test"]["accuracy"],
             time.perf_counter() - started)
    return CellResult(cell, "done", metrics)


def settings_changed(run: RunDir, planned: TrainConfig) -> str:
    """Why finished ``run`` is not the cell planned now (its settings differ: the profile
    or the code changed since), or ``""``."""
    try:
        same = TrainConfig.load(run.config_path).trains_as(planned)
    except HansentiError as error:
        return str(error)
    return "" if same else (f"{run.path} finished with other settings than the study's "
                            "now: give the study another --out, or delete the cell to "
                            "train it again")


def fixed_twin(cell: Cell, profile: Profile, run_dir: Path) -> Path | None:
    """The finished fixed cell of a tuned ``cell`` whose run would be the same (its search
    kept the fixed settings and the profile trains tuned cells alike), if ``cell`` has not
    started: training it again would spend the time for the same run, and on a threaded
    CPU its seeded rerun can still differ by noise that the report would call a gain."""
    if not cell.tuned or run_dir.exists():
        return None
    twin = RunDir(run_dir.parent.parent / cell.model / run_dir.name)
    if not twin.finished or settings_changed(twin, cell.config(profile)):
        return None
    return twin.path


def reused(twin: Path, run_dir: Path) -> dict[str, Any]:
    """``twin`` copied to ``run_dir`` (all or nothing), its metrics marked as reused."""
    runs = run_dir.parents[3]
    metrics = {**RunDir(twin).metrics(),
               REUSED_FROM: f"{RUNS_DIR}/{twin.relative_to(runs).as_posix()}"}
    with atomic.staged_directory(run_dir) as staging:
        shutil.copytree(twin, staging, dirs_exist_ok=True)
        atomic.write_json(staging / METRICS_FILE, metrics)
    log.info("cell %s: %s", run_dir.name, REUSED_REASON)
    return metrics


@contextmanager
def cell_logs_quiet() -> Iterator[None]:
    """Only warnings from inside cells (unless -vv): the progress bar over cells says the
    rest. TensorFlow's retracing notices, expected when many models predict, are muted."""
    quiet = not log.isEnabledFor(logging.DEBUG)
    loggers = [(log, logging.WARNING), (logging.getLogger("tensorflow"), logging.ERROR)]
    saved = [(logger, logger.level) for logger, _ in loggers]
    if quiet:
        for logger, level in loggers:
            logger.setLevel(level)
    try:
        yield
    finally:
        for logger, level in saved:
            logger.setLevel(level)


def clear_keras_session() -> None:
    """Free the graphs of earlier cells (only if Keras is already loaded)."""
    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session()


def write_results(results: list[CellResult], skipped: list[Skipped], out_dir: Path) -> None:
    """``results.csv``: one row per cell and seed, skipped combinations included."""
    skipped_rows = ({"corpus": s.corpus, "tokenizer": s.tokenizer, "model": s.model,
                     "status": "skipped", "reason": s.reason} for s in skipped)
    atomic.write_csv(out_dir / RESULTS_FILE,
                     [*(result.row() for result in results), *skipped_rows], COLUMNS)
