"""Kiwi morphemes through kiwipiepy, batches on Kiwi's own threads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from hansenti.core.parallel import available_cores, gc_paused, progress_bar
from hansenti.core.text import pieces
from hansenti.tokenizers.base import Tokenizer


@dataclass
class KiwiTokenizer(Tokenizer):
    """Kiwi morphemes (kiwipiepy); typos="basic" corrects common typos."""

    languages = ("ko",)
    #: Kiwi's time grows faster than a word's length (one 100,000-character word: ~10 s)
    max_word_chars = 200

    typos: str | None = None

    requires = ("kiwipiepy",)
    install_hint = "pip install 'hansenti[korean]' (kiwipiepy)"
    _kiwi: dict[int, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def _analyser(self, threads: int = 1) -> Any:
        """A Kiwi with ``threads`` worker threads, made once for each count."""
        if threads not in self._kiwi:
            from kiwipiepy import Kiwi

            self._kiwi[threads] = Kiwi(num_workers=threads, typos=self.typos)
        return self._kiwi[threads]

    def tokenize(self, text: str) -> list[str]:
        kiwi = self._analyser()
        return [token.form for piece in pieces(text, max_word_chars=self.max_word_chars)
                for token in kiwi.tokenize(piece)]

    def tokenize_batch(self, texts: Sequence[str], n_jobs: int = 1,
                       progress: bool | None = None) -> list[list[str]]:
        """Kiwi analyses a batch on ``n_jobs`` threads of its own: no worker processes."""
        threads = max(1, min(n_jobs, available_cores()))
        kiwi = self._analyser(threads)
        # texts are cut into pieces; remember which document each piece belongs to
        owners, flat = [], []
        for index, text in enumerate(texts):
            for piece in pieces(text, max_word_chars=self.max_word_chars):
                owners.append(index)
                flat.append(piece)
        result: list[list[str]] = [[] for _ in texts]
        with progress_bar(len(flat), f"tokenize[{self.name}]", progress) as bar, gc_paused():
            for owner, tokens in zip(owners, kiwi.tokenize(flat)):
                result[owner].extend(token.form for token in tokens)
                bar.update(1)
        return result

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_kiwi": {}}
