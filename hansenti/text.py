"""Text hygiene shared by the analyser plugins: C libraries and the JVM dislike control
characters, and morphological analysis of one huge string costs more than of its pieces."""

from __future__ import annotations

import re
from typing import Iterator

#: analysers see a long text in pieces of at most this many characters
PIECE_CHARS = 5_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` without NUL, other control characters and lone surrogates."""
    return _CONTROL.sub(" ", text)


def pieces(text: str, max_chars: int = PIECE_CHARS) -> Iterator[str]:
    """Cleaned ``text`` cut into pieces of at most ``max_chars``, at whitespace when it can."""
    text = clean_text(text)
    while len(text) > max_chars:
        cut = text.rfind(" ", max_chars // 2, max_chars)
        cut = cut if cut > 0 else max_chars
        yield text[:cut]
        text = text[cut:]
    if text.strip():
        yield text
