"""One way to name each thing: corpus references, tokenizer references and options, one
--jobs, CLI defaults from TrainConfig, and --resume refusing options that disagree."""

from __future__ import annotations

import click
import pytest

from hansenti.cli import cli
from hansenti.core.config import TrainConfig
from hansenti.core.errors import HansentiError
from hansenti.corpora import CorpusReference, referenced_ids
from hansenti.corpora.references import open_tokenizer, parse_options
from hansenti.runs.folder import RunDir
from hansenti.training.trainer import train


@pytest.mark.parametrize("text, name, splits", [
    ("nsmc", "nsmc", ()), ("nsmc:test", "nsmc", ("test",)),
    ("imdb:train+unsup", "imdb", ("train", "unsup")), (" imdb : unsup ", "imdb", ("unsup",)),
])
def test_corpus_references_parse(text, name, splits):
    reference = CorpusReference.parse(text)
    assert (reference.name, reference.splits) == (name, splits)
    assert CorpusReference.parse(str(reference)) == reference


@pytest.mark.parametrize("text", ["", ":test", "nsmc:", "nsmc:train+", "imdb:+unsup"])
def test_bad_corpus_references_say_how_to_write_one(text):
    with pytest.raises(HansentiError, match=r"CORPUS:SPLIT\[\+SPLIT"):
        CorpusReference.parse(text)


@pytest.mark.realdata
def test_a_reference_reads_the_splits_it_names(mirror):
    test_ids = referenced_ids(CorpusReference.parse("nsmc:test"), mirror)
    assert len(test_ids) == 50_000  # empty documents included
    with pytest.raises(HansentiError, match="nsmc has no split 'dev'"):
        referenced_ids(CorpusReference.parse("nsmc:dev"), mirror)


def test_options_are_json_when_they_can_be():
    assert parse_options(["stem=true", "vocab_size=8000", "model_type=bpe", "k=[3, 4]"]) == {
        "stem": True, "vocab_size": 8000, "model_type": "bpe", "k": [3, 4]}
    with pytest.raises(HansentiError, match="'stem' is not KEY=VALUE"):
        parse_options(["stem"])


def test_open_tokenizer_takes_a_name_or_a_saved_folder(tmp_path):
    open_tokenizer("whitespace", {"lowercase": True}).save(tmp_path)
    assert open_tokenizer(tmp_path).tokenize("A b") == ["a", "b"]
    with pytest.raises(HansentiError, match="is a saved tokenizer: drop its options"):
        open_tokenizer(tmp_path, {"lowercase": False})


def test_a_tokenizer_is_never_fitted_on_test():
    with pytest.raises(HansentiError, match="never fitted on a test split"):
        open_tokenizer("char", fit_on="nsmc:train+test")


def test_every_command_has_the_same_jobs_option():
    defaults = {}

    def visit(command: click.Command, path: str) -> None:
        for parameter in command.params:
            if parameter.name == "jobs":
                defaults[path] = (tuple(parameter.opts), parameter.default)
        for name, sub in getattr(command, "commands", {}).items():
            visit(sub, f"{path} {name}")

    visit(cli, "hansenti")
    assert len(defaults) >= 10 and len(set(defaults.values())) == 1, defaults


def test_train_defaults_are_the_config_defaults():
    command = cli.commands["train"]
    defaults = TrainConfig()
    for parameter in command.params:
        if parameter.name in TrainConfig.__dataclass_fields__ and parameter.name not in (
                "corpus", "data", "tokenizer_options", "model_options"):
            assert parameter.default == getattr(defaults, parameter.name), parameter.name


def test_resume_refuses_options_that_disagree(tmp_path, run_cli):
    run = tmp_path / "runs" / "r"
    started = TrainConfig(tokenizer="whitespace", model="nblr", seed=3)
    RunDir(run).start(started)  # an interrupted run: config saved, no metrics
    with pytest.raises(HansentiError, match=r"seed 4 \(saved: 3\)"):
        train(TrainConfig(tokenizer="whitespace", model="nblr", seed=4), run, resume=True)
    result = run_cli("train", "--runs-dir", str(tmp_path / "runs"), "--name", "r",
                     "--resume", "-t", "char")
    assert result.exit_code == 2
    assert "tokenizer 'char' (saved: 'whitespace')" in result.stderr
    assert "seed" not in result.stderr  # options not given are not compared
