"""Descriptive statistics of a corpus split: size, balance, token lengths."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .base import Split


@dataclass(frozen=True)
class LengthStats:
    """Tokens per document over a split, and the number of distinct tokens."""

    mean: float
    std: float
    median: float
    p95: float
    max: int
    vocab: int

    @classmethod
    def of(cls, documents: Sequence[Sequence[str]]) -> "LengthStats":
        lengths = np.fromiter((len(tokens) for tokens in documents), dtype=np.int64,
                              count=len(documents))
        vocab = len({token for tokens in documents for token in tokens})
        return cls(float(lengths.mean()), float(lengths.std()), float(np.median(lengths)),
                   float(np.percentile(lengths, 95)), int(lengths.max()), vocab)


def describe_split(split: Split, tokenized: Mapping[str, Sequence[Sequence[str]]],
                   classes: Sequence[str] = ("negative", "positive")) -> str:
    """A few lines a person reads: counts, class balance, and length statistics of each
    tokenization in ``tokenized`` (tokenizer name -> token lists of the split's documents)."""
    report = split.report
    skipped = [f"{n:,} {what}" for n, what in ((report.empty, "empty"),
               (report.malformed, "malformed"), (report.excluded, "excluded"),
               (report.unmapped, "left out by the label map")) if n]
    lines = [f"{split.name}: {report.rows:,} rows, {len(split):,} documents"
             + (f" ({', '.join(skipped)} skipped)" if skipped else "")]
    if not len(split):
        return lines[0]
    labels = Counter(split.labels)
    lines.append("  labels: " + "  ".join(
        f"{'unlabelled' if label is None else classes[label]} {n:,} ({n / len(split):.1%})"
        for label, n in sorted(labels.items(), key=lambda item: str(item[0]))))
    groups = {record.group for record in split.records if record.group is not None}
    if groups:
        lines.append(f"  groups: {len(groups):,}")
    lines.append(f"  {'tokens/doc':<14}{'mean':>8}{'std':>8}{'median':>8}{'p95':>8}"
                 f"{'max':>8}{'vocab':>10}")
    for name, documents in tokenized.items():
        stats = LengthStats.of(documents)
        lines.append(f"  {name:<14}{stats.mean:>8.1f}{stats.std:>8.1f}"
                     f"{stats.median:>8.0f}{stats.p95:>8.0f}{stats.max:>8,}{stats.vocab:>10,}")
    return "\n".join(lines)
