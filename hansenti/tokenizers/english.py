"""English words for IMDB: lower-cased, HTML line breaks removed, clitics and punctuation split."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .base import Tokenizer

_HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]{0,100}>")
_NEGATION = re.compile(r"(?<=\w)(n't)\b", re.I)
_CLITIC = re.compile(r"(?<=\w)('(?:s|re|ve|ll|d|m))\b", re.I)
_TOKEN = re.compile(r"n't|'(?:s|re|ve|ll|d|m)\b|\w+(?:[-']\w+)*|\.{2,}|[^\w\s]", re.I)


@dataclass
class EnglishTokenizer(Tokenizer):
    """English words: lower-cased, <br /> removed, "don't" -> do n't, punctuation split."""

    languages = ("en",)
    uses_processes = False

    lowercase: bool = True

    def tokenize(self, text: str) -> list[str]:
        text = _HTML_TAG.sub(" ", text)
        if self.lowercase:
            text = text.lower()
        text = _CLITIC.sub(r" \1", _NEGATION.sub(r" \1", text))
        return _TOKEN.findall(text)
