"""Distillation: teachers pseudo-label unlabelled reviews, a student trains on them."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from test_train import serve_small_corpus

from hansenti.core.config import TrainConfig
from hansenti.core.errors import HansentiError
from hansenti.tokenizers.vocab import Vocab
from hansenti.training.distil import collapsed, warn_of_lean
from hansenti.training.pseudo_labels import (
    INFO_FILE,
    LABELS_FILE,
    PseudoLabels,
    load_pseudo_labels,
    write_pseudo_labels,
)
from hansenti.training.splits import split_key

STUDENT = TrainConfig(tokenizer="whitespace", model="gmp", min_freq=1,
                      model_options={"epochs": 2, "patience": 2, "embedding_dim": 8})


def pseudo_folder(tmp_path, config: TrainConfig, count: int = 50):
    """``count`` reviews in words no labelled review has, labelled 0.9 (새것) or 0.2 (헌것)."""
    texts = [f"{'새것' if i % 2 else '헌것'} 단어{i}" for i in range(count)]
    probabilities = np.array([0.9 if i % 2 else 0.2 for i in range(count)], dtype=np.float32)
    write_pseudo_labels(tmp_path / "pseudo", PseudoLabels(
        [f"p{i}" for i in range(count)], texts, probabilities,
        {"split": split_key(config), "teachers": []}))
    return str(tmp_path / "pseudo")


def test_student_trains_on_pseudo_labelled_reviews_and_refits_with_them(tmp_path, monkeypatch):
    from hansenti.training.trainer import train

    serve_small_corpus(monkeypatch, lambda i: i % 7)
    config = TrainConfig(**{**STUDENT.to_dict(), "refit": True})
    config = TrainConfig(**{**config.to_dict(), "pseudo_labels": pseudo_folder(tmp_path, config)})
    metrics = train(config, tmp_path / "run")
    assert metrics["documents"] == {"fit": 180, "validation": 20, "test": 40,
                                    "pseudo_labelled": 50, "shortened": 0}
    assert metrics["refit"]["documents"] == 250
    vocab = Vocab.load(tmp_path / "run" / "vocab.json")
    assert all(f"단어{i}" in vocab for i in range(50))
    history = list(csv.DictReader(open(tmp_path / "run" / "history.csv", encoding="utf-8")))
    assert all(0.0 <= float(row["accuracy"]) <= 1.0 for row in history)


def test_a_student_must_share_its_teachers_split(tmp_path, monkeypatch):
    from hansenti.training.trainer import train

    serve_small_corpus(monkeypatch, lambda i: i % 7)
    folder = pseudo_folder(tmp_path, TrainConfig(**{**STUDENT.to_dict(), "seed": 7}))
    with pytest.raises(HansentiError, match="same corpus, seed"):
        train(TrainConfig(**{**STUDENT.to_dict(), "pseudo_labels": folder}), tmp_path / "a")
    assert not (tmp_path / "a").exists()


def test_a_model_without_soft_targets_is_refused_before_the_run_is_claimed(tmp_path,
                                                                           monkeypatch):
    from hansenti.models import models
    from hansenti.models.base import Classifier
    from hansenti.training.trainer import train

    class HardOnly(Classifier):
        name = "hard-only"
        fit = predict_proba = save = load = lambda self, *args: None

    serve_small_corpus(monkeypatch, lambda i: i % 7)
    folder = pseudo_folder(tmp_path, STUDENT)
    monkeypatch.setattr(models, "get", lambda name: lambda config: HardOnly())
    with pytest.raises(HansentiError, match="hard-only cannot learn from pseudo-labels"):
        train(TrainConfig(**{**STUDENT.to_dict(), "pseudo_labels": folder}), tmp_path / "b")
    assert not (tmp_path / "b").exists()


def test_an_nblr_student_learns_the_ngrams_only_pseudo_labelled_reviews_hold(tmp_path,
                                                                              monkeypatch):
    from hansenti.inference.predictor import Predictor
    from hansenti.training.trainer import train

    serve_small_corpus(monkeypatch, lambda i: i % 7)
    config = TrainConfig(tokenizer="whitespace", model="nblr", refit=True,
                         model_options={"c_grid": [1.0]})
    config = TrainConfig(**{**config.to_dict(), "pseudo_labels": pseudo_folder(tmp_path, config)})
    metrics = train(config, tmp_path / "run")
    assert metrics["documents"]["pseudo_labelled"] == 50
    assert metrics["refit"]["documents"] == 250
    # 새것 and 헌것 occur in no labelled review: their weights come from the soft targets
    new, old = Predictor(tmp_path / "run").classifier.predict_proba([["새것"], ["헌것"]])[:, 1]
    assert new > 0.5 > old


def test_an_incomplete_pseudo_label_folder_is_a_clear_error(tmp_path):
    folder = pseudo_folder(tmp_path, STUDENT, count=3)
    assert load_pseudo_labels(folder).probabilities.tolist() == pytest.approx([0.2, 0.9, 0.2])
    (tmp_path / "pseudo" / LABELS_FILE).write_text("id\tdocument\n1\tx\n", encoding="utf-8")
    with pytest.raises(HansentiError, match="not a complete hansenti distil folder"):
        load_pseudo_labels(folder)
    (tmp_path / "pseudo" / INFO_FILE).unlink()
    with pytest.raises(HansentiError, match="write it again with hansenti distil"):
        load_pseudo_labels(folder)


def test_soft_accuracy_counts_targets_by_their_side_of_one_half():
    keras = pytest.importorskip("keras")
    from hansenti.models.soft_accuracy import accuracy

    predicted = np.array([[0.9], [0.2], [0.7], [0.4]], dtype=np.float32)
    hard = np.array([1, 0, 0, 1], dtype=np.int32)
    soft = np.array([0.8, 0.3, 0.45, 0.6], dtype=np.float32)
    assert float(keras.ops.mean(accuracy(hard, predicted))) == pytest.approx(
        float(keras.metrics.BinaryAccuracy()(hard[:, None], predicted)))
    assert float(keras.ops.mean(accuracy(soft, predicted))) == pytest.approx(0.5)


def test_pseudo_labels_leaning_away_from_train_are_warned_of(caplog):
    warn_of_lean({"positive_share": 0.62, "train_positive_share": 0.5, "source": "imdb:unsup"})
    assert not caplog.records
    warn_of_lean({"positive_share": 0.71, "train_positive_share": 0.499,
                  "source": "naver-reviews"})
    assert "call 71.0% of naver-reviews positive against 49.9%" in caplog.text


@pytest.mark.realdata
def test_crawl_reviews_that_are_not_nsmc_texts_are_labelled_and_taught(
        trained_run, nblr_run, run_cli, mirror, tmp_path, above):
    from hansenti.corpora import open_corpus

    result = run_cli("distil", str(trained_run[0]), str(nblr_run), "--limit", "2000", "--out",
                     str(tmp_path / "pseudo"), "--mirror", str(mirror), "-j", "1")
    assert result.exit_code == 0, result.stderr
    assert "2,000 reviews of naver-reviews labelled by 2 teachers" in result.stdout
    pseudo = load_pseudo_labels(tmp_path / "pseudo")
    assert len(pseudo.ids) == len(set(pseudo.ids)) == 2000
    assert ((pseudo.probabilities >= 0) & (pseudo.probabilities <= 1)).all()
    nsmc = open_corpus("nsmc", mirror=mirror)
    labelled = [r for split in ("train", "test") for r in nsmc.load(split).records]
    assert not set(pseudo.ids) & {r.id for r in labelled}
    assert not {collapsed(t) for t in pseudo.texts} & {collapsed(r.text) for r in labelled}
    info = json.loads((tmp_path / "pseudo" / INFO_FILE).read_text(encoding="utf-8"))
    assert info["split"] == {"corpus": "nsmc", "seed": 42, "validation_fraction": 0.1,
                             "limit": 9000}
    assert info["excluded"]["labelled_texts"] > 150_000
    assert info["train_positive_share"] == pytest.approx(0.499, abs=0.002)  # NSMC's train
    above("teachers' validation accuracy", info["validation_accuracy"], 0.6)
    assert [teacher["model"] for teacher in info["teachers"]] == ["cnn", "nblr"]
    student = run_cli("train", "--corpus", "nsmc", "-t", "whitespace", "-m", "cnn", "--limit",
                      "9000", "-p", "epochs=2", "-p", "filters=32", "--pseudo-labels",
                      str(tmp_path / "pseudo"), "--mirror", str(mirror), "--runs-dir",
                      str(tmp_path), "--name", "student", "-j", "1")
    assert student.exit_code == 0, student.stderr
    metrics = json.loads((tmp_path / "student" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["documents"]["pseudo_labelled"] == 2000
    assert metrics["test"]["examples"] == 3000
    # one epoch scored 0.598 once (bench/results/flaky.md): two, and a margin below
    above("student test accuracy", metrics["test"]["accuracy"], 0.58)
