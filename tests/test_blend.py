"""The blend model (nblr + CNN mixed on validation) and the CNN's NumPy forward pass."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from hansenti.core.errors import HansentiError

keras = pytest.importorskip("keras")

TOKENS = [f"t{index}" for index in range(40)]


def keras_cnn(padding: str, truncating: str, long_documents: str, classes: int = 2):
    """A randomly initialised ``cnn`` over a vocabulary of 37 of the 40 tokens, max length 8."""
    from hansenti.core.config import TrainConfig
    from hansenti.models import models
    from hansenti.tokenizers.vocab import SPECIALS, Vocab

    config = TrainConfig(model="cnn", padding=padding, truncating=truncating,
                         model_options={"embedding_dim": 6, "filters": 5,
                                        "kernel_sizes": [2, 3, 5]})
    classifier = models.get("cnn")(config)
    classifier.set_task(classes, "accuracy")
    classifier.vocab = Vocab([*SPECIALS, *TOKENS[:37]])
    classifier.maxlen, classifier.long_documents = 8, long_documents
    keras.utils.set_random_seed(3)
    classifier.model = classifier.compiled()
    # a padding embedding unlike the others, so that padding-only windows matter; every
    # embedding exact in float16, as the NumPy pass keeps them
    weights = classifier.model.layers[1].get_weights()
    weights[0][0] *= 5
    classifier.model.layers[1].set_weights([weights[0].astype(np.float16).astype(np.float32)])
    return classifier


def documents() -> list[list[str]]:
    rng = np.random.default_rng(0)
    lengths = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 40, 3, 1]
    return [[TOKENS[i] for i in rng.integers(0, 40, size=length)]
            for length in lengths]


@pytest.mark.parametrize("padding,truncating,long_documents,classes", [
    ("pre", "pre", "whole", 2), ("post", "post", "whole", 2), ("pre", "post", "cut", 2),
    ("post", "pre", "cut", 3)])
def test_numpy_forward_pass_equals_keras(padding, truncating, long_documents, classes):
    from hansenti.models.cnn_numpy import ConvolutionWeights, NumpyCNN

    classifier = keras_cnn(padding, truncating, long_documents, classes)
    weights = ConvolutionWeights.from_keras(classifier.model, classifier.maxlen, padding,
                                            truncating, long_documents)
    docs = documents()
    expected = classifier.predict_proba(docs)
    np.testing.assert_allclose(NumpyCNN(weights, classifier.vocab).predict_proba(docs),
                               expected, atol=2e-6)


def test_numpy_forward_pass_round_trips_and_refuses_corrupt_weights(tmp_path):
    from hansenti.core.errors import RunDirError
    from hansenti.models.cnn_numpy import ConvolutionWeights, NumpyCNN

    classifier = keras_cnn("pre", "pre", "whole")
    weights = ConvolutionWeights.from_keras(classifier.model, 8, "pre", "pre", "whole")
    weights.save(tmp_path / "cnn.npz")
    loaded = NumpyCNN(ConvolutionWeights.load(tmp_path / "cnn.npz"), classifier.vocab)
    np.testing.assert_allclose(loaded.predict_proba(documents()),
                               classifier.predict_proba(documents()), atol=2e-6)
    (tmp_path / "cnn.npz").write_bytes(b"not a zip")
    with pytest.raises(RunDirError, match="cnn.npz is missing or corrupt"):
        ConvolutionWeights.load(tmp_path / "cnn.npz")


def test_kernel_longer_than_reviews_is_refused():
    from hansenti.models.cnn_numpy import ConvolutionWeights

    classifier = keras_cnn("pre", "pre", "whole")
    with pytest.raises(HansentiError, match="--maxlen to at least 5"):
        ConvolutionWeights.from_keras(classifier.model, 4, "pre", "pre", "whole")


def test_unknown_blend_option_is_refused_before_training():
    from hansenti.core.config import TrainConfig
    from hansenti.models import models

    with pytest.raises(HansentiError, match="does not take option.*units"):
        models.get("blend")(TrainConfig(model="blend", model_options={"units": 3}))
    with pytest.raises(HansentiError, match="mix_grid"):
        models.get("blend")(TrainConfig(model="blend", model_options={"mix_grid": [1.5]}))


@pytest.fixture(scope="module")
def blend_run(tmp_path_factory, mirror):
    """whitespace blend on 3,000 NSMC reviews, refitted."""
    from hansenti.core.config import TrainConfig
    from hansenti.training.trainer import train

    run_dir = tmp_path_factory.mktemp("runs") / "blend"
    config = TrainConfig(corpus="nsmc", tokenizer="whitespace", model="blend", limit=3_000,
                         refit=True, model_options={
                             "epochs": 2, "embedding_dim": 16, "filters": 16,
                             "c_grid": [0.3], "char_ngram_max": 3,
                             "mix_grid": [0.0, 0.5, 1.0]})
    return run_dir, train(config, run_dir, mirror=str(mirror))


def test_blend_chooses_its_mix_on_validation(blend_run):
    run_dir, metrics = blend_run
    history = (run_dir / "history.csv").read_text().splitlines()
    assert history[0].split(",")[:2] == ["mix", "C"]
    assert len(history) == 1 + 3  # one row per mix tried
    mix = json.loads((run_dir / "blend.json").read_text())["mix"]
    assert mix in (0.0, 0.5, 1.0)
    assert metrics["mix"] == mix
    assert 0.5 < metrics["test"]["accuracy"] <= 1


def test_blend_predicts_without_keras(blend_run, tmp_path):
    run_dir, metrics = blend_run
    script = tmp_path / "score.py"
    script.write_text(
        "import sys\n"
        "from hansenti.inference.predictor import Predictor\n"
        f"predictor = Predictor({str(run_dir)!r})\n"
        "print(predictor.predict(['정말 재밌어요', '별로']).round(6).tolist())\n"
        "print(sorted(m for m in ('keras', 'tensorflow', 'sklearn', 'scipy') "
        "if m in sys.modules))\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[1] == "[]"
    from hansenti.inference.predictor import Predictor

    expected = Predictor(run_dir).predict(["정말 재밌어요", "별로"]).round(6).tolist()
    assert json.loads(out[0]) == expected
