"""A user's own labelled reviews: star ratings mapped to 2 or 3 classes, every file
format, end to end through train, evaluate, predict, analyze and serve; the bad inputs
refused in one line; a corpus from a third-party package and from a TOML description;
a long review scored whole."""

from __future__ import annotations

import csv
import json
import random
import sys
import textwrap
import threading
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from hansenti.core.errors import HansentiError
from hansenti.core.labels import LabelMap, natural_classes
from hansenti.corpora import DataSpec, FileCorpus, corpora, open_corpus

GOOD = ["최고", "좋아요", "만족", "추천", "튼튼", "예뻐요", "빨라요"]
BAD = ["최악", "별로", "환불", "불량", "느려요", "실망", "고장"]
MIDDLE = ["보통", "그럭저럭", "무난", "평범", "애매"]
FILLER = ["상품", "배송", "포장", "가격", "사이즈", "색상", "이번", "구매", "택배", "디자인"]
TWO = "1-2=negative,4-5=positive"
THREE = "1-2=negative,3=neutral,4-5=positive"


def star_reviews(count: int, seed: int = 0) -> list[dict]:
    """Shopping reviews rated 1-5, mostly 4-5 as real ones are; 10% carry a word of
    another rating, so that no model is perfect."""
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        stars = rng.choice([1, 2, 3, 3, 4, 5, 5, 5])
        pool = BAD if stars <= 2 else MIDDLE if stars == 3 else GOOD
        if rng.random() < 0.1:
            pool = rng.choice([BAD, MIDDLE, GOOD])
        words = [rng.choice(pool) for _ in range(rng.randint(1, 2))]
        words += [rng.choice(FILLER) for _ in range(rng.randint(2, 8))]
        rng.shuffle(words)
        rows.append({"id": f"r{index}", "review": " ".join(words), "stars": str(stars)})
    return rows


def write_csv(path: Path, rows: list[dict], delimiter: str = ",") -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    """reviews.csv (1,600 rated reviews) and new.csv (200 more) in one folder."""
    folder = tmp_path_factory.mktemp("shop")
    write_csv(folder / "reviews.csv", star_reviews(1_600))
    write_csv(folder / "new.csv", star_reviews(200, seed=1))
    return folder


def data_args(shop: Path, labels: str) -> list[str]:
    return ["--data", str(shop / "reviews.csv"), "--text-column", "review",
            "--label-column", "stars", "--labels", labels]


KERAS_OPTIONS = ["-p", "epochs=4", "-p", "embedding_dim=32", "-p", "filters=32",
                 "-p", "batch_size=64"]


@pytest.fixture(scope="module")
def own_runs(shop, tmp_path_factory):
    """Four finished runs on reviews.csv: {2, 3} classes x {nblr, cnn}."""
    pytest.importorskip("keras")
    from click.testing import CliRunner

    from hansenti.cli import cli

    runs = tmp_path_factory.mktemp("own-runs")
    made = {}
    for classes, labels in ((2, TWO), (3, THREE)):
        for model in ("nblr", "cnn"):
            name = f"{classes}-{model}"
            result = CliRunner().invoke(cli, [
                "train", *data_args(shop, labels), "-t", "whitespace", "-m", model,
                *(KERAS_OPTIONS if model == "cnn" else []), "--runs-dir", str(runs),
                "--name", name], catch_exceptions=False)
            assert result.exit_code == 0, result.stderr
            made[classes, model] = runs / name
    return made


# --- label maps ----------------------------------------------------------------------
def test_label_map_ranges_values_and_class_order():
    label_map = LabelMap.parse("9-10=positive, 1-4=negative, 5-8=neutral")
    assert label_map.classes == ("negative", "neutral", "positive")  # lowest value first
    assert [label_map.class_of(v) for v in ("1", "4.0", "5", "8", "10", "11", "x")] == [
        "negative", "negative", "neutral", "neutral", "positive", None, None]
    words = LabelMap.parse("pos=positive,neg=negative,very-bad=negative")
    assert words.class_of("very-bad") == "negative" and not words.numeric
    assert natural_classes(["10", "2", "1"]) == ("1", "2", "10")
    assert natural_classes(["긍정", "부정", "긍정"]) == ("긍정", "부정")


@pytest.mark.parametrize("text, message", [
    ("1-3=negative,3-5=positive", "overlap"),
    ("1-2=negative,2=neutral", "overlap"),
    ("5-1=negative", "backwards"),
    ("negative", "VALUE=CLASS"),
    ("", "empty"),
])
def test_bad_label_maps_are_refused(text, message):
    with pytest.raises(HansentiError, match=message):
        LabelMap.parse(text)


# --- reading a user's files ------------------------------------------------------------
def test_every_format_gives_the_same_reviews(shop, tmp_path):
    rows = star_reviews(120)
    write_csv(tmp_path / "r.tsv", rows, delimiter="\t")
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                              for r in rows), encoding="utf-8")
    import pandas

    pandas.DataFrame(rows).to_parquet(tmp_path / "r.parquet")
    texts = {}
    for suffix in ("tsv", "jsonl", "parquet"):
        spec = DataSpec(train=str(tmp_path / f"r.{suffix}"), text_column="review",
                        label_column="stars", labels=TWO, id_column="id", test_fraction=0.25)
        corpus = FileCorpus(spec)
        texts[suffix] = sorted(r.text for r in corpus.load("train").records
                               + corpus.load("test").records)
        assert corpus.classes == ("negative", "positive")
    assert texts["tsv"] == texts["jsonl"] == texts["parquet"]
    assert len(texts["tsv"]) == sum(r["stars"] != "3" for r in rows)


def test_a_folder_per_class_is_a_corpus(tmp_path):
    for label, words in (("neg", BAD), ("pos", GOOD)):
        (tmp_path / "reviews" / label).mkdir(parents=True)
        for index in range(12):
            (tmp_path / "reviews" / label / f"{index}.txt").write_text(
                f"{words[index % len(words)]} 상품", encoding="utf-8")
    corpus = FileCorpus(DataSpec(train=str(tmp_path / "reviews"),
                                 labels="neg=negative,pos=positive"))
    records = corpus.load("train").records + corpus.load("test").records
    assert corpus.classes == ("negative", "positive") and len(records) == 24


def test_test_fraction_is_stratified_seeded_and_reported(shop):
    spec = DataSpec(train=str(shop / "reviews.csv"), text_column="review",
                    label_column="stars", labels=THREE, test_fraction=0.25)
    first, second = FileCorpus(spec), FileCorpus(spec)
    test_ids = [r.id for r in first.load("test").records]
    assert test_ids == [r.id for r in second.load("test").records]
    train_labels = np.bincount([r.label for r in first.load("train").records])
    test_labels = np.bincount([r.label for r in first.load("test").records])
    np.testing.assert_allclose(test_labels / test_labels.sum(),
                               train_labels / train_labels.sum(), atol=0.02)
    held = FileCorpus(spec, test_ids=test_ids[:10])
    assert [r.id for r in held.load("test").records] == test_ids[:10]


# --- end to end ------------------------------------------------------------------------
@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("model", ["nblr", "cnn"])
def test_train_reports_classes_baseline_and_dropped_rows(own_runs, classes, model):
    run = own_runs[classes, model]
    metrics = json.loads((run / "metrics.json").read_text())
    test = metrics["test"]
    assert test["classes"] == (["negative", "positive"] if classes == 2
                               else ["negative", "neutral", "positive"])
    assert np.array(test["confusion"]).shape == (classes, classes)
    assert sum(map(sum, test["confusion"])) == test["examples"]
    assert set(test["per_class"]) == set(test["classes"])
    # well above the majority class, in accuracy and in macro-F1
    assert test["accuracy"] > test["majority_baseline"]["accuracy"] + 0.1
    assert test["macro_f1"] > 0.6 > test["majority_baseline"]["macro_f1"]
    assert metrics["validation"]["metric"] == "macro_f1"  # 4-5 stars dominate
    unmapped = sum(f["unmapped"] for f in metrics["data"]["files"])
    assert unmapped > 0 if classes == 2 else unmapped == 0
    assert (run / "confusion.png").stat().st_size > 1_000
    assert len((run / "test_ids.txt").read_text().split()) == test["examples"]


@pytest.mark.parametrize("classes", [2, 3])
def test_evaluate_reproduces_the_test_split(own_runs, run_cli, classes):
    run = own_runs[classes, "cnn"]
    result = run_cli("evaluate", str(run))
    assert result.exit_code == 0, result.stderr
    scored = json.loads(result.stdout)
    saved = json.loads((run / "metrics.json").read_text())["test"]
    assert scored["examples"] == saved["examples"]
    assert scored["accuracy"] == pytest.approx(saved["accuracy"], abs=1e-6)


def test_evaluate_on_another_file(own_runs, shop, run_cli):
    result = run_cli("evaluate", str(own_runs[3, "nblr"]), "--data", str(shop / "new.csv"),
                     "--text-column", "review", "--label-column", "stars", "--labels", THREE)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["examples"] == 200


@pytest.mark.parametrize("model", ["nblr", "cnn"])
def test_predict_and_scored_files_have_a_column_per_class(own_runs, shop, run_cli, tmp_path,
                                                         model):
    run = own_runs[3, model]
    result = run_cli("predict", str(run), "최고 만족 상품", "최악 환불 배송")
    assert result.exit_code == 0, result.stderr
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [line[0] for line in lines] == ["positive", "negative"]
    assert all(1 / 3 < float(line[1]) <= 1 for line in lines)
    out = tmp_path / "scored.csv"
    result = run_cli("predict", str(run), "--input", str(shop / "new.csv"), "--column",
                     "review", "--output", str(out))
    assert result.exit_code == 0, result.stderr
    with open(out, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[-6:] == ["pred_label", "pred_probability", "pred_p_negative",
                                  "pred_p_neutral", "pred_p_positive", "pred_known"]
    for row in rows[:20]:
        shares = [float(row[f"pred_p_{name}"]) for name in ("negative", "neutral", "positive")]
        assert sum(shares) == pytest.approx(1, abs=1e-4)
        assert float(row["pred_probability"]) == pytest.approx(max(shares), abs=1e-6)


def test_analyze_reports_each_class_share_per_group(own_runs, shop, run_cli, tmp_path):
    out = tmp_path / "analysis"
    result = run_cli("analyze", "--input", str(shop / "new.csv"), "--text-column", "review",
                     "--group-column", "stars", "--output", str(out),
                     str(own_runs[3, "nblr"]))
    assert result.exit_code == 0, result.stderr
    with open(out / "summary.csv", encoding="utf-8") as handle:
        groups = {row["group"]: row for row in csv.DictReader(handle)}
    assert float(groups["5"]["share_positive"]) > 0.7 > float(groups["1"]["share_positive"])
    assert float(groups["1"]["share_negative"]) > 0.7
    for row in groups.values():
        assert sum(float(row[f"share_{c}"]) for c in ("negative", "neutral", "positive")) \
            == pytest.approx(1, abs=1e-3)
        assert float(row["ci95_low_neutral"]) <= float(row["share_neutral"]) \
            <= float(row["ci95_high_neutral"])
    with open(out / "extremes.csv", encoding="utf-8") as handle:
        sides = {row["side"] for row in csv.DictReader(handle)}
    assert sides == {"negative", "neutral", "positive"}
    assert "neutral" in (out / "report.html").read_text(encoding="utf-8")


def test_serve_returns_every_class_probability(own_runs):
    from hansenti.inference.predictor import Predictor
    from hansenti.inference.serve import make_server

    live = make_server(Predictor(own_runs[3, "cnn"]), port=0)
    threading.Thread(target=live.serve_forever, daemon=True).start()
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{live.server_port}/predict", method="POST",
            data=json.dumps({"texts": ["최고 만족", "보통 무난", "최악 불량"]}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            predictions = json.loads(response.read())["predictions"]
    finally:
        live.shutdown()
        live.server_close()
    assert [p["label"] for p in predictions] == ["positive", "neutral", "negative"]
    for prediction in predictions:
        assert set(prediction["probabilities"]) == {"negative", "neutral", "positive"}
        assert prediction["probability"] == max(prediction["probabilities"].values())


def test_ensembles_and_distillation_refuse_three_classes(own_runs, tmp_path):
    from hansenti.training.ensemble import ensemble

    with pytest.raises(HansentiError, match="3 classes"):
        ensemble([own_runs[3, "nblr"], own_runs[3, "cnn"]], tmp_path)


def test_a_study_on_own_data(shop, run_cli, tmp_path):
    result = run_cli("compare", *data_args(shop, THREE), "-t", "whitespace", "-m", "nblr",
                     "--out", str(tmp_path / "study"))
    assert result.exit_code == 0, result.stderr
    with open(tmp_path / "study" / "results.csv", encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["corpus"] == "reviews" and row["status"] == "done"
    assert float(row["test_macro_f1"]) > 0.6
    settings = (tmp_path / "study" / "study.toml").read_text(encoding="utf-8")
    assert 'tokenizer = [\n    "whitespace",\n]' in settings and "labels = " in settings
    again = run_cli("compare", "--config", str(tmp_path / "study" / "study.toml"))
    assert again.exit_code == 0, again.stderr
    with open(tmp_path / "study" / "results.csv", encoding="utf-8") as handle:
        assert list(csv.DictReader(handle)) == [row]


# --- bad input -------------------------------------------------------------------------
@pytest.fixture
def bad_files(tmp_path) -> Path:
    rows = star_reviews(300)
    write_csv(tmp_path / "ok.csv", rows)
    write_csv(tmp_path / "words.csv", [{**r, "stars": "many"} for r in rows])
    write_csv(tmp_path / "three.csv", [{**r, "stars": "3"} for r in rows])
    write_csv(tmp_path / "rare.csv", [{**r, "stars": "1" if i < 5 else "5"}
                                      for i, r in enumerate(rows)])
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("file, extra, message", [
    ("ok.csv", ["--text-column", "body"], "no column 'body'; columns: id, review, stars"),
    ("ok.csv", ["--label-column", "rating"], "no column 'rating'"),
    ("three.csv", ["--labels", TWO], "class 'negative' has 0 example"),
    ("rare.csv", ["--labels", TWO], "class 'negative' has 5 example"),
    ("ok.csv", ["--labels", "1-3=negative,3-5=positive"], "overlap"),
    ("words.csv", ["--labels", TWO], "is not numeric"),
    ("empty.csv", ["--labels", TWO], "empty"),
    ("ok.csv", ["--labels", "1-2=negative,3-5=negative"], "at least 2 are needed"),
    ("ok.csv", ["--labels", TWO, "--test-data", "ok.csv", "--test-fraction", "0.2"],
     "not both"),
])
def test_bad_own_data_is_one_line_and_writes_nothing(bad_files, run_cli, file, extra, message):
    extra = [str(bad_files / value) if value.endswith(".csv") else value for value in extra]
    result = run_cli("train", "--data", str(bad_files / file), "--text-column", "review",
                     "--label-column", "stars", *extra, "-t", "whitespace", "-m", "nblr",
                     "--runs-dir", str(bad_files / "runs"))
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (bad_files / "runs").exists()


def test_a_test_file_with_other_classes_is_refused(bad_files, run_cli):
    rows = star_reviews(60, seed=3)
    write_csv(bad_files / "test.csv", [{**r, "stars": "9" if i % 2 else "1"}
                                       for i, r in enumerate(rows)])
    result = run_cli("train", "--data", str(bad_files / "ok.csv"), "--text-column", "review",
                     "--label-column", "stars", "--test-data", str(bad_files / "test.csv"),
                     "-t", "whitespace", "-m", "nblr", "--runs-dir", str(bad_files / "runs"))
    assert result.exit_code == 2 and "class(es) 9" in result.stderr


# --- corpora as plugins and as descriptions --------------------------------------------
@pytest.fixture
def corpus_package(tmp_path, monkeypatch):
    """A throw-away distribution that declares a corpus through ``hansenti_corpora``."""
    module = "hansenti_fake_corpus"
    rows = star_reviews(400, seed=5)
    records = [(r["id"], r["review"], int(r["stars"]) >= 4) for r in rows if r["stars"] != "3"]
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(f'''
        from hansenti.corpora.base import Corpus, LoadReport, Review, Split

        ROWS = {records!r}

        class ShopReviews(Corpus):
            name = "shop"
            description = "a third party's shopping reviews"
            homepage = "https://example.org/shop"
            license = "CC BY 4.0"
            language = "ko"
            mirror_folder = "shop"
            files = ()
            splits = ("train", "test")

            def _read(self, split):
                chosen = [row for index, row in enumerate(ROWS)
                          if (index % 4 == 0) == (split == "test")]
                records = [Review(i, text, int(label), split) for i, text, label in chosen]
                report = LoadReport(f"shop/{{split}}", rows=len(records), kept=len(records))
                return Split(split, records, report)
    '''), encoding="utf-8")
    dist_info = tmp_path / f"{module}-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(
        f"[hansenti_corpora]\nshop = {module}:ShopReviews\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    corpora.refresh()
    yield module
    sys.modules.pop(module, None)
    corpora.unregister("shop")
    corpora.refresh()


def test_a_corpus_from_another_package_is_listed_and_trained_on(corpus_package, run_cli,
                                                                tmp_path):
    listed = run_cli("corpora", "list")
    assert listed.exit_code == 0 and "shop" in listed.stdout and "CC BY 4.0" in listed.stdout
    assert "nsmc" in listed.stdout  # the built-in ones come through the same group
    result = run_cli("train", "--corpus", "shop", "-t", "whitespace", "-m", "nblr",
                     "--runs-dir", str(tmp_path / "runs"))
    assert result.exit_code == 0, result.stderr
    metrics = json.loads((tmp_path / "runs" / "shop-whitespace-nblr" / "metrics.json").read_text())
    assert metrics["corpus"]["name"] == "shop" and metrics["test"]["accuracy"] > 0.7


def test_a_toml_description_names_the_files_once(shop, run_cli, tmp_path):
    description = tmp_path / "my-shop.toml"
    description.write_text(textwrap.dedent(f'''
        name = "my-shop"
        description = "reviews of our shop"
        license = "internal"
        train = "{(shop / 'reviews.csv').as_posix()}"
        text_column = "review"
        label_column = "stars"
        labels = "{THREE}"
        test_fraction = 0.25
    '''), encoding="utf-8")
    corpus = open_corpus(str(description))
    assert corpus.name == "my-shop" and corpus.classes == ("negative", "neutral", "positive")
    result = run_cli("train", "--corpus", str(description), "-t", "whitespace", "-m", "nblr",
                     "--runs-dir", str(tmp_path / "runs"))
    assert result.exit_code == 0, result.stderr
    config = json.loads((tmp_path / "runs" / "my-shop-whitespace-nblr" / "config.json").read_text())
    assert config["data"]["labels"] == THREE and config["data"]["license"] == "internal"


# --- long reviews ----------------------------------------------------------------------
def test_a_long_review_is_scored_whole(own_runs):
    """A review far longer than the training max length whose only telling word is at its
    start: cut to its last tokens it reads as filler, whole it is positive."""
    from hansenti.inference.predictor import Predictor

    predictor = Predictor(own_runs[2, "cnn"])
    classifier = predictor.classifier
    assert classifier.long_documents == "whole"
    document = ["최고", "만족", *(["상품", "배송", "가격"] * 100)]
    assert len(document) > 10 * classifier.maxlen
    whole = classifier.predict_proba([document])[0, 1]
    classifier.long_documents = "cut"
    cut = classifier.predict_proba([document])[0, 1]
    assert whole > 0.5 and whole > cut + 0.05


def test_a_fixed_length_model_scores_long_reviews_as_windows(tmp_path):
    """A third party's network with a fixed input length: a long document is the mean of
    its overlapping max-length windows."""
    pytest.importorskip("keras")
    import keras

    from hansenti.core.config import TrainConfig
    from hansenti.models import models
    from hansenti.models.keras_classifier import output_layer, register_keras_model
    from hansenti.tokenizers.vocab import Vocab

    @register_keras_model("fixed-test", uses=())
    def build(options, vocab_size, maxlen, classes):
        inputs = keras.Input(shape=(maxlen,), dtype="int32")
        x = keras.layers.Flatten()(keras.layers.Embedding(vocab_size, 4)(inputs))
        return keras.Model(inputs, output_layer(classes)(x))

    try:
        docs = [["최고", "만족"], ["최악", "환불"]] * 10
        labels = np.array([1, 0] * 10)
        classifier = models.get("fixed-test")(TrainConfig(model="fixed-test", maxlen="4",
                                                          model_options={"epochs": 1}))
        classifier.fit(docs, labels, docs, labels, tmp_path / "work", Vocab.build(docs, None, 1))
        long = ["최고", "만족", "상품", "배송", "가격", "최고", "환불", "상품", "포장"]
        windows = [long[start:start + 4] for start in range(0, len(long) - 4 + 2, 2)]
        expected = classifier.predict_proba(windows).mean(axis=0)
        np.testing.assert_allclose(classifier.predict_proba([long])[0], expected, atol=1e-6)
    finally:
        models.unregister("fixed-test")
