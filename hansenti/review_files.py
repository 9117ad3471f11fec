"""Reading review files of any size row by row — CSV, TSV, JSON lines or plain text —
skipping (and reporting, with line numbers) rows without text, with broken quoting or
with bytes that are not UTF-8."""

from __future__ import annotations

import csv
import gzip
import json
import logging
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Iterator

from .csv_rows import numbered_rows
from .errors import HansentiError

log = logging.getLogger("hansenti")

SEPARATORS = {".csv": ",", ".tsv": "\t"}
SUFFIXES = (".csv", ".tsv", ".jsonl", ".txt")
SHOWN_PROBLEMS = 10
csv.field_size_limit(64 * 1024 * 1024)  # one review may be long; a 64 MB field is not one


@dataclass
class ReadReport:
    """Rows read and skipped, with the first few problems by line number."""

    source: str
    rows: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)

    def skip(self, line: int, reason: str) -> None:
        self.skipped += 1
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(f"{self.source}:{line}: {reason}")

    def log(self) -> None:
        if self.skipped:
            log.warning("%s: %d of %d rows skipped%s", self.source, self.skipped, self.rows,
                        "".join(f"\n  {problem}" for problem in self.problems))


@dataclass(frozen=True)
class ReviewRow:
    """One usable row: its first line number in the file and all its columns."""

    line: int
    columns: dict[str, str]


def read_reviews(path: str | Path, text_column: str, report: ReadReport) -> Iterator[ReviewRow]:
    """Rows of ``path`` that have a non-empty, well-encoded ``text_column``."""
    path = Path(path)
    if not path.is_file():
        raise HansentiError(f"input file {path} does not exist")
    compressed = path.suffix.lower() == ".gz"
    suffix = (path.with_suffix("") if compressed else path).suffix.lower()
    if suffix not in SUFFIXES:
        raise HansentiError(f"{path.name}: use a {', '.join(SUFFIXES)} file (or one gzipped)")
    opener = gzip.open if compressed else open
    with opener(path, "rt", encoding="utf-8", errors="surrogateescape", newline="") as handle:
        if suffix == ".txt":
            rows = ((number, {text_column: line.rstrip("\r\n")})
                    for number, line in enumerate(handle, 1))
        elif suffix == ".jsonl":
            rows = _json_lines(handle, report)
        else:
            rows = _delimited(handle, SEPARATORS[suffix], text_column, path.name, report)
        for number, columns in rows:
            report.rows += 1
            text = columns.get(text_column)
            if not isinstance(text, str) or not text.strip():
                report.skip(number, f"no text in column {text_column!r}")
            elif any("\udc80" <= char <= "\udcff" for char in text):
                report.skip(number, "text is not UTF-8")
            else:
                yield ReviewRow(number, {key: _plain(value) for key, value in columns.items()})


def _plain(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _delimited(handle, separator: str, text_column: str, name: str,
               report: ReadReport) -> Iterator[tuple[int, dict[str, str]]]:
    # TSV is split on tabs only: a quote inside a review must not swallow the next rows
    quoting = csv.QUOTE_NONE if separator == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(handle, delimiter=separator, quoting=quoting)
    header = next(reader, None)
    if not header:
        raise HansentiError(f"{name} is empty: a header row naming the columns is needed")
    if text_column not in header:
        raise HansentiError(f"{name} has no column {text_column!r}; columns: "
                            f"{', '.join(header)} (say which column holds the text)")
    for start, row in numbered_rows(reader, report, "unreadable row"):
        if len(row) != len(header):
            report.rows += 1
            report.skip(start, f"{len(row)} fields where the header has {len(header)} "
                               "(broken quoting?)")
        else:
            yield start, dict(zip(header, row))


def _json_lines(handle, report: ReadReport) -> Iterator[tuple[int, dict[str, str]]]:
    for number, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            report.rows += 1
            report.skip(number, f"not JSON ({error.msg})")
            continue
        if not isinstance(record, dict):
            report.rows += 1
            report.skip(number, "not a JSON object")
            continue
        yield number, record


def batched(rows: Iterator[ReviewRow], size: int) -> Iterator[list[ReviewRow]]:
    while batch := list(islice(rows, size)):
        yield batch
