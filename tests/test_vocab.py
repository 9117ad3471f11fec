"""Vocab: specials, limits, encoding, padding, max-length policy, OOV, persistence."""

from __future__ import annotations

import numpy as np
import pytest

from hansenti.core.errors import HansentiError, RunDirError
from hansenti.tokenizers.vocab import BOS_ID, PAD_ID, UNK_ID, Vocab, choose_maxlen

DOCS = [["좋다", "영화", "좋다"], ["영화", "별로"], ["좋다", "최고"]]


def test_specials_come_first_and_frequency_orders_the_rest():
    vocab = Vocab.build(DOCS)
    assert vocab.itos[:3] == ["<PAD>", "<BOS>", "<UNK>"]
    assert (PAD_ID, BOS_ID, UNK_ID) == (0, 1, 2)
    assert vocab.itos[3:5] == ["좋다", "영화"]
    assert vocab.counts[3] == 3


def test_min_freq_and_max_size():
    assert Vocab.build(DOCS, min_freq=2).itos[3:] == ["좋다", "영화"]
    assert len(Vocab.build(DOCS, max_size=4)) == 4


def test_encode_decode_and_unknown():
    vocab = Vocab.build(DOCS)
    ids = vocab.encode(["좋다", "처음", "영화"], add_bos=True)
    assert ids == [BOS_ID, vocab.stoi["좋다"], UNK_ID, vocab.stoi["영화"]]
    assert vocab.decode([0, 0, *ids[1:]]) == ["좋다", "<UNK>", "영화"]


def test_padding_and_truncation_sides():
    vocab = Vocab.build(DOCS)
    a, b, c = (vocab.stoi[t] for t in ("좋다", "영화", "별로"))
    docs = [["좋다", "영화", "별로"], ["영화"]]
    np.testing.assert_array_equal(vocab.encode_padded(docs, 2), [[b, c], [0, b]])
    np.testing.assert_array_equal(vocab.encode_padded(docs, 2, padding="post", truncating="post"),
                                  [[a, b], [b, 0]])
    assert vocab.encode_padded([[]], 3).tolist() == [[0, 0, 0]]
    with pytest.raises(HansentiError):
        vocab.encode_padded(docs, 2, padding="middle")


def test_oov_rate():
    vocab = Vocab.build(DOCS)
    assert vocab.oov_rate([["좋다", "처음"], ["새로움", "영화"]]) == 0.5
    assert vocab.oov_rate([]) == 0.0


def test_maxlen_policies_and_coverage():
    lengths = [1] * 50 + [10] * 45 + [100] * 5
    fixed = choose_maxlen(lengths, 10)
    assert (fixed.length, fixed.coverage) == (10, 0.95)
    tutorial = choose_maxlen(lengths, "mean+2std")
    assert tutorial.length == int(np.ceil(np.mean(lengths) + 2 * np.std(lengths)))
    assert choose_maxlen(lengths, "p50").length == 10
    with pytest.raises(HansentiError, match="max length policy"):
        choose_maxlen(lengths, "longest")


def test_save_load_and_corrupt(tmp_path):
    vocab = Vocab.build(DOCS)
    vocab.save(tmp_path / "vocab.json")
    assert Vocab.load(tmp_path / "vocab.json").itos == vocab.itos
    (tmp_path / "bad.json").write_text('{"tokens": ["a"]}')
    with pytest.raises(RunDirError, match="corrupt"):
        Vocab.load(tmp_path / "bad.json")
    with pytest.raises(RunDirError, match="missing"):
        Vocab.load(tmp_path / "none.json")


def test_maxlen_policy_can_be_capped():
    lengths = [5] * 90 + [1_000] * 10
    capped = choose_maxlen(lengths, "mean+2std<=300")
    assert (capped.length, capped.coverage) == (300, 0.9)
    assert choose_maxlen(lengths, "p50<=300").length == 5
    with pytest.raises(HansentiError, match="cap after <= must be a number"):
        choose_maxlen(lengths, "p95<=lots")
