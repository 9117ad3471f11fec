"""Rows of a ``csv.reader``, numbered by the file line they start on, with the rows that
csv cannot parse counted and skipped: shared by the corpus readers and review files."""

from __future__ import annotations

import csv
from typing import Iterator, Protocol


class SkipReport(Protocol):
    """What a load or read report offers: a row count and ``skip(line, reason)``."""

    rows: int

    def skip(self, where: int, reason: str) -> None: ...


def numbered_rows(reader: "csv._reader", report: SkipReport, what: str,
                  lines_before: int = 0) -> Iterator[tuple[int, list[str]]]:
    """``(line number, fields)`` of each row ``reader`` gives; ``lines_before`` lines of
    the file came before what the reader reads. A row csv refuses is counted in
    ``report`` and skipped as "``what`` (error)"."""
    start = lines_before + reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            report.rows += 1
            report.skip(start, f"{what} ({error})")
        else:
            yield start, row
        start = lines_before + reader.line_num + 1
