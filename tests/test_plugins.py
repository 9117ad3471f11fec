"""The Korean analyser and SentencePiece plugins: outputs, options, saving, workers."""

from __future__ import annotations

import functools
import json

import pytest
from test_tokenizer import TRAIN_TEXTS

from hansenti.core.errors import BackendMissingError, HansentiError
from hansenti.tokenizers.base import create_tokenizer, load_tokenizer, tokenizers


def analyser(name: str, **options):
    cls = tokenizers.get(name)
    if cls.backend_missing():
        pytest.skip(f"{name} backend not installed")
    return create_tokenizer(name, **options)


@functools.lru_cache(maxsize=None)
def shared_analyser(name: str, options: str = "{}"):
    """One analyser per configuration for the whole run: Kiwi and the JVM start slowly."""
    return analyser(name, **json.loads(options))


@pytest.mark.parametrize("name, options, text, tokens", [
    ("okt", {}, "아 더빙.. 진짜 짜증나네요 목소리", ["아", "더빙", "..", "진짜", "짜증나네요", "목소리"]),
    ("okt", {}, "배우들 연기가 최악이었다", ["배우", "들", "연기", "가", "최악", "이었다"]),
    ("okt", {"norm": True, "stem": True}, "배우들 연기가 최악이었다",
     ["배우", "들", "연기", "가", "최악", "이다"]),
    ("okt", {"norm": True, "stem": True}, "이 영화 꼭 보세요!", ["이", "영화", "꼭", "보다", "!"]),
    ("mecab", {}, "배우들 연기가 최악이었다", ["배우", "들", "연기", "가", "최악", "이", "었", "다"]),
    ("mecab", {}, "이 영화 꼭 보세요! 강추합니다",
     ["이", "영화", "꼭", "보", "세요", "!", "강추", "합니다"]),
    ("mecab", {"exclude_pos": ["J", "S"]}, "배우들 연기가 최악이었다!!",
     ["배우", "들", "연기", "최악", "이", "었", "다"]),
    ("kiwi", {}, "배우들 연기가 최악이었다", ["배우", "들", "연기", "가", "최악", "이", "었", "다"]),
    ("kiwi", {}, "아 더빙.. 진짜 짜증나네요", ["아", "더빙", "..", "진짜", "짜증", "나", "네요"]),
])
def test_korean_analysers(name, options, text, tokens):
    assert shared_analyser(name, json.dumps(options)).tokenize(text) == tokens


@pytest.mark.parametrize("name", ["okt", "mecab", "kiwi"])
def test_batches_in_workers_match_one_by_one(name):
    tokenizer = shared_analyser(name)
    texts = [f"배우들 연기가 {i}번째로 최악이었다 ㅋㅋ" for i in range(4_100)]
    expected = [tokenizer.tokenize(text) for text in texts[:50]]
    batch = tokenizer.tokenize_batch(texts, n_jobs=2, progress=False)
    assert len(batch) == len(texts)
    assert batch[:50] == expected


def test_okt_without_java_says_what_to_install(monkeypatch):
    okt = analyser("okt")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(BackendMissingError, match="needs Java: install a Java runtime"):
        okt.tokenize("영화")


def test_mecab_bad_user_dictionary(tmp_path):
    tokenizer = analyser("mecab", user_dictionary=str(tmp_path / "none.dic"))
    with pytest.raises(HansentiError, match="mecab could not start"):
        tokenizer.tokenize("영화")


@pytest.mark.parametrize("name, model_type", [("spm", "unigram"), ("spm", "bpe"),
                                               ("mecab-spm", "bpe")])
def test_spm_fit_save_load(name, model_type, tmp_path):
    spm = analyser(name, vocab_size=150, model_type=model_type).fit(TRAIN_TEXTS)
    tokens = spm.tokenize("재밌는 영화 배우가 정말 좋다")
    assert tokens and all(isinstance(t, str) for t in tokens)
    assert "".join(tokens).replace("▁", "") == "재밌는영화배우가정말좋다"
    spm.save(tmp_path)
    assert (tmp_path / "spm.model").stat().st_size > 1000
    reloaded = load_tokenizer(tmp_path)
    assert reloaded.tokenize_batch(TRAIN_TEXTS[:20]) == spm.tokenize_batch(TRAIN_TEXTS[:20])


def test_mecab_spm_splits_at_morphemes_first():
    spm = analyser("mecab-spm", vocab_size=150).fit(TRAIN_TEXTS)
    # the particle is a morpheme of its own, so a word boundary precedes it
    assert "".join(spm.tokenize("배우가")) == "▁배우▁가"


def test_spm_refuses_unknown_model_type_and_untrained_use():
    with pytest.raises(HansentiError, match="model_type must be one of"):
        analyser("spm", model_type="wordpiece")
    with pytest.raises(HansentiError, match="not trained"):
        analyser("spm").tokenize("영화")
    with pytest.raises(HansentiError, match="must be fitted before it is saved"):
        analyser("spm").save("/tmp/never")


WORKER_SCRIPT = """from hansenti import create_tokenizer
docs = create_tokenizer("mecab").tokenize_batch(["정말 재밌어요"] * 4000, n_jobs=2)
print(len(docs), docs[0])
"""


@pytest.mark.parametrize("how", ["stdin", "no guard", "guarded"])
def test_workers_fall_back_to_one_process_where_they_cannot_start(how, tmp_path):
    """Spawned workers re-import the main script: from stdin or without a __main__ guard
    they cannot, so the batch runs here with one line saying why."""
    import subprocess
    import sys

    analyser("mecab")
    script = tmp_path / "job.py"
    script.write_text(WORKER_SCRIPT if how != "guarded" else
                      'if __name__ == "__main__":\n' + "".join(
                          f"    {line}\n" for line in WORKER_SCRIPT.splitlines()),
                      encoding="utf-8")
    command = [sys.executable, "-"] if how == "stdin" else [sys.executable, str(script)]
    result = subprocess.run(command, input=script.read_text() if how == "stdin" else None,
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "4000 ['정말', '재밌', '어요']"
    warnings = [line for line in result.stderr.splitlines() if "one process" in line]
    expected = {"stdin": "<stdin> is not a file", "no guard": "job.py has no `if __name__"}
    if how == "guarded":
        assert warnings == []
    else:
        assert len(warnings) == 1 and expected[how] in warnings[0]
