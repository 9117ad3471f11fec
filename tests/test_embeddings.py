"""Pre-trained word vectors: training without test text, coverage, initialising a model,
similar words and exports."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hansenti.core.config import TrainConfig
from hansenti.core.errors import HansentiError
from hansenti.corpora import Review, open_corpus
from hansenti.embeddings import EmbeddingConfig, embedding_matrix, train_embeddings
from hansenti.embeddings.training import check_no_test_ids, training_records
from hansenti.embeddings.vectors import (
    load_vectors,
    most_similar,
    vectors_from_rows,
    write_projector,
    write_word2vec_text,
)
from hansenti.inference.run_vectors import open_vectors
from hansenti.tokenizers.vocab import Vocab

pytest.importorskip("gensim")

SENTENCES = [["좋은", "영화", "최고"], ["나쁜", "영화", "최악"], ["좋은", "배우", "연기"],
             ["지루한", "영화", "최악"]] * 50


def nsmc_test_ids(mirror) -> set[str]:
    corpus = open_corpus("nsmc", mirror=mirror)
    corpus.fetch()
    return corpus.ids("test")


def tiny_vectors(tokens: list[str], dim: int = 4):
    rows = np.arange(len(tokens) * dim, dtype=np.float32).reshape(len(tokens), dim)
    return vectors_from_rows(tokens, rows)


def test_coverage_counts_types_and_token_occurrences():
    vocab = Vocab(["<PAD>", "<BOS>", "<UNK>", "영화", "최고", "별로"], [0, 0, 0, 6, 3, 1])
    matrix, coverage = embedding_matrix(vocab, tiny_vectors(["영화", "별로", "딴말"]))
    assert matrix.shape == (6, 4) and matrix.dtype == np.float32
    assert coverage.found == 2 and coverage.missing == 1 and coverage.from_subwords == 0
    assert coverage.vocab == pytest.approx(2 / 3)
    assert coverage.tokens == pytest.approx(7 / 10)
    np.testing.assert_array_equal(matrix[3], [0, 1, 2, 3])
    np.testing.assert_array_equal(matrix[5], [4, 5, 6, 7])
    np.testing.assert_array_equal(matrix[0], 0)


def test_fasttext_fills_unseen_tokens_from_subwords():
    from gensim.models import FastText

    model = FastText(SENTENCES, vector_size=8, min_count=1, epochs=2, seed=1, workers=1)
    vocab = Vocab(["<PAD>", "<BOS>", "<UNK>", "영화", "영화관"], [0, 0, 0, 5, 1])
    matrix, coverage = embedding_matrix(vocab, model.wv)
    assert (coverage.found, coverage.from_subwords, coverage.missing) == (1, 1, 0)
    np.testing.assert_allclose(matrix[4], model.wv.get_vector("영화관"))


def test_test_documents_are_refused():
    fed = [Review("1", "좋다", None, "all"), Review("2", "별로", None, "all")]
    check_no_test_ids(fed, [Review("3", "x", 1, "test")])
    with pytest.raises(HansentiError, match="1 test documents"):
        check_no_test_ids(fed, [Review("2", "x", 1, "test")])
    with pytest.raises(HansentiError, match="refusing"):
        check_no_test_ids([Review("test/pos/1", "x", None, "test")], [])


@pytest.mark.realdata
def test_naver_crawl_feeds_no_nsmc_test_ids(mirror):
    fed_ids = {record.id for record in training_records("naver-reviews", str(mirror))}
    assert len(fed_ids) > 600_000 and not fed_ids & nsmc_test_ids(mirror)


@pytest.mark.realdata
def test_imdb_vectors_read_train_and_unsup_only(mirror):
    splits = {record.split for record in training_records("imdb", str(mirror))}
    assert splits == {"train", "unsup"}


@pytest.fixture(scope="module")
def nsmc_vectors(tmp_path_factory, mirror, session_home):
    """Small word2vec vectors on NSMC train (whitespace tokens), as the CLI makes them."""
    import os

    os.environ["HANSENTI_HOME"] = str(session_home)
    config = EmbeddingConfig(source="nsmc", tokenizer="whitespace", dim=16, epochs=1,
                             min_count=5, skipgram=False)
    return train_embeddings(config, tmp_path_factory.mktemp("emb") / "nsmc-w2v",
                            mirror=str(mirror))


@pytest.mark.realdata
def test_trained_vectors_have_the_asked_shape_and_no_test_ids(nsmc_vectors, mirror):
    vectors = load_vectors(nsmc_vectors.path)
    assert vectors.vector_size == 16 and len(vectors) == nsmc_vectors.metadata["vocab_size"]
    assert len(vectors) > 10_000
    assert len(nsmc_vectors.fed_ids) == len(open_corpus("nsmc", mirror=mirror).load("train"))
    assert not set(nsmc_vectors.fed_ids) & nsmc_test_ids(mirror)
    metadata = json.loads((nsmc_vectors.path / "embedding.json").read_text(encoding="utf-8"))
    assert metadata["config"]["source"] == "nsmc" and metadata["documents"] > 140_000
    text_vectors = load_vectors(nsmc_vectors.path / "vectors.txt")
    np.testing.assert_allclose(text_vectors["영화"], vectors["영화"], rtol=1e-4, atol=1e-5)


@pytest.mark.realdata
def test_exports_parse_back(nsmc_vectors, tmp_path):
    vectors = load_vectors(nsmc_vectors.path)
    assert write_projector(vectors, tmp_path / "projector", limit=500) == 500
    rows = (tmp_path / "projector" / "tensor.tsv").read_text(encoding="utf-8").splitlines()
    words = (tmp_path / "projector" / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == len(words) == 500 and words[0] == vectors.index_to_key[0]
    np.testing.assert_allclose([float(v) for v in rows[0].split("\t")],
                               vectors[words[0]], rtol=1e-4, atol=1e-5)
    write_word2vec_text(vectors, tmp_path / "top.txt", limit=100)
    assert len(load_vectors(tmp_path / "top.txt")) == 100


@pytest.mark.realdata
def test_frozen_pretrained_vectors_initialise_the_model(nsmc_vectors, mirror, tmp_path):
    pytest.importorskip("keras")
    from hansenti.training.trainer import train

    config = TrainConfig(corpus="nsmc", tokenizer="whitespace", model="cnn", limit=600,
                         embeddings=str(nsmc_vectors.path), freeze_embeddings=True,
                         model_options={"epochs": 1, "filters": 4})
    metrics = train(config, tmp_path / "run", mirror=str(mirror))
    report = metrics["embeddings"]
    assert report["dim"] == 16 and report["frozen"] and report["trained_on"]["source"] == "nsmc"
    assert 0.5 < report["coverage"]["tokens"] <= 1 and report["coverage"]["found"] > 0
    learned, pretrained = open_vectors(tmp_path / "run"), load_vectors(nsmc_vectors.path)
    np.testing.assert_allclose(learned["영화"], pretrained["영화"], rtol=1e-6)
    saved = json.loads((tmp_path / "run" / "config.json").read_text(encoding="utf-8"))
    assert saved["embeddings"] == str(nsmc_vectors.path) and saved["freeze_embeddings"]


def test_similar_words_and_unknown_word():
    from gensim.models import Word2Vec

    vectors = Word2Vec(SENTENCES, vector_size=8, min_count=1, epochs=5, seed=1, workers=1).wv
    neighbours = most_similar(vectors, "최악", 3)
    assert len(neighbours) == 3 and all(-1 <= score <= 1 for _, score in neighbours)
    with pytest.raises(HansentiError, match="not in these vectors"):
        most_similar(vectors, "없는말")


def test_cli_similar_and_export(run_cli, tmp_path):
    from gensim.models import Word2Vec

    Word2Vec(SENTENCES, vector_size=8, min_count=1, epochs=5, seed=1,
             workers=1).wv.save_word2vec_format(str(tmp_path / "tiny.bin"), binary=True)
    result = run_cli("embed", "similar", str(tmp_path / "tiny.bin"), "영화", "-n", "2")
    assert result.exit_code == 0 and result.stdout.startswith("영화: ")
    result = run_cli("embed", "export", str(tmp_path / "tiny.bin"), "--projector",
                     str(tmp_path / "proj"), "--word2vec", str(tmp_path / "tiny.txt"))
    assert result.exit_code == 0, result.output
    assert len(load_vectors(tmp_path / "tiny.txt")) == 8
    assert len((tmp_path / "proj" / "metadata.tsv").read_text().splitlines()) == 8


@pytest.mark.parametrize("args, message", [
    (["embed", "similar", "no/such.kv", "영화"], "no word vectors at"),
    (["embed", "export", "x.kv"], "say where to export"),
    (["train", "--model", "nblr", "--embeddings", "x.kv", "--limit", "100"],
     "does not use word vectors"),
    (["train", "--model", "cnn", "--embeddings", "missing.kv", "--limit", "100"],
     "no word vectors at"),
])
def test_embedding_user_errors(run_cli, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run_cli(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.stderr


def test_corrupt_vectors_file_is_a_user_error(tmp_path):
    (tmp_path / "broken.txt").write_text("this is not\na vectors file\n")
    with pytest.raises(HansentiError, match="not a readable vectors file"):
        load_vectors(tmp_path / "broken.txt")


@pytest.mark.realdata
def test_limit_learns_from_a_seeded_sample(run_cli, mirror, tmp_path):
    args = ["embed", "train", "--corpus", "nsmc:train", "-t", "whitespace", "--dim", "8",
            "--epochs", "1", "--limit", "500", "--mirror", str(mirror)]
    for name in ("a", "b"):
        result = run_cli(*args, "--out", str(tmp_path / name))
        assert result.exit_code == 0, result.stderr
    first, second = (json.loads((tmp_path / name / "embedding.json").read_text(encoding="utf-8"))
                     for name in ("a", "b"))
    assert first["documents"] <= 500 and first["config"]["limit"] == 500
    assert first["vocab_size"] == second["vocab_size"]  # the same sample both times
