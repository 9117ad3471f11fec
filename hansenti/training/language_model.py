"""Pre-train a bidirectional language model (ELMo) on unlabelled reviews — never on a test
split — resumably: its checkpoints live under ``$HANSENTI_HOME/bilm/<key>``, so the same
command run again after an interruption (SIGKILL included) continues from the last one,
and a larger ``epochs`` continues a finished training."""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ..core import atomic
from ..core.errors import HansentiError
from ..core.faults import failpoint
from ..core.outputs import check_output_folder, output_folder
from ..core.paths import home_dir
from ..embeddings.contextual import BILM_FILE, BILM_WEIGHTS, BiLMConfig, CharVocab
from ..embeddings.training import training_records
from ..tokenizers.base import Tokenizer, create_tokenizer
from ..tokenizers.cache import TokenCache, fit_cached
from ..tokenizers.vocab import BOS_ID, PAD_ID, Vocab

if TYPE_CHECKING:
    import keras

log = logging.getLogger("hansenti")


@dataclass
class Corpus:
    """The biLM's text as ids: pieces of documents over the input vocabulary (every token
    seen, read by its characters) and over the output vocabulary (unknown -> ``<UNK>``)."""

    inputs: Vocab
    outputs: Vocab
    chars: CharVocab
    train: list[tuple[np.ndarray, np.ndarray]]
    heldout: list[tuple[np.ndarray, np.ndarray]]
    documents: int
    tokens: int
    heldout_documents: int


def prepare(config: BiLMConfig, mirror: str | None, jobs: int,
            tokenizer: Tokenizer | None = None) -> tuple[Corpus, Tokenizer, float | None]:
    """Read, tokenize (through the token cache) and encode ``config.source``."""
    records = training_records(config.source, mirror)
    order = list(range(len(records)))
    random.Random(config.seed).shuffle(order)
    if config.limit is not None:
        order = order[:config.limit]
    texts = [records[index].text for index in order]
    tokenizer = tokenizer or create_tokenizer(config.tokenizer, **config.tokenizer_options)
    tokenizer = fit_cached(tokenizer, texts, f"{config.source}-bilm")
    cache = TokenCache()
    documents = [doc for doc in cache.tokenize(tokenizer, texts, f"{config.source}-bilm",
                                               n_jobs=jobs) if doc]
    held = min(config.heldout, len(documents) // 10)
    if held < 1:
        raise HansentiError(f"{config.source} has {len(documents):,} non-empty documents: "
                            "a biLM needs at least 10 (a tenth is held out)")
    heldout, train = documents[:held], documents[held:]
    inputs = Vocab.build(documents)
    outputs = Vocab.build(train, max_size=config.vocab_size)
    corpus = Corpus(inputs, outputs, CharVocab.build(train),
                    pieces(train, inputs, outputs, config.window),
                    pieces(heldout, inputs, outputs, config.window),
                    len(train), sum(len(doc) for doc in train), held)
    return corpus, tokenizer, cache.compute_seconds


def pieces(documents: Sequence[Sequence[str]], inputs: Vocab, outputs: Vocab,
           window: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(input ids, output ids) of every piece of at most ``window`` tokens."""
    result = []
    for tokens in documents:
        for start in range(0, len(tokens), window):
            part = tokens[start:start + window]
            result.append((np.array(inputs.encode(part), dtype=np.int32),
                           np.array(outputs.encode(part), dtype=np.int32)))
    return result


def batch_arrays(batch: Sequence[tuple[np.ndarray, np.ndarray]]) -> dict[str, np.ndarray]:
    """Post-padded ids and targets: forward predicts the next token (the boundary after
    the last), backward the previous one (the boundary before the first)."""
    length = max(len(ids) for ids, _ in batch)
    arrays = {name: np.zeros((len(batch), length), dtype=np.int32)
              for name in ("ids", "forward", "backward")}
    for row, (ids, targets) in enumerate(batch):
        n = len(ids)
        arrays["ids"][row, :n] = ids
        arrays["forward"][row, :n] = [*targets[1:], BOS_ID]
        arrays["backward"][row, :n] = [BOS_ID, *targets[:-1]]
    return arrays


def epoch_batches(count: int, lengths: np.ndarray, batch_size: int, seed: int
                  ) -> list[np.ndarray]:
    """This epoch's batches of piece indices: shuffled, sorted by length within groups of
    50 batches (little padding), the batches shuffled again; the same for the same seed."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(count)
    group = batch_size * 50
    batches = []
    for start in range(0, count, group):
        chunk = order[start:start + group]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def language_model(config: BiLMConfig, corpus: Corpus) -> "keras.Model":
    """The training model: ids and targets in, the sampled-softmax loss added."""
    import keras

    from ..embeddings.bilm import BiLSTMStack, CharTokenEncoder, SampledSoftmaxLoss

    ids = keras.Input((None,), dtype="int32", name="ids")
    ahead_targets = keras.Input((None,), dtype="int32", name="forward")
    behind_targets = keras.Input((None,), dtype="int32", name="backward")
    encoder = CharTokenEncoder(len(corpus.inputs), config.max_chars, len(corpus.chars),
                               config.units, config.char_dim, config.filters, name="encoder")
    stack = BiLSTMStack(config.units, config.layers, config.dropout, name="stack")
    top = stack(encoder(ids), ids)[-1]
    loss = SampledSoftmaxLoss(len(corpus.outputs), config.units, config.samples, config.seed,
                              name="softmax")([top[..., :config.units],
                                               top[..., config.units:],
                                               ahead_targets, behind_targets])
    model = keras.Model([ids, ahead_targets, behind_targets], loss)
    encoder.table.assign(corpus.chars.table(corpus.inputs.itos, config.max_chars))
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=5.0))
    return model


def perplexity(model: "keras.Model", data: list[tuple[np.ndarray, np.ndarray]],
               units: int) -> float:
    """Held-out perplexity with the full softmax, the mean of both directions' log loss."""
    encoder, stack = model.get_layer("encoder"), model.get_layer("stack")
    softmax = model.get_layer("softmax")
    kernel = np.asarray(softmax.kernel.numpy(), dtype=np.float32)
    bias = np.asarray(softmax.bias.numpy(), dtype=np.float32)
    total, count = 0.0, 0
    for start in range(0, len(data), 128):
        arrays = batch_arrays(data[start:start + 128])
        top = np.asarray(stack(encoder(arrays["ids"]), arrays["ids"], training=False)[-1])
        for half, name in ((top[..., :units], "forward"), (top[..., units:], "backward")):
            targets = arrays[name]
            real = targets != PAD_ID
            states, wanted = half[real], targets[real]
            logits = states @ kernel.T + bias
            peak = logits.max(axis=1)
            log_norm = peak + np.log(np.exp(logits - peak[:, None]).sum(axis=1))
            total += float((log_norm - logits[np.arange(len(wanted)), wanted]).sum())
            count += len(wanted)
    return math.exp(total / count) if count else float("nan")


class Checkpoints:
    """A training's committed state in ``folder``: ``state.json`` names the latest model
    (``step-E-B.keras``: after batch B of epoch E) and the finished epochs' history; it
    is rewritten only after the model it names is complete."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "state.json"
        self.state: dict[str, Any] = {"epoch": 0, "batch": 0, "model": None, "history": []}
        if self.path.is_file():
            try:
                self.state = json.loads(self.path.read_text())
            except ValueError as error:
                raise HansentiError(f"{self.path} is corrupt ({error}): delete {folder} to "
                                    "pre-train this biLM from the start") from error

    def load(self) -> "keras.Model | None":
        import keras

        from ..embeddings import bilm  # noqa: F401  (the saved model names its layers)

        if not self.state["model"]:
            return None
        log.info("resuming the biLM after batch %d of epoch %d", self.state["batch"],
                 self.state["epoch"] + 1)
        return keras.saving.load_model(self.folder / self.state["model"])

    def commit(self, model: "keras.Model", epoch: int, batch: int,
               finished: dict[str, Any] | None = None,
               spent: dict[str, float] | None = None) -> None:
        """Save ``model`` after ``batch`` of ``epoch`` with what the epoch has ``spent`` so
        far (tokens, seconds), or after a ``finished`` epoch's history row."""
        from ..models.saving import save_model

        name = f"step-{epoch}-{batch}.keras"
        save_model(model, self.folder / name)
        failpoint("bilm.saved")
        history = self.state["history"] + ([finished] if finished else [])
        self.state = {"epoch": epoch, "batch": batch, "model": name, "history": history,
                      "spent": spent or {}}
        atomic.write_json(self.path, self.state)  # the commit point
        for stale in self.folder.glob("step-*.keras"):
            if stale.name != name:
                stale.unlink(missing_ok=True)


def train_epoch(model: "keras.Model", data: list[tuple[np.ndarray, np.ndarray]],
                order: list[np.ndarray], start: int, epoch: int, checkpoints: Checkpoints,
                every: float) -> tuple[int, float]:
    """Batches ``start``.. of this epoch's ``order``, one ``train_on_batch`` each (their
    lengths differ; a Keras dataset would fix the first one's), with a progress bar of
    loss and tokens/s, a checkpoint committed every ``every`` seconds (and logged);
    returns the epoch's tokens and seconds, an interrupted invocation's included."""
    from ..core.parallel import progress_bar

    before = checkpoints.state.get("spent", {}) if start else {}
    tokens, seconds = int(before.get("tokens", 0)), float(before.get("seconds", 0.0))
    started = saved = time.perf_counter()
    with progress_bar(len(order) - start, f"biLM epoch {epoch + 1}", unit="batch") as bar:
        for index in range(start, len(order)):
            arrays = batch_arrays([data[i] for i in order[index]])
            loss = float(model.train_on_batch(arrays, return_dict=True)["loss"])
            tokens += int((arrays["ids"] != PAD_ID).sum())
            elapsed = seconds + time.perf_counter() - started
            rate = tokens / max(elapsed, 1e-9)
            bar.set_postfix(loss=f"{loss:.3f}", tokens_per_s=f"{rate:,.0f}", refresh=False)
            bar.update(1)
            if time.perf_counter() - saved >= every:
                checkpoints.commit(model, epoch, index + 1,
                                   spent={"tokens": tokens, "seconds": elapsed})
                log.info("biLM epoch %d: batch %d/%d, sampled loss %.3f, %.0f tokens/s",
                         epoch + 1, index + 1, len(order), loss, rate)
                saved = time.perf_counter()
    return tokens, seconds + time.perf_counter() - started


@dataclass
class BiLMResult:
    """A finished biLM: its folder and what ``bilm.json`` records."""

    path: Path
    metadata: dict[str, Any]


def train_bilm(config: BiLMConfig, out_dir: str | Path, mirror: str | None = None,
               jobs: int = 1, tokenizer: Tokenizer | None = None, overwrite: bool = False,
               checkpoint_minutes: float = 10.0) -> BiLMResult:
    """Train (or continue) the biLM of ``config`` and export it to ``out_dir``:
    ``bilm.json`` (settings, vocabularies, cost, held-out perplexity per epoch) and
    ``bilm.npz`` (the token encoder's and LSTMs' weights a classifier reads)."""
    import keras

    from ..models.keras_classifier import reseed

    check_output_folder(out_dir, overwrite, option="--out")
    corpus, tokenizer, tokenize_seconds = prepare(config, mirror, jobs, tokenizer)
    log.info("biLM on %s: %s documents, %s tokens, %s pieces; %s input tokens, %s output",
             config.source, f"{corpus.documents:,}", f"{corpus.tokens:,}",
             f"{len(corpus.train):,}", f"{len(corpus.inputs):,}", f"{len(corpus.outputs):,}")
    checkpoints = Checkpoints(home_dir() / "bilm" / config.key())
    keras.utils.set_random_seed(config.seed)
    model = checkpoints.load() or language_model(config, corpus)
    lengths = np.array([len(ids) for ids, _ in corpus.train])
    while len(checkpoints.state["history"]) < config.epochs:
        epoch, start = checkpoints.state["epoch"], checkpoints.state["batch"]
        order = epoch_batches(len(corpus.train), lengths, config.batch_size,
                              config.seed * 1_000 + epoch)
        reseed(model, config.seed * 1_000 + epoch + start)
        trained, seconds = train_epoch(model, corpus.train, order, start, epoch, checkpoints,
                                       60 * checkpoint_minutes)
        row = {"epoch": epoch + 1, "heldout_perplexity": perplexity(model, corpus.heldout,
                                                                    config.units),
               "seconds": seconds, "tokens_per_s": trained / max(seconds, 1e-9)}
        log.info("biLM epoch %d: held-out perplexity %.1f, %.0f tokens/s, %.0f s",
                 row["epoch"], row["heldout_perplexity"], row["tokens_per_s"], seconds)
        checkpoints.commit(model, epoch + 1, 0, finished=row)
    history = checkpoints.state["history"][:config.epochs]
    metadata = {
        "config": dataclasses.asdict(config), "tokenizer": tokenizer.name,
        "tokenizer_state": tokenizer.to_dict(), "chars": "".join(corpus.chars.chars),
        "documents": corpus.documents, "tokens": corpus.tokens,
        "heldout_documents": corpus.heldout_documents, "output_vocab": len(corpus.outputs),
        "input_tokens": len(corpus.inputs),
        "parameters": {"encoder_and_lstms": int(sum(np.prod(v.shape) for v in
                                                    exported_variables(model))),
                       "softmax": int(model.get_layer("softmax").count_params())},
        "history": history, "heldout_perplexity": history[-1]["heldout_perplexity"],
        "seconds": {"tokenize": tokenize_seconds,
                    "train": sum(row["seconds"] for row in history)},
    }
    with output_folder(out_dir, overwrite, option="--out") as staging:
        np.savez(staging / BILM_WEIGHTS, *[np.asarray(v.numpy())
                                           for v in exported_variables(model)])
        atomic.write_json(staging / BILM_FILE, metadata)
    return BiLMResult(Path(out_dir), metadata)


def ready_bilm(config: BiLMConfig, folder: Path, mirror: str | None = None,
               jobs: int = 1) -> dict[str, Any]:
    """``folder``'s bilm.json if it holds the biLM of ``config``; else that biLM
    pre-trained (or continued from its checkpoints) into ``folder``."""
    try:
        metadata = json.loads((folder / BILM_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        metadata = {}
    if metadata.get("config") == json.loads(json.dumps(dataclasses.asdict(config))):
        return metadata
    return train_bilm(config, folder, mirror=mirror, jobs=jobs, overwrite=True).metadata


def exported_variables(model: "keras.Model") -> list:
    """The token encoder's learnt and the LSTMs' weights, in order."""
    encoder, stack = model.get_layer("encoder"), model.get_layer("stack")
    return [*encoder.learned_weights, *stack.weights]
