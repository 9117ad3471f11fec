"""Scoring review files of any size in batches, writing the result atomically."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from . import atomic
from .errors import HansentiError
from .run import Predictor

if TYPE_CHECKING:
    import pandas

log = logging.getLogger("hansenti")

SEPARATORS = {".csv": ",", ".tsv": "\t"}


def read_batches(path: Path, column: str, batch_size: int) -> Iterator["pandas.DataFrame"]:
    """DataFrames of at most ``batch_size`` rows with a ``column`` of texts."""
    import pandas

    if not path.is_file():
        raise HansentiError(f"input file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".txt":
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = (line.rstrip("\n") for line in handle)
            while batch := [line for _, line in zip(range(batch_size), lines)]:
                yield pandas.DataFrame({column: batch})
        return
    if suffix not in SEPARATORS:
        raise HansentiError(f"{path.name}: use a .csv, .tsv or .txt file")
    reader = pandas.read_csv(path, sep=SEPARATORS[suffix], chunksize=batch_size, dtype=str,
                             keep_default_na=False, on_bad_lines="warn", encoding_errors="replace")
    for chunk in reader:
        if column not in chunk.columns:
            raise HansentiError(f"{path.name} has no column {column!r}; columns: "
                                f"{', '.join(map(str, chunk.columns))} (use --column)")
        yield chunk


def score_file(predictor: Predictor, source: Path, target: Path, column: str = "text",
               batch_size: int = 5_000, n_jobs: int = 1) -> int:
    """Write ``source``'s rows plus ``probability`` and ``label`` to ``target`` as CSV."""
    count = 0
    with atomic.atomic_open(target, "w", newline="") as handle:
        for batch in read_batches(source, column, batch_size):
            probabilities = predictor.predict(batch[column].tolist(), n_jobs=n_jobs)
            batch = batch.assign(probability=probabilities.round(6),
                                 label=predictor.labels(probabilities))
            batch.to_csv(handle, index=False, header=count == 0)
            count += len(batch)
            log.info("scored %d reviews so far", count)
    return count
