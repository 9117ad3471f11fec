"""One NSMC model taught by an ensemble: teachers pseudo-label the Naver crawl, a Mecab CNN
student trains on NSMC plus those reviews, chosen on validation, then refitted.

    python -m bench.distil [--seeds 3] [--mirror DIR]

Fixed before any student was scored on test. For each seed the teachers are seven finished
runs carved that seed's validation split: the four candidates of bench/single.py (Mecab
BiLSTM and CNN with 100- and 200-dim word2vec) and the Mecab, Kiwi and 16k-unigram
SentencePiece nblr cells of the full study (reports/full). Their mean probability labels
every crawl review that is not an NSMC text (train or test) and is no longer than the
longest NSMC train review (`hansenti distil`). These seven were picked among four teacher
sets fixed in advance, by the mean's seed-1 validation accuracy, never on test. The
student is the architecture that validation chose on every seed in bench/single.py, the
Mecab CNN with the 200-dim vectors; it trains on the fit part plus the pseudo-labelled
reviews (soft targets), its epoch is chosen on validation, and it is refitted on all of
train plus the same reviews (`hansenti train --pseudo-labels DIR --refit`). Test is
scored once per run. Writes bench/results/distil.{json,md}, or distil-partial.{json,md}
with fewer than three seeds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import recipe
from .embeddings import case_config, ready_vectors, trained
from .ensemble import mean_std
from .publish import RUNS as BENCH_RUNS
from .single import run_dir as single_run_dir

ROOT = Path(__file__).resolve().parent.parent
RUNS = BENCH_RUNS / "distil"
#: the study cells that teach, beside the bench/single.py candidates
STUDY_TEACHERS = ("mecab/nblr", "kiwi/nblr", "spm-unigram-16k/nblr")


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=int, default=3,
                        help="seeds 1..N (fewer than 3 is published as distil-partial)")
    parser.add_argument("--study", type=Path, default=ROOT / "reports" / "full")
    parser.add_argument("--unlabelled", type=int,
                        help="pseudo-label a seeded sample of N crawl reviews (default: all)")


def teachers(seed: int, study: Path, limit: int | None = None) -> list[Path]:
    """The seed's teacher runs; each must be finished (bench/single.py with the same
    --limit, and the study)."""
    runs = [single_run_dir(f"{model} + {vectors}", seed, limit)
            for vectors in ("w2v100", "w2v200") for model in ("bilstm", "cnn")]
    runs += [study / "runs" / "nsmc" / cell / f"seed{seed}" for cell in STUDY_TEACHERS]
    missing = [str(run) for run in runs if not (run / "metrics.json").is_file()]
    if missing:
        sys.exit(f"unfinished teachers: {', '.join(missing)}; run bench/single.py and the full "
                 "study (hansenti compare --profile full --out reports/full) first")
    return runs


def labelled(teachers: list[Path], source: str, folder: Path, mirror: str | None,
             limit: int | None = None) -> dict:
    """The pseudo-labels of ``source`` by ``teachers`` in ``folder`` (its teachers.json): read
    back when the folder holds exactly theirs, else written by `hansenti distil`."""
    from hansenti.training.distil import distil
    from hansenti.training.pseudo_labels import INFO_FILE

    info_file = folder / INFO_FILE
    if info_file.is_file():
        info = json.loads(info_file.read_text(encoding="utf-8"))
        if ([t["run"] for t in info["teachers"]] == [str(run) for run in teachers]
                and (info.get("source"), info.get("limit")) == (source, limit)):
            return info
    print(f"== {folder.name}", file=sys.stderr, flush=True)
    return distil(teachers, source, folder, mirror=mirror, jobs=2, limit=limit)


def sample_suffix(args: argparse.Namespace) -> str:
    """``-unlabelledN-limitM`` for a run on samples, nothing for the full measurement."""
    return "".join(f"-{name}{value}" for name, value in (("unlabelled", args.unlabelled),
                                                         ("limit", args.limit)) if value)


def mean_on_test(runs: list[Path], mirror: str | None) -> float:
    """Test accuracy of the teachers' mean, for reference (it chooses nothing)."""
    from hansenti.runs.folder import RunDir
    from hansenti.training.ensemble import member_probabilities

    configs = [RunDir(run).finished_config() for run in runs]
    _, _, test_p, test_y = member_probabilities(runs, configs, mirror, jobs=2)
    return float(((test_p.mean(axis=1) >= 0.5) == test_y).mean())


def seed_row(seed: int, study: Path, args: argparse.Namespace) -> dict:
    from hansenti.runs.folder import HISTORY_FILE, RunDir
    from hansenti.training.pseudo_labels import load_pseudo_labels

    mirror = args.mirror
    runs = teachers(seed, study, args.limit)
    folder = RUNS / f"pseudo-seed{seed}{sample_suffix(args)}"
    labelled(runs, "naver-reviews", folder, mirror, args.unlabelled)
    config = case_config("nsmc-mecab-cnn", True, "naver-mecab-w2v200", seed=seed,
                         pseudo_labels=str(folder), refit=True, limit=args.limit)
    student = RunDir(trained(config, RUNS / f"student-cnn-w2v200-seed{seed}{sample_suffix(args)}",
                             mirror))
    metrics = student.metrics()
    validated_epochs = len((student.path / HISTORY_FILE).read_text().splitlines()) - 1
    info = load_pseudo_labels(folder).info
    return {"seed": seed, "pseudo_labelled": info["documents"], "excluded": info["excluded"],
            "teachers_validation": info["validation_accuracy"],
            "teachers_test": mean_on_test(runs, mirror),
            "student_validation": metrics["validation_accuracy"],
            "test": metrics["test"]["accuracy"], "best": metrics["best"],
            "refit": metrics["refit"], "validated_epochs": validated_epochs,
            "seconds_per_epoch": metrics["seconds"]["per_epoch"]}


def markdown(rows: list[dict], header: str) -> str:
    lines = [header, "", "NSMC: the teachers' mean and the student on validation (what chose "
             "the student's epoch); the refitted student on test, and the teachers' mean on "
             "test for reference (%)", "",
             "| seed | pseudo-labelled reviews | teachers' mean, validation | student, "
             "validation | epoch | student refitted, test | teachers' mean, test | epochs run "
             "(validated + refit) | s/epoch |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row['seed']} | {row['pseudo_labelled']:,} | "
                     f"{100 * row['teachers_validation']:.2f} | "
                     f"{100 * row['student_validation']:.2f} | {row['best']['epoch']} | "
                     f"{100 * row['test']:.2f} | {100 * row['teachers_test']:.2f} | "
                     f"{row['validated_epochs']} + {row['refit']['epoch']} | "
                     f"{row['seconds_per_epoch']:.0f} |")
    lines.append(f"| mean ± std | | | | | {mean_std([row['test'] for row in rows])} | "
                 f"{mean_std([row['teachers_test'] for row in rows])} | | |")
    return "\n".join(lines) + "\n"


def measure(args: argparse.Namespace) -> recipe.Measured:
    ready_vectors("naver-mecab-w2v200", args.mirror, args.limit)
    rows = [seed_row(seed, args.study, args) for seed in range(1, args.seeds + 1)]
    return recipe.Measured(
        {"teachers": [*STUDY_TEACHERS, "bench/single.py candidates"], "rows": rows},
        lambda header: markdown(rows, header),
        args.seeds < 3 or bool(args.limit or args.unlabelled))


def main() -> None:
    recipe.run("distil", __doc__, measure, options,
               limit_help="NSMC train documents, as bench/single.py --limit had them "
                          "(default: all)")


if __name__ == "__main__":
    main()
