"""Which n-gram features serve NB-LR best? On full NSMC (Mecab tokens): token 1-2-grams
(the default model's recipe) against token 1-3-grams plus character 2-5-grams, both
NB-weighted, and the plain TF-IDF character 1-3-gram logistic regression they must beat;
on full IMDB: English token 1-3-grams. Seeds 1-3; C chosen on each seed's validation
split (10% of train), the test split scored once per run. The best features of each corpus
are run a second time with `refit`: the C chosen on validation, refitted on all of train.

    python -m bench.ngrams [--mirror DIR] [--only CASE] [--limit N]

Writes bench/results/ngrams.{json,md}.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from . import recipe

NSMC_WIDE = {"ngram_max": 3, "char_ngram_max": 5, "min_df": 2,
             "c_grid": (0.01, 0.03, 0.1, 0.3)}
IMDB_WIDE = {"ngram_max": 3, "c_grid": (1.0, 3.0, 10.0, 30.0)}
#: (corpus, tokenizer, nblr options, refit); the tf-idf case is the scikit-learn baseline
CASES = {
    "nsmc tokens-1-2": ("nsmc", "mecab", {}, False),
    "nsmc tokens-1-3+chars-2-5": ("nsmc", "mecab", NSMC_WIDE, False),
    "nsmc tokens-1-3+chars-2-5, refitted": ("nsmc", "mecab", NSMC_WIDE, True),
    "nsmc tf-idf chars-1-3 (baseline)": ("nsmc", None, {"c_grid": (1.0, 3.0, 10.0, 30.0)},
                                         False),
    "imdb tokens-1-3": ("imdb", "english", IMDB_WIDE, False),
    "imdb tokens-1-3, refitted": ("imdb", "english", IMDB_WIDE, True),
}
SEEDS = (1, 2, 3)


def nblr_row(corpus: str, tokenizer: str, options: dict, refit: bool, seed: int,
             limit: int | None, mirror: str | None, work: Path) -> dict:
    """One `nblr` run trained by hansenti: its validation and test accuracy (with
    ``refit``, the test accuracy of the model refitted on all of train)."""
    from hansenti.core.config import TrainConfig
    from hansenti.training.trainer import train

    config = TrainConfig(corpus=corpus, tokenizer=tokenizer, model="nblr",
                         model_options=options, refit=refit, seed=seed, limit=limit)
    metrics = train(config, work / f"{corpus}-{tokenizer}-{seed}-{len(options)}-{refit}",
                    mirror=mirror, jobs=2)
    return {"validation": metrics["validation"]["score"], "test": metrics["test"]["accuracy"],
            "C": metrics["best"].get("C"), "ngrams": metrics.get("ngrams"),
            "train_seconds": metrics["seconds"]["train"]}


def tfidf_row(corpus: str, options: dict, seed: int, limit: int | None,
              mirror: str | None) -> dict:
    """The baseline on hansenti's own split of ``seed``: TF-IDF (sublinear) character
    1-3-grams of the raw text, fitted on the fit split, C chosen on validation."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from hansenti.core.config import TrainConfig
    from hansenti.corpora import train_validation_split
    from hansenti.training.splits import labels_of, load_splits

    config = TrainConfig(corpus=corpus, tokenizer="whitespace", seed=seed, limit=limit)
    train, test = load_splits(config, mirror)
    fit, validation = train_validation_split(train, config.validation_fraction, seed)
    started = time.perf_counter()
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
                                 min_df=2, dtype="float32")
    x_fit = vectorizer.fit_transform([r.text for r in fit])
    x_valid = vectorizer.transform([r.text for r in validation])
    fitted = [LogisticRegression(C=c, max_iter=1000, solver="liblinear").fit(
        x_fit, labels_of(fit)) for c in options["c_grid"]]
    scores = [model.score(x_valid, labels_of(validation)) for model in fitted]
    best = max(range(len(fitted)), key=scores.__getitem__)
    seconds = time.perf_counter() - started
    test_accuracy = fitted[best].score(vectorizer.transform([r.text for r in test]),
                                       labels_of(test))
    return {"validation": scores[best], "test": test_accuracy, "C": options["c_grid"][best],
            "ngrams": len(vectorizer.vocabulary_), "train_seconds": seconds}


def measure(args: argparse.Namespace) -> recipe.Measured:
    rows = []
    with tempfile.TemporaryDirectory(prefix="hansenti-ngrams-") as work:
        for case in args.only or CASES:
            corpus, tokenizer, options, refit = CASES[case]
            for seed in SEEDS:
                if tokenizer is None:
                    row = tfidf_row(corpus, options, seed, args.limit, args.mirror)
                else:
                    row = nblr_row(corpus, tokenizer, options, refit, seed, args.limit,
                                   args.mirror, Path(work))
                rows.append({"case": case, "corpus": corpus, "tokenizer": tokenizer,
                             "seed": seed, "options": options, "refit": refit, **row})
                print(rows[-1], flush=True)
    return recipe.Measured({"rows": rows}, lambda header: render(rows, header),
                           bool(args.only or args.limit))


def main() -> None:
    recipe.run("ngrams", __doc__, measure, cases=CASES,
               limit_help=recipe.TRAIN_LIMIT)


def render(rows: list[dict], header: str) -> str:
    lines = ["# n-gram features for NB-LR", "", header, "",
             "| case | C grid | C chosen | validation (mean) | test, seeds 1-3 | "
             "test mean ± std | n-grams | train s |", "|---|---|---|---:|---|---:|---:|---:|"]
    for case in dict.fromkeys(row["case"] for row in rows):
        mine = [row for row in rows if row["case"] == case]
        tests = [row["test"] for row in mine]
        spread = statistics.stdev(tests) if len(tests) > 1 else 0.0
        grid = mine[0]["options"].get("c_grid", (0.1, 0.3, 1.0, 3.0))
        lines.append(
            f"| {case} | {', '.join(f'{c:g}' for c in grid)} | "
            f"{', '.join(format(row['C'], 'g') for row in mine)} | "
            f"{statistics.mean(r['validation'] for r in mine):.2%} | "
            + ", ".join(f"{t:.2%}" for t in tests)
            + f" | {statistics.mean(tests):.2%} ± {spread:.2%} | "
            f"{statistics.mean(r['ngrams'] for r in mine):,.0f} | "
            f"{statistics.mean(r['train_seconds'] for r in mine):.0f} |")
    lines += ["", "`nblr` rows are `hansenti` training runs (binary n-gram counts scaled by "
              "naive-Bayes log-count ratios). The TF-IDF baseline is scikit-learn on the "
              "same fit, validation and test records of each seed. Every model is fitted on "
              "the fit split only (90% of train) and C chosen on validation; a refitted case "
              "then fits the chosen C again on all of train, and its test figure is that "
              "model's (its validation figure is the one that chose C).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
