"""The default Korean model, rebuilt from the mirror with its exact recipe (`make model`).

    python -m bench.default_model [--mirror DIR]

Mecab tokens + `nblr` (NB-weighted logistic regression over 1-2-grams, C and class
weighting chosen on a validation split carved from NSMC train with seed 42), trained on
full NSMC train and scored once on NSMC test: of the built-in models it is the most
accurate that fits the ~10 MB the repository allows (float32 weights and gzipped n-grams:
about 5 MB), and it reads reviews of any length whole. Also scored, as in
bench/long_reviews.py, on the crawl's rated reviews of 140+ characters (none is in NSMC).

Writes the package to model_packages/hansenti_model_ko_nsmc_mecab_nblr/ (its card included) and
bench/results/default_model.{json,md}.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from . import recipe
from .long_reviews import LONG_CHARS, evaluation_sets
from .publish import RUNS

ROOT = Path(__file__).resolve().parent.parent
RUN = RUNS / "default-model"
PACKAGES = ROOT / "model_packages"
NAME, VERSION = "ko-nsmc-mecab-nblr", "1.0.0"


def measure(args: argparse.Namespace) -> recipe.Measured:
    from hansenti.core.config import TrainConfig
    from hansenti.inference.predictor import Predictor
    from hansenti.runs.model_card import folder_bytes
    from hansenti.runs.package import write_package_tree
    from hansenti.training.trainer import train

    shutil.rmtree(RUN, ignore_errors=True)
    metrics = train(TrainConfig(corpus="nsmc", tokenizer="mecab", model="nblr",
                                limit=args.limit), RUN, mirror=args.mirror, jobs=2)
    texts, labels = evaluation_sets(args.mirror)[f"crawl-{LONG_CHARS}"]
    predictor = Predictor(RUN)
    long_accuracy = float((predictor.predict(texts, n_jobs=2).argmax(axis=1) == labels).mean())
    notes = (f"## Long reviews\n\nOn the Naver crawl's {len(texts):,} rated reviews of "
             f"{LONG_CHARS}+ characters (1-4 stars negative, 9-10 positive; none is in NSMC, "
             f"whose reviews are shorter): accuracy **{long_accuracy:.2%}**, against "
             f"{metrics['test']['accuracy']:.2%} on NSMC test (`python -m bench.default_model`).")
    # a model of a slice (--limit) never replaces the bundled one
    packages = RUNS / "default-model-package" if args.limit else PACKAGES
    module = write_package_tree(RUN, NAME, VERSION, packages, card_notes=notes)
    size = folder_bytes(module)
    print(f"{module}: {size / 1e6:.1f} MB", file=sys.stderr)
    row = {"name": NAME, "version": VERSION, "test": metrics["test"]["accuracy"],
           "test_examples": metrics["test"]["examples"], "macro_f1": metrics["test"]["macro_f1"],
           "long_reviews": {"documents": len(texts), "accuracy": long_accuracy},
           "validation": metrics["validation"]["score"], "best": metrics["best"],
           "calibration": {key: metrics["calibration"][key]
                           for key in ("temperature", "test_ece", "test_coverage")},
           "bytes": size, "train_seconds": metrics["seconds"]["train"]}
    return recipe.Measured({"rows": [row]}, lambda header: render(row, header), bool(args.limit))


def main() -> None:
    recipe.run("default_model", __doc__, measure, cases=[NAME],
               limit_help="train documents (default: all)")


def render(row: dict, header: str) -> str:
    return "\n".join([
        "# The default model\n", header, "",
        "| model | NSMC test | crawl 140+ chars | validation (chose it) | size | train |",
        "|---|---:|---:|---:|---:|---:|",
        f"| {row['name']} {row['version']} | {row['test']:.2%} ({row['test_examples']:,}) | "
        f"{row['long_reviews']['accuracy']:.2%} ({row['long_reviews']['documents']:,}) | "
        f"{row['validation']:.2%} at {row['best']} | {row['bytes'] / 1e6:.1f} MB | "
        f"{row['train_seconds']:.0f} s |", "",
        f"Calibration (temperature {row['calibration']['temperature']:g}, fitted on "
        f"validation): expected calibration error on NSMC test "
        f"{row['calibration']['test_ece']['after']:.2%} (uncalibrated "
        f"{row['calibration']['test_ece']['before']:.2%}).", "",
        "| --min-confidence | test reviews labelled | accuracy on them |",
        "|---:|---:|---:|",
        *(f"| {c['min_confidence']:.2f} | {c['coverage']:.1%} | {c['accuracy']:.2%} |"
          for c in row["calibration"]["test_coverage"]), ""])


if __name__ == "__main__":
    main()
