"""What each cell's hyper-parameter search (``hansenti compare --tune``) and each
tokenizer's biLM (``--contextual``) may spend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: a tuned option's choices: ``("choice", values)`` or a range, ``("loguniform"|"uniform",
#: (low, high))``; a model's search covers the options it reads
Space = dict[str, tuple[str, tuple[Any, ...]]]

#: every size a search may try: the peer-sized nets (256 units, 2 layers, batch 32) that
#: a GPU or a cluster affords
WIDE_SPACE: Space = {
    "embedding_dim": ("choice", (64, 128, 256)),
    "units": ("choice", (64, 128, 256)),
    "layers": ("choice", (1, 2)),
    "pooling": ("choice", ("last", "max")),
    "filters": ("choice", (64, 128, 256)),
    "batch_size": ("choice", (32, 64, 128, 256)),
    "learning_rate": ("loguniform", (3e-4, 3e-3)),
    "dropout": ("uniform", (0.2, 0.5)),
    "ngram_max": ("choice", (1, 2, 3, 4)),
}
#: the sizes a 2-core CPU trains in the profiles' time: the wide space without its
#: costliest choices (256 units or filters, batch 32), which made the quick tuned study's
#: chosen cells cost 4.5x the fixed ones
CPU_SPACE: Space = {
    **WIDE_SPACE,
    "embedding_dim": ("choice", (32, 64, 128)),
    "units": ("choice", (32, 64, 128)),
    "filters": ("choice", (32, 64, 128)),
    "batch_size": ("choice", (64, 128, 256)),
}


@dataclass(frozen=True)
class Budget:
    """The same for every (corpus, tokenizer, model) of a study."""

    #: configurations sampled and trained
    trials: int
    #: the epochs every trial trains (its best epoch's validation score counts)
    epochs: int
    #: train documents per corpus the trials see (a stratified slice); None: the profile's
    limit: int | None = None
    #: CPUs each trial asks Ray for
    cpus: float = 1.0
    #: what the trials are sampled from
    space: Space = field(default_factory=lambda: dict(WIDE_SPACE))
    #: the most a chosen trial may cost per epoch, as a multiple of the fixed cell's
    #: settings (every search's first trial); None: no bound
    cost_ratio: float | None = None


@dataclass(frozen=True)
class BiLMBudget:
    """The biLM pre-trained for every (corpus, tokenizer) of a study, the same for all."""

    #: unlabelled documents it learns from (a seeded sample); None: all of them
    documents: int | None
    epochs: int
    #: LSTM units per direction
    units: int
