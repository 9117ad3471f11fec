"""What every corpus is: typed records, a load report, and the fetch/load contract."""

from __future__ import annotations

import logging
import random
from abc import ABC, abstractmethod
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Iterator, Sequence

from ..core.errors import CorpusError
from ..core.labels import BINARY
from ..core.paths import home_dir
from .fetch import RemoteFile, ensure_file, mirror_dir, recorded_sha256

log = logging.getLogger("hansenti")

#: how many problem line numbers a report keeps (it still counts them all), and logs
REPORT_LINES = 20
SHOWN_PROBLEMS = 5


@dataclass(frozen=True, slots=True)
class Review:
    """One document: ``label`` is the index of its class in the corpus's ``classes``
    (0 negative, 1 positive for binary corpora), None unlabelled."""

    id: str
    text: str
    label: int | None
    split: str
    rating: int | None = None
    group: str | None = None


@dataclass
class LoadReport:
    """What loading one split met: rows read, kept, and the ones skipped (with line numbers)."""

    source: str
    rows: int = 0
    kept: int = 0
    empty: int = 0
    malformed: int = 0
    excluded: int = 0
    #: rows whose label a label map leaves out (own files: ``--labels``)
    unmapped: int = 0
    problems: list[str] = field(default_factory=list)
    first_malformed: str | None = None

    def skip(self, where: int | str, reason: str, *, empty: bool = False) -> None:
        """Count a skipped row; ``where`` is a line number or a member file name."""
        problem = f"{self.source}:{where}: {reason}"
        if empty:
            self.empty += 1
        else:
            self.malformed += 1
            self.first_malformed = self.first_malformed or problem
        if len(self.problems) < REPORT_LINES:
            self.problems.append(problem)

    def summary(self) -> str:
        parts = [f"{self.rows:,} rows", f"{self.kept:,} kept"]
        parts += [f"{n:,} {what}" for n, what in ((self.empty, "empty"),
                  (self.malformed, "malformed"), (self.excluded, "excluded"),
                  (self.unmapped, "left out by the label map")) if n]
        return f"{self.source}: " + ", ".join(parts)


@dataclass
class Split:
    """The records of one split and the report of loading them."""

    name: str
    records: list[Review]
    report: LoadReport

    @property
    def texts(self) -> list[str]:
        return [record.text for record in self.records]

    @property
    def labels(self) -> list[int | None]:
        return [record.label for record in self.records]

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[Review]:
        return iter(self.records)


class Corpus(ABC):
    """A corpus as its publisher lays it out: files, license, splits and a loader."""

    name: ClassVar[str]
    description: ClassVar[str]
    homepage: ClassVar[str]
    license: ClassVar[str]
    language: ClassVar[str]
    files: ClassVar[tuple[RemoteFile, ...]]
    splits: ClassVar[tuple[str, ...]]
    labelled: ClassVar[bool] = True
    #: class names, in label order (``Review.label`` indexes them)
    classes: tuple[str, ...] = BINARY
    #: the corpus's folder inside a mirror (the publisher's project name)
    mirror_folder: ClassVar[str]
    #: a labelled corpus this one's text was drawn beside, whose test reviews must never
    #: feed unsupervised training on it (the Naver crawl: nsmc); its own test split always
    test_corpus: ClassVar[str | None] = None

    def __init__(self, mirror: str | Path | None = None, home: str | Path | None = None,
                 verify: bool = True, strict: bool = False) -> None:
        self.mirror = mirror_dir(mirror)
        self.directory = Path(home or home_dir()) / "corpora" / self.name
        self.verify = verify
        self.strict = strict

    def fetch(self, progress: bool | None = None) -> Path:
        """Make sure every file is in the cache (from the mirror or upstream); return its folder."""
        source = self.mirror / self.mirror_folder if self.mirror else None
        for remote in self.files:
            ensure_file(remote, self.directory, source, self.verify, progress)
        self.prepare()
        return self.directory

    def prepare(self) -> None:
        """Post-fetch step (extracting an archive); nothing by default."""

    def variant_name(self) -> str | None:
        """Which of several known releases is in the cache (NSMC: "upstream" or "rebuilt
        mirror"), so that every figure says which test set it was measured on; None for
        a corpus with one release."""
        return None

    def is_fetched(self) -> bool:
        return all(recorded_sha256(self.directory / remote.path) for remote in self.files)

    def load(self, split: str) -> Split:
        """Records of ``split``, fetching first if needed; bad rows are reported and skipped
        (or raise :class:`CorpusError` when the corpus was opened with ``strict=True``)."""
        if split not in self.splits:
            raise CorpusError(f"{self.name} has no split {split!r}; splits: {', '.join(self.splits)}")
        self.fetch()
        split_data = self._read(split)
        report = split_data.report
        if report.empty or report.malformed:
            message = report.summary() + "".join(
                f"\n  {problem}" for problem in report.problems[:SHOWN_PROBLEMS])
            if self.strict and report.malformed:
                raise CorpusError(f"{report.first_malformed} ({report.malformed:,} malformed "
                                  "rows): fix the file or drop --strict to skip them")
            log.warning("%s", message)
        return split_data

    @abstractmethod
    def _read(self, split: str) -> Split:
        """Parse one split from the fetched files."""


def train_validation_split(records: Sequence[Review], fraction: float = 0.1,
                           seed: int = 42) -> tuple[list[Review], list[Review]]:
    """Carve a label-stratified validation set from training records, reproducibly."""
    if not 0 < fraction < 1:
        raise CorpusError(f"validation fraction must be between 0 and 1, not {fraction}")
    by_label: dict[int | None, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        by_label[record.label].append(index)
    rng = random.Random(seed)
    held_out: set[int] = set()
    for label in sorted(by_label, key=str):
        indices = by_label[label]
        rng.shuffle(indices)
        held_out.update(indices[: round(len(indices) * fraction)])
    train = [r for i, r in enumerate(records) if i not in held_out]
    validation = [r for i, r in enumerate(records) if i in held_out]
    return train, validation


def stratified_sample(records: Sequence[Review], limit: int, seed: int = 42) -> list[Review]:
    """At most ``limit`` records with the labels' proportions kept, in original order."""
    if limit >= len(records):
        return list(records)
    _, sample = train_validation_split(records, limit / len(records), seed)
    return sample
