"""Reading a pile of reviews: score every row, summarise by group (the share of each
class with a 95% interval, the mean probabilities), keep each class's most certain
reviews, and find the tokens that set a group's reviews of one class apart from the rest."""

from __future__ import annotations

import functools
import heapq
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .. import atomic
from ..errors import HansentiError
from ..faults import failpoint
from ..metrics import wilson_interval
from ..review_files import ReadReport, ReviewRow
from .predictor import Predictor
from .scoring import score_file

ALL = "(all)"
#: how many of the commonest tokens (by reviews containing them) aspect hints leave out
COMMON_TOKENS = 100


@dataclass
class GroupStats:
    """Running totals of one group while the file streams past (``k`` classes)."""

    k: int
    count: int = 0
    probability_sums: np.ndarray = field(init=False)
    #: reviews whose most probable class is each class
    class_counts: np.ndarray = field(init=False)
    #: per class, a heap of (probability of the class, -line, text): its most certain reviews
    most: list[list[tuple[float, int, str]]] = field(init=False)
    #: per predicted class, in how many of its reviews each token occurs
    class_tokens: list[Counter[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.probability_sums = np.zeros(self.k)
        self.class_counts = np.zeros(self.k, dtype=np.int64)
        self.most = [[] for _ in range(self.k)]
        self.class_tokens = [Counter() for _ in range(self.k)]

    def add(self, probabilities: np.ndarray, line: int, text: str, tokens: list[str],
            keep: int) -> None:
        self.count += 1
        self.probability_sums += probabilities
        predicted = int(probabilities.argmax())
        self.class_counts[predicted] += 1
        self.class_tokens[predicted].update(set(tokens))
        for index, probability in enumerate(probabilities):
            _push(self.most[index], (float(probability), -line, text), keep)

    def extremes(self, index: int) -> list[tuple[float, int, str]]:
        """(probability, line, text) of the reviews most certainly of class ``index``,
        most certain first."""
        return [(p, -line, text) for p, line, text in sorted(self.most[index], reverse=True)]


def _push(heap: list, item: tuple, keep: int) -> None:
    if len(heap) < keep:
        heapq.heappush(heap, item)
    elif item > heap[0]:
        heapq.heapreplace(heap, item)


def log_odds_tokens(positive: Counter[str], negative: Counter[str], prior: Counter[str],
                    n: int = 8, min_count: int = 3,
                    exclude: frozenset[str] = frozenset()) -> dict[str, list[tuple[str, float]]]:
    """Tokens most associated with positive and with negative reviews: the log-odds ratio
    with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008), as z-scores;
    ``exclude`` (e.g. the commonest tokens: particles, endings) is left out."""
    prior_total = sum(prior.values()) or 1
    pos_total, neg_total = sum(positive.values()), sum(negative.values())
    scale = 100.0  # prior strength: how many pseudo-counts the whole-file frequencies weigh
    scores = []
    for token in set(positive) | set(negative):
        if (positive[token] + negative[token] < min_count or token in exclude
                or not any(c.isalnum() for c in token)):
            continue
        alpha = scale * prior[token] / prior_total + 0.01
        alpha_total = scale + 0.01 * len(prior)
        pos_logit = math.log((positive[token] + alpha) /
                             (pos_total + alpha_total - positive[token] - alpha))
        neg_logit = math.log((negative[token] + alpha) /
                             (neg_total + alpha_total - negative[token] - alpha))
        variance = 1 / (positive[token] + alpha) + 1 / (negative[token] + alpha)
        scores.append((token, (pos_logit - neg_logit) / math.sqrt(variance)))
    scores.sort(key=lambda item: item[1])
    return {"positive": [(t, z) for t, z in reversed(scores[-n:]) if z > 0],
            "negative": [(t, z) for t, z in scores[:n] if z < 0]}


@dataclass
class Analysis:
    """Everything ``hansenti analyze`` found in one file."""

    classes: tuple[str, ...]
    groups: dict[str, GroupStats]
    report: ReadReport
    #: one row per scored review, one column per class
    probabilities: np.ndarray
    overall_tokens: Counter[str]

    def summary_rows(self) -> list[dict]:
        """Per group: its size, then per class the share of reviews predicted so with its
        95% Wilson interval and the mean probability."""
        rows = []
        for name, stats in sorted(self.groups.items(), key=lambda item: -item[1].count):
            row: dict = {"group": name, "count": stats.count}
            for index, class_name in enumerate(self.classes):
                low, high = wilson_interval(int(stats.class_counts[index]), stats.count)
                row.update({f"share_{class_name}": round(stats.class_counts[index] / stats.count, 4),
                            f"ci95_low_{class_name}": round(low, 4),
                            f"ci95_high_{class_name}": round(high, 4),
                            f"mean_p_{class_name}": round(stats.probability_sums[index]
                                                          / stats.count, 4)})
            rows.append(row)
        return rows

    @property
    def shares(self) -> np.ndarray:
        """The share of all scored reviews predicted as each class."""
        if not len(self.probabilities):
            return np.zeros(len(self.classes))
        return np.bincount(self.probabilities.argmax(axis=1),
                           minlength=len(self.classes)) / len(self.probabilities)

    @functools.cached_property
    def common_tokens(self) -> frozenset[str]:
        """The file's most widespread tokens: mostly particles and endings, which say
        nothing about why a group is liked."""
        return frozenset(token for token, _ in self.overall_tokens.most_common(COMMON_TOKENS))

    def aspects(self, group: str, n: int = 8) -> dict[str, list[tuple[str, float]]]:
        """Per class, the tokens that most set the group's reviews of that class apart
        from its other reviews (z-scores, highest first)."""
        stats = self.groups[group]
        total = sum(stats.class_tokens, Counter())
        return {class_name: log_odds_tokens(stats.class_tokens[index],
                                            total - stats.class_tokens[index],
                                            self.overall_tokens, n,
                                            exclude=self.common_tokens)["positive"]
                for index, class_name in enumerate(self.classes)}


def analyze(predictor: Predictor, source: Path, out_dir: Path, text_column: str = "text",
            group_column: str | None = None, keep: int = 5, batch_size: int = 5_000,
            n_jobs: int = 1, html_groups: int = 12) -> Analysis:
    """Score ``source`` and write scored.csv, summary.csv, extremes.csv, aspects.csv and
    report.html into ``out_dir``; the folder appears complete or not at all."""
    from .report import write_html_report

    classes = predictor.classes
    groups: dict[str, GroupStats] = {}
    probabilities: list[np.ndarray] = []
    overall: Counter[str] = Counter()

    def collect(rows: Sequence[ReviewRow], docs: list[list[str]], scores: np.ndarray) -> None:
        failpoint("analyze.batch")
        probabilities.append(scores)
        for row, tokens, probability in zip(rows, docs, scores):
            if group_column and group_column not in row.columns:
                raise HansentiError(f"{source.name}:{row.line} has no column {group_column!r} "
                                    "to group by")
            name = row.columns[group_column] if group_column else ALL
            groups.setdefault(name, GroupStats(len(classes))).add(
                probability, row.line, row.columns[text_column], tokens, keep)
            overall.update(set(tokens))

    with atomic.staged_directory(out_dir) as staging:
        report = score_file(predictor, source, staging / "scored.csv", text_column,
                            batch_size, n_jobs, on_batch=collect)
        result = Analysis(classes, groups, report, np.concatenate(probabilities)
                          if probabilities else np.zeros((0, len(classes))), overall)
        atomic.write_csv(staging / "summary.csv", result.summary_rows())
        atomic.write_csv(staging / "extremes.csv", [
            {"group": name, "side": side, "rank": rank, "probability": round(p, 4),
             "line": line, "text": text}
            for name, stats in groups.items() for index, side in enumerate(classes)
            for rank, (p, line, text) in enumerate(stats.extremes(index), 1)])
        atomic.write_csv(staging / "aspects.csv", [
            {"group": name, "side": side, "token": token, "z": round(z, 3)}
            for name in groups for side, tokens in result.aspects(name).items()
            for token, z in tokens])
        write_html_report(result, predictor, staging / "report.html", source.name,
                          html_groups)
    return result
