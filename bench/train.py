"""Accuracy and speed of hansenti classifiers on the full corpora.

    python -m bench.train [--only nsmc-mecab-cnn ...] [--limit N]

Every case is an ordinary `hansenti train` run (epoch or C chosen on a validation split
carved from train, test scored once), kept under bench/runs/. In the same run it also
times a bare ``keras.Model.fit`` epoch of the same CNN on the same arrays, and batch
prediction (tokenization included) with the Mecab CNN. Writes bench/results/train.{json,md}.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import time
from pathlib import Path

from . import recipe
from .publish import RUNS

#: name -> (corpus, tokenizer, tokenizer options, model, model options, train options)
CASES = {
    "nsmc-mecab-nblr": ("nsmc", "mecab", {}, "nblr", {}, {}),
    "nsmc-mecab-cnn": ("nsmc", "mecab", {}, "cnn", {}, {}),
    "nsmc-mecab-bilstm": ("nsmc", "mecab", {}, "bilstm", {"epochs": 6}, {}),
    "imdb-english-nblr": ("imdb", "english", {}, "nblr", {"ngram_max": 3}, {}),
    "imdb-english-cnn": ("imdb", "english", {}, "cnn", {"epochs": 6},
                         {"max_vocab": 60_000, "maxlen": "400"}),
}


def run_case(name: str, limit: int | None, mirror: str | None) -> dict:
    from hansenti.core.config import TrainConfig
    from hansenti.training.trainer import train

    corpus, tokenizer, tokenizer_options, model, model_options, extra = CASES[name]
    config = TrainConfig(corpus=corpus, tokenizer=tokenizer, tokenizer_options=tokenizer_options,
                         model=model, model_options=model_options, limit=limit, **extra)
    run_dir = RUNS / name
    shutil.rmtree(run_dir, ignore_errors=True)
    print(f"== {name}", file=sys.stderr, flush=True)
    metrics = train(config, run_dir, mirror=mirror, jobs=2)
    return {"case": name, "config": config.to_dict(), "metrics": metrics}


def bare_keras_epochs(run_dir: Path, mirror: str | None, epochs: int = 3) -> list[float]:
    """Seconds per epoch of plain ``model.fit`` on the run's own arrays and architecture."""
    import keras

    from hansenti.core.config import NetworkOptions, TrainConfig, from_dict
    from hansenti.inference.predictor import Predictor
    from hansenti.models.convolutional import build_cnn
    from hansenti.training.trainer import labels_of, load_splits, tokenize_splits

    predictor = Predictor(run_dir)
    config: TrainConfig = predictor.config
    train, test = load_splits(config, mirror)
    splits = tokenize_splits(predictor.tokenizer, config, train, test, jobs=2)
    x = predictor.classifier.encode(splits.docs(splits.fit))
    y = labels_of(splits.fit)
    options = from_dict(NetworkOptions, config.model_options)
    keras.utils.set_random_seed(config.seed)
    model = build_cnn(options, len(predictor.classifier.vocab), predictor.classifier.maxlen)
    model.compile(optimizer=keras.optimizers.Adam(options.learning_rate),
                  loss="binary_crossentropy", metrics=["accuracy"])
    seconds = []
    for _ in range(epochs):
        started = time.perf_counter()
        model.fit(x, y, batch_size=options.batch_size, epochs=1, verbose=0)
        seconds.append(time.perf_counter() - started)
    return seconds


def prediction_rate(run_dir: Path, mirror: str | None) -> dict:
    from hansenti import open_corpus
    from hansenti.inference.predictor import Predictor

    predictor = Predictor(run_dir)
    texts = open_corpus(predictor.config.corpus, mirror=mirror).load("test").texts
    started = time.perf_counter()
    predictor.predict(texts, n_jobs=2)
    seconds = time.perf_counter() - started
    return {"reviews": len(texts), "seconds": seconds, "per_second": len(texts) / seconds}


def markdown(rows: list[dict], speed: dict, header: str) -> str:
    lines = [header, "", "| case | test acc | F1 | val acc | chosen | tokens/doc | vocab | "
             "test OOV | maxlen (coverage) | params | tokenize s | s/epoch | train s |",
             "|---|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---:|"]
    for row in rows:
        m = row["metrics"]
        maxlen = f"{m['maxlen']} ({m['maxlen_coverage']:.1%})" if "maxlen" in m else "—"
        per_epoch = m["seconds"]["per_epoch"]
        lines.append(
            f"| {row['case']} | {m['test']['accuracy']:.2%} | {m['test']['f1']:.4f} | "
            f"{m['validation_accuracy']:.2%} | {m['best']} | {m['tokens_per_doc']:.1f} | "
            f"{m['vocab_size']:,} | {m['test_oov_rate']:.2%} | {maxlen} | "
            f"{m['parameters']:,} | {m['seconds']['tokenize']:.0f} | "
            f"{'—' if per_epoch is None else f'{per_epoch:.1f}'} | {m['seconds']['train']:.0f} |")
    if speed:
        lines += ["", f"- CNN epoch, NSMC Mecab: hansenti {speed['hansenti_epoch']:.1f} s "
                      f"(mean of epochs 2+) vs bare `model.fit` {speed['bare_epoch']:.1f} s "
                      f"(mean of epochs 2-3) on the same arrays: "
                      f"{speed['hansenti_epoch'] / speed['bare_epoch'] - 1:+.1%}.",
                  f"- Batch prediction, Mecab + CNN, tokenization included: "
                  f"{speed['predict']['per_second']:,.0f} reviews/s "
                  f"({speed['predict']['reviews']:,} NSMC test reviews, 2 jobs)."]
    return "\n".join(lines) + "\n"


def measure(args: argparse.Namespace) -> recipe.Measured:
    names = args.only or list(CASES)
    rows = [run_case(name, args.limit, args.mirror) for name in names]
    speed = {}
    if "nsmc-mecab-cnn" in names:
        cnn_dir = RUNS / "nsmc-mecab-cnn"
        metrics = next(r["metrics"] for r in rows if r["case"] == "nsmc-mecab-cnn")
        with open(cnn_dir / "history.csv", encoding="utf-8") as handle:
            epochs = [float(row["seconds"]) for row in csv.DictReader(handle)]
        bare = bare_keras_epochs(cnn_dir, args.mirror)
        speed = {"hansenti_epoch": sum(epochs[1:]) / max(1, len(epochs) - 1),
                 "hansenti_epochs": epochs, "bare_epoch": sum(bare[1:]) / (len(bare) - 1),
                 "bare_epochs": bare, "predict": prediction_rate(cnn_dir, args.mirror),
                 "params": metrics["parameters"]}
    return recipe.Measured({"rows": rows, "speed": speed},
                           lambda header: markdown(rows, speed, header),
                           bool(args.only or args.limit))


def main() -> None:
    recipe.run("train", __doc__, measure, cases=CASES,
               limit_help=recipe.TRAIN_LIMIT)

if __name__ == "__main__":
    main()
