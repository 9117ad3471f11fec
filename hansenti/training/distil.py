"""Knowledge distillation: finished runs (the teachers) label unlabelled reviews with their
mean probability; ``TrainConfig.pseudo_labels`` adds those reviews, with the probabilities
as soft targets, to a student's fit part.

No text of the teachers' labelled corpus (train or test, compared with whitespace
collapsed) is ever labelled: test stays unseen and validation stays out-of-sample. Texts
longer than the longest labelled train text are dropped, so the added reviews look like
the labelled ones.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..core.errors import HansentiError
from ..core.outputs import check_own_folder
from ..corpora import CorpusReference, Review, referenced_reviews
from ..inference.predictor import Predictor
from ..runs.folder import RunDir
from ..tokenizers.cache import TokenCache
from .pseudo_labels import INFO_FILE, LABELS_FILE, PseudoLabels, write_pseudo_labels
from .splits import labels_of, load_splits, split_key

log = logging.getLogger("hansenti")

#: the ``limit`` sample is the same for every call, so students of one size compare
SAMPLE_SEED = 42
#: warn when the labelled reviews' positive share is this far from the train split's
LEAN_WARNING = 0.15


def collapsed(text: str) -> str:
    return " ".join(text.split())


def unlabelled_reviews(source: str, train: Sequence[Review], test: Sequence[Review],
                       mirror: str | None) -> tuple[list[Review], dict[str, int]]:
    """The reviews of ``source`` (``CORPUS[:SPLIT+SPLIT]``) that may be pseudo-labelled,
    and how many were dropped as texts of the labelled ``train`` and ``test`` or as longer
    than the longest train text."""
    records = referenced_reviews(CorpusReference.parse(source), mirror)
    if any(record.label is not None for record in records):
        raise HansentiError(f"{source} is labelled: pseudo-labels are for unlabelled reviews "
                            "(e.g. naver-reviews or imdb:unsup)")
    labelled_texts = {collapsed(record.text) for record in (*train, *test)}
    longest = max(len(record.text) for record in train)
    kept = [record for record in records if collapsed(record.text) not in labelled_texts
            and len(record.text) <= longest]
    too_long = sum(len(record.text) > longest for record in records)
    return kept, {"labelled_texts": len(records) - len(kept) - too_long, "too_long": too_long}


def teacher_probabilities(run_dirs: Sequence[Path], texts: Sequence[str], label: str,
                          jobs: int) -> np.ndarray:
    """One column per teacher: its probability that each text is positive (tokens cached)."""
    columns = []
    for number, run_dir in enumerate(run_dirs, 1):
        predictor = Predictor(run_dir)
        log.info("teacher %d/%d %s: scoring %d reviews", number, len(run_dirs), run_dir,
                 len(texts))
        docs = TokenCache().tokenize(predictor.tokenizer, texts, label, n_jobs=jobs)
        columns.append(predictor.score_tokens(docs).probabilities[:, 1])
    return np.column_stack(columns)


def warn_of_lean(info: dict[str, Any]) -> None:
    """Warn when the teachers call a share of the reviews positive far from train's."""
    labelled, train = info["positive_share"], info["train_positive_share"]
    if abs(labelled - train) > LEAN_WARNING:
        log.warning("the teachers call %.1f%% of %s positive against %.1f%% of the labelled "
                    "train reviews: a student trained on them leans the same way (label a "
                    "source whose reviews are more like the labelled ones, or check the "
                    "student on validation)", 100 * labelled, info["source"], 100 * train)


def distil(teacher_dirs: Sequence[str | Path], source: str, out_dir: str | Path,
           mirror: str | None = None, jobs: int = 1, limit: int | None = None) -> dict[str, Any]:
    """Label ``source`` (a seeded sample of ``limit`` of its reviews, if given) with the mean
    probability of the teachers; write ``out_dir``."""
    from .ensemble import member_probabilities

    run_dirs = [Path(run_dir) for run_dir in teacher_dirs]
    if not run_dirs:
        raise HansentiError("give at least one teacher run")
    check_own_folder(out_dir, [LABELS_FILE, INFO_FILE])
    configs = [RunDir(run_dir).finished_config() for run_dir in run_dirs]
    valid_p, valid_y, _, _ = member_probabilities(run_dirs, configs, mirror, jobs)
    train, test = load_splits(dataclasses.replace(configs[0], limit=None), mirror)
    records, excluded = unlabelled_reviews(source, train, test, mirror)
    if not records:
        raise HansentiError(f"{source} has no reviews left to label")
    if limit and limit < len(records):
        records = random.Random(SAMPLE_SEED).sample(records, limit)
    texts = [record.text for record in records]
    probabilities = teacher_probabilities(run_dirs, texts, f"{source}-distil", jobs).mean(axis=1)
    info = {
        "teachers": [{"run": str(run_dir), "tokenizer": config.tokenizer, "model": config.model}
                     for run_dir, config in zip(run_dirs, configs)],
        "split": split_key(configs[0]),
        "source": source, "limit": limit, "documents": len(records), "excluded": excluded,
        "validation_accuracy": float(((valid_p.mean(axis=1) >= 0.5) == valid_y).mean()),
        "positive_share": float((probabilities >= 0.5).mean()),
        "train_positive_share": float(labels_of(train).mean()),
    }
    warn_of_lean(info)
    write_pseudo_labels(Path(out_dir), PseudoLabels([record.id for record in records], texts,
                                                    probabilities, info))
    return info
