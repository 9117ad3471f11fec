"""Per corpus and seed, every finished cell of a study combined with ``hansenti ensemble``
(weights fitted on the validation split the seed's cells share), as ``ensembles.csv``."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..core import atomic
from ..runs.folder import METRICS_FILE, RunDir
from ..training.ensemble import ENSEMBLE_FILE, ensemble
from .matrix import Cell
from .runner import RUNS_DIR

log = logging.getLogger("hansenti")

ENSEMBLES_DIR = "ensembles"
ENSEMBLES_FILE = "ensembles.csv"


def ensemble_seeds(cells: list[Cell], out_dir: Path, mirror: str | None,
                   jobs: int) -> list[dict[str, Any]]:
    """One ensemble per (corpus, seed) whose cells have all finished; one made earlier
    from the same members is read back."""
    rows = [row for (corpus, seed), run_dirs in seed_groups(cells, out_dir).items()
            if (row := ensemble_seed(corpus, seed, run_dirs, out_dir, mirror, jobs))]
    write_ensembles(rows, out_dir)
    return rows


def seed_groups(cells: list[Cell], out_dir: Path) -> dict[tuple[str, int], list[Path]]:
    """The run folders of each (corpus, seed): the members of one ensemble."""
    groups: dict[tuple[str, int], list[Path]] = defaultdict(list)
    for cell in cells:
        groups[cell.corpus, cell.seed].append(out_dir / RUNS_DIR / cell.key)
    return groups


def ensemble_seed(corpus: str, seed: int, run_dirs: list[Path], out_dir: Path,
                  mirror: str | None, jobs: int) -> dict[str, Any] | None:
    """The ensemble row of one (corpus, seed), or None when it has no ensemble (fewer than
    two runs, one unfinished, more than two classes)."""
    if len(run_dirs) < 2 or not all(RunDir(run_dir).finished for run_dir in run_dirs):
        return None
    if len(RunDir(run_dirs[0]).classes()) != 2:
        log.info("%s: no ensemble (they mix P(positive) of two-class runs)", corpus)
        return None
    target = out_dir / ENSEMBLES_DIR / corpus / f"seed{seed}"
    result = saved_ensemble(target, run_dirs) or ensemble(run_dirs, target, mirror, jobs)
    return ensemble_row(corpus, seed, result)


def write_ensembles(rows: list[dict[str, Any]], out_dir: Path) -> None:
    """``ensembles.csv``, ordered by corpus and seed (when there is any ensemble)."""
    if rows:
        atomic.write_csv(out_dir / ENSEMBLES_FILE,
                         sorted(rows, key=lambda row: (row["corpus"], row["seed"])))


def saved_ensemble(target: Path, run_dirs: list[Path]) -> dict[str, Any] | None:
    """The ensemble made earlier of exactly these runs, unless one was trained again since."""
    path = target / ENSEMBLE_FILE
    if not path.is_file() or any((run_dir / METRICS_FILE).stat().st_mtime > path.stat().st_mtime
                                 for run_dir in run_dirs):
        return None
    result = json.loads(path.read_text(encoding="utf-8"))
    members = [Path(member["run"]).resolve() for member in result["members"]]
    return result if members == [run_dir.resolve() for run_dir in run_dirs] else None


def ensemble_row(corpus: str, seed: int, result: dict[str, Any]) -> dict[str, Any]:
    """The ensemble against its best member, both as chosen on validation."""
    validation = result["validation_accuracy"]
    best = max(result["members"], key=lambda member: member["validation_accuracy"])
    return {"corpus": corpus, "seed": seed, "members": len(result["members"]),
            "method": result["method"],
            "validation_accuracy": validation["stack_cv" if result["method"] == "stack"
                                              else "mean"],
            "test_accuracy": result["test"]["accuracy"], "test_f1": result["test"]["f1"],
            "best_member": f"{Path(best['run']).parent.parent.name} + {best['model']}",
            "best_member_validation_accuracy": best["validation_accuracy"],
            "best_member_test_accuracy": RunDir(best["run"]).metrics()["test"]["accuracy"]}
