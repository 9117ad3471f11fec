"""The tokenizer contract, checked over every registered tokenizer, and the built-ins."""

from __future__ import annotations

import json
import pickle

import pytest

from hansenti.core.errors import BackendMissingError, HansentiError, RunDirError
from hansenti.tokenizers.base import (
    Tokenizer,
    create_tokenizer,
    load_tokenizer,
    load_user_code,
    register_tokenizer,
    tokenizers,
)

SAMPLES = [
    "아 더빙.. 진짜 짜증나네요 목소리",
    "흠...포스터보고 초딩영화줄....오버연기조차 가볍지 않구나",
    "This movie wasn't good.<br /><br />Really!",
    "",
    "   ",
    "ㅋㅋㅋㅋ 최고 👍",
]

TRAIN_TEXTS = [f"{a} 영화 {b} 정말 {c}" for a in ("재밌는", "지루한", "최고의", "최악의", "웃긴")
               for b in ("배우가", "감독이", "스토리가", "연기가") for c in ("좋다", "싫다", "별로")] * 5


def builtin_names() -> list[str]:
    """Registered names of this distribution (tests may register others temporarily)."""
    return [name for name in tokenizers.names() if name in tokenizers._discover()
            and tokenizers._discover()[name].value.startswith(("hansenti.", "hansenti_plugins."))]


def ready_tokenizer(name: str) -> Tokenizer:
    cls = tokenizers.get(name)
    if cls.backend_missing():
        pytest.skip(f"{name}: backend {cls.backend_missing()} not installed")
    options = {"vocab_size": 120} if cls.trainable else {}
    tokenizer = create_tokenizer(name, **options)
    return tokenizer.fit(TRAIN_TEXTS) if tokenizer.trainable else tokenizer


@pytest.mark.parametrize("name", builtin_names())
def test_contract_round_trip(name, tmp_path):
    tokenizer = ready_tokenizer(name)
    expected = [tokenizer.tokenize(text) for text in SAMPLES]
    for tokens in expected:
        assert isinstance(tokens, list)
        assert all(isinstance(token, str) and token for token in tokens)
    assert expected[3] == [] and expected[4] == []

    tokenizer.save(tmp_path)
    saved = json.loads((tmp_path / "tokenizer.json").read_text())
    assert saved["name"] == name
    reloaded = load_tokenizer(tmp_path)
    assert type(reloaded) is type(tokenizer)
    assert [reloaded.tokenize(text) for text in SAMPLES] == expected
    assert reloaded.fingerprint() == tokenizer.fingerprint()

    rebuilt = Tokenizer.from_dict(tokenizer.to_dict(), tokenizer.artifacts())
    assert rebuilt.tokenize_batch(SAMPLES) == expected
    assert pickle.loads(pickle.dumps(tokenizer)).tokenize_batch(SAMPLES) == expected


def test_fingerprint_changes_with_config():
    assert (create_tokenizer("whitespace").fingerprint()
            != create_tokenizer("whitespace", lowercase=True).fingerprint())


def test_bad_option_is_a_user_error():
    with pytest.raises(HansentiError, match="bad options for tokenizer 'whitespace'"):
        create_tokenizer("whitespace", no_such_option=1)


@pytest.mark.parametrize("text, tokens", [
    ("아 더빙.. 진짜 짜증나네요", ["아", "더빙..", "진짜", "짜증나네요"]),
    ("  여러   칸\t띄어쓰기\n", ["여러", "칸", "띄어쓰기"]),
])
def test_whitespace(text, tokens):
    assert create_tokenizer("whitespace").tokenize(text) == tokens


def test_char_drops_spaces_and_controls():
    assert create_tokenizer("char").tokenize("재밌 어\x00요!") == ["재", "밌", "어", "요", "!"]


@pytest.mark.parametrize("text", ["재밌어요", "정말 최고의 영화! 10점", "ㅋㅋ 굿굿 good", "뷁 똠방각하"])
def test_jamo_round_trips(text):
    jamo = create_tokenizer("jamo")
    tokens = jamo.tokenize(text)
    assert all(len(token) == 1 for token in tokens)
    assert jamo.detokenize(tokens) == text


def test_jamo_decomposes_syllables():
    assert create_tokenizer("jamo").tokenize("밌") == ["\u1106", "\u1175", "\u11bb"]


@pytest.mark.parametrize("text, tokens", [
    ("I don't like it.<br /><br />It's BAD... really",
     ["i", "do", "n't", "like", "it", ".", "it", "'s", "bad", "...", "really"]),
    ("A must-see, 10/10!", ["a", "must-see", ",", "10", "/", "10", "!"]),
    ("They'll love <i>this</i>", ["they", "'ll", "love", "this"]),
])
def test_english(text, tokens):
    assert create_tokenizer("english").tokenize(text) == tokens


def test_function_tokenizer_registers_and_saves(tmp_path):
    @register_tokenizer("test-bigrams")
    def bigrams(text: str) -> list[str]:
        """Character bigrams."""
        return [text[i:i + 2] for i in range(len(text) - 1)]

    try:
        tokenizer = create_tokenizer("test-bigrams")
        assert tokenizer.tokenize("영화관") == ["영화", "화관"]
        tokenizer.save(tmp_path)
        assert load_tokenizer(tmp_path).tokenize("좋다") == ["좋다"]
        assert type(tokenizer).description() == "Character bigrams."
    finally:
        tokenizers._objects.pop("test-bigrams")


def test_function_returning_non_strings_is_refused():
    register_tokenizer("test-ints", lambda text: [1, 2])
    try:
        with pytest.raises(HansentiError, match="non-string token"):
            create_tokenizer("test-ints").tokenize("x")
    finally:
        tokenizers._objects.pop("test-ints")


def test_parallel_batch_of_user_code_tokenizer_matches_sequential(tmp_path):
    """Worker processes re-run the user's code file, so its tokenizer exists there too."""
    code = tmp_path / "shout.py"
    code.write_text("from hansenti import register_tokenizer\n"
                    "import os\n"
                    "register_tokenizer('test-shout', lambda t: [w.upper() + str(os.getpid() > 0)"
                    " for w in t.split()])\n")
    load_user_code(code)
    try:
        texts = [f"review {i} number {i % 7}" for i in range(5_000)]
        tokenizer = create_tokenizer("test-shout")
        assert tokenizer.tokenize_batch(texts, n_jobs=2) == tokenizer.tokenize_batch(texts)
        assert tokenizer.tokenize(texts[1]) == ["REVIEWTrue", "1True", "NUMBERTrue", "1True"]
    finally:
        tokenizers._objects.pop("test-shout")


def test_cheap_tokenizers_stay_in_process(monkeypatch):
    import hansenti.tokenizers.base

    monkeypatch.setattr(hansenti.tokenizers.base, "map_in_processes", None)  # would fail if called
    assert create_tokenizer("char").tokenize_batch(["가나"] * 5_000, n_jobs=2)[0] == ["가", "나"]


def test_load_reports_missing_and_corrupt_files(tmp_path):
    with pytest.raises(RunDirError, match="tokenizer.json is missing"):
        load_tokenizer(tmp_path)
    (tmp_path / "tokenizer.json").write_text("{not json")
    with pytest.raises(RunDirError, match="corrupt"):
        load_tokenizer(tmp_path)
    (tmp_path / "tokenizer.json").write_text(json.dumps(
        {"name": "spm", "format": 1, "config": {}, "artifacts": ["spm.model"]}))
    with pytest.raises(RunDirError, match="spm.model is missing"):
        load_tokenizer(tmp_path)


def test_missing_backend_says_what_to_install(monkeypatch):
    cls = tokenizers.get("whitespace")
    monkeypatch.setattr(cls, "requires", ("surely_not_installed_mod",))
    monkeypatch.setattr(cls, "install_hint", "pip install surely-not")
    with pytest.raises(BackendMissingError, match="needs surely_not_installed_mod: pip install"):
        create_tokenizer("whitespace")
