"""One plugin surface: every registry in hansenti.core.plugins, one naming rule, one error
style, and a third party's package adding a Keras architecture that hansenti then trains."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from hansenti.core import plugins
from hansenti.core.errors import HansentiError

ARCHITECTURE = '''
"""A third party's architecture: the mean of the embedded tokens."""


def build(options, vocab_size, maxlen, classes):
    import keras

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(vocab_size, options.embedding_dim)(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(1 if classes == 2 else classes,
                                 activation="sigmoid" if classes == 2 else "softmax")(x)
    return keras.Model(inputs, outputs)


build.uses = ()  # only the training loop's options
'''


def third_party_package(root: Path, entry_points: str, module: str = "",
                        name: str = "tiny_arch") -> Path:
    """A package as pip would leave it: its module and a dist-info with entry points."""
    dist = root / f"{name}-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    if module:
        (root / f"{name}.py").write_text(module)
    return root


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """Put a package on the path and have every registry look again."""

    def install(entry_points: str, module: str = "", name: str = "tiny_arch") -> None:
        monkeypatch.syspath_prepend(str(third_party_package(tmp_path, entry_points, module,
                                                            name)))
        for registry in (plugins.tokenizers, plugins.corpora, plugins.architectures,
                         plugins.installed_models):
            registry.refresh()

    yield install
    for registry in (plugins.tokenizers, plugins.corpora, plugins.architectures,
                     plugins.installed_models):
        registry.refresh()
    plugins.architectures.unregister("tiny-mean")


def test_every_registry_is_declared_in_one_place():
    from hansenti.corpora import corpora
    from hansenti.models import models
    from hansenti.tokenizers.base import tokenizers

    assert tokenizers is plugins.tokenizers and corpora is plugins.corpora
    assert models is plugins.architectures
    assert {registry.entry_point_group for registry in (
        plugins.tokenizers, plugins.corpora, plugins.architectures, plugins.installed_models)
    } == {"hansenti_tokenizers", "hansenti_corpora", "hansenti_architectures",
          "hansenti_models"}


@pytest.mark.parametrize("name", ["two words", "nsmc:test", "a+b", "x/y", "", "-dash"])
def test_one_naming_rule_for_every_registry(name):
    for registry in (plugins.tokenizers, plugins.corpora, plugins.architectures):
        with pytest.raises(HansentiError, match="is not allowed"):
            registry.register(name, object())


@pytest.mark.realdata
def test_a_third_party_architecture_trains(installed, run_cli, mirror, tmp_path):
    pytest.importorskip("keras")
    installed("[hansenti_architectures]\ntiny-mean = tiny_arch:build\n", ARCHITECTURE)
    refused = run_cli("train", "-m", "tiny-mean", "-p", "filters=8", "--limit", "600")
    assert refused.exit_code == 2 and "does not take option(s) filters" in refused.stderr
    result = run_cli("train", "--corpus", "nsmc", "-t", "whitespace", "-m", "tiny-mean",
                     "--limit", "900", "-p", "epochs=2", "-p", "embedding_dim=8",
                     "--mirror", str(mirror), "--runs-dir", str(tmp_path / "runs"),
                     "--name", "third-party", "-j", "1")
    assert result.exit_code == 0, result.stderr
    metrics = json.loads((tmp_path / "runs" / "third-party" / "metrics.json").read_text())
    assert metrics["test"]["examples"] == 300 and 0 < metrics["test"]["accuracy"] <= 1
    predicted = run_cli("predict", str(tmp_path / "runs" / "third-party"), "재밌어요")
    assert predicted.exit_code == 0 and predicted.stdout.count("\t") == 2


def test_a_broken_plugin_is_one_line_when_asked_for(installed, run_cli):
    installed("[hansenti_architectures]\nbroken-arch = no_such_module:build\n"
              "[hansenti_tokenizers]\nbroken-tok = no_such_module:Tok\n", name="broken_pkg")
    for args in (["train", "-m", "broken-arch", "--limit", "100"],
                 ["tokenize", "-t", "broken-tok", "좋다"]):
        result = run_cli(*args)
        assert result.exit_code == 2, result.output
        assert "failed to load" in result.stderr and "no_such_module" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    listing = run_cli("tokenizers")
    assert listing.exit_code == 0 and "whitespace" in listing.stdout
