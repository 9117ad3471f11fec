"""The command line: happy paths and every user error ending in one line and exit code 2."""

from __future__ import annotations

import textwrap

import pytest


def test_tokenizers_lists_names_and_backends(run_cli):
    result = run_cli("tokenizers")
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert {"whitespace", "char", "jamo", "english", "okt", "mecab", "kiwi", "spm"} <= set(lines)
    assert "installed" in lines["jamo"]


def test_tokenize_jamo_round_trips(run_cli):
    result = run_cli("tokenize", "--tokenizer", "jamo", "--roundtrip", "재밌어요")
    assert result.exit_code == 0
    tokens_line, roundtrip_line = result.stdout.splitlines()
    assert len(tokens_line.split()) == 9
    assert roundtrip_line == "→ 재밌어요  (exact)"


def test_tokenize_reads_stdin_and_writes_json(run_cli):
    result = run_cli("tokenize", "-t", "whitespace", "--json", input="좋은 영화\n나쁜 영화\n")
    assert result.stdout.splitlines() == ['["좋은", "영화"]', '["나쁜", "영화"]']


def test_unknown_tokenizer_lists_known_names_and_exits_2(run_cli):
    result = run_cli("tokenize", "--tokenizer", "nope", "x")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "unknown tokenizer 'nope'; known: char, english, jamo" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args, message", [
    (["tokenize", "-t", "whitespace", "-o", "nokey"], "is not KEY=VALUE"),
    (["tokenize", "-t", "whitespace", "-o", "color=red", "x"], "bad options for tokenizer"),
    (["tokenize", "-t", "char", "--roundtrip", "x"], "not reversible"),
    (["tokenize", "-t", "spm", "x"], "must be trained first: add --fit"),
    (["tokenize", "--code", "missing_file.py", "-t", "x", "y"], "missing_file.py"),
    (["corpora", "info", "nope"], "unknown corpus 'nope'; known: imdb, naver-reviews, nsmc"),
    (["corpora", "fetch", "nsmc", "--mirror", "/no/such/folder"], "does not exist"),
])
def test_user_errors_exit_2_with_one_line(run_cli, args, message):
    result = run_cli(*args)
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_user_code_file_registers_a_tokenizer(run_cli, tmp_path):
    code = tmp_path / "my_tok.py"
    code.write_text(textwrap.dedent('''
        from hansenti import register_tokenizer

        @register_tokenizer("test-syllable-pairs")
        def pairs(text):
            """Pairs of syllables."""
            text = text.replace(" ", "")
            return [text[i:i + 2] for i in range(0, len(text), 2)]
    '''))
    result = run_cli("tokenize", "--code", str(code), "-t", "test-syllable-pairs", "재밌는 영화")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "재밌 는영 화"
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('oops')\n")
    result = run_cli("tokenize", "--code", str(broken), "-t", "whitespace", "x")
    assert result.exit_code == 2
    assert "broken.py failed: RuntimeError: oops" in result.stderr


def test_corpora_list(run_cli):
    result = run_cli("corpora", "list")
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.stdout.splitlines() if not line.startswith(" ")] \
        == ["imdb", "naver-reviews", "nsmc"]


@pytest.mark.realdata
def test_corpora_info_nsmc(run_cli, mirror):
    result = run_cli("corpora", "info", "nsmc", "--mirror", str(mirror))
    assert result.exit_code == 0, result.stderr
    assert "train: 150,000 rows, 149,996 documents (4 empty skipped)" in result.stdout
    assert "test: 50,000 rows, 49,998 documents (2 empty skipped)" in result.stdout
    assert "negative 75,004 (50.0%)  positive 74,992 (50.0%)" in result.stdout
    assert "  whitespace " in result.stdout and "  char " in result.stdout


@pytest.mark.realdata
def test_corpora_info_imdb_with_english(run_cli, mirror):
    result = run_cli("corpora", "info", "imdb", "-t", "english", "--mirror", str(mirror))
    assert result.exit_code == 0, result.stderr
    assert "train: 25,000 rows, 25,000 documents" in result.stdout
    assert "negative 12,500 (50.0%)  positive 12,500 (50.0%)" in result.stdout
    assert "unsup: 50,000 rows, 50,000 documents" in result.stdout


@pytest.mark.realdata
def test_spm_fit_from_the_cli_is_cached(run_cli, mirror, session_home):
    args = ["tokenize", "-t", "spm", "-o", "vocab_size=2000", "--fit", "nsmc",
            "--mirror", str(mirror), "영화 정말 재밌어요"]
    first = run_cli(*args)
    assert first.exit_code == 0, first.stderr
    assert first.stdout.startswith("▁영화 ▁정말")
    assert len(list((session_home / "tokenizers").iterdir())) >= 1
    second = run_cli(*args)
    assert second.stdout == first.stdout
    assert "reusing fitted spm" in second.stderr


@pytest.mark.realdata
def test_commands_that_load_keras_are_quiet_unless_verbose(trained_run):
    """TensorFlow's start-up lines (absl, oneDNN, cudart, cuInit) go to file descriptor 2
    from C++; hansenti holds them back unless -v."""
    import subprocess
    import sys

    chatter = ("absl::", "oneDNN", "cudart", "cuInit", "cuda_")
    quiet = subprocess.run([sys.executable, "-m", "hansenti", "predict", str(trained_run[0]),
                            "정말 재밌어요"], capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.count("\n") == 1
    assert not [line for line in quiet.stderr.splitlines() if any(c in line for c in chatter)]
    loud = subprocess.run([sys.executable, "-m", "hansenti", "-v", "predict",
                           str(trained_run[0]), "정말 재밌어요"], capture_output=True,
                          text=True, timeout=300)
    assert loud.returncode == 0 and loud.stdout == quiet.stdout
