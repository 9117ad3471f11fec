"""The full study's per-seed ensembles, with and without word2vec, n-gram and biLM members.

    python -m bench.ensemble [--study reports/full] [--seeds 3] [--only CORPUS] [--mirror DIR]

Needs a finished full study (`hansenti compare --profile full --out reports/full`); the
word2vec vectors of bench/embeddings.py are trained into bench/runs/embeddings/ unless there
with the same settings. For each corpus and seed it trains, with the seed's own validation
split, the models that bench/embeddings.py initialises from word2vec (NSMC: Mecab BiLSTM
and CNN; IMDB: English CNN) and `nblr` with the best n-gram features of bench/ngrams.py
(fitted on the fit split, never refitted: the ensemble's weights are fitted on validation),
and, where validation preferred it to word2vec alone (IMDB), the word2vec model also reading
bench/contextual.py's biLM, into bench/runs/ensemble/ (a member finished earlier with the
same settings is read back). It then combines every cell of that corpus and seed alone,
with the word2vec members, with the n-gram members too and with the biLM members too,
exactly as `hansenti ensemble` does: weights fitted on validation, test scored
once. Writes bench/results/ensemble.{json,md}; one corpus (--only) is written as
ensemble-CORPUS.{json,md} beside it (what bench/accuracy.py reads first for that corpus);
fewer seeds or a slice add -partial.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from . import recipe
from .embeddings import CASES as EMBEDDING_CASES
from .embeddings import case_config, ready_vectors, trained
from .ngrams import CASES as NGRAM_CASES
from .publish import RUNS as BENCH_RUNS

RUNS = BENCH_RUNS / "ensemble"
#: corpus -> the bench/embeddings.py cases added, with word2vec vectors, to its ensemble
MEMBERS = {"nsmc": ("nsmc-mecab-bilstm", "nsmc-mecab-cnn"), "imdb": ("imdb-english-cnn",)}
#: corpus -> the bench/ngrams.py cases added, as `nblr` runs, to the largest ensemble
NGRAM_MEMBERS = {"nsmc": ("nsmc tokens-1-3+chars-2-5",), "imdb": ("imdb tokens-1-3",)}
#: corpus -> the bench/embeddings.py cases added with word2vec *and* their biLM (bench/
#: contextual.py) to the largest ensemble: IMDB's, whose biLM beat word2vec on validation
#: (accuracy.md: +0.39 points on a 6,000-review slice, +0.36 on all of train, seed 1)
CONTEXTUAL_MEMBERS = {"imdb": ("imdb-english-cnn",)}
#: the ensembles of each seed, smallest first; accuracy.py reports the largest measured
ENSEMBLES = ("study", "study+w2v", "study+w2v+ngrams", "study+w2v+ngrams+elmo")


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--study", type=Path, default=Path("reports/full"))
    parser.add_argument("--seeds", type=int, default=3)


def suffix(limit: int | None) -> str:
    return f"-limit{limit}" if limit else ""


def member(case: str, seed: int, mirror: str | None, limit: int | None = None) -> Path:
    """The finished word2vec member ``case`` for ``seed``, trained (and its vectors) unless
    already there."""
    run_dir = RUNS / f"{case}-w2v-seed{seed}{suffix(limit)}"
    if not finished(run_dir):
        ready_vectors(EMBEDDING_CASES[case][5], mirror, limit)
    return trained(case_config(case, pretrained=True, seed=seed, limit=limit), run_dir, mirror)


def contextual_member(case: str, seed: int, mirror: str | None,
                      limit: int | None = None) -> Path:
    """The finished word2vec member ``case`` that also reads its biLM (frozen, layers mixed)
    for ``seed``, trained (and its vectors and biLM) unless already there."""
    from dataclasses import replace

    from .contextual import CASES as BILMS
    from .contextual import bilm_dir, ready_bilm

    run_dir = RUNS / f"{case}-w2v+elmo-seed{seed}{suffix(limit)}"
    if not finished(run_dir):
        ready_vectors(EMBEDDING_CASES[case][5], mirror, limit)
        ready_bilm(BILMS[case], mirror, limit)
    config = case_config(case, pretrained=True, seed=seed, limit=limit)
    config = replace(config, model_options={
        **config.model_options, "contextual": str(bilm_dir(BILMS[case], limit).resolve())})
    return trained(config, run_dir, mirror)


def finished(run_dir: Path) -> bool:
    """Whether ``run_dir`` holds a finished run (kept ones have no vectors beside them:
    a finished member needs none, so none are trained for it)."""
    from hansenti.runs.folder import RunDir

    return RunDir(run_dir).finished


def ngram_member(case: str, seed: int, mirror: str | None, limit: int | None = None) -> Path:
    """The finished `nblr` run of bench/ngrams.py case ``case`` for ``seed`` (not refitted),
    trained unless already there."""
    from hansenti.core.config import TrainConfig

    corpus, tokenizer, options, _ = NGRAM_CASES[case]
    config = TrainConfig(corpus=corpus, tokenizer=tokenizer, model="nblr",
                         model_options=options, seed=seed, limit=limit)
    name = f"{case.replace(' ', '-nblr-', 1)}-seed{seed}{suffix(limit)}"
    return trained(config, RUNS / name, mirror)


def study_cells(study: Path, corpus: str, seed: int) -> list[Path]:
    """Every cell of ``corpus`` and ``seed`` in the study; an unfinished seed is an error."""
    from hansenti.runs.folder import RunDir

    cells = sorted((study / "runs" / corpus).glob(f"*/*/seed{seed}"))
    unfinished = [cell for cell in cells if not RunDir(cell).finished]
    if not cells or unfinished:
        sys.exit(f"the study in {study} has no finished {corpus} seed {seed} "
                 f"({len(unfinished)} of {len(cells)} cells unfinished): finish it first")
    return cells


def seed_row(study: Path, corpus: str, seed: int, mirror: str | None,
             limit: int | None = None) -> dict:
    from hansenti.runs.folder import RunDir
    from hansenti.training.ensemble import ensemble

    cells = study_cells(study, corpus, seed)
    members = [member(case, seed, mirror, limit) for case in MEMBERS[corpus]]
    ngrams = [ngram_member(case, seed, mirror, limit) for case in NGRAM_MEMBERS[corpus]]
    contextual = [contextual_member(case, seed, mirror, limit)
                  for case in CONTEXTUAL_MEMBERS.get(corpus, ())]
    row = {"corpus": corpus, "seed": seed, "cells": len(cells), "members": {},
           "ngram_members": {}, "contextual_members": {}}
    groups = [cells, cells + members, cells + members + ngrams]
    if contextual:
        groups.append(cells + members + ngrams + contextual)
    for label, run_dirs in zip(ENSEMBLES, groups):
        result = ensemble(run_dirs, RUNS / f"{corpus}-{label}-seed{seed}{suffix(limit)}",
                          mirror=mirror, jobs=2)
        row[label] = {"method": result["method"], "validation": result["validation_accuracy"],
                      "test": result["test"]["accuracy"]}
    for case, run_dir in zip(MEMBERS[corpus], members):
        metrics = RunDir(run_dir).metrics()
        row["members"][case] = {"test": metrics["test"]["accuracy"],
                                "validation": metrics["validation_accuracy"],
                                "best": metrics["best"]}
    for case, run_dir in zip(CONTEXTUAL_MEMBERS.get(corpus, ()), contextual):
        metrics = RunDir(run_dir).metrics()
        row["contextual_members"][case] = {"test": metrics["test"]["accuracy"],
                                           "validation": metrics["validation_accuracy"],
                                           "best": metrics["best"]}
    for case, run_dir in zip(NGRAM_MEMBERS[corpus], ngrams):
        metrics = RunDir(run_dir).metrics()
        row["ngram_members"][case] = {"test": metrics["test"]["accuracy"],
                                      "validation": metrics["validation_accuracy"]}
    return row


def mean_std(values: list[float]) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{100 * statistics.mean(values):.2f} ± {100 * spread:.2f}"


def markdown(rows: list[dict], header: str) -> str:
    lines = [header]
    titles = {"study": "ensemble of the study", "study+w2v": "+ word2vec members",
              "study+w2v+ngrams": "+ word2vec and n-gram members",
              "study+w2v+ngrams+elmo": "+ word2vec, n-gram and biLM members"}
    kinds = {"members": "{} + word2vec", "contextual_members": "{} + word2vec + biLM",
             "ngram_members": "nblr {}"}
    for corpus in dict.fromkeys(row["corpus"] for row in rows):
        corpus_rows = [row for row in rows if row["corpus"] == corpus]
        labels = [label for label in ENSEMBLES if all(label in row for row in corpus_rows)]
        alone = [(kind, case) for kind in kinds for case in corpus_rows[0].get(kind, {})]
        names = [kinds[kind].format(case) for kind, case in alone]
        lines += ["", f"{corpus}: test accuracy (%), each ensemble fitted on its seed's "
                  "validation split", "", "| seed | study cells | "
                  + " | ".join(titles[label] for label in labels) + " | "
                  + " | ".join(f"{name} alone" for name in names) + " |",
                  "|---|---:|" + "---:|" * (len(labels) + len(alone))]
        columns = [[row[label]["test"] for row in corpus_rows] for label in labels]
        columns += [[row[kind][case]["test"] for row in corpus_rows] for kind, case in alone]
        for index, row in enumerate(corpus_rows):
            lines.append(f"| {row['seed']} | {row['cells']} | " + " | ".join(
                f"{100 * column[index]:.2f}" for column in columns) + " |")
        lines.append("| mean ± std | | " + " | ".join(map(mean_std, columns)) + " |")
        lines += ["", "Method and validation accuracy of each ensemble (what chose it; a "
                  "stack's is 5-fold cross-validated on validation):", ""]
        for row in corpus_rows:
            lines.append(f"- seed {row['seed']}: " + ", ".join(
                f"{label} {row[label]['method']} {max(row[label]['validation'].values()):.2%}"
                for label in labels))
    return "\n".join(lines) + "\n"


def measure(args: argparse.Namespace) -> recipe.Measured:
    corpora = list(dict.fromkeys(args.only or MEMBERS))
    rows = [seed_row(args.study, corpus, seed, args.mirror, args.limit)
            for corpus in corpora for seed in range(1, args.seeds + 1)]
    return recipe.Measured({"study": str(args.study), "rows": rows},
                           lambda header: markdown(rows, header),
                           args.seeds != 3 or bool(args.limit),
                           scope=corpora[0] if len(corpora) == 1 else "")


def main() -> None:
    recipe.run("ensemble", __doc__, measure, options, cases=MEMBERS,
               limit_help="train documents per corpus, as the study's profile has them "
                          "(quick: NSMC 6000, IMDB 2500; default: all)")


if __name__ == "__main__":
    main()
