"""Token <-> id vocabulary, padding, and the max-length policy of the seed tutorials."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Literal, Sequence

import numpy as np

from ..core import atomic
from ..core.errors import HansentiError, RunDirError

#: the file a saved vocabulary is written to, in a run folder
VOCAB_FILE = "vocab.json"

PAD, BOS, UNK = "<PAD>", "<BOS>", "<UNK>"
PAD_ID, BOS_ID, UNK_ID = 0, 1, 2
SPECIALS = (PAD, BOS, UNK)

Side = Literal["pre", "post"]


class Vocab:
    """Ids for the most frequent training tokens; ``<PAD>``=0, ``<BOS>``=1, ``<UNK>``=2."""

    def __init__(self, tokens: Sequence[str], counts: Sequence[int] | None = None) -> None:
        if tuple(tokens[:3]) != SPECIALS:
            raise HansentiError(f"a vocab must start with {SPECIALS}")
        self.itos = list(tokens)
        self.stoi = {token: index for index, token in enumerate(self.itos)}
        self.counts = list(counts) if counts is not None else [0] * len(self.itos)

    @classmethod
    def build(cls, documents: Iterable[Sequence[str]], max_size: int | None = None,
              min_freq: int = 1) -> "Vocab":
        """Keep tokens seen ``min_freq`` times or more, the ``max_size`` most frequent
        (specials included); ties broken by first appearance, so builds are reproducible."""
        frequency: Counter[str] = Counter()
        for tokens in documents:
            frequency.update(tokens)
        for special in SPECIALS:
            frequency.pop(special, None)
        kept = [(token, n) for token, n in frequency.most_common() if n >= min_freq]
        if max_size is not None:
            kept = kept[: max(0, max_size - len(SPECIALS))]
        return cls([*SPECIALS, *(t for t, _ in kept)], [0, 0, 0, *(n for _, n in kept)])

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def encode(self, tokens: Sequence[str], add_bos: bool = False) -> list[int]:
        ids = [self.stoi.get(token, UNK_ID) for token in tokens]
        return [BOS_ID, *ids] if add_bos else ids

    def decode(self, ids: Iterable[int], skip_pad: bool = True) -> list[str]:
        return [self.itos[i] for i in ids if not (skip_pad and i == PAD_ID)]

    def encode_padded(self, documents: Sequence[Sequence[str]], maxlen: int,
                      padding: Side = "pre", truncating: Side = "pre",
                      add_bos: bool = False) -> np.ndarray:
        """An int32 matrix ``(len(documents), maxlen)``, padded with ``<PAD>``=0.

        ``pre`` padding and truncation keep the end of a review, as Keras'
        ``pad_sequences`` does by default."""
        for name, side in (("padding", padding), ("truncating", truncating)):
            if side not in ("pre", "post"):
                raise HansentiError(f"{name} must be 'pre' or 'post', not {side!r}")
        matrix = np.zeros((len(documents), maxlen), dtype=np.int32)
        for row, tokens in enumerate(documents):
            ids = self.encode(tokens, add_bos=add_bos)
            ids = ids[-maxlen:] if truncating == "pre" else ids[:maxlen]
            if ids:
                if padding == "pre":
                    matrix[row, maxlen - len(ids):] = ids
                else:
                    matrix[row, :len(ids)] = ids
        return matrix

    def oov_rate(self, documents: Iterable[Sequence[str]]) -> float:
        """Share of token occurrences that are not in the vocab."""
        total = unknown = 0
        for tokens in documents:
            total += len(tokens)
            unknown += sum(token not in self.stoi for token in tokens)
        return unknown / total if total else 0.0

    def to_dict(self) -> dict:
        return {"tokens": self.itos, "counts": self.counts}

    def save(self, path: str | Path) -> None:
        atomic.write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> "Vocab":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(data["tokens"], data.get("counts"))
        except FileNotFoundError as error:
            raise RunDirError(f"{path} is missing") from error
        except (ValueError, KeyError, TypeError, HansentiError) as error:
            raise RunDirError(f"{path} is corrupt ({error}): train the run again") from error


@dataclass(frozen=True)
class MaxLen:
    """A chosen sequence length and the share of documents it holds whole."""

    length: int
    coverage: float
    policy: str


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def choose_maxlen(lengths: Sequence[int], policy: str | int = "mean+2std") -> MaxLen:
    """Pick a max length from training lengths: a fixed number, ``mean+Kstd``, or ``pNN``,
    optionally capped (``mean+2std<=400``).

    ``mean+2std`` is the seed tutorial's rule; ``p95`` keeps 95% of documents whole."""
    if not lengths:
        raise HansentiError("cannot choose a max length from no documents")
    values = np.asarray(lengths)
    full_spec = str(policy).replace(" ", "")
    spec, capped, cap = full_spec.partition("<=")
    if capped and not cap.isdigit():
        raise HansentiError(f"max length policy {policy!r}: the cap after <= must be a number")
    if spec.isdigit():
        length = int(spec)
    elif spec.startswith("mean+") and spec.endswith("std") and _is_number(spec[5:-3] or "1"):
        k = float(spec[5:-3] or 1)
        length = math.ceil(values.mean() + k * values.std())
    elif spec.startswith("p") and spec[1:].replace(".", "", 1).isdigit():
        length = int(np.percentile(values, float(spec[1:]), method="higher"))
    else:
        raise HansentiError(f"max length policy {policy!r}: use a number, 'mean+2std' or "
                            "'p95', optionally capped as 'mean+2std<=400'")
    length = max(1, min(length, int(cap)) if capped else length)
    return MaxLen(length, float((values <= length).mean()), full_spec)
