"""Okt (Open Korean Text) morphemes through konlpy and the JVM."""

from __future__ import annotations

import shutil
import os
from dataclasses import dataclass, field
from typing import Any

from hansenti.errors import BackendMissingError
from hansenti.text import pieces
from hansenti.tokenizer import Tokenizer

JAVA_HINT = "install a Java runtime (apt-get install default-jre-headless) or set JAVA_HOME"


@dataclass
class OktTokenizer(Tokenizer):
    """Okt morphemes (konlpy, needs Java); options norm, stem, heap_mb."""

    languages = ("ko",)

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
        return [token for piece in pieces(text)
                for token in okt.morphs(piece, norm=self.norm, stem=self.stem)
                if token.strip()]

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_okt": None}
