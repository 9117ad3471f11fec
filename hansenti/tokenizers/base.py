"""The tokenizer contract, its registry, and saving/loading tokenizer directories.

One class, :class:`Tokenizer`, is both the interface and its defaults: a subclass
implements ``tokenize`` and, when its options are dataclass fields, gets config,
serialisation, batching and parallelism for free. (The style guide splits this into an
ABC and a BaseTokenizer; with every default overridable, one class is enough.)
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import json
import logging
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterable, Sequence

from ..core import atomic
from ..core.errors import BackendMissingError, HansentiError, RunDirError
from ..core.parallel import WorkerSetup, gc_paused, map_here, map_in_processes
from ..core.plugins import tokenizers
from ..core.text import review_limit, shorten
from ..core.user_code import load_user_code, loaded_code_files
from .normalize import Normalization

log = logging.getLogger("hansenti")

TOKENIZER_FILE = "tokenizer.json"
FORMAT_VERSION = 1


class Tokenizer(ABC):
    """Turns one text into a flat list of string tokens."""

    name: ClassVar[str] = ""
    #: importable modules the backend needs; ``hansenti tokenizers`` reports them
    requires: ClassVar[tuple[str, ...]] = ()
    #: how to get the backend, quoted in the error when it is missing
    install_hint: ClassVar[str] = ""
    #: whether ``n_jobs > 1`` spreads batches over processes; cheap pure-Python tokenizers
    #: say no, since sending the tokens back costs more than making them
    uses_processes: ClassVar[bool] = True
    #: a worker process is started only for this many documents: fewer are tokenized
    #: sooner here than a worker starts (Okt's JVM warms up for ~8 core-seconds)
    min_docs_per_process: ClassVar[int] = 2_000
    #: languages it is meant for (ISO 639-1); empty means any
    languages: ClassVar[tuple[str, ...]] = ()
    #: analysers whose time grows faster than a word's length cut longer runs of
    #: non-space characters into pieces of this many (``hansenti.core.text.pieces``)
    max_word_chars: ClassVar[int | None] = None
    #: characters of a review it is given (``hansenti.core.text.review_limit``); None: the
    #: default, 10,000; a slow analyser sets less to keep any review within ~2 s
    max_review_chars: ClassVar[int | None] = None
    #: the ``normalize`` option every tokenizer takes (:mod:`.normalize`); None: texts as
    #: they are
    normalization: Normalization | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every ``tokenize``, ``tokenize_batch`` and ``fit`` a subclass writes gets texts
        bounded and normalised: see :func:`bounded_by_contract`."""
        super().__init_subclass__(**kwargs)
        for method in ("tokenize", "tokenize_batch", "fit"):
            if method in vars(cls):
                setattr(cls, method, bounded_by_contract(vars(cls)[method]))

    @abstractmethod
    def tokenize(self, text: str) -> list[str]:
        """Tokens of ``text``; always a flat list of non-empty strings. The text is
        shortened to :func:`hansenti.core.text.review_limit` first (``bounded=False``: the raw
        analyser on the whole text, at whatever it costs)."""

    def tokenize_batch(
        self, texts: Sequence[str], n_jobs: int = 1, progress: bool | None = None
    ) -> list[list[str]]:
        """Tokens of every text, in order; ``n_jobs > 1`` spreads the work over processes.
        Each text is bounded as in :meth:`tokenize` (``bounded=False`` to opt out)."""
        desc = f"tokenize[{self.name}]"
        # the texts went through the contract on the way in: not bounded or normalised again
        tokenize_one = functools.partial(self.tokenize, prepared=True)
        if n_jobs > 1 and self.uses_processes:
            return map_in_processes(self.worker_setup(), _tokenize_chunk, tokenize_one, texts,
                                    n_jobs, desc, self.min_docs_per_process, progress)
        return map_here(tokenize_one, texts, desc, progress)

    def worker_setup(self) -> WorkerSetup:
        """How a worker process rebuilds this tokenizer: from its saved state, after
        running the user code files that registered it."""
        code_files = loaded_code_files()
        return WorkerSetup(_start_worker, (self.to_dict(), self.artifacts(), code_files),
                           key=(self.fingerprint(), code_files))

    # --- training -------------------------------------------------------
    trainable: ClassVar[bool] = False

    def fit(self, texts: Iterable[str]) -> "Tokenizer":
        """Learn from training texts (SentencePiece); analysers have nothing to learn."""
        return self

    @property
    def is_fitted(self) -> bool:
        return True

    # --- optional inverse -------------------------------------------------
    reversible: ClassVar[bool] = False

    def detokenize(self, tokens: Sequence[str]) -> str:
        raise HansentiError(f"tokenizer {self.name!r} cannot turn tokens back into text")

    # --- state --------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """The constructor arguments that recreate this tokenizer."""
        if dataclasses.is_dataclass(self):
            return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.init}
        return {}

    def artifacts(self) -> dict[str, bytes]:
        """Learned state as file name -> bytes (a SentencePiece model, say)."""
        return {}

    def restore(self, artifacts: dict[str, bytes]) -> None:
        """Take back the state that :meth:`artifacts` gave."""

    def to_dict(self) -> dict[str, Any]:
        state = {"name": self.name, "format": FORMAT_VERSION, "config": self.config(),
                 "artifacts": sorted(self.artifacts())}
        if self.normalization:
            state["normalize"] = self.normalization.spec()
        return state

    @staticmethod
    def from_dict(data: dict[str, Any], artifacts: dict[str, bytes] | None = None) -> "Tokenizer":
        """Rebuild a tokenizer from :meth:`to_dict` output (and its artifacts)."""
        normalize = {"normalize": data["normalize"]} if data.get("normalize") else {}
        tokenizer = create_tokenizer(data["name"], **data.get("config", {}), **normalize)
        if artifacts:
            tokenizer.restore(artifacts)
        return tokenizer

    def fingerprint(self) -> str:
        """A digest of config and learned state: equal fingerprints tokenize alike."""
        state = {**self.to_dict(), "max_word_chars": self.max_word_chars}
        digest = hashlib.sha256(json.dumps(state, sort_keys=True).encode())
        for name, data in sorted(self.artifacts().items()):
            digest.update(name.encode() + b"\0" + data)
        return digest.hexdigest()[:16]

    def save(self, directory: str | Path) -> Path:
        """Write ``tokenizer.json`` and artifacts into ``directory``; return the JSON path."""
        if not self.is_fitted:
            raise HansentiError(f"tokenizer {self.name!r} must be fitted before it is saved")
        directory = Path(directory)
        for file_name, data in self.artifacts().items():
            atomic.write_bytes(directory / file_name, data)
        path = directory / TOKENIZER_FILE
        atomic.write_json(path, self.to_dict())
        return path

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({options})"

    @classmethod
    def description(cls) -> str:
        return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""

    @classmethod
    def backend_missing(cls) -> list[str]:
        """The modules in :attr:`requires` that cannot be imported."""
        return [module for module in cls.requires if importlib.util.find_spec(module) is None]

    @classmethod
    def check_backend(cls) -> None:
        missing = cls.backend_missing()
        if missing:
            hint = cls.install_hint or f"pip install {' '.join(missing)}"
            raise BackendMissingError(
                f"tokenizer {cls.name!r} needs {', '.join(missing)}: {hint}")


def bounded_by_contract(method: Callable) -> Callable:
    """``method`` (a ``tokenize``, ``tokenize_batch`` or ``fit``) given texts within the
    tokenizer's review limit, so no caller can forget the bound (``bounded=False`` passes
    them whole), then normalised as its ``normalize`` option says; ``prepared=True`` is a
    batch handing on texts that went through both already."""
    if getattr(method, "bounds_texts", False):
        return method
    batch = method.__name__ in ("tokenize_batch", "fit")

    @functools.wraps(method)
    def bounded_method(self: Tokenizer, texts: Any, *args: Any, bounded: bool = True,
                       prepared: bool = False, **kwargs: Any) -> Any:
        if prepared:
            return method(self, texts, *args, **kwargs)
        if bounded:
            limit = review_limit(self)
            texts = ([shorten(text, limit) for text in texts] if batch
                     else shorten(texts, limit))
        if self.normalization:
            texts = (list(map(self.normalization, texts)) if batch
                     else self.normalization(texts))
        return method(self, texts, *args, **kwargs)

    bounded_method.bounds_texts = True
    return bounded_method


Tokenizer.tokenize_batch = bounded_by_contract(Tokenizer.tokenize_batch)
Tokenizer.fit = bounded_by_contract(Tokenizer.fit)


class FunctionTokenizer(Tokenizer):
    """A plain ``str -> list[str]`` function used as a tokenizer."""

    function: ClassVar[Callable[[str], Iterable[str]]]

    def tokenize(self, text: str) -> list[str]:
        tokens = list(type(self).function(text))
        if not all(isinstance(token, str) for token in tokens):
            raise HansentiError(f"tokenizer {self.name!r} returned a non-string token")
        return tokens


def as_tokenizer_class(name: str, obj: Any) -> type[Tokenizer]:
    """What the tokenizer registry stores: a Tokenizer subclass named ``name``; a plain
    function is wrapped in a FunctionTokenizer."""
    if isinstance(obj, type) and issubclass(obj, Tokenizer):
        own_name = vars(obj).get("name")  # a subclass inherits its parent's name
        if own_name and own_name != name:  # the same class under a second name
            return type(obj.__name__, (obj,), {"name": name, "__module__": obj.__module__})
        obj.name = name
        return obj
    if callable(obj):
        return type(
            getattr(obj, "__name__", name),
            (FunctionTokenizer,),
            {"name": name, "function": staticmethod(obj),
             "__module__": getattr(obj, "__module__", __name__),
             "__qualname__": getattr(obj, "__qualname__", name),
             "__doc__": obj.__doc__ or f"user function {name}"},
        )
    raise HansentiError(f"cannot register {obj!r} as tokenizer {name!r}: "
                        "give a Tokenizer subclass or a str -> list[str] function")


tokenizers.adapt_with(as_tokenizer_class)
register_tokenizer = tokenizers.register

def create_tokenizer(name: str, **config: Any) -> Tokenizer:
    """Instantiate the tokenizer registered as ``name`` after checking its backend; the
    option ``normalize`` (every tokenizer's, :mod:`.normalize`) is the contract's."""
    cls = tokenizers.get(name)
    cls.check_backend()
    spec = config.pop("normalize", None)
    normalization = Normalization.parse(spec) if spec else None
    try:
        tokenizer = cls(**config)
    except TypeError as error:
        raise HansentiError(f"bad options for tokenizer {name!r}: {error}") from error
    # set past __setattr__: a third party's tokenizer may be a frozen dataclass
    object.__setattr__(tokenizer, "normalization", normalization)
    return tokenizer


def load_tokenizer(directory: str | Path) -> Tokenizer:
    """Load a tokenizer saved with :meth:`Tokenizer.save`."""
    path = Path(directory) / TOKENIZER_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        names = data["artifacts"]
        artifacts = {file_name: (path.parent / file_name).read_bytes() for file_name in names}
    except FileNotFoundError as error:
        raise RunDirError(f"{error.filename} is missing: save the tokenizer again") from error
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise RunDirError(f"{path} is corrupt ({error}): save the tokenizer again") from error
    if data.get("format") != FORMAT_VERSION:
        raise RunDirError(f"{path} has format {data.get('format')!r}, "
                          f"this hansenti reads {FORMAT_VERSION}")
    return Tokenizer.from_dict(data, artifacts)


#: the tokenizer of this worker process (set by :func:`_start_worker`)
_worker_tokenizer: Tokenizer | None = None


def _start_worker(state: dict[str, Any], artifacts: dict[str, bytes],
                  code_files: tuple[str, ...]) -> None:
    global _worker_tokenizer
    for path in code_files:
        load_user_code(path)
    _worker_tokenizer = Tokenizer.from_dict(state, artifacts)


def _tokenize_chunk(texts: list[str]) -> list[list[str]]:
    with gc_paused():
        return [_worker_tokenizer.tokenize(text, prepared=True) for text in texts]
