"""Text hygiene and bounds shared by every tokenizer: C libraries and the JVM dislike
control characters, and morphological analysis of one huge string, or of one endless
word, costs far more than of its pieces.

Two bounds keep the time per document bounded whatever the input:

- **characters per review** (:func:`review_limit`: 10,000, or less for a slow analyser
  that says so in ``Tokenizer.max_review_chars``; the environment variable
  ``HANSENTI_MAX_CHARS`` sets it for every tokenizer): a longer review keeps its first
  and last halves of that budget (opening and verdict), and how many were shortened is
  warned and counted;
- **characters per word** (``Tokenizer.max_word_chars``, for analysers whose time grows
  faster than the word): a longer run of non-space characters is cut into pieces of
  half that length before analysis (short pieces are where those analysers are fast).
"""

from __future__ import annotations

import logging
import os
import re
from typing import Iterator, Protocol, Sequence

from .errors import HansentiError

log = logging.getLogger("hansenti")


class Bounded(Protocol):
    """What the bounds read of a tokenizer (``hansenti.tokenizers.base.Tokenizer``)."""

    max_review_chars: int | None


#: analysers see a long text in pieces of at most this many characters
PIECE_CHARS = 5_000
MAX_CHARS_ENV = "HANSENTI_MAX_CHARS"
DEFAULT_MAX_CHARS = 10_000
#: what a shortened review holds where its middle was
ELLIPSIS = " … "

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` without NUL, other control characters and lone surrogates."""
    return _CONTROL.sub(" ", text)


def printable(text: str) -> str:
    """``text`` with lone surrogates (bytes of a command-line argument that were not
    UTF-8) shown as U+FFFD, so it can be printed."""
    return _SURROGATE.sub("\ufffd", text)


def review_limit(tokenizer: Bounded | None = None) -> int:
    """Characters of one review that hansenti gives ``tokenizer``: ``HANSENTI_MAX_CHARS``
    when set, else the tokenizer's own limit or :data:`DEFAULT_MAX_CHARS`."""
    value = os.environ.get(MAX_CHARS_ENV)
    if not value:
        return getattr(tokenizer, "max_review_chars", None) or DEFAULT_MAX_CHARS
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if limit < 100:
        raise HansentiError(f"{MAX_CHARS_ENV}={value!r} must be a whole number of at least "
                            f"100 characters (default {DEFAULT_MAX_CHARS:,})")
    return limit


def shorten(text: str, limit: int) -> str:
    """``text`` itself, or its first and last characters around an ellipsis, ``limit``
    characters at most."""
    if len(text) <= limit:
        return text
    half = (limit - len(ELLIPSIS)) // 2
    return text[:half] + ELLIPSIS + text[len(text) - half:]


def shorten_all(texts: Sequence[str], tokenizer: Bounded | None = None
                ) -> tuple[list[str], int]:
    """``texts`` within ``tokenizer``'s :func:`review_limit` and how many were shortened
    (logged as a warning)."""
    limit = review_limit(tokenizer)
    shortened = [shorten(text, limit) for text in texts]
    count = sum(len(text) > limit for text in texts)
    if count:
        log.warning("%d of %d reviews are longer than %s characters: their middles were left "
                    "out (set %s to change the limit)", count, len(texts), f"{limit:,}",
                    MAX_CHARS_ENV)
    return shortened, count


def split_long_words(text: str, max_word_chars: int) -> str:
    """``text`` with every run of over ``max_word_chars`` non-space characters cut into
    pieces of half that length, separated by spaces."""
    if max_word_chars <= 0 or len(text) <= max_word_chars:
        return text
    size = max(1, max_word_chars // 2)
    return re.sub(rf"\S{{{max_word_chars + 1},}}",
                  lambda match: " ".join(_chunks(match.group(), size)), text)


def _chunks(word: str, size: int) -> Iterator[str]:
    return (word[start:start + size] for start in range(0, len(word), size))


def pieces(text: str, max_chars: int = PIECE_CHARS,
           max_word_chars: int | None = None) -> Iterator[str]:
    """Cleaned ``text`` cut into pieces of at most ``max_chars``, at whitespace when it can
    (and over-long words cut first, when ``max_word_chars`` is given)."""
    text = clean_text(text)
    if max_word_chars:
        text = split_long_words(text, max_word_chars)
    start = 0  # indices, not slices of the rest: linear in the text's length
    while len(text) - start > max_chars:
        cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
        cut = cut if cut > start else start + max_chars
        yield text[start:cut]
        start = cut
    if text[start:].strip():
        yield text[start:]
