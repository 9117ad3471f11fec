"""Scoring review files of any size in batches, writing the result atomically.

The output keeps every input column and the rows' order, and adds the prediction columns
of :mod:`hansenti.inference.columns` (``pred_label``, ``pred_probability``, ...).
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..core import atomic
from ..core.outputs import check_output_file
from ..core.parallel import progress_bar
from ..core.review_files import DEFAULT_MAX_SKIPPED, ReadReport, ReviewRow, batched, read_reviews
from .columns import DEFAULT_PREFIX, check_collisions, prediction_columns, prediction_names
from .predictor import Predictor
from .scored import Scored

log = logging.getLogger("hansenti")

#: called with each scored batch: its rows and their scores
BatchHook = Callable[[Sequence[ReviewRow], Scored], None]


@dataclass(frozen=True)
class FileScoring:
    """How a user's review file is read and its predictions written."""

    #: what the prediction columns' names start with
    prefix: str = DEFAULT_PREFIX
    #: the file's text encoding (None: UTF-8, with or without a byte-order mark)
    encoding: str | None = None
    #: share of unreadable rows above which the file fails instead of being scored
    max_skipped: float = DEFAULT_MAX_SKIPPED
    #: whether an existing output (hansenti's own, never an input) may be replaced
    overwrite: bool = False


def score_file(predictor: Predictor, source: Path, target: Path, column: str = "text",
               batch_size: int = 5_000, n_jobs: int = 1, on_batch: BatchHook | None = None,
               options: FileScoring = FileScoring()) -> ReadReport:
    """Write ``source``'s usable rows plus the prediction columns to ``target`` (CSV);
    rows without text, badly quoted or not in the file's encoding are skipped and
    reported by line, and more than ``options.max_skipped`` of them fail the whole file
    (nothing is written). ``target`` is never ``source``, nor an existing file without
    ``options.overwrite``."""
    check_output_file(target, options.overwrite, inputs=[source])
    prefix = options.prefix
    report = ReadReport(source.name)
    rows = read_reviews(source, column, report, encoding=options.encoding)
    known: list[np.ndarray] = []
    with atomic.atomic_open(target, "w", newline="") as handle, \
            progress_bar(None, f"scoring {source.name}") as bar:
        writer = None
        for batch in batched(rows, batch_size):
            columns = list(dict.fromkeys(key for row in batch for key in row.columns))
            check_collisions(columns, predictor.classes, prefix)
            scored = predictor.score([row.columns[column] for row in batch], n_jobs=n_jobs)
            if writer is None:
                fields = [*columns, *prediction_names(predictor.classes, prefix)]
                writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore",
                                        restval="")
                writer.writeheader()
            for index, row in enumerate(batch):
                writer.writerow({**row.columns, **prediction_columns(predictor.classes, scored,
                                                                     index, prefix)})
            known.append(scored.known)
            if on_batch:
                on_batch(batch, scored)
            bar.update(len(batch))
        report.check_skipped(options.max_skipped)
    report.log()
    warn_if_unfamiliar(predictor, np.concatenate(known) if known else np.zeros(0),
                       f"reviews of {source.name}")
    return report


def warn_if_unfamiliar(predictor: Predictor, known: np.ndarray, what: str) -> str | None:
    """Log (and return) the familiarity warning of a scored batch or file, if any."""
    warning = predictor.familiarity_warning(known, what)
    if warning:
        log.warning("%s", warning)
    return warning
