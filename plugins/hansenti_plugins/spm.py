"""SentencePiece subwords trained on the training split, plain or over Mecab morphemes."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

from hansenti.core.errors import HansentiError
from hansenti.core.parallel import available_cores, gc_paused, progress_bar
from hansenti.core.text import clean_text
from hansenti.tokenizers.base import Tokenizer, create_tokenizer

log = logging.getLogger("hansenti")

MODEL_FILE = "spm.model"
MODEL_TYPES = ("unigram", "bpe")
#: sentences SentencePiece samples for training; NSMC train (150K) fits whole
TRAIN_SENTENCES = 1_000_000
#: characters per training sentence; longer ones are cut (sentencepiece drops them otherwise)
MAX_SENTENCE_CHARS = 4_000


@dataclass
class SentencePieceTokenizer(Tokenizer):
    """SentencePiece subwords (unigram or BPE) trained with fit() on training text only."""

    vocab_size: int = 16_000
    model_type: str = "unigram"
    character_coverage: float = 0.9995

    requires = ("sentencepiece",)
    install_hint = "pip install 'hansenti[spm]'"
    trainable = True
    _model: bytes | None = field(default=None, init=False, repr=False, compare=False)
    _processor: Any = field(default=None, init=False, repr=False, compare=False)
    _pieces: list[str] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.model_type not in MODEL_TYPES:
            raise HansentiError(f"spm model_type must be one of {MODEL_TYPES}, "
                                f"not {self.model_type!r}")

    def pretokenize(self, texts: Sequence[str], n_jobs: int = 1) -> list[str]:
        """The text SentencePiece sees; the plain variant cleans it only."""
        return [clean_text(text) for text in texts]

    def fit(self, texts: Iterable[str]) -> "SentencePieceTokenizer":
        """Train on ``texts`` (the training split only: never pass test text)."""
        import sentencepiece

        sentences = [sentence[:MAX_SENTENCE_CHARS]
                     for sentence in self.pretokenize(list(texts), n_jobs=available_cores())
                     if sentence.strip()]
        if not sentences:
            raise HansentiError("spm needs some non-empty training text")
        model = io.BytesIO()
        try:
            sentencepiece.SentencePieceTrainer.train(
                sentence_iterator=iter(sentences), model_writer=model,
                vocab_size=self.vocab_size, model_type=self.model_type,
                character_coverage=self.character_coverage, hard_vocab_limit=False,
                input_sentence_size=TRAIN_SENTENCES, shuffle_input_sentence=True,
                max_sentence_length=MAX_SENTENCE_CHARS * 4, num_threads=available_cores(),
                minloglevel=2)
        except RuntimeError as error:  # e.g. a vocab_size below the characters it must hold
            reason = str(error).split("] ")[-1].strip()
            raise HansentiError(f"spm could not be trained on {len(sentences):,} texts: "
                                f"{reason}") from None
        self.restore({MODEL_FILE: model.getvalue()})
        log.info("trained spm %s %d on %d sentences", self.model_type,
                 self._processor.get_piece_size(), len(sentences))
        return self

    @property
    def is_fitted(self) -> bool:
        return self._model is not None

    def artifacts(self) -> dict[str, bytes]:
        return {MODEL_FILE: self._model} if self._model is not None else {}

    def restore(self, artifacts: dict[str, bytes]) -> None:
        import sentencepiece

        self._model = artifacts[MODEL_FILE]
        self._processor = sentencepiece.SentencePieceProcessor(model_proto=self._model)
        self._pieces = [self._processor.id_to_piece(i)
                        for i in range(self._processor.get_piece_size())]

    def _require_model(self) -> Any:
        if self._processor is None:
            raise HansentiError(f"tokenizer {self.name!r} is not trained: call fit() on "
                                "training text, or load a saved tokenizer directory")
        return self._processor

    def tokenize(self, text: str) -> list[str]:
        return self.tokenize_batch([text], progress=False)[0]

    def tokenize_batch(self, texts: Sequence[str], n_jobs: int = 1,
                       progress: bool | None = None) -> list[list[str]]:
        """Encode on SentencePiece's own threads, in chunks so a progress bar can move."""
        processor = self._require_model()
        threads = min(max(n_jobs, 1), available_cores())
        prepared = self.pretokenize(texts, n_jobs)
        result: list[list[str]] = []
        with progress_bar(len(texts), f"tokenize[{self.name}]", progress) as bar, gc_paused():
            for chunk in _chunks(prepared, 20_000):
                # ids then a table look-up: out_type=str builds Python strings under the
                # GIL and runs slower on 2 threads than on 1 (measured: 96K vs 165K docs/s)
                for ids in processor.encode(list(chunk), out_type=int, num_threads=threads):
                    result.append([self._pieces[i] for i in ids])
                bar.update(len(chunk))
        return result

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_processor": None, "_pieces": []}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if self._model is not None:
            self.restore({MODEL_FILE: self._model})


@dataclass
class MorphemeSentencePieceTokenizer(SentencePieceTokenizer):
    """Mecab morphemes first, then SentencePiece over them (Park et al. 2020's best)."""

    requires = ("sentencepiece", "mecab")
    install_hint = "pip install 'hansenti[korean,spm]'"
    _mecab: Tokenizer | None = field(default=None, init=False, repr=False, compare=False)

    def pretokenize(self, texts: Sequence[str], n_jobs: int = 1) -> list[str]:
        if self._mecab is None:
            self._mecab = create_tokenizer("mecab")
        return [" ".join(tokens) for tokens in
                self._mecab.tokenize_batch(list(texts), n_jobs=n_jobs, progress=False)]


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
