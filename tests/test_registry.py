"""The registry: decorator and call forms, duplicates, unknown names, entry points."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from hansenti.core.errors import HansentiError, UnknownNameError
from hansenti.core.registry import Registry
from hansenti.tokenizers.base import create_tokenizer, tokenizers


def test_register_as_decorator_and_as_call():
    registry: Registry[object] = Registry("thing")

    @registry.register("a")
    def make_a():
        return "a"

    registry.register("b", str.upper)
    assert registry.get("a") is make_a
    assert registry.get("b") is str.upper
    assert registry.names() == ["a", "b"]


def test_duplicate_name_is_refused_unless_asked():
    registry: Registry[object] = Registry("thing")
    registry.register("x", len)
    with pytest.raises(HansentiError, match="already registered"):
        registry.register("x", abs)
    registry.register("x", abs, exist_ok=True)
    assert registry.get("x") is abs


def test_registering_the_same_object_twice_is_harmless():
    registry: Registry[object] = Registry("thing")
    registry.register("x", len)
    registry.register("x", len)
    assert registry.get("x") is len


def test_unknown_name_lists_the_known_ones():
    registry: Registry[object] = Registry("thing")
    registry.register("alpha", len)
    registry.register("beta", abs)
    with pytest.raises(UnknownNameError, match="unknown thing 'gamma'; known: alpha, beta"):
        registry.get("gamma")


def test_builtin_tokenizers_come_through_entry_points():
    names = tokenizers.names()
    for name in ("whitespace", "char", "jamo", "english", "okt", "mecab", "kiwi", "spm",
                 "mecab-spm"):
        assert name in names
    assert "whitespace" in tokenizers._discover()


def _install_fake_distribution(root: Path, module: str, entry_name: str) -> None:
    """A throw-away distribution: a module plus a dist-info declaring its entry point."""
    (root / f"{module}.py").write_text(textwrap.dedent('''
        from hansenti.tokenizers.base import Tokenizer

        class ReverseTokenizer(Tokenizer):
            """Words reversed, from a third-party package."""

            def tokenize(self, text):
                return [word[::-1] for word in text.split()]
    '''))
    dist_info = root / f"{module}-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(
        f"[hansenti_tokenizers]\n{entry_name} = {module}:ReverseTokenizer\n")


@pytest.fixture
def third_party(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    module = "hansenti_fake_plugin"
    _install_fake_distribution(tmp_path, module, "reverse")
    monkeypatch.syspath_prepend(str(tmp_path))
    tokenizers.refresh()
    yield module
    sys.modules.pop(module, None)
    tokenizers._objects.pop("reverse", None)
    tokenizers.refresh()


def test_third_party_entry_point_is_found_and_loaded_only_when_asked(third_party):
    assert "reverse" in tokenizers.names()
    assert third_party not in sys.modules  # listed, not imported
    tokenizer = create_tokenizer("reverse")
    assert third_party in sys.modules
    assert tokenizer.tokenize("abc de") == ["cba", "ed"]
    assert tokenizer.to_dict()["name"] == "reverse"


def test_third_party_tokenizer_works_from_the_cli(third_party, run_cli):
    result = run_cli("tokenize", "--tokenizer", "reverse", "영화 좋다")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "화영 다좋"


def test_broken_entry_point_gives_a_one_line_error(tmp_path, monkeypatch):
    dist_info = tmp_path / "broken_plugin-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken_plugin\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(
        "[hansenti_tokenizers]\nbroken = no_such_module_xyz:Thing\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    tokenizers.refresh()
    try:
        with pytest.raises(HansentiError, match="'broken' .* failed to load"):
            tokenizers.get("broken")
    finally:
        tokenizers.refresh()
