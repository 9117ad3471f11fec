"""Reading review files of any size row by row — CSV, TSV, JSON lines, Parquet or plain
text — skipping (and reporting, with line numbers) rows without text, with broken quoting or
with bytes that are not UTF-8."""

from __future__ import annotations

import codecs
import csv
import glob
import gzip
import json
import logging
import zlib
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Iterator, Sequence

from .csv_rows import SkipReport, numbered_rows
from .errors import HansentiError

log = logging.getLogger("hansenti")

SEPARATORS = {".csv": ",", ".tsv": "\t"}
SUFFIXES = (".csv", ".tsv", ".jsonl", ".parquet", ".txt")
#: rows of a Parquet file read at a time
PARQUET_BATCH = 10_000
SHOWN_PROBLEMS = 10
#: bytes of a file looked at to tell its encoding
SNIFF_BYTES = 64 * 1024
#: what a file is read as without --encoding: UTF-8, with Excel's byte-order mark dropped
DEFAULT_ENCODING = "utf-8-sig"
#: share of rows that may be skipped before scoring a file fails (``--max-skipped``)
DEFAULT_MAX_SKIPPED = 0.1
#: fewest skipped rows that can fail a file
MIN_SKIPPED_TO_FAIL = 10
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

    def merge(self, other: "ReadReport") -> None:
        """Add another part's counts (its first problems after these)."""
        self.rows += other.rows
        self.skipped += other.skipped
        self.problems += other.problems[:SHOWN_PROBLEMS - len(self.problems)]

    def check_skipped(self, max_share: float) -> None:
        """Fail when more than ``max_share`` of the rows (and at least
        :data:`MIN_SKIPPED_TO_FAIL`) were skipped: the file is not what the command thinks
        it is (wrong column, encoding or separator); a few empty rows of a small file are
        only skipped."""
        if self.skipped >= MIN_SKIPPED_TO_FAIL and self.skipped / self.rows > max_share:
            first = f" (first: {self.problems[0]})" if self.problems else ""
            raise HansentiError(
                f"{self.source}: {self.skipped:,} of {self.rows:,} rows "
                f"({self.skipped / self.rows:.1%}) could not be read{first}; more than "
                f"{max_share:.0%} means the file is not as described: check --encoding "
                "and the column, or allow more with --max-skipped")

    def log(self) -> None:
        if self.skipped:
            log.warning("%s: %d of %d rows skipped%s", self.source, self.skipped, self.rows,
                        "".join(f"\n  {problem}" for problem in self.problems))


@dataclass(frozen=True)
class ReviewRow:
    """One usable row: its first line number in the file and all its columns."""

    line: int
    columns: dict[str, str]


def file_suffix(path: Path) -> str:
    """``reviews.tsv.gz`` -> ``.tsv``; a suffix hansenti cannot read is an error."""
    compressed = path.suffix.lower() == ".gz"
    suffix = (path.with_suffix("") if compressed else path).suffix.lower()
    if suffix not in SUFFIXES or (compressed and suffix == ".parquet"):
        raise HansentiError(f"{path.name}: use a {', '.join(SUFFIXES)} file (or one gzipped)")
    return suffix


def review_paths(spec: str | Path) -> list[Path]:
    """The review files ``spec`` names: one file, every readable file under a folder, or
    those a glob pattern matches (``reviews/*.parquet``, ``dumps/**/*.csv.gz``)."""
    spec = str(spec)
    if any(char in spec for char in "*?["):
        candidates = [Path(name) for name in sorted(glob.glob(spec, recursive=True))]
    elif Path(spec).is_dir():
        candidates = sorted(path for path in Path(spec).rglob("*") if not any(
            part.startswith(".") for part in path.relative_to(spec).parts))
    else:
        if not Path(spec).is_file():
            raise HansentiError(f"input {spec} does not exist")
        file_suffix(Path(spec))
        return [Path(spec)]
    files = [path for path in candidates if path.is_file() and _readable_suffix(path)]
    if not files:
        raise HansentiError(f"no review files ({', '.join(SUFFIXES)}, optionally .gz) "
                            f"{'match' if '*' in spec or '?' in spec else 'in'} {spec}")
    return files


def _readable_suffix(path: Path) -> bool:
    try:
        file_suffix(path)
    except HansentiError:
        return False
    return True


def read_reviews(path: str | Path, text_column: str, report: SkipReport,
                 required: Sequence[str] = (), encoding: str | None = None
                 ) -> Iterator[ReviewRow]:
    """Rows of ``path`` that have a non-empty, well-encoded ``text_column``; a CSV/TSV
    header or Parquet schema without it (or a ``required`` column) is an error. Text files
    are UTF-8 (a byte-order mark is dropped) unless ``encoding`` says otherwise; one that
    is mostly not is refused with the likely encoding. Parquet rows are numbered from 1
    like lines."""
    path = Path(path)
    if not path.is_file():
        raise HansentiError(f"input file {path} does not exist")
    suffix = file_suffix(path)
    needed = (text_column, *required)
    if suffix == ".parquet":
        yield from _checked(_parquet_rows(path, needed), text_column, report)
        return
    encoding = checked_encoding(path, encoding)
    try:
        with _open_text(path, encoding) as handle:
            if suffix == ".txt":  # blank lines separate reviews: they are not rows
                rows = ((number, {text_column: line.rstrip("\r\n")})
                        for number, line in enumerate(handle, 1) if line.strip())
            elif suffix == ".jsonl":
                rows = _json_lines(handle, report)
            else:
                rows = _delimited(handle, SEPARATORS[suffix], needed, path.name, report)
            yield from _checked(rows, text_column, report)
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise HansentiError(f"{path.name} is a damaged or cut-short gzip file ({error}; "
                            f"{report.rows:,} rows read): copy or compress it again") from error


def _open_text(path: Path, encoding: str):
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    return opener(path, "rt", encoding=encoding, errors="surrogateescape", newline="")


def _head(path: Path) -> bytes:
    """The first :data:`SNIFF_BYTES` of ``path``, decompressed; a damaged gzip file is a
    one-line error."""
    try:
        if path.suffix.lower() == ".gz":
            with gzip.open(path, "rb") as handle:
                return handle.read(SNIFF_BYTES)
        with open(path, "rb") as handle:
            return handle.read(SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as error:
        raise HansentiError(f"{path.name} cannot be read ({error}): is it a complete "
                            "gzip file? Decompress or copy it again") from error


def checked_encoding(path: Path, encoding: str | None) -> str:
    """The encoding to read ``path`` with: the user's (checked to exist), or UTF-8 when
    most of the file's first lines are UTF-8; otherwise a one-line error that names the
    likely encoding and the option."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise HansentiError(f"unknown --encoding {encoding!r}: try utf-8, cp949 or "
                                "euc-kr") from None
        return encoding
    head = _head(path)
    lines = head.split(b"\n")[:-1] if len(head) == SNIFF_BYTES else head.split(b"\n")
    bad = sum(not _decodes(line, "utf-8") for line in lines)
    if not lines or bad <= len(lines) // 2:
        return DEFAULT_ENCODING
    likely = next((name for name in ("cp949", "euc-kr", "utf-16")
                   if _decodes(b"\n".join(lines), name)), None)
    hint = (f"it looks like {likely.upper()} (Korean Windows and Excel files often are): "
            f"add --encoding {likely}" if likely else "give its encoding with --encoding")
    raise HansentiError(f"{path.name}: {bad:,} of its first {len(lines):,} lines are not "
                        f"UTF-8; {hint}")


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _checked(rows: Iterator[tuple[int, dict]], text_column: str,
             report: SkipReport) -> Iterator[ReviewRow]:
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
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def missing_columns(name: str, needed: Sequence[str], columns: Sequence[str]) -> None:
    """Fail, listing the file's columns, when one of ``needed`` is not among them."""
    missing = [column for column in needed if column not in columns]
    if missing:
        raise HansentiError(f"{name} has no column {missing[0]!r}; columns: "
                            f"{', '.join(map(str, columns))} (say which column holds what)")


def _parquet_rows(path: Path, needed: Sequence[str]) -> Iterator[tuple[int, dict]]:
    import pyarrow
    import pyarrow.parquet

    try:
        table = pyarrow.parquet.ParquetFile(path)
    except pyarrow.ArrowException as error:
        raise HansentiError(f"{path.name} is not a readable Parquet file ({error})") from error
    missing_columns(path.name, needed, table.schema_arrow.names)
    number = 0
    for batch in table.iter_batches(batch_size=PARQUET_BATCH):
        for columns in batch.to_pylist():
            number += 1
            yield number, columns


def _delimited(handle, separator: str, needed: Sequence[str], name: str,
               report: SkipReport) -> Iterator[tuple[int, dict[str, str]]]:
    # TSV is split on tabs only: a quote inside a review must not swallow the next rows
    quoting = csv.QUOTE_NONE if separator == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(handle, delimiter=separator, quoting=quoting)
    header = next(reader, None)
    if not header:
        raise HansentiError(f"{name} is empty: a header row naming the columns is needed")
    header[0] = header[0].lstrip("\ufeff")  # a byte-order mark read as text
    missing_columns(name, needed, header)
    for start, row in numbered_rows(reader, report, "unreadable row"):
        if len(row) != len(header):
            report.rows += 1
            report.skip(start, f"{len(row)} fields where the header has {len(header)} "
                               "(broken quoting?)")
        else:
            yield start, dict(zip(header, row))


def _json_lines(handle, report: SkipReport) -> Iterator[tuple[int, dict[str, str]]]:
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
