"""How a user's own labelled reviews are described: where the files are, which columns
hold the text and the label, how labels map to classes, what is held out as test.

Described inline (``hansenti train --data FILE ...``) or once in a small TOML file
(``--corpus my-shop.toml``); either way the description is a field of the run's
:class:`~hansenti.core.config.TrainConfig`, saved with it, so the run can be evaluated
again on exactly its own split. :class:`hansenti.corpora.FileCorpus` reads the files.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import HansentiError
from .labels import LabelMap
from .review_files import SUFFIXES

DEFAULT_TEST_FRACTION = 0.2


@dataclass(frozen=True)
class DataSpec:
    """Where a user's labelled reviews are and how to read them."""

    train: str
    text_column: str = "text"
    label_column: str = "label"
    #: a label map (``"1-2=negative,4-5=positive"``); None: the column's values are the classes
    labels: str | None = None
    test: str | None = None
    #: share of ``train`` held out as test when there is no ``test`` file
    test_fraction: float | None = None
    #: a column of unique row ids (default: file name and line number)
    id_column: str | None = None
    #: ``CORPUS:SPLIT`` references whose ids are dropped (e.g. ``nsmc:test``)
    exclude: tuple[str, ...] = ()
    name: str = ""
    #: the reviews' language: which tokenizers fit (``ko``, ``en``, ...)
    language: str = "ko"
    description: str = ""
    license: str = "unknown"
    citation: str = ""
    homepage: str = ""

    def __post_init__(self) -> None:
        if self.test and self.test_fraction is not None:
            raise HansentiError("give --test-data or --test-fraction, not both")
        if self.test_fraction is not None and not 0 < self.test_fraction < 1:
            raise HansentiError(f"--test-fraction must be between 0 and 1, not "
                                f"{self.test_fraction}")
        if self.labels:
            LabelMap.parse(self.labels)  # fails early on a bad map
        if not self.name:
            object.__setattr__(self, "name", _stem(Path(self.train)))

    @property
    def held_out_fraction(self) -> float | None:
        """The test fraction in force: the given one, or the default without a test file."""
        if self.test:
            return None
        return self.test_fraction if self.test_fraction is not None else DEFAULT_TEST_FRACTION

    def check_files(self) -> None:
        """Fail when a file it names does not exist (when reading them, not when a saved
        run's settings are loaded: a finished run outlives its training files)."""
        for path in (self.train, self.test):
            if path and not Path(path).exists():
                raise HansentiError(f"data file {path} does not exist")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DataSpec":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise HansentiError(f"unknown key(s) {', '.join(unknown)} in a data description; "
                                f"known: {', '.join(sorted(known))}")
        return cls(**{**data, "exclude": tuple(data.get("exclude", ()))})

    @classmethod
    def from_toml(cls, path: str | Path) -> "DataSpec":
        """Read a corpus description; its file paths are relative to its own folder."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise HansentiError(f"corpus file {path} does not exist") from error
        except tomllib.TOMLDecodeError as error:
            raise HansentiError(f"{path} is not valid TOML: {error}") from error
        if "train" not in data:
            raise HansentiError(f"{path} names no train file: add train = \"reviews.csv\"")
        for key in ("train", "test"):
            if key in data:
                data[key] = str((path.parent / data[key]).resolve())
        data.setdefault("name", _stem(path))
        return cls.from_dict(data)


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", *SUFFIXES, ".toml"):
        name = name.removesuffix(suffix)
    return name or "data"


def is_description(name: str) -> bool:
    """Whether a ``--corpus`` value names a TOML description rather than a registered corpus."""
    return name.endswith(".toml")


