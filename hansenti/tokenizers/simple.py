"""Whitespace (eojeol) and character (syllable) tokenizers."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .base import Tokenizer


@dataclass
class WhitespaceTokenizer(Tokenizer):
    """Eojeol: the text split on whitespace, as the seed tutorials do."""

    uses_processes = False

    lowercase: bool = False

    def tokenize(self, text: str) -> list[str]:
        return (text.lower() if self.lowercase else text).split()


@dataclass
class CharTokenizer(Tokenizer):
    """Characters (Hangul syllables) without whitespace and control characters."""

    uses_processes = False

    def tokenize(self, text: str) -> list[str]:
        return [char for char in text
                if not char.isspace() and unicodedata.category(char) != "Cc"]
