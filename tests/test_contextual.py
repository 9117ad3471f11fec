"""ELMo: the biLM's layers, its pre-training (resumable, never on test text) and a
classifier reading it through ``-p contextual=``."""

from __future__ import annotations

import json
import shutil
import zipfile

import numpy as np
import pytest
from test_faults import hansenti, killed

pytest.importorskip("keras")

TINY_BILM = ["embed", "train", "--algo", "elmo", "--corpus", "nsmc:train", "-t", "whitespace",
             "--limit", "400", "--dim", "16", "--vocab-size", "300", "--batch-size", "32",
             "--epochs", "2", "-j", "1"]


def test_each_direction_reads_only_its_side():
    """The forward state at t depends on tokens up to t, the backward one on tokens from
    t on: a language model that saw the token it predicts would learn nothing."""
    from hansenti.embeddings.bilm import BiLSTMStack

    stack = BiLSTMStack(8, layers=2, dropout=0.0)
    ids = np.array([[5, 6, 7, 8, 9, 0, 0]], dtype=np.int32)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(1, 7, 8)).astype("float32")
    changed = vectors.copy()
    changed[0, 2] += 1.0  # the third token
    before = np.asarray(stack(vectors, ids)[-1])[0]
    after = np.asarray(stack(changed, ids)[-1])[0]
    moved = np.abs(before - after).max(axis=-1, keepdims=False)
    forward_moved = np.abs(before[:, :8] - after[:, :8]).max(axis=-1)
    backward_moved = np.abs(before[:, 8:] - after[:, 8:]).max(axis=-1)
    assert (forward_moved[:2] == 0).all() and (forward_moved[2:5] > 0).all()
    assert (backward_moved[3:] == 0).all() and (backward_moved[:3] > 0).all()
    assert (moved[5:] == 0).all()  # padding stays zero


def test_character_table():
    from hansenti.embeddings.contextual import CHAR_BOW, CHAR_EOW, CHAR_UNK, CharVocab

    chars = CharVocab(("가", "나", "다"))
    table = chars.table(["<PAD>", "가나", "가나다가나다", "라"], max_chars=5)
    assert (table[0] == 0).all()
    assert table[1].tolist() == [CHAR_BOW, 4, 5, CHAR_EOW, 0]
    assert table[2].tolist() == [CHAR_BOW, 4, 5, 6, CHAR_EOW]  # cut, still ended
    assert table[3].tolist() == [CHAR_BOW, CHAR_UNK, CHAR_EOW, 0, 0]


@pytest.fixture(scope="module")
def tiny_bilm(tmp_path_factory, mirror):
    """A biLM pre-trained on 400 NSMC train reviews, killed once after its second
    epoch's model was saved and then resumed by the same command."""
    home = tmp_path_factory.mktemp("bilm-home")
    out = tmp_path_factory.mktemp("bilm") / "tiny"
    first = hansenti(*TINY_BILM, "--out", str(out), home=home, mirror=mirror,
                     fault="bilm.saved@2")
    assert killed(first), first.stderr[-2000:]
    assert not out.exists()
    second = hansenti(*TINY_BILM, "--out", str(out), home=home, mirror=mirror)
    assert second.returncode == 0, second.stderr[-2000:]
    return out, second


def test_bilm_pretrains_and_resumes(tiny_bilm):
    out, result = tiny_bilm
    assert "resuming the biLM after batch 0 of epoch 2" in result.stderr
    meta = json.loads((out / "bilm.json").read_text())
    assert [row["epoch"] for row in meta["history"]] == [1, 2]
    assert meta["documents"] + meta["heldout_documents"] == 400
    assert 1 < meta["heldout_perplexity"] < meta["output_vocab"]
    assert meta["tokenizer"] == "whitespace" and meta["config"]["units"] == 16
    assert "held-out perplexity" in result.stdout


def test_each_algo_refuses_the_others_options(run_cli, tmp_path):
    elmo = run_cli("embed", "train", "--algo", "elmo", "--cbow", "--out", str(tmp_path / "a"))
    assert elmo.exit_code == 2 and "--algo elmo does not read --cbow" in elmo.stderr
    vectors = run_cli("embed", "train", "--layers", "3", "--out", str(tmp_path / "b"))
    assert vectors.exit_code == 2 and "--algo word2vec does not read --layers" in vectors.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_bilm_refuses_test_text(run_cli, mirror, tmp_path):
    result = run_cli("embed", "train", "--algo", "elmo", "--corpus", "nsmc:test",
                     "--mirror", str(mirror), "--out", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert "never trained on a test split" in result.stderr


def test_classifier_reads_the_frozen_bilm(tiny_bilm, run_cli, mirror, tmp_path):
    import keras

    from hansenti.embeddings.contextual import PretrainedBiLM
    from hansenti.models.keras_classifier import MODEL_FILE

    out = tmp_path / "bilm"
    shutil.copytree(tiny_bilm[0], out)
    run = tmp_path / "runs" / "ctx"
    result = run_cli("train", "--mirror", str(mirror), "-t", "whitespace", "-m", "bilstm",
                     "--limit", "600", "-p", "epochs=1", "-p", "units=8",
                     "-p", "embedding_dim=8", "-p", f"contextual={out}",
                     "--runs-dir", str(tmp_path / "runs"), "--name", "ctx", "-j", "1")
    assert result.exit_code == 0, result.stderr[-2000:]
    facts = json.loads((run / "metrics.json").read_text())["contextual"]
    assert facts["path"] == str(out) and len(facts["layer_shares"]) == 3
    assert sum(facts["layer_shares"]) == pytest.approx(1.0, abs=1e-3)

    model = keras.saving.load_model(run / MODEL_FILE)
    layer = model.get_layer("contextual")
    stored = PretrainedBiLM.load(out).weights
    for variable, value in zip([*layer.encoder.learned_weights, *layer.stack.weights], stored):
        np.testing.assert_array_equal(np.asarray(variable.numpy()), value)  # frozen
    assert len(model.trainable_variables) < len(model.weights) - len(stored)

    assert "Contextual features: a frozen biLM" in (run / "MODEL_CARD.md").read_text()
    # a fresh process, and no biLM folder: the model carries the biLM, and loading it
    # must not depend on what this process imported
    shutil.rmtree(out)
    scored = hansenti("predict", str(run), "정말 재밌는 영화", "최악이다 돈 아까워",
                      home=tmp_path, mirror=mirror)
    assert scored.returncode == 0, scored.stderr[-2000:]
    assert len(scored.stdout.strip().splitlines()) >= 2
    from hansenti.runs.package import build_wheel

    wheel = build_wheel(run, "ko-test-elmo", "0.1.0", tmp_path / "dist")
    assert "hansenti_model_ko_test_elmo/run/model.keras" in zipfile.ZipFile(wheel).namelist()


def test_gradual_unfreezing(tiny_bilm, run_cli, mirror, tmp_path):
    """ULMFiT's schedule: nothing of the biLM trains in the first epoch, then one more
    layer per epoch from the top, each 2.6 times slower than the one above; a run
    fine-tuned so trains, saves and predicts in a fresh process."""
    import keras

    from hansenti.embeddings.contextual import PretrainedBiLM, with_contextual
    from hansenti.models.unfreezing import DECAY, contextual_layer, unfreeze
    from hansenti.tokenizers.vocab import Vocab

    out, _ = tiny_bilm
    inputs = keras.Input((None,), dtype="int32")
    embedding = keras.layers.Embedding(50, 8)
    pooled = keras.layers.GlobalMaxPooling1D()(embedding(inputs))
    base = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(pooled))
    vocab = Vocab(["<PAD>", "<BOS>", "<UNK>", *(f"w{i}" for i in range(47))])
    model = with_contextual(base, embedding, PretrainedBiLM.load(out), vocab)
    layer = contextual_layer(model)
    bilm_paths = {v.path for v in [*layer.encoder.weights, *layer.stack.weights]}
    trainable = {v.path for v in model.trainable_variables}

    assert unfreeze(model, 0) == {}
    assert not bilm_paths & {v.path for v in model.trainable_variables}
    top = unfreeze(model, 1)
    assert set(top) == {v.path for v in [*layer.stack.forward[1].weights,
                                         *layer.stack.backward[1].weights]}
    assert set(top.values()) == {1 / DECAY}
    everything = unfreeze(model, 3)
    assert sorted(set(everything.values())) == [DECAY ** -3, DECAY ** -2, DECAY ** -1]
    assert {v.path for v in model.trainable_variables} == trainable | set(everything)

    run = tmp_path / "runs" / "tuned"
    result = run_cli("train", "--mirror", str(mirror), "-t", "whitespace", "-m", "cnn",
                     "--limit", "600", "-p", "epochs=2", "-p", "patience=2",
                     "-p", "filters=8", "-p", "embedding_dim=8", "-p", f"contextual={out}",
                     "-p", "contextual_finetune=gradual", "--refit",
                     "--runs-dir", str(tmp_path / "runs"), "--name", "tuned", "-j", "1")
    assert result.exit_code == 0, result.stderr[-2000:]
    scored = hansenti("predict", str(run), "정말 재밌는 영화", home=tmp_path, mirror=mirror)
    assert scored.returncode == 0, scored.stderr[-2000:]


def test_contextual_refusals(tiny_bilm, run_cli, mirror, tmp_path):
    out, _ = tiny_bilm
    common = ["train", "--mirror", str(mirror), "--limit", "300", "-m", "cnn",
              "--runs-dir", str(tmp_path)]
    other = run_cli(*common, "-t", "char", "-p", f"contextual={out}")
    assert other.exit_code == 2
    assert "reads whitespace tokens" in other.stderr and "Traceback" not in other.stderr
    assert "nsmc" not in other.stderr  # refused before the corpus is read
    missing = run_cli(*common, "-t", "whitespace", "-p", f"contextual={tmp_path}")
    assert missing.exit_code == 2 and "is not a biLM folder" in missing.stderr


def test_batches_of_any_length_train(tmp_path):
    """Pieces cut at the window length come first and shorter ones after (IMDB's long
    reviews): every batch trains, whatever its length."""
    from hansenti.embeddings.contextual import BiLMConfig, CharVocab
    from hansenti.tokenizers.vocab import Vocab
    from hansenti.training.language_model import (
        Checkpoints,
        Corpus,
        language_model,
        pieces,
        train_epoch,
    )

    config = BiLMConfig(units=8, vocab_size=50, samples=16, batch_size=4, window=8)
    documents = [[f"w{i % 30}" for i in range(start, start + 8)] for start in range(8)]
    documents += [[f"w{i}" for i in range(n)] for n in range(1, 9)]
    vocab = Vocab.build(documents)
    data = pieces(documents, vocab, vocab, config.window)
    corpus = Corpus(vocab, vocab, CharVocab.build(documents), data, data[:2], 16, 100, 2)
    model = language_model(config, corpus)
    order = [np.arange(0, 4), np.arange(4, 8), np.arange(8, 12), np.arange(12, 16)]
    checkpoints = Checkpoints(tmp_path)
    trained, seconds = train_epoch(model, data, order, 0, 0, checkpoints, every=0)
    assert trained == sum(len(ids) for ids, _ in data) and seconds > 0
    # an invocation resumed after batch 4 counts what the first one spent
    spent = checkpoints.state["spent"]
    assert checkpoints.state["batch"] == 4 and spent["tokens"] == trained
    again, more = train_epoch(model, data, order, 4, 0, checkpoints, every=1e9)
    assert again == trained and more >= spent["seconds"]
