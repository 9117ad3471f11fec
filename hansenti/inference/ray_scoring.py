"""Scoring and analysing big piles of review files with Ray Data (``--executor ray``).

Ray Data streams the rows: read tasks parse the files (each file's rows in blocks of
``batch_size``, with the same checks and skip reports as a local run), a pool of actors —
each loading the run once — tokenizes and scores a batch at a time, writes it as one part
file and hands back the batch's totals (:class:`~.analysis.Analysis`: counts, heaps of
the most certain reviews, token counts), which the driver adds up. No worker ever holds
more than a batch, and the driver only the totals, however many reviews stream past.
"""

from __future__ import annotations

import csv
import logging
import os
import pickle
import uuid
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..core import atomic
from ..core.errors import HansentiError
from ..core.outputs import output_folder
from ..core.parallel import gc_paused, progress_bar
from ..core.ray_cluster import (
    cluster_cpus,
    enter_task,
    ray_session,
    require_ray,
    task_context,
)
from ..core.review_files import ReadReport, ReviewRow, batched, read_reviews, review_paths
from .analysis import Analysis
from .columns import check_collisions, prediction_columns, prediction_names
from .predictor import Predictor
from .report import write_analysis
from .scored import Scored
from .scoring import FileScoring

log = logging.getLogger("hansenti")

PARTS_DIR = "parts"
#: Ray Data gathers what a task yields into blocks of up to this size (128 MiB by default)
#: and an actor takes a whole block: a file read by one task must leave it in small blocks
#: for every actor to get some (at 128 MiB the 712K-review crawl was scored by one actor)
BLOCK_BYTES = 1 << 20
PART_FORMATS = ("parquet", "csv")
#: what a row of the read stage is: a review, or a file's read report (its last row)
REVIEW, REPORT = "review", "report"


def score_on_ray(run: str | Path | None, inputs: str | Path, out_dir: str | Path,
                 text_column: str = "text", group_column: str | None = None, keep: int = 5,
                 batch_size: int = 5_000, part_format: str = "parquet",
                 summarise: bool = True, address: str | None = None,
                 cpus_per_actor: float = 1.0, progress: bool | None = None,
                 options: FileScoring = FileScoring(),
                 min_confidence: float = 0.0) -> Analysis:
    """Score every review of ``inputs`` (a file, folder or glob) into ``out_dir/parts``;
    with ``summarise`` also write summary.csv, extremes.csv, aspects.csv and report.html as
    local ``analyze`` does. ``out_dir`` is new, empty or (``overwrite``) hansenti's own,
    as :func:`hansenti.core.outputs.output_folder` says; its files appear complete or not at all."""
    require_ray()
    if part_format not in PART_FORMATS:
        raise HansentiError(f"unknown part format {part_format!r}; use {' or '.join(PART_FORMATS)}")
    files = review_paths(inputs)
    predictor = Predictor(run, min_confidence)  # a bad run fails here, before Ray starts
    check_headers(files, text_column, group_column, options.encoding, predictor.classes,
                  options.prefix)
    names = file_names(files)
    label = names[0] if len(names) == 1 else f"{len(names)} files in {inputs}"
    total = Analysis(predictor.classes, keep, report=ReadReport(label))
    out_dir = Path(out_dir).resolve()
    with output_folder(out_dir, options.overwrite, inputs=files) as staging, \
            ray_session(address) as ray, ray_data_settings(ray):
        (staging / PARTS_DIR).mkdir()
        actors = max(1, int(cluster_cpus(ray) // cpus_per_actor))
        rows = review_rows(ray, files, names, text_column, group_column, batch_size,
                           options.encoding)
        tallies = rows.map_batches(
            _ScoreBatches, batch_size=batch_size, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(min_size=1, max_size=actors,
                                               initial_size=actors),
            num_cpus=cpus_per_actor,
            fn_constructor_kwargs={
                "run": str(predictor.run.path.resolve()), "parts": str(staging / PARTS_DIR),
                "part_format": part_format, "text_column": text_column,
                "group_column": group_column if summarise else None, "keep": keep,
                "summarise": summarise, "context": task_context(), "cpus": cpus_per_actor,
                "prefix": options.prefix, "min_confidence": min_confidence})
        with progress_bar(None, f"scoring on Ray ({actors} actors)", progress) as bar:
            for batch in run_stream(ray, tallies):
                for blob in batch["tally"]:
                    with gc_paused():  # a tally is many small objects and no cycles
                        part = pickle.loads(blob)
                        total.merge(part)
                    bar.update(part.scored)
        total.report.check_skipped(options.max_skipped)
        if summarise:
            write_analysis(total, predictor, staging, label)
    total.report.log()
    return total


def review_rows(ray: Any, files: list[Path], names: list[str], text_column: str,
                group_column: str | None, rows_per_block: int,
                encoding: str | None = None) -> Any:
    """The read stage: one task per file, its usable rows in blocks (and its read report
    as a last row); under :func:`ray_data_settings` a big file leaves in many blocks."""
    source = ray.data.from_items([{"path": str(path.resolve()), "name": name}
                                  for path, name in zip(files, names)],
                                 override_num_blocks=len(files))
    return source.map_batches(_read_files, batch_size=1, batch_format="numpy", num_cpus=0,
                              fn_kwargs={"text_column": text_column,
                                         "group_column": group_column, "encoding": encoding,
                                         "rows_per_block": rows_per_block})


def run_stream(ray: Any, dataset: Any) -> Iterator[dict[str, np.ndarray]]:
    """The dataset's batches; a HansentiError raised in a task comes back as itself."""
    try:
        yield from dataset.iter_batches(batch_size=None, batch_format="numpy")
    except ray.exceptions.RayError as error:
        cause = error
        while cause is not None and not isinstance(cause, HansentiError):
            cause = getattr(cause, "cause", None) or cause.__cause__
        if cause is not None:
            raise HansentiError(str(cause)) from None
        raise


@contextmanager
def ray_data_settings(ray: Any) -> Iterator[None]:
    """Ray Data for the block: hansenti's own progress bar only, Ray Data's errors (not its
    notices), and blocks of at most :data:`BLOCK_BYTES`; the driver's settings after."""
    context = ray.data.DataContext.get_current()
    settings = {"enable_progress_bars": False, "print_on_execution_start": False,
                "target_max_block_size": BLOCK_BYTES}
    saved = {name: getattr(context, name) for name in settings}
    logger = logging.getLogger("ray.data")
    saved_level = logger.level
    for name, value in settings.items():
        setattr(context, name, value)
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(context, name, value)
        logger.setLevel(saved_level)


def check_headers(files: list[Path], text_column: str, group_column: str | None,
                  encoding: str | None, classes: tuple[str, ...], prefix: str) -> None:
    """Fail before any task starts when a file lacks a column, is not in its encoding,
    or has a column named like a prediction column (each file's first row)."""
    required = (group_column,) if group_column else ()
    for path in files:
        row = next(read_reviews(path, text_column, ReadReport(path.name), required,
                                encoding), None)
        if row is not None:
            check_collisions(row.columns, classes, prefix)


def file_names(files: list[Path]) -> list[str]:
    """How each file is named in reports: its path below the files' common folder."""
    if len(files) == 1:
        return [files[0].name]
    root = Path(os.path.commonpath([path.resolve().parent for path in files]))
    return [str(path.resolve().relative_to(root)) for path in files]


def _read_files(batch: dict[str, np.ndarray], text_column: str, group_column: str | None,
                rows_per_block: int, encoding: str | None
                ) -> Iterator[dict[str, np.ndarray]]:
    """Read task: each file's usable rows in blocks, then its read report as one row."""
    required = (group_column,) if group_column else ()
    for path, name in zip(batch["path"], batch["name"]):
        report = ReadReport(str(name))
        for rows in batched(read_reviews(path, text_column, report, required, encoding),
                            rows_per_block):
            yield _block(name, REVIEW, [row.line for row in rows],
                         [pickle.dumps(row.columns) for row in rows])
        yield _block(name, REPORT, [0], [pickle.dumps({"rows": report.rows, "skipped":
                                                       report.skipped,
                                                       "problems": report.problems})])


def _block(name: str, kind: str, lines: list[int], columns: list[bytes]) -> dict[str, np.ndarray]:
    """Rows of a read block: the columns of each pickled (half the cost of JSON)."""
    return {"file": np.array([name] * len(lines), dtype=object),
            "kind": np.array([kind] * len(lines), dtype=object),
            "line": np.array(lines, dtype=np.int64),
            "columns": np.array(columns, dtype=object)}


class _ScoreBatches:
    """Actor: one loaded run; each batch scored, written as a part, its totals returned."""

    def __init__(self, run: str, parts: str, part_format: str, text_column: str,
                 group_column: str | None, keep: int, summarise: bool,
                 context: dict[str, Any], cpus: float, prefix: str,
                 min_confidence: float) -> None:
        enter_task(context, cpus)
        self.predictor = Predictor(run, min_confidence)
        self.parts, self.part_format = Path(parts), part_format
        self.text_column, self.group_column = text_column, group_column
        self.keep, self.summarise, self.prefix = keep, summarise, prefix

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        with gc_paused():
            return self.score(batch)

    def score(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        tally = Analysis(self.predictor.classes, self.keep, report=ReadReport(""))
        by_file: dict[str, list[ReviewRow]] = defaultdict(list)
        for name, kind, line, columns in zip(batch["file"], batch["kind"], batch["line"],
                                             batch["columns"]):
            if kind == REPORT:
                tally.report.merge(ReadReport(str(name), **pickle.loads(columns)))
            else:
                by_file[str(name)].append(ReviewRow(int(line), pickle.loads(columns)))
        parts = []
        for name, rows in by_file.items():
            scored = self.predictor.score([row.columns[self.text_column] for row in rows])
            if self.summarise:
                tally.add(rows, scored.tokens, scored.probabilities, self.text_column,
                          self.group_column, name)
            else:
                tally.class_totals += np.bincount(scored.probabilities.argmax(axis=1),
                                                  minlength=len(tally.classes))
            parts.append((name, rows, scored))
        if parts:
            self.write_part(parts)
        return {"tally": np.array([pickle.dumps(tally)], dtype=object)}

    def write_part(self, parts: list[tuple[str, list[ReviewRow], Scored]]) -> None:
        """One part file: source_file, each row's columns and the prediction columns."""
        classes, prefix = self.predictor.classes, self.prefix
        records = []
        for name, rows, scored in parts:
            records += [{"source_file": name, **row.columns,
                         **prediction_columns(classes, scored, index, prefix)}
                        for index, row in enumerate(rows)]
        fields = list(dict.fromkeys(key for record in records for key in record))
        path = self.parts / f"part-{uuid.uuid4().hex}.{self.part_format}"
        if self.part_format == "csv":
            with atomic.atomic_open(path, "w", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=fields, restval="")
                writer.writeheader()
                writer.writerows(records)
            return
        import pyarrow
        import pyarrow.parquet

        table = pyarrow.Table.from_pylist(records, schema=part_schema(fields, classes, prefix))
        with atomic.atomic_open(path, "wb") as handle:
            pyarrow.parquet.write_table(table, handle)


def part_schema(fields: list[str], classes: tuple[str, ...], prefix: str) -> Any:
    """Text columns as strings, the scores as doubles."""
    import pyarrow

    scores = set(prediction_names(classes, prefix)) - {f"{prefix}label"}
    return pyarrow.schema([(name, pyarrow.float64() if name in scores else pyarrow.string())
                           for name in fields])
