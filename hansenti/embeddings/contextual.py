"""A pre-trained biLM (ELMo): its settings, its character vocabulary, its folder, and its
use as a classifier's contextual features (``-p contextual=FOLDER``): the network's token
embedding becomes that embedding concatenated with the frozen biLM's layers, mixed by
weights the classifier learns. The biLM's weights then live in the run's model file, so
prediction, serving and packages need nothing else. Training it:
:mod:`hansenti.training.language_model`."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ..core.errors import HansentiError
from ..tokenizers.vocab import PAD_ID, Vocab

if TYPE_CHECKING:
    import keras

log = logging.getLogger("hansenti")

#: a pre-trained biLM's folder: what it is, and the weights a classifier reads
BILM_FILE = "bilm.json"
BILM_WEIGHTS = "bilm.npz"
#: character ids: padding, unknown character, begin and end of a token
CHAR_PAD, CHAR_UNK, CHAR_BOW, CHAR_EOW = 0, 1, 2, 3


@dataclass(frozen=True)
class BiLMConfig:
    """What determines a pre-trained biLM (``epochs`` only says how long to train it)."""

    source: str = "naver-reviews"
    tokenizer: str = "mecab"
    tokenizer_options: dict[str, Any] = field(default_factory=dict)
    #: LSTM units per direction, also the token vector's size (each layer is twice this)
    units: int = 128
    layers: int = 2
    #: output vocabulary (the most frequent tokens); inputs are read by their characters
    vocab_size: int = 30_000
    #: negatives per batch of the sampled softmax
    samples: int = 512
    max_chars: int = 16
    char_dim: int = 16
    filters: tuple[int, ...] = (32, 32, 64, 64, 64)
    dropout: float = 0.1
    #: documents are cut into pieces of at most this many tokens
    window: int = 64
    batch_size: int = 128
    learning_rate: float = 2e-3
    epochs: int = 2
    seed: int = 42
    #: a seeded sample of this many documents of the source, the held-out ones included
    #: (default: all of them)
    limit: int | None = None
    #: documents kept out of training for the held-out perplexity (at most a tenth)
    heldout: int = 1_000

    def key(self) -> str:
        """The checkpoint folder's name: everything but ``epochs``."""
        described = {k: v for k, v in dataclasses.asdict(self).items() if k != "epochs"}
        digest = hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()
        slug = self.source.replace(":", "-").replace("+", "-")
        return f"{slug}-{self.tokenizer}-{self.units}x{self.layers}-{digest[:10]}"


@dataclass(frozen=True)
class CharVocab:
    """Character ids of tokens: 0 padding, 1 unknown, 2/3 begin/end of a token."""

    chars: tuple[str, ...]

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]], min_count: int = 2) -> "CharVocab":
        counts = Counter(char for tokens in documents for token in tokens for char in token)
        return cls(tuple(sorted(char for char, n in counts.items() if n >= min_count)))

    def __len__(self) -> int:
        return len(self.chars) + 4

    def table(self, tokens: Sequence[str], max_chars: int) -> np.ndarray:
        """One row of character ids per token (begin, characters, end; padded or cut);
        the padding token's row is all zeros."""
        index = {char: i + 4 for i, char in enumerate(self.chars)}
        table = np.zeros((len(tokens), max_chars), dtype=np.int32)
        for row, token in enumerate(tokens):
            if row == PAD_ID:
                continue
            ids = [CHAR_BOW, *(index.get(char, CHAR_UNK) for char in token)][:max_chars - 1]
            table[row, :len(ids) + 1] = [*ids, CHAR_EOW]
        return table


@dataclass(frozen=True)
class PretrainedBiLM:
    """A biLM folder written by ``hansenti embed train --algo elmo``."""

    path: Path
    metadata: dict[str, Any]
    weights: list[np.ndarray]

    @classmethod
    def load(cls, path: str | Path) -> "PretrainedBiLM":
        folder = Path(path)
        try:
            metadata = json.loads((folder / BILM_FILE).read_text(encoding="utf-8"))
            with np.load(folder / BILM_WEIGHTS) as archive:
                weights = [archive[f"arr_{index}"] for index in range(len(archive.files))]
            if not {"config", "chars", "tokenizer"} <= metadata.keys():
                raise KeyError("config, chars, tokenizer")
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise HansentiError(
                f"{folder} is not a biLM folder ({BILM_FILE} + {BILM_WEIGHTS}): pre-train "
                f"one with hansenti embed train --algo elmo ({type(error).__name__})"
            ) from error
        return cls(folder, metadata, weights)

    @classmethod
    def checked(cls, path: str | Path, tokenizer: str) -> "PretrainedBiLM":
        """The biLM at ``path``, refused in one line unless it reads ``tokenizer``'s tokens."""
        bilm = cls.load(path)
        bilm.check_tokenizer(tokenizer)
        return bilm

    @property
    def config(self) -> dict[str, Any]:
        return self.metadata["config"]

    def check_tokenizer(self, tokenizer: str) -> None:
        """Refuse a classifier whose tokens differ from the biLM's."""
        if tokenizer != self.metadata["tokenizer"]:
            raise HansentiError(
                f"the biLM at {self.path} reads {self.metadata['tokenizer']} tokens, this "
                f"run {tokenizer}: train with -t {self.metadata['tokenizer']}, or pre-train "
                f"a biLM with hansenti embed train --algo elmo -t {tokenizer}")

    def layers(self, vocab: Vocab) -> tuple["keras.layers.Layer", "keras.layers.Layer"]:
        """The frozen token encoder (its character table over ``vocab``) and LSTM stack."""
        from .bilm import BiLSTMStack, CharTokenEncoder

        config = self.config
        chars = CharVocab(tuple(self.metadata["chars"]))
        encoder = CharTokenEncoder(len(vocab), config["max_chars"], len(chars),
                                   config["units"], config["char_dim"],
                                   tuple(config["filters"]), name="bilm_encoder")
        stack = BiLSTMStack(config["units"], config["layers"], config["dropout"],
                            name="bilm_stack")
        encoder.build((None, None))
        stack.build((None, None, config["units"]))
        variables = [*encoder.learned_weights, *stack.weights]
        if [tuple(v.shape) for v in variables] != [w.shape for w in self.weights]:
            raise HansentiError(f"{self.path / BILM_WEIGHTS} does not match its "
                                f"{BILM_FILE}: pre-train the biLM again")
        for variable, value in zip(variables, self.weights):
            variable.assign(value)
        encoder.table.assign(chars.table(vocab.itos, config["max_chars"]))
        return encoder, stack

    def report(self) -> dict[str, Any]:
        """What a run records about the biLM it read."""
        config = self.config
        return {"path": str(self.path), "source": config["source"],
                "units": config["units"], "layers": config["layers"],
                "heldout_perplexity": self.metadata.get("heldout_perplexity"),
                "epochs": len(self.metadata.get("history", []))}


def with_contextual(model: "keras.Model", embedding: "keras.layers.Embedding",
                    bilm: PretrainedBiLM, vocab: Vocab) -> "keras.Model":
    """``model`` rebuilt with its vocabulary ``embedding`` replaced by a
    :class:`ContextualEmbedding` over it (the embedding keeps its weights, e.g.
    pre-trained vectors); the layers after it are fresh, sized for the wider input."""
    import keras

    from .bilm import ContextualEmbedding

    encoder, stack = bilm.layers(vocab)

    def clone(layer: "keras.layers.Layer") -> "keras.layers.Layer":
        if layer is embedding:
            return ContextualEmbedding(embedding, encoder, stack, name="contextual")
        return keras.saving.deserialize_keras_object(unbuilt(
            keras.saving.serialize_keras_object(layer)))

    return keras.models.clone_model(model, clone_function=clone)


def unbuilt(config: Any) -> Any:
    """A serialized layer without the input shapes it was built for (a wrapper such as
    Bidirectional would otherwise rebuild its inner layer for the narrower input)."""
    if isinstance(config, dict):
        return {key: unbuilt(value) for key, value in config.items() if key != "build_config"}
    if isinstance(config, list):
        return [unbuilt(value) for value in config]
    return config


def learned_mix(model: "keras.Model") -> dict[str, Any] | None:
    """The layer shares and gamma a trained classifier learned (None without a biLM)."""
    from .bilm import ContextualEmbedding

    found = [layer for layer in model.layers if isinstance(layer, ContextualEmbedding)]
    if not found:
        return None
    layer = found[0]
    mix = np.asarray(layer.mix.numpy(), dtype=np.float64)
    shares = np.exp(mix - mix.max()) / np.exp(mix - mix.max()).sum()
    return {"layer_shares": [round(float(s), 4) for s in shares],
            "gamma": round(float(np.asarray(layer.gamma.numpy())), 4)}
