"""Word vectors from any gensim-readable file: load, look up neighbours, build the embedding
matrix of a run's vocabulary (with coverage), and export for inspection."""

from __future__ import annotations

import gzip
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core import atomic
from ..core.errors import HansentiError
from ..tokenizers.vocab import PAD_ID, SPECIALS, Vocab

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

log = logging.getLogger("hansenti")

#: an embedding folder's vectors, in word2vec's binary format (no pickle)
VECTORS_FILE = "vectors.bin"
#: what older hansenti folders held: gensim's pickle, loaded only when trusted
PICKLED_VECTORS_FILE = "vectors.kv"
#: set to 1 (``--trust-pickle``) to load gensim's pickled ``.kv``/``.model`` files
TRUST_PICKLE_ENV = "HANSENTI_TRUST_PICKLE"
WORD2VEC_TEXT_FILE = "vectors.txt"
METADATA_FILE = "embedding.json"
FASTTEXT_MAGIC = 793712314  # first int32 of a Facebook fastText .bin


def vectors_path(path: str | Path) -> Path:
    """The vectors file of ``path``: itself, or the ``vectors.kv`` of an embedding folder."""
    path = Path(path)
    if path.is_dir():
        path = next((path / name for name in (VECTORS_FILE, WORD2VEC_TEXT_FILE,
                                              PICKLED_VECTORS_FILE)
                     if (path / name).is_file()), path / VECTORS_FILE)
    if not path.is_file():
        raise HansentiError(f"no word vectors at {path}: train some with hansenti embed train, "
                            "or give a word2vec (.txt/.bin), GloVe (.txt) or fastText .bin file")
    return path


def pickle_trusted() -> bool:
    """Whether the user allowed gensim's pickled formats (``--trust-pickle``)."""
    return os.environ.get(TRUST_PICKLE_ENV, "") not in ("", "0")


def load_vectors(path: str | Path, limit: int | None = None) -> "KeyedVectors":
    """KeyedVectors from an embedding folder, a word2vec text (``.txt``/``.vec``,
    optionally ``.gz``; GloVe's header-less text too) or binary file, or a Facebook
    fastText ``.bin`` (which keeps its subword vectors for unseen words). gensim's own
    ``.kv``/``.model`` files are pickles, which can run code when loaded: they are read
    only when the user trusts them (``--trust-pickle``, :data:`TRUST_PICKLE_ENV`).
    ``limit``: only the first vectors of a word2vec or GloVe file (a quick check)."""
    from gensim.models import KeyedVectors
    from gensim.models.fasttext import load_facebook_vectors
    from gensim.utils import SaveLoad

    path = vectors_path(path)
    suffixes = "".join(path.suffixes[-2:]).lower()
    try:
        if path.suffix in (".kv", ".model"):
            if not pickle_trusted():
                raise HansentiError(
                    f"{path} is a gensim pickle, which can run code when loaded: add "
                    "--trust-pickle if you trust where it came from, or convert it to "
                    "word2vec format (KeyedVectors.save_word2vec_format)")
            loaded = SaveLoad.load(str(path))
            vectors = getattr(loaded, "wv", loaded)
        elif path.suffix == ".bin":
            with open(path, "rb") as handle:
                magic = int.from_bytes(handle.read(4), "little")
            vectors = (load_facebook_vectors(str(path)) if magic == FASTTEXT_MAGIC
                       else KeyedVectors.load_word2vec_format(str(path), binary=True,
                                                              limit=limit))
        elif suffixes.endswith((".txt", ".vec", ".txt.gz", ".vec.gz")):
            vectors = KeyedVectors.load_word2vec_format(str(path), binary=False, limit=limit,
                                                        no_header=not has_header(path))
        else:
            raise HansentiError(f"{path}: unknown vectors format; use .kv, .model, .txt, "
                                ".vec or .bin")
    except HansentiError:
        raise
    except Exception as error:  # gensim raises many types for a malformed file
        raise HansentiError(f"{path} is not a readable vectors file "
                            f"({type(error).__name__}: {error})") from error
    if not isinstance(vectors, KeyedVectors):
        raise HansentiError(f"{path} holds a {type(vectors).__name__}, not word vectors")
    return vectors


def has_header(path: Path) -> bool:
    """Whether a vectors text file starts with word2vec's "count dims" line (GloVe's
    files start with the first vector)."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        fields = handle.readline().split()
    return len(fields) == 2 and all(field.isdigit() for field in fields)


def metadata_of(path: str | Path) -> dict[str, Any]:
    """What ``hansenti embed train`` recorded beside the vectors (empty for outside files)."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    try:
        return json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def has_subwords(vectors: "KeyedVectors") -> bool:
    """Whether ``vectors`` can make a vector for an unseen word (fastText n-grams)."""
    return getattr(vectors, "bucket", 0) > 0


@dataclass(frozen=True)
class Coverage:
    """How much of a vocabulary the vectors know: as types and as token occurrences."""

    vocab: float
    tokens: float
    found: int
    from_subwords: int
    missing: int

    def to_dict(self) -> dict[str, float | int]:
        return {"vocab": self.vocab, "tokens": self.tokens, "found": self.found,
                "from_subwords": self.from_subwords, "missing": self.missing}


def embedding_matrix(vocab: Vocab, vectors: "KeyedVectors",
                     seed: int = 42) -> tuple[np.ndarray, Coverage]:
    """A ``(len(vocab), dim)`` float32 matrix: pre-trained rows for known tokens, fastText
    subword vectors for the rest where possible, small random rows otherwise (scaled like
    the known ones) and zeros for ``<PAD>``."""
    rng = np.random.default_rng(seed)
    scale = float(np.std(vectors.vectors)) if len(vectors) else 0.05
    matrix = rng.normal(0.0, scale, (len(vocab), vectors.vector_size)).astype(np.float32)
    matrix[PAD_ID] = 0.0
    subwords = has_subwords(vectors)
    found = from_subwords = 0
    covered_count = total_count = 0
    for index in range(len(SPECIALS), len(vocab)):
        token, count = vocab.itos[index], vocab.counts[index]
        total_count += count
        if token in vectors.key_to_index:
            matrix[index] = vectors[token]
            found += 1
            covered_count += count
        elif subwords:
            matrix[index] = vectors.get_vector(token)
            from_subwords += 1
    types = len(vocab) - len(SPECIALS)
    coverage = Coverage(vocab=found / types if types else 0.0,
                        tokens=covered_count / total_count if total_count else 0.0,
                        found=found, from_subwords=from_subwords,
                        missing=types - found - from_subwords)
    return matrix, coverage


def vectors_from_rows(tokens: list[str], rows: np.ndarray) -> "KeyedVectors":
    """KeyedVectors holding ``rows`` under ``tokens`` (e.g. a trained run's embedding layer)."""
    from gensim.models import KeyedVectors

    vectors = KeyedVectors(rows.shape[1], count=len(tokens), dtype=np.float32)
    vectors.add_vectors(tokens, rows.astype(np.float32))
    return vectors


def clean_token(token: str) -> str:
    """A token as one TSV/word2vec-text field: whitespace would split it, so it is escaped."""
    return token.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace(" ", "\\s")


def write_word2vec_text(vectors: "KeyedVectors", path: str | Path, limit: int | None = None) -> int:
    """The word2vec text format (header, then ``token v1 v2 ...``), most frequent first."""
    keys = vectors.index_to_key[:limit]
    with atomic.atomic_open(path, "w") as handle:
        handle.write(f"{len(keys)} {vectors.vector_size}\n")
        for key in keys:
            handle.write(clean_token(key) + " " + " ".join(f"{v:.6g}" for v in vectors[key]) + "\n")
    return len(keys)


def write_projector(vectors: "KeyedVectors", folder: str | Path,
                    limit: int | None = None) -> int:
    """TensorBoard Projector files: ``tensor.tsv`` (one vector a line) and ``metadata.tsv``
    (one token a line, same order)."""
    keys = vectors.index_to_key[:limit]
    folder = Path(folder)
    with atomic.atomic_open(folder / "tensor.tsv", "w") as handle:
        for key in keys:
            handle.write("\t".join(f"{v:.6g}" for v in vectors[key]) + "\n")
    atomic.write_text(folder / "metadata.tsv", "".join(clean_token(key) + "\n" for key in keys))
    return len(keys)


def most_similar(vectors: "KeyedVectors", word: str, n: int = 10) -> list[tuple[str, float]]:
    """The ``n`` nearest words to ``word`` by cosine similarity."""
    if word not in vectors.key_to_index and not has_subwords(vectors):
        raise HansentiError(f"{word!r} is not in these vectors ({len(vectors):,} words); "
                            "try another form of it")
    return [(key, float(score)) for key, score in vectors.most_similar(word, topn=n)]
