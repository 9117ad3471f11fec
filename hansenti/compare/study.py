"""A whole study: plan the cells, train them, ensemble each seed, write the report."""

from __future__ import annotations

import json
import math
import os
import platform
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import atomic
from ..core.data_spec import DataSpec
from ..core.errors import HansentiError
from ..core.outputs import check_own_folder
from ..runs.folder import RunDir
from .ensembles import ensemble_seeds
from .matrix import (
    DEFAULT_MODELS,
    DEFAULT_TOKENIZERS,
    PROFILES,
    Cell,
    Profile,
    Skipped,
    plan,
    sliced,
    tuned_for,
)
from .report import write_report
from .runner import RESULTS_FILE, RUNS_DIR, run_cells

if TYPE_CHECKING:
    from .ray_cells import CellResources

STUDY_FILE = "study.json"


def run_study(corpus_names: list[str], tokenizer_texts: list[str], model_names: list[str],
              seeds: int | None, profile_name: str, out_dir: str | Path,
              mirror: str | None = None, jobs: int = 1, command: str = "",
              data: dict[str, DataSpec] | None = None,
              executor: str = "local", address: str | None = None,
              resources: "CellResources | None" = None, limit: int | None = None,
              tune: bool = False, trials: int | None = None,
              cost_ratio: float | None = None, tuned_epochs: int | None = None,
              contextual: bool = False) -> Path:
    """Run (or continue) a study into ``out_dir`` and write its report; returns report.md.
    ``data`` maps the names of users' file corpora (among ``corpus_names``) to their
    descriptions. ``executor="ray"`` runs the cells as Ray tasks (on the cluster at
    ``address``, or one started here), each asking for ``resources``. ``limit``: train
    documents per corpus instead of the profile's. ``tune``: also a tuned cell beside
    each, its settings searched with Ray Tune (on the same cluster) on the profile's
    budget (``trials`` per search and ``cost_ratio`` instead of the profile's; an infinite
    ratio: no bound; ``tuned_epochs``: the most epochs a tuned cell trains, by early
    stopping, instead of the profile's). ``contextual``: also a cell
    beside each fixed network that reads a biLM pre-trained for its corpus and tokenizer
    on unlabelled text (the profile's biLM budget)."""
    if profile_name not in PROFILES:
        raise HansentiError(f"unknown profile {profile_name!r}; known: {', '.join(PROFILES)}")
    profile = sliced(PROFILES[profile_name], limit, corpus_names)
    if trials:
        profile = replace(profile, tuning=replace(profile.tuning, trials=trials))
    if cost_ratio is not None:
        bound = None if math.isinf(cost_ratio) else cost_ratio
        profile = replace(profile, tuning=replace(profile.tuning, cost_ratio=bound))
    profile = tuned_for(profile, tuned_epochs)
    out_dir = Path(out_dir)
    cells, skipped = plan(corpus_names, tokenizer_texts, model_names or list(DEFAULT_MODELS),
                          seeds or profile.seeds, data, tune, contextual)
    study = open_study(out_dir, profile)
    started, stamp = time.perf_counter(), datetime.now(timezone.utc)
    try:
        if tune:
            cells, skipped = searched(cells, skipped, profile, out_dir, mirror, address, study)
        if contextual:
            cells, skipped = pretrained(cells, skipped, profile, out_dir, mirror, jobs, study)
        if executor == "ray":
            from .ray_cells import CellResources, run_cells_on_ray

            run_cells_on_ray(cells, skipped, profile, out_dir, mirror, address,
                             resources or CellResources())
        else:
            run_cells(cells, skipped, profile, out_dir, mirror, jobs)
            ensemble_seeds(cells, out_dir, mirror, jobs)
    finally:  # an interrupted invocation's time still counts, and its cells get reported
        study["invocations"].append({"started": stamp.isoformat(timespec="seconds"),
                                     "seconds": time.perf_counter() - started,
                                     "command": command})
        atomic.write_json(out_dir / STUDY_FILE, study)
        if (out_dir / RESULTS_FILE).is_file():
            write_study_report(out_dir, profile, cells, skipped, study, command)
    return out_dir / "report.md"


def searched(cells: list[Cell], skipped: list[Skipped], profile: Profile, out_dir: Path,
             mirror: str | None, address: str | None,
             study: dict) -> tuple[list[Cell], list[Skipped]]:
    """Search each tuned (corpus, tokenizer, model) once, on Ray (resumable); the tuned
    cells with their chosen settings, those whose search failed as skipped. The
    searches' records go into ``study["searches"]``."""
    from ..core.ray_cluster import ray_session
    from .tuning import search_cells, search_key

    with ray_session(address):
        outcomes = search_cells(cells, profile, out_dir, mirror)
    records = study.setdefault("searches", {})
    records.update({key: record for key, record in outcomes.items() if isinstance(record, dict)})
    atomic.write_json(out_dir / STUDY_FILE, study)
    kept = []
    for cell in cells:
        outcome = outcomes.get(search_key(cell.key))
        if not cell.tuned:
            kept.append(cell)
        elif isinstance(outcome, dict):
            kept.append(replace(cell, settings=tuple(outcome["chosen"].items())))
        elif cell.seed == 1:
            skipped.append(Skipped(cell.corpus, cell.tokenizer.label, cell.label,
                                   f"search failed: {outcome}"))
    return kept, skipped


BILM_DIR = "bilm"


def pretrained(cells: list[Cell], skipped: list[Skipped], profile: Profile, out_dir: Path,
               mirror: str | None, jobs: int,
               study: dict) -> tuple[list[Cell], list[Skipped]]:
    """Pre-train (or read back) the biLM of each (corpus, tokenizer) that has contextual
    cells, on the profile's budget; those cells with their biLM, the rest skipped. What
    each biLM cost goes into ``study["bilms"]``."""
    from ..embeddings.contextual import BiLMConfig
    from ..training import language_model
    from .matrix import UNLABELLED

    records = study.setdefault("bilms", {})
    folders: dict[tuple[str, str], str] = {}
    budget = profile.contextual
    for cell in cells:
        pair = (cell.corpus, cell.tokenizer.label)
        if not cell.contextual or pair in folders:
            continue
        key = f"{BILM_DIR}/{cell.key.split('/')[0]}/{cell.key.split('/')[1]}"
        folder = out_dir / key
        config = BiLMConfig(source=UNLABELLED[cell.corpus], tokenizer=cell.tokenizer.name,
                            tokenizer_options=dict(cell.tokenizer.options),
                            units=budget.units, epochs=budget.epochs, limit=budget.documents)
        try:
            metadata = language_model.ready_bilm(config, folder, mirror, jobs)
        except HansentiError as error:
            folders[pair] = f"biLM failed: {error}"
            continue
        records[key] = {name: metadata[name] for name in (
            "documents", "tokens", "output_vocab", "heldout_perplexity", "seconds", "history")}
        atomic.write_json(out_dir / STUDY_FILE, study)
        folders[pair] = str(folder.resolve())
    kept = []
    for cell in cells:
        folder = folders.get((cell.corpus, cell.tokenizer.label), "")
        if not cell.contextual:
            kept.append(cell)
        elif folder.startswith("biLM failed"):
            if cell.seed == 1:
                skipped.append(Skipped(cell.corpus, cell.tokenizer.label, cell.label, folder))
        else:
            kept.append(replace(cell, bilm=folder))
    return kept, skipped


def write_study_report(out_dir: Path, profile: Profile, cells: list[Cell],
                       skipped: list[Skipped], study: dict, command: str) -> None:
    """report.md/html of what has finished so far, with how and how long in the footer."""
    finished = sum(RunDir(out_dir / RUNS_DIR / cell.key).finished for cell in cells)
    seeds = max((cell.seed for cell in cells), default=0)
    wall = sum(invocation["seconds"] for invocation in study["invocations"])
    footer = [f"profile: {profile.name} — {profile.description}",
              f"cells: {finished} of {len(cells)} finished, {len(skipped)} skipped; seeds: {seeds}",
              f"wall-clock time of the study: {wall / 60:.1f} min over "
              f"{len(study['invocations'])} invocation(s)",
              f"machine: {platform.machine()}, {os.cpu_count()} cores, CPU only; "
              f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
              f"command: {command or '(library call)'}"]
    write_report(out_dir, f"Tokenization study ({profile.name})", footer,
                 study.get("searches"), study.get("bilms"))


def open_study(out_dir: Path, profile: Profile) -> dict:
    """``study.json`` of ``out_dir``: created, or checked to be of the same profile."""
    path = out_dir / STUDY_FILE
    if path.is_file():
        try:
            study = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise HansentiError(f"{path} is corrupt ({error}): delete it to start over") from error
        if study.get("profile") != profile.name:
            raise HansentiError(f"{out_dir} holds a {study.get('profile')!r} study; use another "
                                f"--out for the {profile.name!r} profile")
        return study
    check_own_folder(out_dir, [STUDY_FILE])
    study = {"profile": profile.name, "invocations": []}
    atomic.write_json(path, study)
    return study


__all__ = ["DEFAULT_MODELS", "DEFAULT_TOKENIZERS", "PROFILES", "run_study"]
