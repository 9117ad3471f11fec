"""The cells of a tokenization study: corpora x tokenizers x models x seeds, the default
sets, the profiles (quick slice or full data), and which cells cannot run and why."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from ..core.config import TrainConfig
from ..core.data_spec import DataSpec
from ..core.errors import HansentiError
from ..corpora import corpora
from ..corpora.references import parse_options
from ..tokenizers.base import tokenizers
from .budget import CPU_SPACE, BiLMBudget, Budget

#: what marks a tuned cell's model in its run folder and in results.csv (``cnn-tuned``)
TUNED_SUFFIX = "-tuned"
#: what marks a cell whose network also reads its tokenizer's biLM (``cnn+elmo``)
CONTEXTUAL_SUFFIX = "+elmo"
#: the unlabelled text each corpus's biLMs learn from (no test review of the corpus)
UNLABELLED = {"nsmc": "naver-reviews", "imdb": "imdb:train+unsup"}


@dataclass(frozen=True)
class TokenizerSpec:
    """A tokenizer with options under a short label: ``[LABEL=]NAME[:KEY=VALUE,...]``."""

    label: str
    name: str
    options: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def parse(cls, text: str) -> "TokenizerSpec":
        label, has_label, rest = text.partition("=")
        if not has_label or ":" in label:
            label, rest = "", text
        name, _, option_text = rest.partition(":")
        try:
            options = list(parse_options(filter(None, option_text.split(","))).items())
        except HansentiError as error:
            raise HansentiError(f"tokenizer spec {text!r}: {error}") from None
        if not name:
            raise HansentiError(f"tokenizer spec {text!r} names no tokenizer")
        default_label = name + "".join(f"-{k}-{v}" for k, v in options)
        return cls(label or default_label, name, tuple(options))

    def to_text(self) -> str:
        options = ",".join(f"{k}={json.dumps(v)}" for k, v in self.options)
        return f"{self.label}={self.name}" + (f":{options}" if options else "")


def spec(label: str, name: str, **options: Any) -> TokenizerSpec:
    return TokenizerSpec(label, name, tuple(options.items()))


DEFAULT_TOKENIZERS: dict[str, tuple[TokenizerSpec, ...]] = {
    "nsmc": (spec("whitespace", "whitespace"), spec("char", "char"), spec("jamo", "jamo"),
             spec("okt", "okt"), spec("okt-norm-stem", "okt", norm=True, stem=True),
             spec("mecab", "mecab"), spec("kiwi", "kiwi"),
             spec("spm-unigram-8k", "spm", vocab_size=8_000),
             spec("spm-unigram-16k", "spm", vocab_size=16_000),
             spec("spm-unigram-32k", "spm", vocab_size=32_000),
             spec("spm-bpe-16k", "spm", vocab_size=16_000, model_type="bpe"),
             spec("mecab-spm-16k", "mecab-spm", vocab_size=16_000)),
    "imdb": (spec("whitespace", "whitespace", lowercase=True), spec("english", "english"),
             spec("char", "char"), spec("spm-unigram-8k", "spm", vocab_size=8_000),
             spec("spm-unigram-16k", "spm", vocab_size=16_000)),
}
DEFAULT_MODELS = ("nblr", "lstm", "bilstm", "cnn")


def sliced(profile: Profile, limit: int | None, corpus_names: list[str]) -> Profile:
    """``profile`` with ``limit`` train documents for each of ``corpus_names`` (None: as it
    is); a study of a slice is a profile of its own, never mixed with the unsliced one."""
    if limit is None:
        return profile
    return replace(profile, name=f"{profile.name}, {limit} reviews",
                   description=f"{profile.description}; {limit:,} train documents per corpus",
                   limit=dict.fromkeys(corpus_names, limit))


@dataclass(frozen=True)
class Profile:
    """How much data and training each cell gets."""

    name: str
    description: str
    seeds: int
    #: train documents per corpus (test gets a third as many); None = everything
    limit: dict[str, int | None]
    #: max-length policy per corpus (long IMDB character sequences are capped)
    maxlen: dict[str, str]
    #: model options on top of each model's defaults, given to every model that reads them
    model_options: dict[str, Any] = field(default_factory=dict)
    #: what each (corpus, tokenizer, model) search may spend (``--tune``)
    tuning: Budget = Budget(trials=4, epochs=3)
    #: a tuned cell's training on top of its chosen settings: epochs by early stopping
    tuned_options: dict[str, Any] = field(default_factory=dict)
    #: each tokenizer's biLM (``--contextual``)
    contextual: BiLMBudget = BiLMBudget(documents=30_000, epochs=1, units=64)


#: a cap no NSMC review reaches in any tokenizer (at most 140 characters, at most 3 jamo
#: each: jamo's longest train review is 346 tokens), so whole reviews stay a choice. The
#: cap was 150/160: it cut 8.7% of the jamo reviews (mean+2std 187) and every "p100" of
#: a search to 160 jamo, a handicap the character-sized tokenizers never had
NSMC_WHOLE = 420

PROFILES = {
    "quick": Profile(
        "quick", "stratified slices (NSMC 6,000 / IMDB 2,500 train, a third as many test), "
        "small nets, up to 3 epochs", seeds=1, limit={"nsmc": 6_000, "imdb": 2_500},
        maxlen={"nsmc": f"mean+2std<={NSMC_WHOLE}", "imdb": "p90<=200"},
        model_options={"epochs": 3, "patience": 1, "batch_size": 64, "embedding_dim": 64,
                       "units": 64, "filters": 64},
        tuning=Budget(trials=3, epochs=2, limit=1_000, space=CPU_SPACE, cost_ratio=1.0),
        tuned_options={"epochs": 3, "patience": 1},
        contextual=BiLMBudget(documents=30_000, epochs=1, units=64)),
    "full": Profile(
        "full", "full corpora; small nets (64-dimensional embeddings, 32 LSTM units, 64 "
        "filters), 2 epochs at learning rate 0.002, the better epoch chosen on validation",
        seeds=3, limit={"nsmc": None, "imdb": None},
        maxlen={"nsmc": f"mean+2std<={NSMC_WHOLE}", "imdb": "p90<=256"},
        model_options={"epochs": 2, "patience": 1, "learning_rate": 2e-3,
                       "embedding_dim": 64, "units": 32, "filters": 64},
        tuning=Budget(trials=4, epochs=2, limit=3_000, space=CPU_SPACE, cost_ratio=1.5),
        tuned_options={"epochs": 2, "patience": 1},
        contextual=BiLMBudget(documents=None, epochs=2, units=128)),
}


#: a tuned cell's patience when it trains longer than its profile's (``--tuned-epochs``)
LONGER_PATIENCE = 2


def tuned_for(profile: Profile, epochs: int | None) -> Profile:
    """``profile`` whose tuned cells train up to ``epochs`` epochs by early stopping
    (patience :data:`LONGER_PATIENCE`); None or the profile's own count: as it is."""
    if epochs is None or epochs == profile.tuned_options.get("epochs"):
        return profile
    return replace(profile, tuned_options={**profile.tuned_options, "epochs": epochs,
                                           "patience": min(LONGER_PATIENCE, epochs)})


@dataclass(frozen=True)
class Cell:
    """One training run of the study."""

    corpus: str
    tokenizer: TokenizerSpec
    model: str
    seed: int
    #: a user's files, None for a named corpus
    data: DataSpec | None = None
    #: trained with the settings its search chose (``--tune``), not the profile's
    tuned: bool = False
    #: a tuned cell's chosen settings (model options and ``maxlen``), once searched
    settings: tuple[tuple[str, Any], ...] = ()
    #: its network also reads the biLM pre-trained for its corpus and tokenizer
    contextual: bool = False
    #: that biLM's folder, once pre-trained
    bilm: str = ""

    @property
    def label(self) -> str:
        """Its model as results.csv names it: the model, ``MODEL-tuned`` or ``MODEL+elmo``."""
        return (self.model + (TUNED_SUFFIX if self.tuned else "")
                + (CONTEXTUAL_SUFFIX if self.contextual else ""))

    @property
    def key(self) -> str:
        """Its run folder, relative to the study's ``runs/``."""
        slug = "".join(c if c.isalnum() or c in "-_=." else "_" for c in self.tokenizer.label)
        return f"{self.corpus}/{slug}/{self.label}/seed{self.seed}"

    def config(self, profile: Profile) -> TrainConfig:
        """The cell's run with the profile's settings; of the profile's options, those its
        model reads (a tuned cell's chosen settings go on top: :mod:`.tuning`)."""
        from ..models.base import accepted_options

        accepted = accepted_options(self.model)
        given = {**profile.model_options, **(profile.tuned_options if self.tuned else {})}
        options = {key: value for key, value in given.items()
                   if accepted is not None and key in accepted}
        chosen = dict(self.settings)
        maxlen = profile.maxlen.get(self.corpus, "mean+2std")
        if "maxlen" in chosen:  # under the profile's cap
            _, has_cap, cap = maxlen.partition("<=")
            maxlen = chosen.pop("maxlen") + (f"<={cap}" if has_cap else "")
        if self.bilm:
            chosen["contextual"] = self.bilm
        return TrainConfig(corpus=self.corpus,
                           data=self.data,
                           tokenizer=self.tokenizer.name,
                           tokenizer_options=dict(self.tokenizer.options), model=self.model,
                           model_options={**options, **chosen}, maxlen=maxlen,
                           limit=profile.limit.get(self.corpus), seed=self.seed)


@dataclass(frozen=True)
class Skipped:
    """A cell that cannot run here, and why."""

    corpus: str
    tokenizer: str
    model: str
    reason: str


def plan(corpus_names: list[str], tokenizer_texts: list[str], model_names: list[str],
         seeds: int, data: dict[str, DataSpec] | None = None, tune: bool = False,
         contextual: bool = False) -> tuple[list[Cell], list[Skipped]]:
    """Every runnable cell, seed by seed (an interrupted study has whole seeds of the
    matrix, not whole tokenizers); and the combinations that cannot run
    (a Korean analyser on English text, a backend that is not installed). Unknown names
    are errors. ``data`` maps the names of users' file corpora to their descriptions;
    ``tune`` adds a tuned cell beside each fixed one, ``contextual`` one reading its
    tokenizer's biLM beside each fixed network over a corpus with unlabelled text."""
    from ..models import models

    data = data or {}
    for name in model_names:
        models.get(name)  # unknown model names are user errors, not skipped cells
    reasons: dict[tuple[str, TokenizerSpec], str | None] = {}
    for corpus in corpus_names:
        language = data[corpus].language if corpus in data else corpora.get(corpus).language
        standard = DEFAULT_TOKENIZERS.get(corpus) or DEFAULT_TOKENIZERS[
            "nsmc" if language == "ko" else "imdb"]
        specs = ([TokenizerSpec.parse(text) for text in tokenizer_texts] if tokenizer_texts
                 else list(standard))
        reasons.update({(corpus, tokenizer): unusable(tokenizer, language) for tokenizer in specs})
    skipped = [Skipped(corpus, tokenizer.label, model, reason)
               for (corpus, tokenizer), reason in reasons.items() if reason
               for model in model_names]
    runnable = [key for key, reason in reasons.items() if not reason]
    cells = [Cell(corpus, tokenizer, model, seed, data.get(corpus), tuned)
             for seed in range(1, seeds + 1)
             for tuned in ((False, True) if tune else (False,))
             for corpus, tokenizer in runnable
             for model in model_names]
    if contextual:
        readers = [model for model in model_names if reads_bilm(model)]
        cells += [Cell(corpus, tokenizer, model, seed, contextual=True)
                  for seed in range(1, seeds + 1) for corpus, tokenizer in runnable
                  if corpus in UNLABELLED for model in readers]
        skipped += [Skipped(corpus, tokenizer.label, model + CONTEXTUAL_SUFFIX,
                            f"no unlabelled text is known for {corpus}")
                    for corpus, tokenizer in runnable if corpus not in UNLABELLED
                    for model in readers]
    return cells, skipped


def reads_bilm(model: str) -> bool:
    """Whether ``model`` takes ``-p contextual=`` (a Keras network over token ids)."""
    from ..models.base import accepted_options

    return "contextual" in (accepted_options(model) or ())


def unusable(tokenizer: TokenizerSpec, language: str) -> str | None:
    """Why ``tokenizer`` cannot run on text in ``language`` here, or None."""
    cls = tokenizers.get(tokenizer.name)
    if cls.languages and language not in cls.languages:
        return f"{tokenizer.name} is for {'/'.join(cls.languages)} text, the corpus is {language}"
    missing = cls.backend_missing()
    if missing:
        return f"backend not installed: {', '.join(missing)}"
    return None
