"""NB-weighted logistic regression over token n-grams: the strong non-neural baseline
(Wang & Manning 2012, "Baselines and Bigrams"), C (and, on imbalanced classes, the class
weighting) chosen on the validation split. Two-class targets may be probabilities
(pseudo-labels): they count fractionally in the NB ratios and as two weighted rows in the
regression."""

from __future__ import annotations

import dataclasses
import gzip
import json
import logging
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ..core import atomic
from ..core.config import NBLROptions, TrainConfig, checked_options
from ..core.errors import RunDirError
from ..core.metrics import is_imbalanced, score
from ..tokenizers.vocab import Vocab
from .base import Classifier, Documents, models

log = logging.getLogger("hansenti")

WEIGHTS_FILE = "nblr.npz"
#: the n-grams in feature order, gzipped JSON (runs before 0.2 wrote it unzipped)
NGRAMS_FILE = "nblr_ngrams.json.gz"
OLD_NGRAMS_FILE = "nblr_ngrams.json"
SEPARATOR = "\x1f"  # joins the tokens of an n-gram; no tokenizer emits it
CHARACTERS = "\x1e"  # starts a character n-gram, keeping it apart from a token
#: documents whose n-gram columns prediction gathers at once
PREDICT_BATCH = 4_096


def logistic(c: float, x, targets: np.ndarray, class_weight: str | None = None):
    """Logistic regression with inverse regularisation ``c``, fitted on ``x`` and binary
    ``targets`` (each a 0/1 label or a probability of 1)."""
    from sklearn.linear_model import LogisticRegression

    x, labels, weights = weighted_rows(x, targets)
    return LogisticRegression(C=c, max_iter=1000, solver="liblinear",
                              class_weight=class_weight).fit(x, labels, sample_weight=weights)


def weighted_rows(x, targets: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray | None]:
    """Rows, 0/1 labels and sample weights whose weighted log-loss is that of the binary
    ``targets``: a row with a target p strictly between 0 and 1 is repeated, as a positive
    of weight p and a negative of weight 1 - p. No weights when every target is 0 or 1."""
    soft = (targets > 0) & (targets < 1)
    if not soft.any():
        return x, targets.astype(int), None
    import scipy.sparse

    labels = np.concatenate([np.where(soft, 1, targets), np.zeros(soft.sum())]).astype(int)
    weights = np.concatenate([np.where(soft, targets, 1.0), 1 - targets[soft]])
    return scipy.sparse.vstack([x, x[soft]]).tocsr(), labels, weights


def class_targets(targets: np.ndarray, n_problems: int) -> list[np.ndarray]:
    """The target of each binary problem: ``targets`` themselves (labels or probabilities of
    class 1) for two classes, else each class against the rest."""
    if n_problems == 1:
        return [targets]
    return [(targets == index).astype(float) for index in range(n_problems)]


def hard_labels(targets: np.ndarray) -> np.ndarray:
    """Class indices of ``targets``: a probability of class 1 counts from 0.5."""
    return np.where((targets > 0) & (targets < 1), targets >= 0.5, targets).astype(int)


def one_vs_rest(c: float, class_weight: str | None, x, ratios: np.ndarray,
                targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and intercepts of one binary problem per row of ``ratios``: class 1
    against class 0 for two classes, else each class against the rest."""
    fitted = [logistic(c, x.multiply(ratio).tocsr(), target, class_weight)
              for ratio, target in zip(ratios, class_targets(targets, len(ratios)))]
    return (np.stack([model.coef_[0] for model in fitted]),
            np.array([model.intercept_[0] for model in fitted]))


def probabilities_of(x, ratios: np.ndarray, coef: np.ndarray,
                     intercept: np.ndarray) -> np.ndarray:
    """One column per class: the sigmoid for two classes, the one-vs-rest sigmoids
    normalised to sum to one for more."""
    scores = np.column_stack([x.multiply(ratio).tocsr() @ weights + bias
                              for ratio, weights, bias in zip(ratios, coef, intercept)])
    return probabilities_from_scores(scores)


def split_ngrams(columns: Iterable[tuple[str, int]]) -> tuple[dict[str, int], dict[str, int]]:
    """(token n-grams, character n-grams without their mark) -> column: the tables
    prediction looks n-grams up in."""
    tokens: dict[str, int] = {}
    chars: dict[str, int] = {}
    for gram, column in columns:
        if gram.startswith(CHARACTERS):
            chars[gram[1:]] = column
        else:
            tokens[gram] = column
    return tokens, chars


def probabilities_from_scores(scores: np.ndarray) -> np.ndarray:
    """One column per class from the logits of the binary problems (one column each)."""
    sigmoid = 1 / (1 + np.exp(-scores))
    if scores.shape[1] == 1:
        return np.column_stack([1 - sigmoid[:, 0], sigmoid[:, 0]])
    return sigmoid / sigmoid.sum(axis=1, keepdims=True)


def grid_point(c: float, class_weight: str | None, x_fit, fit_targets: np.ndarray,
               x_valid, valid_labels: np.ndarray, ratios: np.ndarray):
    """One point of the (C, class weight) grid: (history row, coefficients, intercepts)."""
    coef, intercept = one_vs_rest(c, class_weight, x_fit, ratios, fit_targets)
    row = {"C": c, "class_weight": class_weight or "none",
           "accuracy": score("accuracy", hard_labels(fit_targets),
                             probabilities_of(x_fit, ratios, coef, intercept))}
    valid = probabilities_of(x_valid, ratios, coef, intercept)
    row["val_accuracy"] = score("accuracy", valid_labels, valid)
    row["val_macro_f1"] = score("macro_f1", valid_labels, valid)
    return row, coef, intercept


class NBLRClassifier(Classifier):
    """Binary n-gram features scaled by naive-Bayes log-count ratios, then logistic
    regression (one-vs-rest, each class with its own ratios, for more than two classes)."""

    name = "nblr"
    accepts_soft_labels = True
    accepted_options = tuple(f.name for f in dataclasses.fields(NBLROptions))

    def __init__(self, config: TrainConfig) -> None:
        self.options = checked_options(NBLROptions, config.model_options, self.name)
        self.class_weight = config.class_weight
        self._ngram_index: dict[str, int] | None = {}
        self.vectorizer: Any = None  # built from ngram_index on first use
        #: NB ratio x coefficient per problem and n-gram, what prediction sums
        self.feature_weights: np.ndarray | None = None
        #: the n-gram index split into token and (unmarked) character n-grams, for lookups;
        #: a loaded model keeps only these
        self.split_index: tuple[dict[str, int], dict[str, int]] | None = None
        self.ratios = np.zeros((1, 0))
        self.coef = np.zeros((1, 0))
        self.intercept = np.zeros(1)
        self.C = 0.0
        self.chosen_weight = "none"

    @property
    def ngram_index(self) -> dict[str, int]:
        """Each learnt n-gram's column (character n-grams marked); rebuilt from the lookup
        tables when a loaded model kept only those."""
        if self._ngram_index is None:
            tokens, chars = self.split_index or ({}, {})
            self._ngram_index = {**tokens, **{CHARACTERS + gram: column
                                              for gram, column in chars.items()}}
        return self._ngram_index

    @ngram_index.setter
    def ngram_index(self, index: dict[str, int]) -> None:
        self._ngram_index, self.split_index, self.vectorizer = index, None, None

    def ngrams(self, doc: list[str]) -> list[str]:
        grams = list(doc)
        for n in range(2, self.options.ngram_max + 1):
            grams += [SEPARATOR.join(doc[i:i + n]) for i in range(len(doc) - n + 1)]
        text = " ".join(doc)
        for n in range(2, self.options.char_ngram_max + 1):
            grams += [CHARACTERS + text[i:i + n] for i in range(len(text) - n + 1)]
        return grams

    def counts(self, docs: Documents):
        """Binary counts of the learnt n-grams (the vectorizer checks its vocabulary of a
        million n-grams once, not on every batch)."""
        if self.vectorizer is None:
            from sklearn.feature_extraction.text import CountVectorizer

            self.vectorizer = CountVectorizer(analyzer=self.ngrams, binary=True,
                                              vocabulary=self.ngram_index, dtype=np.float32)
        return self.vectorizer.transform(docs).tocsr()

    def fit_counts(self, docs: Documents, targets: np.ndarray):
        """Learn the n-grams of ``docs`` and their NB ratios (one row per binary
        problem); return the binary n-gram counts."""
        from sklearn.feature_extraction.text import CountVectorizer

        counts = CountVectorizer(analyzer=self.ngrams, binary=True, min_df=self.options.min_df,
                                 dtype=np.float32)
        x = counts.fit_transform(docs).tocsr()
        self.ngram_index = {gram: int(i) for gram, i in counts.vocabulary_.items()}
        problems = 1 if self.n_classes == 2 else self.n_classes
        self.ratios = np.stack([self.log_count_ratio(x, target)
                                for target in class_targets(targets, problems)])
        return x

    def log_count_ratio(self, x, inside: np.ndarray) -> np.ndarray:
        """Log ratio of each n-gram's smoothed share among the documents ``inside`` (a 0-1
        weight per document) and among the rest."""
        alpha = self.options.alpha
        positive = alpha + x.T @ inside
        negative = alpha + x.T @ (1 - inside)
        return np.log((positive / positive.sum()) / (negative / negative.sum()))

    def weight_grid(self, labels: np.ndarray) -> tuple[str | None, ...]:
        """Class weights to try: both on imbalanced classes under "auto"."""
        if self.class_weight == "balanced":
            return ("balanced",)
        if self.class_weight == "auto" and is_imbalanced(labels, self.n_classes):
            return (None, "balanced")
        return (None,)

    def fit(self, fit_docs: Documents, fit_labels: np.ndarray, valid_docs: Documents,
            valid_labels: np.ndarray, workdir: Path, vocab: Vocab) -> list[dict[str, float]]:
        fit_targets = np.asarray(fit_labels, dtype=float)
        x_fit = self.fit_counts(fit_docs, fit_targets)
        x_valid = self.counts(valid_docs)
        weights = self.weight_grid(hard_labels(fit_targets))
        grid = [(c, weight) for weight in weights for c in self.options.c_grid]
        log.info("nblr: %d n-grams; searching C in %s (class weights %s) on validation by %s",
                 len(self.ngram_index), self.options.c_grid,
                 "/".join(w or "none" for w in weights), self.metric)
        from joblib import Parallel, delayed

        # liblinear holds the GIL: the grid points are fitted in worker processes
        fitted = Parallel(n_jobs=min(len(grid), os.cpu_count() or 1))(
            delayed(grid_point)(c, weight, x_fit, fit_targets, x_valid,
                                valid_labels, self.ratios) for c, weight in grid)
        history = [row for row, _, _ in fitted]
        # the first of equally good points, as the grid lists them
        row, coef, intercept = max(fitted, key=lambda result: result[0][f"val_{self.metric}"])
        self.C, self.chosen_weight = row["C"], row["class_weight"]
        self.coef, self.intercept = coef, intercept
        self.feature_weights = None
        return history

    def refit(self, docs: Documents, labels: np.ndarray, workdir: Path, vocab: Vocab,
              chosen: dict[str, float]) -> list[dict[str, float]]:
        targets = np.asarray(labels, dtype=float)
        x = self.fit_counts(docs, targets)
        weight = chosen.get("class_weight", "none")
        self.C, self.chosen_weight = chosen["C"], weight
        self.coef, self.intercept = one_vs_rest(self.C, None if weight == "none" else weight,
                                                x, self.ratios, targets)
        self.feature_weights = None
        return [{"C": self.C, "class_weight": weight,
                 "accuracy": score("accuracy", hard_labels(targets), self.predict_counts(x))}]

    def predict_counts(self, x) -> np.ndarray:
        return probabilities_of(x, self.ratios, self.coef, self.intercept)

    def feature_columns(self, doc: list[str]) -> set[int]:
        """The columns of ``doc``'s distinct learnt n-grams (what :meth:`ngrams` makes,
        looked up without building the marked character n-grams)."""
        if self.split_index is None:
            self.split_index = split_ngrams(self.ngram_index.items())
        tokens, chars = self.split_index
        found = set(map(tokens.get, doc))
        for n in range(2, self.options.ngram_max + 1):
            found.update(map(tokens.get, map(SEPARATOR.join, (
                doc[i:i + n] for i in range(len(doc) - n + 1)))))
        text = " ".join(doc)
        for n in range(2, self.options.char_ngram_max + 1):
            found.update(map(chars.get, (text[i:i + n] for i in range(len(text) - n + 1))))
        found.discard(None)
        return found

    def predict_proba(self, docs: Documents) -> np.ndarray:
        """NumPy alone (no scikit-learn or SciPy: the slim prediction install): each
        document's logit is the sum of NB ratio x coefficient over its distinct n-grams."""
        if self.feature_weights is None:
            self.feature_weights = (self.ratios.astype(np.float64)
                                    * self.coef.astype(np.float64))
        scores = np.zeros((len(docs), len(self.intercept)))
        for start in range(0, len(docs), PREDICT_BATCH):  # bounded memory, any number of docs
            batch = docs[start:start + PREDICT_BATCH]
            columns: list[int] = []
            rows: list[int] = []
            for row, doc in enumerate(batch):
                present = self.feature_columns(doc)
                columns.extend(present)
                rows.extend([row] * len(present))
            columns_array = np.asarray(columns, dtype=np.int64)
            rows_array = np.asarray(rows, dtype=np.int64)
            for problem, (weights, bias) in enumerate(zip(self.feature_weights, self.intercept)):
                scores[start:start + len(batch), problem] = np.bincount(
                    rows_array, weights=weights[columns_array], minlength=len(batch)) + bias
        return probabilities_from_scores(scores)

    def save(self, directory: Path) -> None:
        """Weights as float32, compressed: a full-NSMC Mecab model is ~5 MB, not 19."""
        ngrams = sorted(self.ngram_index, key=self.ngram_index.get)
        text = json.dumps(ngrams, ensure_ascii=False).encode("utf-8")
        atomic.write_bytes(directory / NGRAMS_FILE, gzip.compress(text, mtime=0))
        with atomic.atomic_open(directory / WEIGHTS_FILE, "wb") as handle:
            np.savez_compressed(handle, ratios=self.ratios.astype(np.float32),
                                coef=self.coef.astype(np.float32), intercept=self.intercept,
                                C=np.array([self.C]),
                                class_weight=np.array([self.chosen_weight]))

    def load(self, directory: Path) -> None:
        try:
            zipped = directory / NGRAMS_FILE
            ngrams = json.loads(gzip.decompress(zipped.read_bytes()) if zipped.is_file() else
                                (directory / OLD_NGRAMS_FILE).read_bytes())
            with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as data:
                self.ratios = np.atleast_2d(data["ratios"])
                self.coef = np.atleast_2d(data["coef"])
                self.intercept = np.atleast_1d(data["intercept"]).astype(float)
                self.C = float(data["C"][0])
                self.chosen_weight = str(data["class_weight"][0]) if "class_weight" in data \
                    else "none"
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile,
                zlib.error) as error:
            raise RunDirError(f"nblr files in {directory} ({WEIGHTS_FILE}, {NGRAMS_FILE}) are "
                              f"missing or corrupt ({error}): train the run again") from error
        # only the lookup tables: the marked index is rebuilt if training or saving asks
        self._ngram_index, self.vectorizer, self.feature_weights = None, None, None
        self.split_index = split_ngrams((gram, index) for index, gram in enumerate(ngrams))
        self.n_classes = 2 if len(self.ratios) == 1 else len(self.ratios)

    def summary(self) -> dict[str, Any]:
        return {"parameters": int(self.coef.size + self.intercept.size),
                "ngrams": (sum(map(len, self.split_index)) if self._ngram_index is None
                           else len(self._ngram_index)),
                "C": self.C, "class_weight": self.chosen_weight}


models.register("nblr", NBLRClassifier)
