"""What each cell's hyper-parameter search (``hansenti compare --tune``) and each
tokenizer's biLM (``--contextual``) may spend."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """The same for every (corpus, tokenizer, model) of a study."""

    #: configurations sampled and trained
    trials: int
    #: the most epochs a trial trains (ASHA stops most of them earlier)
    epochs: int
    #: train documents per corpus the trials see (a stratified slice); None: the profile's
    limit: int | None = None
    #: CPUs each trial asks Ray for
    cpus: float = 1.0


@dataclass(frozen=True)
class BiLMBudget:
    """The biLM pre-trained for every (corpus, tokenizer) of a study, the same for all."""

    #: unlabelled documents it learns from (a seeded sample); None: all of them
    documents: int | None
    epochs: int
    #: LSTM units per direction
    units: int
