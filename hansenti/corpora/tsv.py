"""Reading publishers' TSV files line by line, reporting rows that do not parse."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path
from typing import IO, Iterator

from ..core.csv_rows import numbered_rows
from ..core.errors import CorpusError
from .base import LoadReport


def read_rows(path: Path, header: tuple[str, ...], report: LoadReport,
              quoted: bool = False) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line number, fields)`` of each data row with ``len(header)`` fields.

    How a file quotes is a property of its release, never guessed per row. ``quoted=False``
    (raw files, such as the rebuilt mirror): lines are split on tabs only, since their
    review text holds stray quotes that a CSV reader would take for quoting and merge
    rows over. ``quoted=True`` (files written by pandas ``to_csv``, such as upstream NSMC):
    a field that starts with ``"`` is quoted, ``""`` inside it is one quote, and it may
    hold tabs and line breaks."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        first = handle.readline().decode("utf-8-sig", errors="replace").rstrip("\r\n")
        if tuple(first.split("\t")) != header:
            raise CorpusError(f"{path.name}:1: header {first[:60]!r} is not "
                              f"{chr(9).join(header)!r}: is this the right file?")
        rows = _quoted_rows(handle, report) if quoted else _tab_rows(handle, report)
        for number, fields in rows:
            report.rows += 1
            if len(fields) != len(header):
                report.skip(number, f"{len(fields)} fields, expected {len(header)}")
                continue
            yield number, fields


def _decoded_lines(handle: IO[bytes], report: LoadReport) -> Iterator[tuple[int, str | None]]:
    """``(line number, text)`` of each line after the header; a line that is not UTF-8 is
    counted as a row, reported, and given as None."""
    for number, raw in enumerate(handle, start=2):
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as error:
            report.rows += 1
            report.skip(number, f"not UTF-8 ({error.reason})")
            yield number, None


def _tab_rows(handle: IO[bytes], report: LoadReport) -> Iterator[tuple[int, list[str]]]:
    for number, line in _decoded_lines(handle, report):
        if line is not None:
            yield number, line.rstrip("\r\n").split("\t")


def _quoted_rows(handle: IO[bytes], report: LoadReport) -> Iterator[tuple[int, list[str]]]:
    """Rows of a tab-separated file with CSV quoting; a row is numbered by its first line."""
    # an undecodable line stays in as a blank one, so that line numbers stay true
    lines = (line if line is not None else "\n" for _, line in _decoded_lines(handle, report))
    reader = csv.reader(lines, delimiter="\t", quotechar='"', doublequote=True, strict=True)
    for start, fields in numbered_rows(reader, report, "broken quoting", lines_before=1):
        if fields:
            yield start, fields
