"""Okt (Open Korean Text) morphemes through konlpy and the JVM."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from typing import Any

from hansenti.core.errors import BackendMissingError
from hansenti.core.text import pieces
from hansenti.tokenizers.base import Tokenizer

JAVA_HINT = "install a Java runtime (apt-get install default-jre-headless) or set JAVA_HOME"


@dataclass
class OktTokenizer(Tokenizer):
    """Okt morphemes (konlpy, needs Java); options norm, stem, heap_mb."""

    languages = ("ko",)
    #: Okt's time grows about with the square of a word's length (a repeated 320-character
    #: word: 0.35 s, 100,000 characters: minutes); 2% of NSMC reviews hold a longer run,
    #: which is analysed in 10-character pieces
    max_word_chars = 20
    #: Okt reads ~8,000 characters/s of hostile text (one endless repeated word), ~25,000
    #: of ordinary reviews: 4,000 characters stay within ~1 s once Java is warm
    max_review_chars = 4_000
    #: a JVM's warm-up (class loading, dictionaries, JIT) keeps both cores busy for ~4 s,
    #: so a second one pays off only past ~10,000 documents each (bench/scaling.py)
    min_docs_per_process = 15_000

    norm: bool = False
    stem: bool = False
    heap_mb: int = 1024

    requires = ("konlpy", "jpype")
    install_hint = "pip install 'hansenti[korean]', and " + JAVA_HINT
    _okt: Any = field(default=None, init=False, repr=False, compare=False)

    def _analyser(self) -> Any:
        """The Okt instance, starting the JVM on first use (1.5-2 s)."""
        if self._okt is None:
            if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
                raise BackendMissingError(f"tokenizer 'okt' needs Java: {JAVA_HINT}")
            from konlpy.tag import Okt

            try:
                self._okt = Okt(max_heap_size=self.heap_mb)
            except Exception as error:  # konlpy raises bare exceptions for JVM trouble
                raise BackendMissingError(f"tokenizer 'okt' could not start Java ({error}): "
                                          + JAVA_HINT) from error
        return self._okt

    def tokenize(self, text: str) -> list[str]:
        okt = self._analyser()
        return [token for piece in pieces(text, max_word_chars=self.max_word_chars)
                for token in okt.morphs(piece, norm=self.norm, stem=self.stem)
                if token.strip()]

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_okt": None}
