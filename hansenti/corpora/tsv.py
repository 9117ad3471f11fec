"""Reading publishers' TSV files line by line, reporting rows that do not parse."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Iterator

from ..errors import CorpusError
from .base import LoadReport


def read_rows(path: Path, header: tuple[str, ...], report: LoadReport) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line number, fields)`` of each data row with ``len(header)`` fields.

    Lines are split on tabs only, never parsed as CSV: review text holds stray quotes
    that make CSV readers merge rows (the classic silent loss with NSMC and pandas)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        first = handle.readline().decode("utf-8-sig", errors="replace").rstrip("\r\n")
        if tuple(first.split("\t")) != header:
            raise CorpusError(f"{path.name}:1: header {first[:60]!r} is not "
                              f"{chr(9).join(header)!r}: is this the right file?")
        for number, raw in enumerate(handle, start=2):
            report.rows += 1
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as error:
                report.skip(number, f"not UTF-8 ({error.reason})")
                continue
            fields = line.split("\t")
            if len(fields) != len(header):
                report.skip(number, f"{len(fields)} fields, expected {len(header)}")
                continue
            yield number, fields
