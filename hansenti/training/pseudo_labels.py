"""Pseudo-labelled reviews on disk: ``pseudo_labels.tsv`` (id, text, P(positive)) and
``teachers.json`` (who labelled them, on which validation split), written by ``distil`` and
read by a student's training."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core import atomic
from ..core.config import TrainConfig
from ..core.errors import HansentiError
from ..core.faults import failpoint
from .splits import split_key

LABELS_FILE = "pseudo_labels.tsv"
INFO_FILE = "teachers.json"
HEADER = ("id", "document", "probability")


@dataclass(frozen=True)
class PseudoLabels:
    """Unlabelled reviews and the teachers' mean probability that each is positive."""

    ids: list[str]
    texts: list[str]
    probabilities: np.ndarray
    #: what made them: teachers, their shared split, the source, what was excluded
    info: dict[str, Any]


def write_pseudo_labels(out: Path, pseudo: PseudoLabels) -> None:
    """``pseudo_labels.tsv``, then ``teachers.json`` (its presence marks a complete folder)."""
    (out / INFO_FILE).unlink(missing_ok=True)
    with atomic.atomic_open(out / LABELS_FILE, newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, delimiter="\t", lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows((doc_id, text, f"{p:.5f}")
                         for doc_id, text, p in zip(pseudo.ids, pseudo.texts, pseudo.probabilities))
    failpoint("distil.labels_written")
    atomic.write_json(out / INFO_FILE, pseudo.info)


def load_pseudo_labels(path: str | Path) -> PseudoLabels:
    """Read a folder written by :func:`distil`; a missing or broken one is a clear error."""
    folder = Path(path)
    try:
        info = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
        with open(folder / LABELS_FILE, newline="", encoding="utf-8") as stream:
            rows = list(csv.reader(stream, delimiter="\t"))
        if tuple(rows[0]) != HEADER or any(len(row) != len(HEADER) for row in rows):
            raise ValueError(f"rows are not {', '.join(HEADER)}")
        ids, texts, probabilities = zip(*rows[1:]) if len(rows) > 1 else ((), (), ())
        return PseudoLabels(list(ids), list(texts), np.array(probabilities, dtype=np.float32),
                            info)
    except (OSError, ValueError, IndexError, KeyError) as error:
        raise HansentiError(f"{folder} is not a complete hansenti distil folder ({error}); "
                            "write it again with hansenti distil") from error


def check_student(pseudo: PseudoLabels, config: TrainConfig) -> None:
    """A student must be carved the same validation split as its teachers, or its
    validation reviews were in the teachers' training data."""
    if pseudo.info["split"] != split_key(config):
        raise HansentiError(f"the teachers of {config.pseudo_labels} were trained on "
                            f"{pseudo.info['split']}; train the student with the same corpus, "
                            "seed, validation fraction and limit")
