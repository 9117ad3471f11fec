"""The full study's per-seed ensembles, with and without word2vec-initialised members.

    python bench/ensemble.py [--study reports/full] [--seeds 3] [--mirror DIR]

Needs a finished full study (`hansenti compare --profile full --out reports/full`) and the
vectors of bench/embeddings.py (bench/runs/embeddings/). For each corpus and seed it
trains the models that bench/embeddings.py initialises from word2vec (NSMC: Mecab BiLSTM
and CNN; IMDB: English CNN) with the seed's own validation split, into bench/runs/ensemble/
(a member finished earlier with the same settings is read back), then combines every cell
of that corpus and seed with and without them exactly as `hansenti ensemble` does:
weights fitted on validation, test scored once. Writes bench/results/ensemble.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from embeddings import case_config, trained
from publish import publish

RUNS = Path(__file__).resolve().parent / "runs" / "ensemble"
#: corpus -> the bench/embeddings.py cases added, with word2vec vectors, to its ensemble
MEMBERS = {"nsmc": ("nsmc-mecab-bilstm", "nsmc-mecab-cnn"), "imdb": ("imdb-english-cnn",)}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, default=Path("reports/full"))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--mirror", default=os.environ.get("HANSENTI_MIRROR"))
    return parser.parse_args()


def member(case: str, seed: int, mirror: str | None) -> Path:
    """The finished word2vec member ``case`` for ``seed``, trained unless already there."""
    return trained(case_config(case, pretrained=True, seed=seed),
                   RUNS / f"{case}-w2v-seed{seed}", mirror)


def study_cells(study: Path, corpus: str, seed: int) -> list[Path]:
    """Every cell of ``corpus`` and ``seed`` in the study; an unfinished seed is an error."""
    from hansenti.run import RunDir

    cells = sorted((study / "runs" / corpus).glob(f"*/*/seed{seed}"))
    unfinished = [cell for cell in cells if not RunDir(cell).finished]
    if not cells or unfinished:
        sys.exit(f"the study in {study} has no finished {corpus} seed {seed} "
                 f"({len(unfinished)} of {len(cells)} cells unfinished): finish it first")
    return cells


def seed_row(study: Path, corpus: str, seed: int, mirror: str | None) -> dict:
    from hansenti.run import RunDir
    from hansenti.training.ensemble import ensemble

    cells = study_cells(study, corpus, seed)
    members = [member(case, seed, mirror) for case in MEMBERS[corpus]]
    row = {"corpus": corpus, "seed": seed, "cells": len(cells), "members": {}}
    for label, run_dirs in (("study", cells), ("study+w2v", cells + members)):
        result = ensemble(run_dirs, RUNS / f"{corpus}-{label}-seed{seed}", mirror=mirror, jobs=2)
        row[label] = {"method": result["method"], "validation": result["validation_accuracy"],
                      "test": result["test"]["accuracy"]}
    for case, run_dir in zip(MEMBERS[corpus], members):
        metrics = RunDir(run_dir).metrics()
        row["members"][case] = {"test": metrics["test"]["accuracy"],
                                "validation": metrics["validation_accuracy"],
                                "best": metrics["best"]}
    return row


def mean_std(values: list[float]) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{100 * statistics.mean(values):.2f} ± {100 * spread:.2f}"


def markdown(rows: list[dict], header: str) -> str:
    lines = [header]
    for corpus, cases in MEMBERS.items():
        corpus_rows = [row for row in rows if row["corpus"] == corpus]
        lines += ["", f"{corpus}: test accuracy (%), each ensemble fitted on its seed's "
                  "validation split", "", "| seed | study cells | ensemble of the study | "
                  "+ word2vec members | " + " | ".join(f"{case} + word2vec alone" for case in cases)
                  + " |", "|---|---:|---:|---:|" + "---:|" * len(cases)]
        for row in corpus_rows:
            lines.append(f"| {row['seed']} | {row['cells']} | {100 * row['study']['test']:.2f} | "
                         f"{100 * row['study+w2v']['test']:.2f} | " + " | ".join(
                             f"{100 * row['members'][case]['test']:.2f}" for case in cases) + " |")
        columns = [[row[label]["test"] for row in corpus_rows] for label in ("study", "study+w2v")]
        columns += [[row["members"][case]["test"] for row in corpus_rows] for case in cases]
        lines.append("| mean ± std | | " + " | ".join(mean_std(column) for column in columns) + " |")
        lines += ["", "Method and validation accuracy of each ensemble (what chose it):", ""]
        for row in corpus_rows:
            lines.append(f"- seed {row['seed']}: " + ", ".join(
                f"{label} {row[label]['method']} {max(row[label]['validation'].values()):.2%}"
                for label in ("study", "study+w2v")))
    return "\n".join(lines) + "\n"


def main() -> None:
    args = arguments()
    rows = [seed_row(args.study, corpus, seed, args.mirror)
            for corpus in MEMBERS for seed in range(1, args.seeds + 1)]
    publish("ensemble", False, {"study": str(args.study), "rows": rows},
            lambda header: markdown(rows, header))


if __name__ == "__main__":
    main()
