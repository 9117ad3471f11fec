"""``CORPUS[:SPLIT+SPLIT]``: how every command names a corpus and which of its splits.

``nsmc`` is the whole corpus, ``nsmc:test`` one split, ``imdb:train+unsup`` two. Train,
embed, distil, compare and ``--exclude`` all read references through :meth:`parse`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import HansentiError


@dataclass(frozen=True)
class CorpusReference:
    """A corpus by name and, optionally, the splits meant (empty: all of them)."""

    name: str
    splits: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "CorpusReference":
        name, colon, splits_text = text.partition(":")
        name = name.strip()
        splits = tuple(split.strip() for split in splits_text.split("+")) if colon else ()
        if not name or any(not split for split in splits):
            raise HansentiError(f"bad corpus reference {text!r}: write CORPUS or "
                                "CORPUS:SPLIT[+SPLIT...] (e.g. nsmc, imdb:train+unsup)")
        return cls(name, splits)

    def splits_of(self, available: tuple[str, ...]) -> tuple[str, ...]:
        """The splits meant, checked against the corpus's ``available`` ones."""
        unknown = [split for split in self.splits if split not in available]
        if unknown:
            raise HansentiError(f"{self.name} has no split {unknown[0]!r}; "
                                f"splits: {', '.join(available)}")
        return self.splits or available

    def __str__(self) -> str:
        return self.name + (":" + "+".join(self.splits) if self.splits else "")
