"""NB-weighted logistic regression over token n-grams: the strong non-neural baseline
(Wang & Manning 2012, "Baselines and Bigrams"), C chosen on the validation split."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from .. import atomic
from ..config import NBLROptions, TrainConfig, checked_options
from ..errors import RunDirError
from ..vocab import Vocab
from .base import Classifier, Documents, models

log = logging.getLogger("hansenti")

WEIGHTS_FILE = "nblr.npz"
NGRAMS_FILE = "nblr_ngrams.json"
SEPARATOR = "\x1f"  # joins the tokens of an n-gram; no tokenizer emits it


def logistic(c: float, x, labels: np.ndarray):
    """Logistic regression with inverse regularisation ``c``, fitted on ``x``."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=1000, solver="liblinear").fit(x, labels)


def fit_logistic(c: float, x_fit, fit_labels: np.ndarray, x_valid,
                 valid_labels: np.ndarray) -> tuple[dict[str, float], np.ndarray, float]:
    """One point of the C grid: (history row, coefficients, intercept)."""
    model = logistic(c, x_fit, fit_labels)
    row = {"C": c, "accuracy": model.score(x_fit, fit_labels),
           "val_accuracy": model.score(x_valid, valid_labels)}
    return row, model.coef_[0], float(model.intercept_[0])


class NBLRClassifier(Classifier):
    """Binary n-gram features scaled by naive-Bayes log-count ratios, then logistic regression."""

    name = "nblr"
    accepted_options = tuple(f.name for f in dataclasses.fields(NBLROptions))

    def __init__(self, config: TrainConfig) -> None:
        self.options = checked_options(NBLROptions, config.model_options, self.name)
        self.ngram_index: dict[str, int] = {}
        self.ratios = np.zeros(0)
        self.coef = np.zeros(0)
        self.intercept = 0.0
        self.C = 0.0

    def ngrams(self, doc: list[str]) -> list[str]:
        grams = list(doc)
        for n in range(2, self.options.ngram_max + 1):
            grams += [SEPARATOR.join(doc[i:i + n]) for i in range(len(doc) - n + 1)]
        return grams

    def features(self, docs: Documents):
        from sklearn.feature_extraction.text import CountVectorizer

        vectorizer = CountVectorizer(analyzer=self.ngrams, binary=True,
                                     vocabulary=self.ngram_index, dtype=np.float32)
        return vectorizer.transform(docs).multiply(self.ratios).tocsr()

    def fit_features(self, docs: Documents, labels: np.ndarray):
        """Learn the n-grams of ``docs`` and their NB ratios; return the scaled features."""
        from sklearn.feature_extraction.text import CountVectorizer

        counts = CountVectorizer(analyzer=self.ngrams, binary=True, min_df=self.options.min_df,
                                 dtype=np.float32)
        x = counts.fit_transform(docs)
        self.ngram_index = {gram: int(i) for gram, i in counts.vocabulary_.items()}
        positive = self.options.alpha + np.asarray(x[labels == 1].sum(axis=0)).ravel()
        negative = self.options.alpha + np.asarray(x[labels == 0].sum(axis=0)).ravel()
        self.ratios = np.log((positive / positive.sum()) / (negative / negative.sum()))
        return x.multiply(self.ratios).tocsr()

    def fit(self, fit_docs: Documents, fit_labels: np.ndarray, valid_docs: Documents,
            valid_labels: np.ndarray, workdir: Path, vocab: Vocab) -> list[dict[str, float]]:
        x_fit = self.fit_features(fit_docs, fit_labels)
        x_valid = self.features(valid_docs)
        log.info("nblr: %d n-grams; searching C in %s on validation",
                 len(self.ngram_index), self.options.c_grid)
        from joblib import Parallel, delayed

        # liblinear holds the GIL: the C values are fitted in worker processes, side by side
        fitted = Parallel(n_jobs=min(len(self.options.c_grid), os.cpu_count() or 1))(
            delayed(fit_logistic)(c, x_fit, fit_labels, x_valid, valid_labels)
            for c in self.options.c_grid)
        history = [row for row, _, _ in fitted]
        # the first of equally good C values, as the grid lists them
        row, coef, intercept = max(fitted, key=lambda result: result[0]["val_accuracy"])
        self.C, self.coef, self.intercept = row["C"], coef, intercept
        return history

    def refit(self, docs: Documents, labels: np.ndarray, workdir: Path, vocab: Vocab,
              chosen: dict[str, float]) -> list[dict[str, float]]:
        x = self.fit_features(docs, labels)
        model = logistic(chosen["C"], x, labels)
        self.C, self.coef, self.intercept = chosen["C"], model.coef_[0], float(model.intercept_[0])
        return [{"C": self.C, "accuracy": model.score(x, labels)}]

    def predict_proba(self, docs: Documents) -> np.ndarray:
        scores = self.features(docs) @ self.coef + self.intercept
        return 1 / (1 + np.exp(-scores))

    def save(self, directory: Path) -> None:
        ngrams = sorted(self.ngram_index, key=self.ngram_index.get)
        atomic.write_json(directory / NGRAMS_FILE, ngrams)
        with atomic.atomic_open(directory / WEIGHTS_FILE, "wb") as handle:
            np.savez(handle, ratios=self.ratios, coef=self.coef,
                     intercept=np.array([self.intercept]), C=np.array([self.C]))

    def load(self, directory: Path) -> None:
        try:
            ngrams = json.loads((directory / NGRAMS_FILE).read_text(encoding="utf-8"))
            with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as data:
                self.ratios, self.coef = data["ratios"], data["coef"]
                self.intercept, self.C = float(data["intercept"][0]), float(data["C"][0])
        except (OSError, ValueError, KeyError) as error:
            raise RunDirError(f"nblr files in {directory} are missing or corrupt ({error}): "
                              "train the run again") from error
        self.ngram_index = {gram: index for index, gram in enumerate(ngrams)}

    def summary(self) -> dict[str, Any]:
        return {"parameters": int(self.coef.size + 1), "ngrams": len(self.ngram_index),
                "C": self.C}


models.register("nblr", NBLRClassifier)
