"""Every tokenizer survives hostile text: no crash, no unbounded time, flat string output."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_plugins import shared_analyser
from test_tokenizer import TRAIN_TEXTS, builtin_names

from hansenti.core.errors import HansentiError
from hansenti.core.text import (
    MAX_CHARS_ENV,
    review_limit,
    shorten,
    shorten_all,
    split_long_words,
)
from hansenti.tokenizers.base import Tokenizer, tokenizers

BIG_TEXT = ("정말 재밌는 영화였어요 배우들 연기도 최고 ㅋㅋ 👍 " * 40_000)[:1_000_000]

NAMED_CASES = {
    "empty": "",
    "whitespace only": " \t\n\u3000 ",
    "emoji": "👍🏻👨‍👩‍👧 최고🔥🔥",
    "ㅋ x 10,000": "ㅋ" * 10_000,
    "mixed jamo": "ㄱㅏㄴ 간 간 ㅎㅎ ᅟᅠ",
    "NUL and controls": "영화\x00 좋\x01다\x7f\u200b\ufeff 끝",
    "lone surrogate": "영화\ud800좋다",
    "only punctuation": "!!!...???~~~",
}

_fitted: dict[str, Tokenizer] = {}


def ready(name: str) -> Tokenizer:
    """One ready tokenizer per name for the whole module (SentencePiece fitted once)."""
    if name not in _fitted:
        tokenizer = shared_analyser(name, '{"vocab_size": 150}' if name in ("spm", "mecab-spm")
                                    else "{}")
        _fitted[name] = tokenizer.fit(TRAIN_TEXTS) if tokenizer.trainable else tokenizer
    return _fitted[name]


def assert_flat_strings(tokens) -> None:
    assert isinstance(tokens, list)
    assert all(isinstance(token, str) and token for token in tokens)


@pytest.mark.parametrize("case", list(NAMED_CASES))
@pytest.mark.parametrize("name", builtin_names())
def test_named_hostile_inputs(name, case):
    tokens = ready(name).tokenize(NAMED_CASES[case])
    assert_flat_strings(tokens)
    if case in ("empty", "whitespace only"):
        assert tokens == []


MEGABYTE_CASES = {
    "reviews": BIG_TEXT,
    "one endless word": ("재밌어요진짜" * 200_000)[:1_000_000],
    "random syllables, no space": "".join(chr(0xAC00 + (i * 7919) % 11172)
                                          for i in range(1_000_000)),
    "zero-width between syllables": "재\u200b밌\u200d어\ufeff" * 166_667,
}


@pytest.mark.parametrize("case", list(MEGABYTE_CASES))
@pytest.mark.parametrize("name", builtin_names())
def test_one_megabyte_text_in_bounded_time(name, case):
    """What every command does with a text (the review limit, then the tokenizer) takes
    well under 2 s on this CPU (bench/hostile.py); 10 s leaves room for slower machines
    and a cold JVM."""
    tokenizer = ready(name)
    started = time.perf_counter()
    texts, shortened = shorten_all([MEGABYTE_CASES[case]], tokenizer)
    tokens = tokenizer.tokenize_batch(texts)[0]
    elapsed = time.perf_counter() - started
    assert shortened == 1 and len(texts[0]) <= review_limit(tokenizer)
    assert_flat_strings(tokens)
    assert tokens
    assert elapsed < 10, f"{name} took {elapsed:.1f} s on 1 MB of {case}"


long_word = st.text(st.one_of(st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),
                              st.sampled_from("ㅋㅎㅠㄱㅏ")), min_size=100, max_size=4_000)


@pytest.mark.parametrize("name", builtin_names())
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(word=long_word)
def test_generated_long_words_in_bounded_time(name, word):
    tokenizer = ready(name)
    started = time.perf_counter()
    assert_flat_strings(tokenizer.tokenize_batch(shorten_all([word], tokenizer)[0])[0])
    assert time.perf_counter() - started < 5


review_text = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),  # syllables
        st.characters(min_codepoint=0x3131, max_codepoint=0x318E),  # compatibility jamo
        st.characters(min_codepoint=0x1100, max_codepoint=0x11FF),  # conjoining jamo
        st.characters(codec="utf-8"),                               # anything, controls too
        st.sampled_from(" \t\n.!?ㅋㅎ👍"),
    ),
    max_size=300)


@pytest.mark.parametrize("name", builtin_names())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=review_text)
def test_generated_text(name, text):
    assert_flat_strings(ready(name).tokenize(text))


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.text(st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),
                              min_size=1, max_size=8), max_size=10))
def test_jamo_round_trips_any_hangul(words):
    jamo = ready("jamo")
    text = " ".join(words)
    assert jamo.detokenize(jamo.tokenize(text)) == text


def test_long_reviews_keep_their_opening_and_their_verdict(monkeypatch):
    text = "처음 " + "중간 " * 10_000 + "결론은 최고"
    shortened = shorten(text, 1_000)
    assert len(shortened) <= 1_000
    assert shortened.startswith("처음 중간") and shortened.endswith("결론은 최고")
    assert shorten("짧은 리뷰", 1_000) == "짧은 리뷰"
    monkeypatch.setenv(MAX_CHARS_ENV, "500")
    texts, count = shorten_all(["짧다", text, text])
    assert count == 2 and max(map(len, texts)) <= 500
    monkeypatch.setenv(MAX_CHARS_ENV, "lots")
    with pytest.raises(HansentiError, match="HANSENTI_MAX_CHARS='lots' must be a whole number"):
        review_limit()


def test_long_words_are_cut_for_slow_analysers_only():
    assert split_long_words("짧은 말 " + "가" * 45, 20) == "짧은 말 " + " ".join(["가" * 10] * 4 + ["가" * 5])
    assert split_long_words("스무글자까지는그대로둡니다정말로그래요", 20) == "스무글자까지는그대로둡니다정말로그래요"
    assert tokenizers.get("okt").max_word_chars == 20
    assert tokenizers.get("whitespace").max_word_chars is None


def test_the_review_limit_is_counted_in_a_run(monkeypatch, tmp_path):
    from hansenti.tokenizers.cache import TokenCache

    monkeypatch.setenv(MAX_CHARS_ENV, "200")
    cache = TokenCache(tmp_path)
    docs = cache.tokenize(ready("whitespace"), ["좋다 " * 300, "별로"], "x")
    assert cache.shortened == 1 and len(docs[0]) < 80
