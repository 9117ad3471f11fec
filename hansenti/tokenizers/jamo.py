"""Hangul syllables decomposed into conjoining jamo; reversible."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

from .base import Tokenizer

SPACE = "▁"
_FIRST_SYLLABLE, _LAST_SYLLABLE = 0xAC00, 0xD7A3
_CONJOINING_RUN = re.compile("[\u1100-\u11ff]+")


def is_syllable(char: str) -> bool:
    return _FIRST_SYLLABLE <= ord(char) <= _LAST_SYLLABLE


@dataclass
class JamoTokenizer(Tokenizer):
    """Hangul jamo (initial/medial/final are distinct code points); other characters kept."""

    languages = ("ko",)
    uses_processes = False

    reversible = True

    def tokenize(self, text: str) -> list[str]:
        tokens: list[str] = []
        for word in text.split():
            if tokens:
                tokens.append(SPACE)
            for char in word:
                if is_syllable(char):
                    tokens.extend(unicodedata.normalize("NFD", char))
                elif unicodedata.category(char) != "Cc":
                    tokens.append(char)
        return tokens

    def detokenize(self, tokens: Sequence[str]) -> str:
        """Rejoin jamo into syllables; exact for text whose whitespace is single spaces."""
        text = "".join(tokens).replace(SPACE, " ")
        return _CONJOINING_RUN.sub(lambda run: unicodedata.normalize("NFC", run.group()), text)
