"""Self-training NB-LR: the best n-gram model of each corpus (bench/ngrams.py) labels the
corpus's unlabelled reviews, and the same features learn again from train plus those soft
labels. On full NSMC (Mecab token 1-3 + character 2-5-grams) the teacher labels the Naver
crawl; on full IMDB (English token 1-3-grams) its 50,000 unlabelled reviews.

    python -m bench.self_training [--mirror DIR] [--only CASE] [--seeds N] [--limit N]
                                  [--unlabelled N] [--work DIR]

Fixed before any student was scored on test. For each seed (1-3 by default) the teacher
is fitted on the fit split (90% of train) only, C chosen on validation, never refitted: a
refitted teacher would have learnt the validation labels and passed them on. It labels every
unlabelled review that is no text of the labelled corpus, train or test, and no longer
than its longest train review (`hansenti distil`). The student has the teacher's features
and C grid; it trains on the fit split plus the pseudo-labelled reviews (a review of
probability p counts as p of a positive one), C is chosen on validation, and it is
refitted on all of train plus the same reviews (`hansenti train --pseudo-labels DIR
--refit`). Test is scored once per run. The runs are kept in --work (bench/runs/
self_training): a finished one is read back, not trained again. Writes bench/results/
self_training.{json,md}, or self_training-partial.* with --only, fewer seeds, --limit or
--unlabelled.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from . import recipe
from .distil import labelled
from .embeddings import trained
from .ensemble import mean_std
from .ngrams import IMDB_WIDE, NSMC_WIDE
from .publish import RUNS

#: corpus -> (tokenizer, nblr options, unlabelled reviews)
CASES = {
    "nsmc": ("mecab", NSMC_WIDE, "naver-reviews"),
    "imdb": ("english", IMDB_WIDE, "imdb:unsup"),
}


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=int, default=3, help="seeds 1..N (default: 3)")
    parser.add_argument("--unlabelled", type=int,
                        help="label a seeded sample of N unlabelled reviews (default: all)")
    parser.add_argument("--work", type=Path,
                        default=RUNS / "self_training",
                        help="folder for the runs (finished ones are reused)")


def self_trained(corpus: str, seed: int, args: argparse.Namespace) -> dict:
    """Teacher, pseudo-labels and refitted student of one seed."""
    from hansenti.core.config import TrainConfig

    tokenizer, options, source = CASES[corpus]
    config = TrainConfig(corpus=corpus, tokenizer=tokenizer, model="nblr",
                         model_options=options, seed=seed, limit=args.limit)
    work = work_folder(args)
    teacher_dir = trained(config, work / f"{corpus}-teacher-{seed}", args.mirror)
    pseudo = work / f"{corpus}-pseudo-{seed}"
    info = labelled([teacher_dir], source, pseudo, args.mirror, args.unlabelled)
    student_config = TrainConfig(**{**config.to_dict(), "refit": True,
                                    "pseudo_labels": str(pseudo)})
    student = metrics_of(trained(student_config, work / f"{corpus}-student-{seed}",
                                 args.mirror))
    teacher = metrics_of(teacher_dir)
    return {"case": corpus, "seed": seed, "source": source, "options": options,
            "teacher": {"validation": teacher["validation"]["score"],
                        "test": teacher["test"]["accuracy"], "C": teacher["best"]["C"]},
            "pseudo_labelled": info["documents"], "excluded": info["excluded"],
            "positive_share": info["positive_share"],
            "student": {"validation": student["validation"]["score"],
                        "test": student["test"]["accuracy"], "C": student["best"]["C"],
                        "ngrams": student.get("ngrams")},
            "train_minutes": (teacher["seconds"]["train"] + student["seconds"]["train"]) / 60}


def work_folder(args: argparse.Namespace) -> Path:
    """--work, or a folder in it for runs on fewer reviews (one per size)."""
    sizes = [f"{name}{value}" for name, value in (("limit", args.limit),
                                                   ("unlabelled", args.unlabelled)) if value]
    return args.work / "-".join(sizes) if sizes else args.work


def metrics_of(run_dir: Path) -> dict:
    return json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))


def measure(args: argparse.Namespace) -> recipe.Measured:
    rows = []
    for corpus in args.only or CASES:
        for seed in range(1, args.seeds + 1):
            rows.append(self_trained(corpus, seed, args))
            print(rows[-1], flush=True)
    partial = bool(args.only or args.seeds < 3 or args.limit or args.unlabelled)
    return recipe.Measured({"rows": rows}, lambda header: render(rows, header), partial)


def main() -> None:
    recipe.run("self_training", __doc__, measure, options, cases=CASES,
               limit_help=recipe.TRAIN_LIMIT)


def render(rows: list[dict], header: str) -> str:
    lines = ["# Self-training NB-LR on unlabelled reviews", "", header, "",
             "| corpus | seed | unlabelled reviews labelled (positive) | teacher: C, validation, "
             "test | student: C, validation | student refitted, test | train minutes |",
             "|---|---:|---:|---|---|---:|---:|"]
    for row in rows:
        teacher, student = row["teacher"], row["student"]
        lines.append(f"| {row['case']} | {row['seed']} | {row['pseudo_labelled']:,} "
                     f"({row['positive_share']:.1%}) | {teacher['C']:g}, "
                     f"{teacher['validation']:.2%}, {teacher['test']:.2%} | {student['C']:g}, "
                     f"{student['validation']:.2%} | {student['test']:.2%} | "
                     f"{row['train_minutes']:.0f} |")
    for corpus in dict.fromkeys(row["case"] for row in rows):
        mine = [row for row in rows if row["case"] == corpus]
        lines.append(f"| {corpus} mean ± std (%) | | | validation "
                     f"{mean_std([r['teacher']['validation'] for r in mine])}, test "
                     f"{mean_std([r['teacher']['test'] for r in mine])} | validation "
                     f"{mean_std([r['student']['validation'] for r in mine])} | "
                     f"{mean_std([r['student']['test'] for r in mine])} | |")
    lines += ["", "Teacher and student have the same features and C grid (bench/ngrams.py's "
              "best case of the corpus). The teacher is fitted on the fit split only; its "
              "test figure is for reference. The student's validation figure is the one that "
              "chose its C (before the refit); its test figure is the refitted model's, to "
              "set beside bench/results/ngrams.md's refitted case. Train minutes: the teacher's "
              "and the student's fit, C search and refit (not tokenizing or labelling).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
