"""Settings as typed values and as files: every run writes run.toml, ``--config`` reads it
back (with command-line options and ``--set`` on top), and the options of ``hansenti
train`` are generated from TrainConfig's fields."""

from __future__ import annotations

import dataclasses
import json
import tomllib

import pytest

from hansenti.core.config import TrainConfig
from hansenti.core.data_spec import DataSpec

SMALL = ["--corpus", "nsmc", "-t", "whitespace", "-m", "nblr", "--limit", "600", "-p",
         "c_grid=[1.0]", "--seed", "3", "-j", "1"]


def test_every_setting_is_an_option_of_train():
    from hansenti.cli.train import train_command

    options = {param.name for param in train_command.params}
    fields = {field.name for field in dataclasses.fields(TrainConfig)} - {"corpus", "data"}
    assert fields <= options


def test_a_config_with_data_is_typed_and_round_trips_through_toml(tmp_path):
    data = tmp_path / "reviews.csv"
    data.write_text("text,label\n좋다,pos\n", encoding="utf-8")
    config = TrainConfig(corpus="reviews", data=DataSpec(train=str(data), labels="pos=positive",
                                                         exclude=("nsmc:test",)),
                         model_options={"units": 64, "kernel_sizes": [3, 4]}, limit=100)
    (tmp_path / "run.toml").write_text(config.to_toml(), encoding="utf-8")
    again = TrainConfig.from_toml(tmp_path / "run.toml")
    assert again.as_saved() == config.as_saved() and isinstance(again.data, DataSpec)
    assert again.data.exclude == ("nsmc:test",)
    changed = TrainConfig.from_toml(tmp_path / "run.toml", ["seed=7", "model_options.units=8",
                                                            "data.labels=pos=good"])
    assert (changed.seed, changed.model_options["units"], changed.data.labels) == (
        7, 8, "pos=good")


@pytest.mark.realdata
def test_config_round_trips_a_run(run_cli, mirror, tmp_path):
    first = run_cli("train", *SMALL, "--mirror", str(mirror), "--runs-dir", str(tmp_path),
                    "--name", "first")
    assert first.exit_code == 0, first.stderr
    settings = tomllib.loads((tmp_path / "first" / "run.toml").read_text(encoding="utf-8"))
    assert settings["seed"] == 3 and settings["model_options"] == {"c_grid": [1.0]}
    again = run_cli("train", "--config", str(tmp_path / "first" / "run.toml"), "--mirror",
                    str(mirror), "--runs-dir", str(tmp_path), "--name", "again", "-j", "1")
    assert again.exit_code == 0, again.stderr

    def saved(name: str) -> tuple[dict, dict]:
        return (json.loads((tmp_path / name / "config.json").read_text()),
                json.loads((tmp_path / name / "metrics.json").read_text())["test"])

    assert saved("again") == saved("first")
    other = run_cli("train", "--config", str(tmp_path / "first" / "run.toml"), "-t", "char",
                    "--set", "seed=4", "--mirror", str(mirror), "--runs-dir", str(tmp_path),
                    "--name", "other", "-j", "1")
    assert other.exit_code == 0, other.stderr
    config = json.loads((tmp_path / "other" / "config.json").read_text())
    assert (config["tokenizer"], config["seed"], config["limit"]) == ("char", 4, 600)


@pytest.mark.parametrize("args, message", [
    (["--config", "no-such.toml"], "config file no-such.toml does not exist"),
    (["--set", "seed"], "write KEY=VALUE"),
    (["--set", "colour=blue"], "unknown option(s) colour"),
])
def test_bad_settings_are_one_line(run_cli, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run_cli("train", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_compare_reads_its_settings_file(run_cli, tmp_path):
    settings = tmp_path / "study.toml"
    settings.write_text('corpus = ["no-such-corpus"]\nmodel = ["nblr"]\n', encoding="utf-8")
    result = run_cli("compare", "--config", str(settings), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "no-such-corpus" in result.stderr
    settings.write_text('colour = "blue"\n', encoding="utf-8")
    result = run_cli("compare", "--config", str(settings))
    assert result.exit_code == 2 and "unknown setting(s) colour" in result.stderr
