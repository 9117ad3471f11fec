"""The review-text normaliser: every tokenizer's ``normalize`` option, applied by the
tokenizer contract to what it tokenizes and learns from, saved with the tokenizer and part
of its fingerprint."""

from __future__ import annotations

import importlib.util
import json

import pytest

from hansenti import create_tokenizer, load_tokenizer
from hansenti.core.errors import HansentiError
from hansenti.tokenizers.base import tokenizers
from hansenti.tokenizers.normalize import Normalization

NOISY = "정말재밌어요ㅋㅋㅋㅋㅋㅋ 최고😍😍^^ 하하하하하 ㅠㅠㅠㅠㅠ!!!!!"


@pytest.mark.parametrize("spec, text, expected", [
    ("repeats", "ㅋㅋㅋㅋㅋㅋ", "ㅋㅋ"),
    ("repeats", "좋아아아아아", "좋아아"),
    ("repeats", "하하하하하", "하하"),
    ("repeats", "!!!!!", "!!"),
    ("repeats3", "ㅋㅋㅋㅋㅋㅋ", "ㅋㅋㅋ"),
    ("repeats", "ㅋㅋ 좋다", "ㅋㅋ 좋다"),
    ("emoji-space", "최고😍😍^^굿", "최고 😍😍 ^^ 굿"),
    ("emoji-space", "슬퍼요ㅠㅠ T_T", "슬퍼요 ㅠㅠ T_T"),
    ("emoji-drop", "최고😍 :) 굿", "최고 굿"),
    ("emoji-name", "최고👍🏻", "최고 :thumbs_up_sign:"),
    ("repeats+emoji-space", NOISY, "정말재밌어요ㅋㅋ 최고 😍😍 ^^ 하하 ㅠㅠ !!"),
])
def test_steps(spec, text, expected):
    assert Normalization.parse(spec)(text) == expected


def test_specs_are_canonical_and_mistakes_are_one_line():
    assert Normalization.parse("emoji-space+repeats").spec() == "repeats2+emoji-space"
    assert Normalization.parse("repeats2+emoji-space") == Normalization.parse(
        "emoji-space+repeats")
    for spec, message in (("bogus", "unknown step 'bogus'"), ("+", "at least one step"),
                          ("repeats0", "keeps no character"), ("emoji-map", "unknown step")):
        with pytest.raises(HansentiError, match=message):
            Normalization.parse(spec)


@pytest.mark.skipif(importlib.util.find_spec("kiwipiepy") is None, reason="needs kiwipiepy")
def test_spacing_restores_words():
    assert Normalization.parse("spacing")("아버지가방에들어가신다") == "아버지가 방에 들어가신다"


BUILT_IN = [name for name in tokenizers.names()
            if not tokenizers.get(name).backend_missing() and not tokenizers.get(name).trainable]


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_tokenizer_takes_it(name, tmp_path):
    plain, normal = create_tokenizer(name), create_tokenizer(name, normalize="repeats")
    assert normal.fingerprint() != plain.fingerprint()
    assert normal.tokenize("ㅋㅋㅋㅋㅋㅋㅋㅋ") == plain.tokenize("ㅋㅋ")
    normal.save(tmp_path)
    assert json.loads((tmp_path / "tokenizer.json").read_text())["normalize"] == "repeats2"
    loaded = load_tokenizer(tmp_path)
    assert loaded.fingerprint() == normal.fingerprint()
    assert loaded.tokenize_batch([NOISY]) == normal.tokenize_batch([NOISY])


def test_worker_processes_normalise_too():
    tokenizer = create_tokenizer("mecab", normalize="repeats+emoji-space")
    texts = [NOISY] * (tokenizer.min_docs_per_process * 2)
    assert tokenizer.tokenize_batch(texts, n_jobs=2) == [tokenizer.tokenize(NOISY)] * len(texts)


@pytest.mark.skipif(importlib.util.find_spec("sentencepiece") is None, reason="needs spm")
def test_a_trained_tokenizer_learns_from_normalised_text():
    tokenizer = create_tokenizer("spm", vocab_size=60, normalize="repeats")
    tokenizer.fit(["ㅋㅋㅋㅋㅋㅋㅋㅋ 재밌다 정말 재밌다"] * 200 + ["최고의 영화 배우 연기"] * 200)
    # the same model read without the option: it never saw a run of more than two
    plain = create_tokenizer("spm", vocab_size=60)
    plain.restore(tokenizer.artifacts())
    pieces = plain.tokenize("ㅋㅋㅋㅋㅋㅋㅋㅋ")
    assert max(len(piece.replace("▁", "")) for piece in pieces) <= 2, pieces


def test_the_command_line_takes_it(run_cli):
    result = run_cli("tokenize", "-t", "mecab", "-o", "normalize=repeats+emoji-space",
                     "정말재밌어요ㅋㅋㅋㅋ😍😍^^")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["정말", "재밌", "어요", "ㅋㅋ", "😍😍", "^^"]
    bad = run_cli("tokenize", "-t", "mecab", "-o", "normalize=nope", "좋다")
    assert bad.exit_code == 2 and "unknown step 'nope'" in bad.stderr


def test_each_text_is_normalised_once(monkeypatch):
    """A batch normalises its texts on the way in and hands them on as they are (Kiwi's
    spacing is the costly step)."""
    from hansenti.tokenizers import normalize

    seen = []
    step = normalize.Normalization.__call__
    monkeypatch.setattr(normalize.Normalization, "__call__",
                        lambda self, text: (seen.append(text), step(self, text))[1])
    tokenizer = create_tokenizer("mecab", normalize="repeats")
    assert tokenizer.tokenize_batch(["ㅋㅋㅋㅋ 좋다"] * 10) == [["ㅋㅋ", "좋", "다"]] * 10
    assert len(seen) == 10
