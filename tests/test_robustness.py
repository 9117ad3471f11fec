"""Every tokenizer survives hostile text: no crash, no unbounded time, flat string output."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hansenti.tokenizer import Tokenizer

from test_plugins import shared_analyser
from test_tokenizer import TRAIN_TEXTS, builtin_names

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


@pytest.mark.parametrize("name", builtin_names())
def test_one_megabyte_text_in_bounded_time(name):
    started = time.perf_counter()
    tokens = ready(name).tokenize(BIG_TEXT)
    elapsed = time.perf_counter() - started
    assert_flat_strings(tokens)
    assert len(tokens) > 100_000
    assert elapsed < 120, f"{name} took {elapsed:.0f} s on 1 MB"


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
