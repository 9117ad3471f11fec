"""Turning a label column into classes: ``--labels "1-2=negative,4-5=positive"`` maps
single values or inclusive numeric ranges to class names; without a map the column's
values are the classes."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable

from .errors import HansentiError

#: ``LOW-HIGH`` with numbers on both sides (a value such as ``very-good`` is a literal)
RANGE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*-\s*(-?\d+(?:\.\d+)?)\s*$")
#: the classes of a corpus that ships no names (NSMC, IMDB: 0 and 1)
BINARY = ("negative", "positive")


def number(value: str) -> float | None:
    """``"4"`` / ``"4.0"`` -> 4.0; anything else (or NaN) -> None."""
    try:
        parsed = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(parsed) else parsed


@dataclass(frozen=True)
class Rule:
    """One item of a label map: a literal value, or an inclusive range of numbers."""

    class_name: str
    literal: str | None = None
    low: float | None = None
    high: float | None = None

    def matches(self, value: str, numeric: float | None) -> bool:
        if self.literal is not None:
            literal_number = number(self.literal)
            if literal_number is not None and numeric is not None:
                return literal_number == numeric
            return self.literal == value
        return numeric is not None and self.low <= numeric <= self.high

    @property
    def numeric(self) -> bool:
        return self.literal is None or number(self.literal) is not None

    @property
    def start(self) -> float:
        """Where the rule sits on the scale (classes are ordered by it)."""
        return self.low if self.literal is None else number(self.literal)

    def __str__(self) -> str:
        keys = self.literal if self.literal is not None else f"{self.low:g}-{self.high:g}"
        return f"{keys}={self.class_name}"


@dataclass(frozen=True)
class LabelMap:
    """Parsed ``--labels``: which class each value of the label column belongs to."""

    rules: tuple[Rule, ...]

    @classmethod
    def parse(cls, text: str) -> "LabelMap":
        """``"1-4=negative,5-8=neutral,9-10=positive"``; values may repeat a class
        (``"1=bad,2=bad"``); ranges are inclusive and must not overlap."""
        rules = []
        for item in (part for part in text.split(",") if part.strip()):
            keys, sep, class_name = item.rpartition("=")
            if not sep or not keys.strip() or not class_name.strip():
                raise HansentiError(f"--labels item {item.strip()!r} is not VALUE=CLASS or "
                                    "LOW-HIGH=CLASS, e.g. \"1-2=negative,4-5=positive\"")
            found = RANGE.match(keys)
            if found:
                low, high = float(found[1]), float(found[2])
                if low > high:
                    raise HansentiError(f"--labels range {keys.strip()} runs backwards: "
                                        f"write {high:g}-{low:g}")
                rules.append(Rule(class_name.strip(), low=low, high=high))
            else:
                rules.append(Rule(class_name.strip(), literal=keys.strip()))
        if not rules:
            raise HansentiError("--labels is empty: give e.g. \"1-2=negative,4-5=positive\"")
        label_map = cls(tuple(rules))
        label_map.check_overlaps()
        return label_map

    def check_overlaps(self) -> None:
        for index, first in enumerate(self.rules):
            for second in self.rules[index + 1:]:
                if _overlap(first, second):
                    raise HansentiError(f"--labels items {first} and {second} overlap: "
                                        "each value may belong to one class only")

    @property
    def numeric(self) -> bool:
        """Whether the map needs a numeric column (it has a range or a number)."""
        return any(rule.literal is None for rule in self.rules)

    @property
    def classes(self) -> tuple[str, ...]:
        """Class names, lowest value first when the map is numeric (1-2 stars before
        4-5), else as written."""
        rules = sorted(self.rules, key=lambda rule: rule.start) if all(
            rule.numeric for rule in self.rules) else list(self.rules)
        return tuple(dict.fromkeys(rule.class_name for rule in rules))

    def class_of(self, value: str) -> str | None:
        """The class of one label value, or None when the map leaves it out."""
        numeric = number(value)
        return next((rule.class_name for rule in self.rules if rule.matches(value, numeric)),
                    None)

    def __str__(self) -> str:
        return ",".join(map(str, self.rules))


def _overlap(first: Rule, second: Rule) -> bool:
    if first.literal is not None and second.literal is not None:
        a, b = number(first.literal), number(second.literal)
        return first.literal == second.literal or (a is not None and a == b)
    if first.literal is not None or second.literal is not None:
        literal, span = (first, second) if first.literal is not None else (second, first)
        value = number(literal.literal)
        return value is not None and span.low <= value <= span.high
    return first.low <= second.high and second.low <= first.high


def natural_classes(values: Iterable[str]) -> tuple[str, ...]:
    """The distinct values of an unmapped label column, in order: numerically when every
    value is a number (0 before 1, 2 before 10), else alphabetically (neg before pos)."""
    distinct = sorted(set(values))
    if all(number(value) is not None for value in distinct):
        return tuple(sorted(distinct, key=number))
    return tuple(distinct)
