"""hansenti's default model beside the pipelines a Python analyst would otherwise write,
in one run on the same NSMC splits.

    python -m bench.peers [--only tfidf-chars ...] [--limit N]

Peers: the bundled default model (`hansenti predict`); TF-IDF character 1-3-grams +
logistic regression (scikit-learn), the plain baseline; and kiwipiepy morphemes + TF-IDF
word 1-2-grams + logistic regression, the pipeline a kiwipiepy user writes. The
scikit-learn peers are fitted on the fit part of NSMC train (90%, the validation split the
default model was chosen on: seed 42) with C chosen on the other 10% from the same grid;
none sees test before it is scored once. Each peer is scored on NSMC test in a fresh
process (tokenizing included, one process; the default model also with two): accuracy,
macro-F1, reviews/s, peak memory, the model's size on disk, and what its stack weighs
installed (bench/results/extras.json). Writes bench/results/peers.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from . import recipe
from .publish import load_result

#: peer -> (what it is, its stack's row in extras.json)
PEERS = {
    "hansenti": ("hansenti default model (`hansenti[predict]`)", "predict"),
    "tfidf-chars": ("TF-IDF character 1-3-grams + logistic regression (scikit-learn)",
                    "peer: scikit-learn"),
    "kiwi-tfidf": ("kiwipiepy morphemes + TF-IDF word 1-2-grams + logistic regression",
                   "peer: kiwipiepy + scikit-learn"),
}
C_GRID = (1.0, 2.0, 4.0, 8.0)
SEED, VALIDATION_FRACTION = 42, 0.1


def splits(limit: int | None) -> tuple[list, list, list]:
    """(fit, validation, test) records of NSMC: the default model's own carving."""
    from hansenti import open_corpus
    from hansenti.corpora.base import stratified_sample, train_validation_split

    corpus = open_corpus("nsmc")
    train, test = corpus.load("train").records, corpus.load("test").records
    if limit:
        train = stratified_sample(train, limit, SEED)
        test = stratified_sample(test, max(1, limit // 3), SEED)
    fit, validation = train_validation_split(train, VALIDATION_FRACTION, SEED)
    return fit, validation, test


def kiwi_morphemes() -> Callable[[str], list[str]]:
    """The analyzer a kiwipiepy user passes to TfidfVectorizer: morpheme forms."""
    from kiwipiepy import Kiwi

    kiwi = Kiwi()
    return lambda text: [token.form for token in kiwi.tokenize(text)]


def pipeline(peer: str, c: float) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    if peer == "tfidf-chars":
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
                                     min_df=2)
    else:
        vectorizer = TfidfVectorizer(tokenizer=kiwi_morphemes(), token_pattern=None,
                                     lowercase=False, ngram_range=(1, 2), sublinear_tf=True,
                                     min_df=2)
    return make_pipeline(vectorizer, LogisticRegression(C=c, max_iter=2000))


def fit_peer(peer: str, limit: int | None, target: Path) -> dict:
    """Fit the peer's vectorizer once on the fit split, choose C on validation, save the
    chosen pipeline with joblib."""
    import joblib
    from sklearn.base import clone

    fit, validation, _ = splits(limit)
    fit_texts, fit_labels = [r.text for r in fit], [r.label for r in fit]
    base = pipeline(peer, C_GRID[0])
    vectorizer, _ = base.steps[0][1], base.steps[1][1]
    started = time.perf_counter()
    x_fit = vectorizer.fit_transform(fit_texts)
    x_valid = vectorizer.transform([r.text for r in validation])
    scores = {}
    for c in C_GRID:
        model = clone(base.steps[1][1]).set_params(C=c).fit(x_fit, fit_labels)
        scores[c] = float((model.predict(x_valid) == [r.label for r in validation]).mean())
    chosen = max(C_GRID, key=lambda c: scores[c])  # the first of equals, as listed
    base.steps[1][1].set_params(C=chosen).fit(x_fit, fit_labels)
    seconds = time.perf_counter() - started
    if peer == "kiwi-tfidf":  # the Kiwi closure is rebuilt when loaded, not pickled
        base.steps[0][1].set_params(tokenizer=None)
    joblib.dump(base, target)
    return {"C": chosen, "validation_by_C": scores, "validation": scores[chosen],
            "train_seconds": seconds, "features": len(vectorizer.vocabulary_)}


def score_peer(peer: str, limit: int | None, model_path: str | None, jobs: int) -> dict:
    """Load the peer and score NSMC test once, in this (fresh) process."""
    import numpy as np

    from hansenti.core.metrics import classification_metrics

    _, _, test = splits(limit)
    texts, labels = [r.text for r in test], np.array([r.label for r in test])
    started = time.perf_counter()
    if peer == "hansenti":
        import hansenti

        predictor = hansenti.load()
        load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        probabilities = predictor.predict(texts, n_jobs=jobs)
    else:
        import joblib

        model = joblib.load(model_path)
        if peer == "kiwi-tfidf":
            model.steps[0][1].set_params(tokenizer=kiwi_morphemes())
        load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        probabilities = model.predict_proba(texts)
    seconds = time.perf_counter() - started
    scores = classification_metrics(labels, probabilities, ("negative", "positive"))
    return {"accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"],
            "reviews": len(texts), "seconds": seconds, "load_seconds": load_seconds,
            "reviews_per_s": len(texts) / seconds,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def in_fresh_process(*args: str) -> dict:
    command = recipe.child(__spec__.name, "--one", json.dumps(args))
    result = subprocess.run(command, cwd=recipe.ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{args}: {result.stderr.strip().splitlines()[-1:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def default_model_facts() -> dict:
    from hansenti.runs.folder import RunDir
    from hansenti.runs.installed import resolve_run
    from hansenti.runs.model_card import folder_bytes

    run = RunDir(resolve_run(None))
    metrics = run.metrics()
    return {"bytes": folder_bytes(run.path), "validation": metrics["validation"]["accuracy"],
            "chosen": metrics["best"], "model": f"{run.finished_config().tokenizer} + "
                                                f"{run.finished_config().model}"}


def peer_row(peer: str, limit: int | None, work: Path, installs: dict[str, int]) -> dict:
    row: dict = {"peer": peer, "what": PEERS[peer][0],
                 "install_bytes": installs.get(PEERS[peer][1])}
    limit_args = [str(limit or 0)]
    if peer == "hansenti":
        row.update(default_model_facts())
        row["scored"] = in_fresh_process("score", peer, *limit_args, "", "1")
        row["scored_2_jobs"] = in_fresh_process("score", peer, *limit_args, "", "2")
    else:
        target = work / f"{peer}.joblib"
        row.update(in_fresh_process("fit", peer, *limit_args, str(target)))
        row["bytes"] = target.stat().st_size
        row["scored"] = in_fresh_process("score", peer, *limit_args, str(target), "1")
    print(row, file=sys.stderr, flush=True)
    return row


def render(rows: list[dict], limit: int | None):
    def markdown(header: str) -> str:
        lines = ["# hansenti beside its peers", "", header, "",
                 f"NSMC test ({rows[0]['scored']['reviews']:,} reviews), each peer scored once "
                 "in a fresh process, tokenizing included.", "",
                 "| peer | accuracy | macro-F1 | reviews/s (1 process) | peak memory MB | "
                 "model MB | stack installed MB | validation (chose it) |",
                 "|---|---:|---:|---:|---:|---:|---:|---|"]
        for row in rows:
            scored = row["scored"]
            install = (f"{row['install_bytes'] / 1e6:,.0f}" if row.get("install_bytes")
                       else "—")
            chosen = row.get("chosen") or {"C": row.get("C")}
            lines.append(f"| {row['what']} | {scored['accuracy']:.2%} | "
                         f"{scored['macro_f1']:.2%} | {scored['reviews_per_s']:,.0f} | "
                         f"{scored['peak_rss_mb']:,.0f} | {row['bytes'] / 1e6:.1f} | {install} | "
                         f"{row['validation']:.2%} at {chosen} |")
        two = next((row["scored_2_jobs"] for row in rows if "scored_2_jobs" in row), None)
        if two:
            lines += ["", f"The default model with two worker processes: "
                      f"{two['reviews_per_s']:,.0f} reviews/s."]
        lines += ["", "The scikit-learn peers are fitted on the same 90% of NSMC train as the "
                  f"default model, with C chosen from {', '.join(f'{c:g}' for c in C_GRID)} on "
                  "the same 10% validation split; installed MB from bench/results/extras.json "
                  "(a fresh environment with that stack alone)."
                  + (f" A slice: {limit:,} train reviews." if limit else ""), ""]
        return "\n".join(lines)

    return markdown


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--one", help=argparse.SUPPRESS)


def measure(args: argparse.Namespace) -> recipe.Measured | None:
    if args.one:
        step, peer, limit, path, *jobs = json.loads(args.one)
        limit = int(limit) or None
        result = (fit_peer(peer, limit, Path(path)) if step == "fit"
                  else score_peer(peer, limit, path or None, int(jobs[0])))
        print(json.dumps(result))
        return None
    try:
        installs = {row["extra"]: row["bytes"] for row in load_result("extras")["rows"]}
    except FileNotFoundError:
        installs = {}
    with tempfile.TemporaryDirectory(prefix="hansenti-peers-") as work:
        rows = [peer_row(peer, args.limit, Path(work), installs)
                for peer in args.only or PEERS]
    return recipe.Measured({"rows": rows, "c_grid": C_GRID}, render(rows, args.limit),
                           bool(args.only or args.limit))


def main() -> None:
    recipe.run("peers", __doc__, measure, options, cases=PEERS,
               limit_help="train reviews (test: a third as many; default: all)")


if __name__ == "__main__":
    main()
