"""Combining finished runs of one corpus: member probabilities are mixed by a logistic
regression on their logits, fitted on the validation split the runs share (its
regularisation chosen by cross-validation there), or averaged if that does better in
cross-validation; the test split is scored once, for the choice made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..core import atomic
from ..core.config import TrainConfig
from ..core.errors import HansentiError
from ..core.metrics import as_matrix, classification_metrics
from ..core.outputs import check_own_folder
from ..corpora import train_validation_split
from ..inference.predictor import Predictor
from ..runs.folder import PREDICTIONS_FILE, RunDir
from .splits import labels_of, load_splits, split_key, tokenize_splits

ENSEMBLE_FILE = "ensemble.json"
FOLDS = 5
#: the stacker's inverse regularisation strengths tried in cross-validation, strongest
#: first (ties go to the stronger): twenty members on 2,500 validation reviews overfit C=1
STACK_C = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


def logits(probabilities: np.ndarray) -> np.ndarray:
    clipped = np.clip(probabilities, 1e-6, 1 - 1e-6)
    return np.log(clipped / (1 - clipped))


def member_probabilities(run_dirs: Sequence[Path], configs: Sequence[TrainConfig],
                         mirror: str | None,
                         jobs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(validation probabilities, validation labels, test probabilities, test labels), one
    column per member; every member must have been carved the same validation split. Runs
    that saved their predictions are read, older ones load their model and predict."""
    binary_only(run_dirs, "an ensemble")
    shared = {json.dumps(split_key(config), sort_keys=True) for config in configs}
    if len(shared) != 1:
        raise HansentiError("ensemble members must share corpus, seed, validation fraction and "
                            f"limit (the same validation split); got {sorted(shared)}")
    train, test = load_splits(configs[0], mirror)
    _, validation = train_validation_split(train, configs[0].validation_fraction,
                                           configs[0].seed)
    validation_ids = [record.id for record in validation]
    valid_columns, test_columns = [], []
    for run_dir in run_dirs:
        saved = run_dir / PREDICTIONS_FILE
        if saved.is_file():
            with np.load(saved) as predictions:
                if predictions["validation_ids"].tolist() != validation_ids:
                    raise HansentiError(f"{saved} was made on another validation split: "
                                        "delete it to predict again")
                valid_columns.append(positive(predictions["validation"]))
                test_columns.append(positive(predictions["test"]))
            continue
        predictor = Predictor(run_dir)
        splits = tokenize_splits(predictor.tokenizer, predictor.config, train, test, jobs)
        valid_columns.append(predictor.classifier.predict_proba(splits.docs(validation))[:, 1])
        test_columns.append(predictor.classifier.predict_proba(splits.test_docs)[:, 1])
    return (np.column_stack(valid_columns), labels_of(validation),
            np.column_stack(test_columns), labels_of(test))


def positive(saved: np.ndarray) -> np.ndarray:
    """P(positive) from saved predictions (one column per class, or older runs' one)."""
    return as_matrix(saved)[:, 1]


def binary_only(run_dirs: Sequence[Path], what: str) -> None:
    """Refuse runs of more than two classes: ensembles and distillation mix P(positive)."""
    for run_dir in run_dirs:
        classes = RunDir(run_dir).classes()
        if len(classes) != 2:
            raise HansentiError(f"{what} combines P(positive) of two-class runs; {run_dir} "
                                f"has {len(classes)} classes ({', '.join(classes)})")


def ensemble(run_dirs: Sequence[str | Path], out_dir: str | Path, mirror: str | None = None,
             jobs: int = 1) -> dict[str, Any]:
    """Fit the combination on validation, score test once, write ``ensemble.json``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    if len(run_dirs) < 2:
        raise HansentiError("an ensemble needs at least two runs")
    check_own_folder(out_dir, [ENSEMBLE_FILE])
    run_dirs = [Path(run_dir) for run_dir in run_dirs]
    configs = [RunDir(run_dir).finished_config() for run_dir in run_dirs]
    valid_p, valid_y, test_p, test_y = member_probabilities(run_dirs, configs, mirror, jobs)
    stack_cv = {c: float(cross_val_score(LogisticRegression(C=c, max_iter=1_000),
                                         logits(valid_p), valid_y, cv=FOLDS).mean())
                for c in STACK_C}
    stack_c = max(STACK_C, key=stack_cv.__getitem__)
    stacker, stacked_accuracy = LogisticRegression(C=stack_c, max_iter=1_000), stack_cv[stack_c]
    mean_accuracy = float(((valid_p.mean(axis=1) >= 0.5) == valid_y).mean())
    if stacked_accuracy > mean_accuracy:
        stacker.fit(logits(valid_p), valid_y)
        method, weights = "stack", [float(w) for w in stacker.coef_[0]]
        intercept = float(stacker.intercept_[0])
        test_probabilities = stacker.predict_proba(logits(test_p))[:, 1]
    else:
        method, weights = "mean", [1 / valid_p.shape[1]] * valid_p.shape[1]
        intercept = 0.0
        test_probabilities = test_p.mean(axis=1)
    result = {
        "members": [{"run": str(run_dir), "tokenizer": config.tokenizer,
                     "model": config.model,
                     "validation_accuracy": float(((valid_p[:, i] >= 0.5) == valid_y).mean()),
                     "weight": weights[i]}
                    for i, (run_dir, config) in enumerate(zip(run_dirs, configs))],
        "method": method, "intercept": intercept, "stack_C": stack_c,
        "validation_accuracy": {"stack_cv": stacked_accuracy, "mean": mean_accuracy},
        "stack_cv_by_C": {str(c): score for c, score in stack_cv.items()},
        "test": classification_metrics(test_y, test_probabilities,
                                       RunDir(run_dirs[0]).classes()),
    }
    atomic.write_json(Path(out_dir) / ENSEMBLE_FILE, result)
    return result
