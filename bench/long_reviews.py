"""Accuracy on reviews longer than the ones a model was trained on, scored whole and cut.

    python -m bench.long_reviews [--only nsmc-okt-cnn ...] [--limit N]

Trains the default models on NSMC (each an ordinary `hansenti train` run under
bench/runs/long-*; NSMC's reviews are all under 140 characters) and scores three sets:

- NSMC test;
- **crawl-140**: the crawl's reviews of 140 characters or more, rated 1-4 (negative) or
  9-10 (positive) — NSMC's recipe kept only shorter ones, so none is in NSMC. The
  mirror's crawl stops at 140 characters (Naver's own cap then), so this is the longest
  real set there is;
- **joined**: longer documents made from NSMC test itself, each four test reviews of one
  class joined with spaces (about 4x NSMC's length; label unambiguous), which isolates
  what the length alone does.

Each Keras model is scored whole (hansenti's default, chosen on validation) and cut to
its training max length, as before. Writes bench/results/long_reviews.{json,md}.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys

import numpy as np

from . import recipe
from .publish import RUNS

CASES = {  # name -> (tokenizer, model): make demo's model, train's default, the baseline
    "nsmc-okt-cnn": ("okt", "cnn"),
    "nsmc-mecab-cnn": ("mecab", "cnn"),
    "nsmc-mecab-nblr": ("mecab", "nblr"),
}
LONG_CHARS = 140
JOINED = 4


def evaluation_sets(mirror: str | None) -> dict[str, tuple[list[str], np.ndarray]]:
    from hansenti.corpora import open_corpus

    nsmc_test = open_corpus("nsmc", mirror=mirror).load("test").records
    crawl = open_corpus("naver-reviews", mirror=mirror, exclude_nsmc_train=True).load("all")
    long = [r for r in crawl.records if len(r.text) >= LONG_CHARS
            and (r.rating <= 4 or r.rating >= 9)]
    rng = random.Random(42)
    joined_texts, joined_labels = [], []
    for label in (0, 1):
        texts = [r.text for r in nsmc_test if r.label == label]
        rng.shuffle(texts)
        for start in range(0, len(texts) - JOINED + 1, JOINED):
            joined_texts.append(" ".join(texts[start:start + JOINED]))
            joined_labels.append(label)
    return {"nsmc-test": ([r.text for r in nsmc_test], np.array([r.label for r in nsmc_test])),
            f"crawl-{LONG_CHARS}": ([r.text for r in long],
                                    np.array([int(r.rating >= 9) for r in long])),
            "joined": (joined_texts, np.array(joined_labels))}


def score_case(name: str, limit: int | None, mirror: str | None,
               sets: dict[str, tuple[list[str], np.ndarray]]) -> dict:
    from hansenti.core.config import TrainConfig
    from hansenti.inference.predictor import Predictor
    from hansenti.training.trainer import train

    tokenizer, model = CASES[name]
    run_dir = RUNS / f"long-{name}"
    shutil.rmtree(run_dir, ignore_errors=True)
    print(f"== {name}", file=sys.stderr, flush=True)
    metrics = train(TrainConfig(corpus="nsmc", tokenizer=tokenizer, model=model, limit=limit),
                    run_dir, mirror=mirror, jobs=2)
    predictor = Predictor(run_dir)
    classifier = predictor.classifier
    row = {"case": name, "maxlen": metrics.get("maxlen"),
           "long_documents": metrics.get("long_documents"), "sets": {}}
    for set_name, (texts, labels) in sets.items():
        docs = predictor.tokenizer.tokenize_batch(texts, n_jobs=2, progress=False)
        ways = ("whole", "cut") if hasattr(classifier, "long_documents") else ("whole",)
        scores = {}
        for way in ways:
            if hasattr(classifier, "long_documents"):
                classifier.long_documents = way
            predicted = classifier.predict_proba(docs).argmax(axis=1)
            scores[way] = float((predicted == labels).mean())
        over = (float(np.mean([len(doc) > classifier.maxlen for doc in docs]))
                if hasattr(classifier, "maxlen") else None)
        row["sets"][set_name] = {"documents": len(texts), "mean_chars": float(
            np.mean([len(t) for t in texts])), "over_maxlen": over, **scores}
    return row


def render(rows: list[dict], header: str) -> str:
    lines = ["# Long reviews: accuracy scored whole and cut\n", header, "",
             "| model | max len | set | reviews | mean chars | over max len | whole | cut | "
             "drop vs NSMC test (whole) |", "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        base = row["sets"]["nsmc-test"]["whole"]
        for set_name, s in row["sets"].items():
            over = f"{s['over_maxlen']:.1%}" if s["over_maxlen"] is not None else "—"
            cut = f"{s['cut']:.4f}" if "cut" in s else "—"
            lines.append(f"| {row['case']} | {row['maxlen'] or '—'} | {set_name} | "
                         f"{s['documents']:,} | {s['mean_chars']:.0f} | {over} | "
                         f"{s['whole']:.4f} | {cut} | {100 * (base - s['whole']):+.2f} pt |")
    lines += ["", "Whole: hansenti's scoring (a document longer than the max length goes "
              "through the network whole; the max-pooling CNN takes any length). Cut: the "
              "document's last max-length tokens only, as before. `nblr` reads every n-gram "
              "either way. Drop = NSMC test accuracy minus the set's, in points."]
    return "\n".join(lines) + "\n"


def measure(args: argparse.Namespace) -> recipe.Measured:
    names = args.only or list(CASES)
    sets = evaluation_sets(args.mirror)
    rows = [score_case(name, args.limit, args.mirror, sets) for name in names]
    return recipe.Measured({"rows": rows}, lambda header: render(rows, header),
                           bool(args.only or args.limit))


def main() -> None:
    recipe.run("long_reviews", __doc__, measure, cases=CASES,
               limit_help=recipe.TRAIN_LIMIT)


if __name__ == "__main__":
    main()
