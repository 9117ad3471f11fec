"""A user's own labelled reviews as a corpus: a CSV, TSV, JSONL or Parquet file (or a
folder with one sub-folder per class), a text and a label column, an optional label
map, and a test file or a stratified, seeded test fraction.

Described inline (``hansenti train --data FILE ...``) or once in a small TOML file
(``--corpus my-shop.toml``); either way the description is saved in the run, so the
run can be evaluated again on exactly its own split.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..core.data_spec import DataSpec
from ..core.errors import CorpusError, HansentiError
from ..core.labels import LabelMap, natural_classes, number
from ..core.review_files import ReviewRow, file_suffix, read_reviews
from .base import Corpus, LoadReport, Review, Split, train_validation_split
from .reference import CorpusReference
from .registry import referenced_ids

#: fewest training examples a class may have
MIN_CLASS_EXAMPLES = 10
#: the test fraction's split is the same for every run seed, so runs compare on one test set
SPLIT_SEED = 42
FOLDER_SUFFIXES = (".txt",)


@dataclass
class LabelledRows:
    """The rows of one file with a usable text and class, and what was dropped."""

    records: list[Review]
    report: LoadReport
    values: Counter[str] = field(default_factory=Counter)


class FileCorpus(Corpus):
    """A corpus made of a user's files, described by a :class:`DataSpec`."""

    files = ()
    splits = ("train", "test")
    mirror_folder = ""

    def __init__(self, spec: DataSpec, test_ids: Sequence[str] | None = None,
                 mirror: str | Path | None = None, **options: Any) -> None:
        self.spec = spec
        self.name = spec.name
        self.language = spec.language
        super().__init__(mirror=mirror, **options)
        self.description = spec.description or f"labelled reviews from {Path(spec.train).name}"
        self.license = spec.license
        self.homepage = spec.homepage or str(Path(spec.train).resolve())
        self.citation = spec.citation
        self.label_map = LabelMap.parse(spec.labels) if spec.labels else None
        #: the held-out ids a finished run saved (``test_ids.txt``): its split, exactly
        self.test_ids = set(test_ids) if test_ids is not None else None
        self._splits: dict[str, Split] | None = None
        self._classes: tuple[str, ...] = ()

    def fetch(self, progress: bool | None = None) -> Path:
        return Path(self.spec.train).parent

    def is_fetched(self) -> bool:
        return Path(self.spec.train).exists()

    @property
    def classes(self) -> tuple[str, ...]:
        self._load_all()
        return self._classes

    def _read(self, split: str) -> Split:
        return self._load_all()[split]

    def _load_all(self) -> dict[str, Split]:
        if self._splits is None:
            self._splits = self._build_splits()
        return self._splits

    def _build_splits(self) -> dict[str, Split]:
        excluded = self._excluded_ids()
        train = self._rows(Path(self.spec.train), "train", excluded)
        classes = self.label_map.classes if self.label_map else natural_classes(train.values)
        self._check_classes(classes, train.values, Path(self.spec.train).name)
        self._classes = classes
        index = {name: position for position, name in enumerate(classes)}
        records = [dataclasses.replace(r, label=index[r.group], group=None)
                   for r in train.records]
        if self.spec.test:
            test = self._rows(Path(self.spec.test), "test", excluded)
            extra = sorted(set(test.values) - set(classes))
            if extra:
                raise HansentiError(f"{Path(self.spec.test).name} has class(es) "
                                    f"{', '.join(extra)} that train has not "
                                    f"({', '.join(classes)}): the classes must match")
            test_records = [dataclasses.replace(r, label=index[r.group], group=None)
                            for r in test.records]
            train_split = Split("train", records, train.report)
            return {"train": train_split, "test": Split("test", test_records, test.report)}
        if self.test_ids is not None:
            kept = [r for r in records if r.id not in self.test_ids]
            held_out = [r for r in records if r.id in self.test_ids]
        else:
            kept, held_out = train_validation_split(records, self.spec.held_out_fraction,
                                                    SPLIT_SEED)
        held_out = [dataclasses.replace(r, split="test") for r in held_out]
        return {"train": Split("train", kept, train.report),
                "test": Split("test", held_out, LoadReport(f"{train.report.source} (held out)",
                                                           rows=len(held_out),
                                                           kept=len(held_out)))}

    def _check_classes(self, classes: tuple[str, ...], counts: Counter[str], source: str) -> None:
        if len(classes) < 2:
            found = ", ".join(f"{value} ({n})" for value, n in counts.most_common(5)) or "none"
            raise HansentiError(f"{source}: the labels give {len(classes)} class(es) ({found}); "
                                "at least 2 are needed: check --label-column and --labels")
        small = [name for name in classes if counts[name] < MIN_CLASS_EXAMPLES]
        if small:
            raise HansentiError(f"{source}: class {small[0]!r} has {counts[small[0]]} "
                                f"example(s), fewer than {MIN_CLASS_EXAMPLES}: merge it into "
                                "another class with --labels or add reviews")

    def _rows(self, path: Path, split: str, excluded: set[str]) -> LabelledRows:
        report = LoadReport(path.name)
        rows = (_folder_rows(path, self.spec.text_column, self.spec.label_column, report)
                if path.is_dir() else
                read_reviews(path, self.spec.text_column, report, self._required()))
        result = LabelledRows([], report)
        seen_ids: dict[str, int] = {}
        numeric_values = 0
        for row in rows:
            value = row.columns.get(self.spec.label_column, "").strip()
            numeric_values += number(value) is not None
            if not value:
                report.skip(row.line, f"no label in column {self.spec.label_column!r}")
                continue
            class_name = self.label_map.class_of(value) if self.label_map else value
            doc_id = self._row_id(row, path)
            if self.spec.id_column:  # file:line ids are unique by construction
                if doc_id in seen_ids:
                    raise HansentiError(f"{path.name}: id {doc_id!r} of column "
                                        f"{self.spec.id_column!r} is on lines "
                                        f"{seen_ids[doc_id]} and {row.line}: ids must be "
                                        "unique (or drop --id-column)")
                seen_ids[doc_id] = row.line
            if doc_id in excluded:
                report.excluded += 1
            elif class_name is None:
                report.unmapped += 1
            else:
                result.values[class_name] += 1
                result.records.append(Review(doc_id, row.columns[self.spec.text_column], None,
                                             split, _rating(value), class_name))
        if report.rows == 0:
            raise HansentiError(f"{path.name} has no reviews: is it the right file?")
        if self.label_map and self.label_map.numeric and not numeric_values:
            raise HansentiError(f"{path.name}: column {self.spec.label_column!r} is not "
                                "numeric, so --labels ranges cannot apply: map its values "
                                "(e.g. \"pos=positive,neg=negative\") or pick another column")
        report.kept = len(result.records)
        return result

    def _required(self) -> tuple[str, ...]:
        return (self.spec.label_column, *([self.spec.id_column] if self.spec.id_column else []))

    def _row_id(self, row: ReviewRow, path: Path) -> str:
        if self.spec.id_column:
            return row.columns.get(self.spec.id_column, "").strip() or f"{path.name}:{row.line}"
        return f"{path.name}:{row.line}"

    def _excluded_ids(self) -> set[str]:
        if self.spec.exclude and not self.spec.id_column:
            raise HansentiError("excluding another corpus's reviews needs their ids: give "
                                "the id column (id_column / --id-column)")
        return set().union(*(referenced_ids(CorpusReference.parse(reference), self.mirror)
                             for reference in self.spec.exclude))


def _rating(value: str) -> int | None:
    parsed = number(value)
    return int(parsed) if parsed is not None and parsed == int(parsed) else None


def _folder_rows(folder: Path, text_column: str, label_column: str,
                 report: LoadReport):
    """One row per text file of each sub-folder (the aclImdb layout): the sub-folder's
    name is the label value."""
    classes = sorted(child for child in folder.iterdir() if child.is_dir())
    if not classes:
        raise CorpusError(f"{folder} has no sub-folders: give one sub-folder per class, "
                          "each holding one .txt file per review")
    line = 0
    for class_dir in classes:
        for path in sorted(class_dir.iterdir()):
            if path.suffix.lower() not in FOLDER_SUFFIXES:
                continue
            line += 1
            report.rows += 1
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                report.skip(f"{class_dir.name}/{path.name}", "not UTF-8")
                continue
            if not text.strip():
                report.skip(f"{class_dir.name}/{path.name}", "empty review", empty=True)
                continue
            yield ReviewRow(line, {text_column: text, label_column: class_dir.name})


def check_suffix(path: str) -> None:
    """Fail early on a data file hansenti cannot read."""
    if not Path(path).is_dir():
        file_suffix(Path(path))
