"""Knowledge distillation: finished runs (the teachers) label unlabelled reviews with their
mean probability; ``TrainConfig.pseudo_labels`` adds those reviews, with the probabilities
as soft targets, to a student's fit part.

No text of the teachers' labelled corpus (train or test, compared with whitespace
collapsed) is ever labelled: test stays unseen and validation stays out-of-sample. Texts
longer than the longest labelled train text are dropped, so the added reviews look like
the labelled ones.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import atomic
from .cache import TokenCache
from .config import TrainConfig
from .corpora import Review, open_corpus
from .errors import HansentiError
from .faults import failpoint
from .run import Predictor, RunDir

log = logging.getLogger("hansenti")

LABELS_FILE = "pseudo_labels.tsv"
INFO_FILE = "teachers.json"
HEADER = ("id", "document", "probability")
#: the ``limit`` sample is the same for every call, so students of one size compare
SAMPLE_SEED = 42


@dataclass(frozen=True)
class PseudoLabels:
    """Unlabelled reviews and the teachers' mean probability that each is positive."""

    ids: list[str]
    texts: list[str]
    probabilities: np.ndarray
    #: what made them: teachers, their shared split, the source, what was excluded
    info: dict[str, Any]


def split_key(config: TrainConfig) -> dict[str, Any]:
    """What fixes a run's validation split; a student must share it with its teachers."""
    return {"corpus": config.corpus, "seed": config.seed,
            "validation_fraction": config.validation_fraction, "limit": config.limit}


def collapsed(text: str) -> str:
    return " ".join(text.split())


def unlabelled_reviews(source: str, labelled_config: TrainConfig,
                       mirror: str | None) -> tuple[list[Review], dict[str, int]]:
    """The reviews of ``source`` (``CORPUS`` or ``CORPUS:SPLIT``) that may be pseudo-labelled,
    and how many were dropped as texts of the teachers' labelled corpus or as too long."""
    from .splits import load_splits

    name, _, split = source.partition(":")
    corpus = open_corpus(name, mirror=mirror)
    records = [record for split_name in ([split] if split else corpus.splits)
               for record in corpus.load(split_name).records]
    if any(record.label is not None for record in records):
        raise HansentiError(f"{source} is labelled: pseudo-labels are for unlabelled reviews "
                            "(e.g. naver-reviews or imdb:unsup)")
    train, test = load_splits(labelled_config, mirror)
    labelled_texts = {collapsed(record.text) for record in (*train, *test)}
    longest = max(len(record.text) for record in train)
    kept = [record for record in records if collapsed(record.text) not in labelled_texts
            and len(record.text) <= longest]
    too_long = sum(len(record.text) > longest for record in records)
    return kept, {"labelled_texts": len(records) - len(kept) - too_long, "too_long": too_long}


def teacher_probabilities(run_dirs: Sequence[Path], texts: Sequence[str], label: str,
                          jobs: int) -> np.ndarray:
    """One column per teacher: its probability that each text is positive (tokens cached)."""
    columns = []
    for number, run_dir in enumerate(run_dirs, 1):
        predictor = Predictor(run_dir)
        log.info("teacher %d/%d %s: scoring %d reviews", number, len(run_dirs), run_dir,
                 len(texts))
        docs = TokenCache().tokenize(predictor.tokenizer, texts, label, n_jobs=jobs)
        columns.append(predictor.classifier.predict_proba(docs)[:, 1])
    return np.column_stack(columns)


def distil(teacher_dirs: Sequence[str | Path], source: str, out_dir: str | Path,
           mirror: str | None = None, jobs: int = 1, limit: int | None = None) -> dict[str, Any]:
    """Label ``source`` (a seeded sample of ``limit`` of its reviews, if given) with the mean
    probability of the teachers; write ``out_dir``."""
    from .ensemble import member_probabilities

    run_dirs = [Path(run_dir) for run_dir in teacher_dirs]
    if not run_dirs:
        raise HansentiError("give at least one teacher run")
    configs = [RunDir(run_dir).finished_config() for run_dir in run_dirs]
    valid_p, valid_y, _, _ = member_probabilities(run_dirs, configs, mirror, jobs)
    records, excluded = unlabelled_reviews(source, dataclasses.replace(configs[0], limit=None),
                                           mirror)
    if not records:
        raise HansentiError(f"{source} has no reviews left to label")
    if limit and limit < len(records):
        records = random.Random(SAMPLE_SEED).sample(records, limit)
    texts = [record.text for record in records]
    probabilities = teacher_probabilities(run_dirs, texts, f"{source}-distil", jobs).mean(axis=1)
    info = {
        "teachers": [{"run": str(run_dir), "tokenizer": config.tokenizer, "model": config.model}
                     for run_dir, config in zip(run_dirs, configs)],
        "split": split_key(configs[0]),
        "source": source, "limit": limit, "documents": len(records), "excluded": excluded,
        "validation_accuracy": float(((valid_p.mean(axis=1) >= 0.5) == valid_y).mean()),
        "positive_share": float((probabilities >= 0.5).mean()),
    }
    write_pseudo_labels(Path(out_dir), PseudoLabels([record.id for record in records], texts,
                                                    probabilities, info))
    return info


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
