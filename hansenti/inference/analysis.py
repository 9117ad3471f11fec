"""Reading a pile of reviews: score every row, summarise by group (the share of each
class with a 95% interval, the mean probabilities), keep each class's most certain
reviews, and find the tokens that set a group's reviews of one class apart from the rest."""

from __future__ import annotations

import functools
import heapq
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..core.errors import HansentiError
from ..core.metrics import wilson_interval
from ..core.review_files import ReadReport, ReviewRow

if TYPE_CHECKING:
    import pandas as pd

ALL = "(all)"
HISTOGRAM_BINS = 40
#: how many of the commonest tokens (by reviews containing them) aspect hints leave out
COMMON_TOKENS = 100


@dataclass
class GroupStats:
    """Running totals of one group while the reviews stream past (``k`` classes); totals
    of two parts of the stream merge."""

    k: int
    count: int = 0
    probability_sums: np.ndarray = field(init=False)
    #: reviews whose most probable class is each class
    class_counts: np.ndarray = field(init=False)
    #: per class, a heap of (probability of the class, -line, file, text): its most
    #: certain reviews
    most: list[list[tuple[float, int, str, str]]] = field(init=False)
    #: per predicted class, in how many of its reviews each token occurs
    class_tokens: list[Counter[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.probability_sums = np.zeros(self.k)
        self.class_counts = np.zeros(self.k, dtype=np.int64)
        self.most = [[] for _ in range(self.k)]
        self.class_tokens = [Counter() for _ in range(self.k)]

    def add(self, probabilities: np.ndarray, source: str, line: int, text: str,
            tokens: list[str], keep: int) -> None:
        self.count += 1
        self.probability_sums += probabilities
        predicted = int(probabilities.argmax())
        self.class_counts[predicted] += 1
        self.class_tokens[predicted].update(set(tokens))
        for index, probability in enumerate(probabilities):
            _push(self.most[index], (float(probability), -line, source, text), keep)

    def merge(self, other: "GroupStats", keep: int) -> None:
        self.count += other.count
        self.probability_sums += other.probability_sums
        self.class_counts += other.class_counts
        for index in range(self.k):
            self.class_tokens[index].update(other.class_tokens[index])
            for item in other.most[index]:
                _push(self.most[index], item, keep)

    def extremes(self, index: int) -> list[tuple[float, int, str, str]]:
        """(probability, line, file, text) of the reviews most certainly of class
        ``index``, most certain first."""
        return [(p, -line, source, text)
                for p, line, source, text in sorted(self.most[index], reverse=True)]


def _frame(rows: list[dict], columns: list[str]) -> "pd.DataFrame":
    """``rows`` as a DataFrame; with no rows, the columns all the same."""
    import pandas as pd

    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)


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
    scores.sort(key=lambda item: (item[1], item[0]))
    return {"positive": [(t, z) for t, z in reversed(scores[-n:]) if z > 0],
            "negative": [(t, z) for t, z in scores[:n] if z < 0]}


@dataclass
class Analysis:
    """Everything ``hansenti analyze`` found in its reviews: totals that stay small however
    many reviews stream past, and that merge (a Ray run adds up its workers' parts)."""

    classes: tuple[str, ...]
    keep: int = 5
    groups: dict[str, GroupStats] = field(default_factory=dict)
    report: ReadReport = field(default_factory=lambda: ReadReport(""))
    #: reviews predicted as each class
    class_totals: np.ndarray = field(init=False)
    #: reviews by P(second class), in HISTOGRAM_BINS equal bins over [0, 1]
    histogram: np.ndarray = field(init=False)
    overall_tokens: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.class_totals = np.zeros(len(self.classes), dtype=np.int64)
        self.histogram = np.zeros(HISTOGRAM_BINS, dtype=np.int64)

    @property
    def scored(self) -> int:
        """How many reviews were scored."""
        return int(self.class_totals.sum())

    def add(self, rows: Sequence[ReviewRow], docs: Sequence[list[str]], scores: np.ndarray,
            text_column: str, group_column: str | None, source: str) -> None:
        """Count one scored batch of ``source``'s rows in."""
        self.class_totals += np.bincount(scores.argmax(axis=1), minlength=len(self.classes))
        self.histogram += np.histogram(scores[:, -1], bins=HISTOGRAM_BINS, range=(0, 1))[0]
        for row, tokens, probability in zip(rows, docs, scores):
            if group_column and group_column not in row.columns:
                raise HansentiError(f"{source}:{row.line} has no column {group_column!r} "
                                    "to group by")
            name = row.columns[group_column] if group_column else ALL
            self.groups.setdefault(name, GroupStats(len(self.classes))).add(
                probability, source, row.line, row.columns[text_column], tokens, self.keep)
            self.overall_tokens.update(set(tokens))

    def merge(self, other: "Analysis") -> None:
        """Add the totals of another part of the same reviews."""
        self.class_totals += other.class_totals
        self.histogram += other.histogram
        self.overall_tokens.update(other.overall_tokens)
        self.report.merge(other.report)
        for name, stats in other.groups.items():
            if name in self.groups:
                self.groups[name].merge(stats, self.keep)
            else:
                self.groups[name] = stats

    def group_names(self) -> list[str]:
        """Largest group first, equal sizes by name: the same order however the totals
        were merged."""
        return sorted(self.groups, key=lambda name: (-self.groups[name].count, name))

    def summary_rows(self) -> list[dict]:
        """Per group: its size, then per class the share of reviews predicted so with its
        95% Wilson interval and the mean probability."""
        rows = []
        for name in self.group_names():
            stats = self.groups[name]
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

    def extremes_rows(self) -> list[dict]:
        """Per group and class, its most certain reviews, most certain first."""
        return [{"group": name, "side": side, "rank": rank, "probability": round(p, 4),
                 "file": file, "line": line, "text": text}
                for name in self.group_names() for index, side in enumerate(self.classes)
                for rank, (p, line, file, text) in enumerate(self.groups[name].extremes(index),
                                                             1)]

    def aspects_rows(self) -> list[dict]:
        """Per group and class, the tokens that set its reviews apart (z-scores)."""
        return [{"group": name, "side": side, "token": token, "z": round(z, 3)}
                for name in self.group_names() for side, tokens in self.aspects(name).items()
                for token, z in tokens]

    def summary_frame(self) -> "pd.DataFrame":
        """:meth:`summary_rows` as a DataFrame indexed by group (summary.csv)."""
        return _frame(self.summary_rows(), ["group", "count"]).set_index("group")

    def extremes_frame(self) -> "pd.DataFrame":
        """:meth:`extremes_rows` as a DataFrame (extremes.csv)."""
        return _frame(self.extremes_rows(),
                      ["group", "side", "rank", "probability", "file", "line", "text"])

    def aspects_frame(self) -> "pd.DataFrame":
        """:meth:`aspects_rows` as a DataFrame (aspects.csv)."""
        return _frame(self.aspects_rows(), ["group", "side", "token", "z"])

    @property
    def shares(self) -> np.ndarray:
        """The share of all scored reviews predicted as each class."""
        return self.class_totals / max(1, self.scored)

    @functools.cached_property
    def common_tokens(self) -> frozenset[str]:
        """The file's most widespread tokens: mostly particles and endings, which say
        nothing about why a group is liked."""
        commonest = heapq.nsmallest(COMMON_TOKENS, self.overall_tokens.items(),
                                    key=lambda item: (-item[1], item[0]))
        return frozenset(token for token, _ in commonest)

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
