"""Scoring review files of any size in batches, writing the result atomically."""

from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .. import atomic
from ..parallel import progress_bar
from ..review_files import ReadReport, ReviewRow, batched, read_reviews
from .predictor import Predictor

log = logging.getLogger("hansenti")

#: called with each scored batch: its rows, token lists and probabilities
BatchHook = Callable[[Sequence[ReviewRow], list[list[str]], np.ndarray], None]


def score_file(predictor: Predictor, source: Path, target: Path, column: str = "text",
               batch_size: int = 5_000, n_jobs: int = 1,
               on_batch: BatchHook | None = None) -> ReadReport:
    """Write ``source``'s usable rows plus ``label`` (the most probable class), its
    ``probability`` and one ``p_<class>`` column per class to ``target`` (CSV); rows
    without text, badly quoted or not UTF-8 are skipped and reported by line."""
    report = ReadReport(source.name)
    rows = read_reviews(source, column, report)
    with atomic.atomic_open(target, "w", newline="") as handle, \
            progress_bar(None, f"scoring {source.name}") as bar:
        writer = None
        for batch in batched(rows, batch_size):
            docs = predictor.tokenizer.tokenize_batch([row.columns[column] for row in batch],
                                                      n_jobs=n_jobs, progress=False)
            probabilities = predictor.classifier.predict_proba(docs)
            if writer is None:
                fields = [*batch[0].columns, *score_columns(predictor.classes, probabilities[0])]
                writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
                writer.writeheader()
            for row, scores in zip(batch, probabilities):
                writer.writerow({**row.columns, **score_columns(predictor.classes, scores)})
            if on_batch:
                on_batch(batch, docs, probabilities)
            bar.update(len(batch))
    report.log()
    return report


def score_columns(classes: Sequence[str], scores: np.ndarray) -> dict[str, object]:
    """What scoring adds to a row: ``label``, its ``probability`` and ``p_<class>``."""
    best = int(scores.argmax())
    return {"label": classes[best], "probability": round(float(scores[best]), 6),
            **{f"p_{name}": round(float(p), 6) for name, p in zip(classes, scores)}}
