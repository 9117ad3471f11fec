"""hansenti as a user installs it: the wheel in a fresh virtual environment outside the
source tree, the default model, a trained run packaged and loaded by name, model cards,
and the service's published schema."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from conftest import REPO
from hansenti_model_ko_nsmc_mecab_nblr import VERSION as DEFAULT_VERSION

from hansenti.core.errors import HansentiError, RunDirError
from hansenti.runs.installed import DEFAULT_MODEL, installed_runs, resolve_run
from hansenti.runs.model_card import CARD_FILE
from hansenti.runs.package import build_wheel


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory):
    """A new virtual environment with hansenti's wheel installed (no source tree on its
    path); the third-party libraries come from this test run's environment, read through
    a path file, so nothing is downloaded."""
    root = tmp_path_factory.mktemp("install")
    wheels = root / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(wheels), str(REPO)], check=True,
                   capture_output=True, timeout=600)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], check=True, capture_output=True, text=True
                          ).stdout.strip()
    Path(site, "outer-libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (wheel,) = wheels.glob("hansenti-*.whl")
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True, timeout=600)
    return venv, root


def hansenti_in(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run([str(venv / "bin" / "hansenti"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_wheel_works_outside_the_source_tree(fresh_venv):
    venv, root = fresh_venv
    located = subprocess.run([venv / "bin" / "python", "-c", "import hansenti; "
                              "print(hansenti.__file__)"], cwd=root, capture_output=True,
                             text=True, check=True).stdout
    assert str(venv) in located and str(REPO) not in located
    listing = hansenti_in(venv, root, "tokenizers")
    assert listing.returncode == 0 and re.search(r"mecab\s+installed", listing.stdout)
    tokens = hansenti_in(venv, root, "tokenize", "-t", "mecab", "배송이 빨라요")
    assert tokens.returncode == 0 and tokens.stdout.split()[:2] == ["배송", "이"]
    predicted = hansenti_in(venv, root, "predict", "정말 재밌어요", "돈 아까운 최악의 영화")
    assert predicted.returncode == 0, predicted.stderr
    assert [line.split("\t")[0] for line in predicted.stdout.splitlines()] == [
        "positive", "negative"]


@pytest.mark.realdata
def test_a_packaged_run_is_used_by_name(fresh_venv, nblr_run, tmp_path):
    venv, root = fresh_venv
    wheel = build_wheel(nblr_run, "ko-test-char-nblr", "0.3.1", tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert "hansenti_model_ko_test_char_nblr/run/MODEL_CARD.md" in names
    assert not any("predictions.npz" in name or name.endswith(".png") for name in names)
    subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True, timeout=300)
    listing = hansenti_in(venv, root, "models")
    assert re.search(r"ko-test-char-nblr\s+0\.3\.1\s+\d+\.\d\d% on 3,000", listing.stdout)
    assert re.search(rf"\*\s+{DEFAULT_MODEL}\s+{re.escape(DEFAULT_VERSION)}", listing.stdout)
    predicted = hansenti_in(venv, root, "predict", "ko-test-char-nblr", "최고의 영화")
    assert predicted.returncode == 0 and predicted.stdout.split("\t")[0] in (
        "positive", "negative")
    loaded = subprocess.run([venv / "bin" / "python", "-c", "import hansenti; p = hansenti."
                             "load('ko-test-char-nblr'); print(p.classes)"], cwd=root,
                            capture_output=True, text=True, check=True).stdout
    assert "negative" in loaded


def test_the_default_model_is_installed_and_small():
    default = installed_runs()[DEFAULT_MODEL]
    size = sum(path.stat().st_size for path in default.path.rglob("*") if path.is_file())
    assert size < 20_000_000  # what bench/default_model.py lets a candidate weigh
    card = (default.path / CARD_FILE).read_text(encoding="utf-8")
    metrics = json.loads((default.path / "metrics.json").read_text(encoding="utf-8"))
    assert f"{metrics['test']['accuracy']:.2%}" in card and "## Long reviews" in card
    assert resolve_run(None) == default.path


def test_unknown_names_say_what_is_installed(tmp_path):
    with pytest.raises(RunDirError, match=f"installed: .*{DEFAULT_MODEL}.*hansenti models"):
        resolve_run("no-such-model")
    with pytest.raises(HansentiError, match="lower-case letters"):
        build_wheel(tmp_path, "Bad Name", "1.0", tmp_path)


@pytest.mark.realdata
def test_every_run_writes_its_model_card(trained_run):
    run_dir, metrics = trained_run
    card = (run_dir / CARD_FILE).read_text(encoding="utf-8")
    examples = metrics["test"]["examples"]
    assert f"**{metrics['test']['accuracy']:.2%}** on {examples:,} reviews" in card
    assert re.search(r"95% interval\s+\d+\.\d\d%-\d+\.\d\d%", card)
    assert "`whitespace`" in card and "`cnn`" in card and "No neutral class" in card
    assert "max length" in card and "Korean movie reviews from Naver" in card


@pytest.mark.realdata
def test_serve_publishes_its_schema_with_two_workers(nblr_run):
    server = subprocess.Popen([sys.executable, "-m", "hansenti", "serve", str(nblr_run),
                               "--port", "0", "--workers", "2"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert "with 2 worker(s)" in line, line + server.stderr.read()
        base = re.search(r"(http://[\d.]+:\d+)/", line).group(1)
        schema = None
        for _ in range(120):  # the workers load the model
            try:
                with urllib.request.urlopen(f"{base}/openapi.json", timeout=5) as response:
                    schema = json.loads(response.read())
                break
            except OSError:
                time.sleep(0.5)
        assert schema is not None
        predict = schema["paths"]["/predict"]["post"]
        assert "texts" in json.dumps(predict["requestBody"])
        assert {"200", "400", "413", "503"} <= set(predict["responses"])
        with urllib.request.urlopen(f"{base}/docs", timeout=5) as response:
            assert b"swagger" in response.read().lower()
        request = urllib.request.Request(f"{base}/predict", method="POST",
                                         data=json.dumps({"texts": ["좋다", "별로"]}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert len(json.loads(response.read())["predictions"]) == 2
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_numpy_prediction_is_the_scikit_learn_one():
    """nblr predicts with NumPy (the slim install): the same n-grams and probabilities as
    the training path's scikit-learn counts, on the default model's word and character
    n-grams (its nblr: the default model is a blend)."""
    import numpy as np

    from hansenti.inference.predictor import Predictor

    predictor = Predictor()
    classifier = getattr(predictor.classifier, "linear", predictor.classifier)
    texts = ["정말 재밌고 감동적인 영화였어요ㅋㅋㅋㅋ", "돈 아깝다 스토리가 산으로 감", "최고",
             "", "배우 연기는 좋은데 각본이 너무 아쉽다 " * 20, "This movie was wonderful"]
    docs = predictor.tokenizer.tokenize_batch(texts)
    index = classifier.ngram_index
    for doc in docs:
        assert classifier.feature_columns(doc) == {
            index[gram] for gram in classifier.ngrams(doc) if gram in index}
    np.testing.assert_allclose(classifier.predict_proba(docs),
                               classifier.predict_counts(classifier.counts(docs)), atol=1e-6)
