"""The best single NSMC model: candidates compared on validation, the winner refitted.

    python -m bench.single [--seeds 3] [--limit N] [--mirror DIR]

The candidates were fixed before any of them was scored on test: the Mecab BiLSTM and CNN
of bench/embeddings.py, each initialised from the 100-dim word2vec vectors (5 epochs) or
from 200-dim vectors trained 10 epochs on the same text (bench/runs/embeddings/, trained
here if missing). For each seed every candidate is trained with that seed's validation
split (100-dim runs are shared with bench/ensemble.py; a run finished earlier with the
same settings is read back), the one with the best validation accuracy is chosen, and it
is trained again with ``refit`` (the epoch chosen on validation, then all of train).
Test is scored once per run; it chooses nothing. Writes bench/results/single.{json,md}.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from . import recipe
from .embeddings import case_config, ready_vectors, trained
from .ensemble import RUNS as ENSEMBLE_RUNS
from .ensemble import mean_std
from .publish import RUNS as BENCH_RUNS

RUNS = BENCH_RUNS / "single"
#: candidate -> (bench/embeddings.py case, vectors name)
CANDIDATES = {"bilstm + w2v100": ("nsmc-mecab-bilstm", "naver-mecab-w2v"),
              "bilstm + w2v200": ("nsmc-mecab-bilstm", "naver-mecab-w2v200"),
              "cnn + w2v100": ("nsmc-mecab-cnn", "naver-mecab-w2v"),
              "cnn + w2v200": ("nsmc-mecab-cnn", "naver-mecab-w2v200")}


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=int, default=3)


def run_dir(candidate: str, seed: int, limit: int | None) -> Path:
    """Where ``candidate`` trains; the 100-dim runs are bench/ensemble.py's members."""
    case, vectors = CANDIDATES[candidate]
    suffix = f"-limit{limit}" if limit else ""
    if vectors == "naver-mecab-w2v":
        return ENSEMBLE_RUNS / f"{case}-w2v-seed{seed}{suffix}"
    return RUNS / f"{candidate.replace(' + ', '-')}-seed{seed}{suffix}"


def seed_row(seed: int, limit: int | None, mirror: str | None) -> dict:
    from hansenti.runs.folder import RunDir

    row: dict = {"seed": seed, "candidates": {}}
    configs = {}
    for candidate, (case, vectors) in CANDIDATES.items():
        configs[candidate] = case_config(case, True, vectors, seed=seed, limit=limit)
        metrics = RunDir(trained(configs[candidate], run_dir(candidate, seed, limit),
                                 mirror)).metrics()
        row["candidates"][candidate] = {"validation": metrics["validation_accuracy"],
                                        "test": metrics["test"]["accuracy"],
                                        "best": metrics["best"]}
    chosen = max(CANDIDATES, key=lambda name: row["candidates"][name]["validation"])
    refit_dir = RUNS / f"{run_dir(chosen, seed, limit).name}-refit"
    metrics = RunDir(trained(replace(configs[chosen], refit=True), refit_dir, mirror)).metrics()
    row["chosen"] = {"candidate": chosen, "test": metrics["test"]["accuracy"],
                     "refit": metrics["refit"], "train_seconds": metrics["seconds"]["train"]}
    return row


def markdown(rows: list[dict], header: str) -> str:
    lines = [header, "", "NSMC test accuracy (%) of each candidate; the choice is the best "
             "validation accuracy (in brackets), then refitted on all of train", "",
             "| seed | " + " | ".join(CANDIDATES) + " | chosen | chosen, refitted |",
             "|---|" + "---:|" * len(CANDIDATES) + "---|---:|"]
    for row in rows:
        cells = [f"{100 * row['candidates'][name]['test']:.2f} "
                 f"({100 * row['candidates'][name]['validation']:.2f})" for name in CANDIDATES]
        lines.append(f"| {row['seed']} | " + " | ".join(cells) +
                     f" | {row['chosen']['candidate']} | {100 * row['chosen']['test']:.2f} |")
    columns = [[row["candidates"][name]["test"] for row in rows] for name in CANDIDATES]
    lines.append("| mean ± std | " + " | ".join(mean_std(column) for column in columns) +
                 f" | | {mean_std([row['chosen']['test'] for row in rows])} |")
    return "\n".join(lines) + "\n"


def measure(args: argparse.Namespace) -> recipe.Measured:
    for vectors in dict.fromkeys(vectors for _, vectors in CANDIDATES.values()):
        ready_vectors(vectors, args.mirror, args.limit)
    rows = [seed_row(seed, args.limit, args.mirror) for seed in range(1, args.seeds + 1)]
    return recipe.Measured({"candidates": CANDIDATES, "rows": rows},
                           lambda header: markdown(rows, header), bool(args.limit))


def main() -> None:
    recipe.run("single", __doc__, measure, options, limit_help="train documents (default: all)")


if __name__ == "__main__":
    main()
