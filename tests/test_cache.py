"""The token cache and the fitted-tokenizer cache: hits, misses, invalidation, format."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from test_tokenizer import TRAIN_TEXTS

from hansenti.tokenizers.base import (
    Tokenizer,
    create_tokenizer,
    register_tokenizer,
    tokenizers,
)
from hansenti.tokenizers.cache import (
    TokenCache,
    fit_cached,
    read_seconds,
    read_tokens,
    write_tokens,
)

TEXTS = ["좋은 영화 정말", "별로 였다", "", "영화 영화 영화"]


@dataclass
class CountingTokenizer(Tokenizer):
    """Whitespace tokens, counting how many texts it has tokenized."""

    suffix: str = ""
    calls: int = 0

    def tokenize(self, text: str) -> list[str]:
        CountingTokenizer.calls += 1
        return [word + self.suffix for word in text.split()]

    def config(self) -> dict:
        return {"suffix": self.suffix}


@pytest.fixture
def counting():
    register_tokenizer("test-counting", CountingTokenizer)
    CountingTokenizer.calls = 0
    yield
    tokenizers.unregister("test-counting")


def test_miss_then_hit(tmp_path, counting):
    cache = TokenCache(tmp_path)
    tokenizer = create_tokenizer("test-counting")
    first = cache.tokenize(tokenizer, TEXTS, "demo")
    assert CountingTokenizer.calls == len(TEXTS)
    second = cache.tokenize(tokenizer, TEXTS, "demo")
    assert CountingTokenizer.calls == len(TEXTS)  # served from disk
    assert first == second == [["좋은", "영화", "정말"], ["별로", "였다"], [], ["영화"] * 3]
    assert len(list(tmp_path.glob("demo-test-counting-*.npz"))) == 1


def test_a_hit_reports_the_original_tokenizing_time(tmp_path, counting):
    tokenizer = create_tokenizer("test-counting")
    computing = TokenCache(tmp_path)
    computing.tokenize(tokenizer, TEXTS, "demo")
    reading = TokenCache(tmp_path)
    reading.tokenize(tokenizer, TEXTS, "demo")
    assert computing.compute_seconds > 0
    assert reading.compute_seconds == pytest.approx(computing.compute_seconds)
    old_format = tmp_path / "old.npz"
    write_tokens(old_format, [["a"]])
    with np.load(old_format) as data:
        np.savez(old_format, **{k: data[k] for k in data.files if k != "seconds"})
    assert read_seconds(old_format) is None


def test_changed_config_or_texts_invalidate(tmp_path, counting):
    cache = TokenCache(tmp_path)
    cache.tokenize(create_tokenizer("test-counting"), TEXTS, "demo")
    changed = cache.tokenize(create_tokenizer("test-counting", suffix="/x"), TEXTS, "demo")
    assert changed[0] == ["좋은/x", "영화/x", "정말/x"]
    cache.tokenize(create_tokenizer("test-counting"), TEXTS[:2], "demo")
    assert CountingTokenizer.calls == len(TEXTS) * 2 + 2
    assert len(list(tmp_path.glob("*.npz"))) == 3


def test_corrupt_cache_file_is_recomputed(tmp_path, counting, caplog):
    cache = TokenCache(tmp_path)
    tokenizer = create_tokenizer("test-counting")
    path = cache.path(tokenizer, TEXTS, "demo")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not an npz")
    assert cache.tokenize(tokenizer, TEXTS, "demo")[1] == ["별로", "였다"]
    assert "ignoring unreadable token cache" in caplog.text
    assert read_tokens(path)[1] == ["별로", "였다"]


def test_format_keeps_any_string(tmp_path):
    documents = [["a\x00b", "\ud800", "한국어", "▁"], [], ["\n", "👍🏻"]]
    write_tokens(tmp_path / "t.npz", documents)
    assert read_tokens(tmp_path / "t.npz") == documents


def test_fit_cached_trains_once(tmp_path):
    spm = create_tokenizer("spm", vocab_size=150)
    fitted = fit_cached(spm, TRAIN_TEXTS, "tiny", tmp_path)
    assert fitted.is_fitted
    again = fit_cached(create_tokenizer("spm", vocab_size=150), TRAIN_TEXTS, "tiny", tmp_path)
    assert again.artifacts() == fitted.artifacts()
    assert len(list(tmp_path.iterdir())) == 1
    other = fit_cached(create_tokenizer("spm", vocab_size=160), TRAIN_TEXTS, "tiny", tmp_path)
    assert other.fingerprint() != fitted.fingerprint()
    assert len(list(tmp_path.iterdir())) == 2
