"""Model options are checked before any work: type, range, and whether the model reads
them; a mistake is one line and exit code 2 at the command line."""

from __future__ import annotations

import pytest

from hansenti.core.config import NBLROptions, NetworkOptions, TrainConfig, checked_options
from hansenti.core.errors import HansentiError
from hansenti.models import models
from hansenti.models.base import accepted_options


@pytest.mark.parametrize("model, options, message", [
    ("cnn", {"filters": "abc"}, "option filters must be an integer, not 'abc'"),
    ("lstm", {"units": -5}, "option units must be at least 1, not -5"),
    ("cnn", {"units": "abc"}, "model cnn does not take option(s) units; it takes:"),
    ("gmp", {"filters": 8}, "model gmp does not take option(s) filters"),
    ("cnn", {"dropout": 1.5}, "option dropout must be between 0 and 0.99"),
    ("bilstm", {"pooling": "mean"}, "option pooling must be one of last, max"),
    ("cnn", {"kernel_sizes": "3,x"}, "option kernel_sizes must be a list of integers"),
    ("cnn", {"kernel_sizes": [0, 3]}, "option kernel_sizes must be a list of integers"),
    ("cnn", {"epochs": True}, "option epochs must be an integer, not True"),
    ("cnn", {"learning_rate": "fast"}, "option learning_rate must be a number"),
    ("nblr", {"c_grid": []}, "option c_grid must be a list of one or more numbers"),
    ("nblr", {"ngram_max": 0}, "option ngram_max must be between 1 and 6"),
    ("nblr", {"units": 3}, "model nblr does not take option(s) units; it takes: alpha, c_grid"),
])
def test_bad_options_are_refused_before_training(model, options, message):
    with pytest.raises(HansentiError) as error:
        models.get(model)(TrainConfig(model=model, model_options=options))
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_good_options_are_converted():
    options = checked_options(NetworkOptions, {"kernel_sizes": "2,3", "learning_rate": 1,
                                               "units": 16}, "lstm")
    assert options.kernel_sizes == (2, 3) and options.learning_rate == 1.0
    assert checked_options(NBLROptions, {"c_grid": 0.5}, "nblr").c_grid == (0.5,)
    assert checked_options(NBLROptions, {"c_grid": [1, 2]}, "nblr").c_grid == (1.0, 2.0)


def test_every_model_says_which_options_it_reads():
    assert "filters" in accepted_options("cnn") and "units" not in accepted_options("cnn")
    assert "units" in accepted_options("bilstm") and "kernel_sizes" not in accepted_options("gru")
    assert set(accepted_options("nblr")) == {"ngram_max", "char_ngram_max", "min_df", "c_grid", "alpha"}


@pytest.mark.parametrize("args", [
    ("-m", "cnn", "-p", "filters=abc"),
    ("-m", "lstm", "-p", "units=-5"),
    ("-m", "cnn", "-p", "units=abc"),
])
def test_cli_refuses_bad_options_in_one_line(run_cli, tmp_path, args):
    result = run_cli("train", "--corpus", "nsmc", "-t", "whitespace", *args,
                     "--runs-dir", str(tmp_path), "--name", "bad")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: model ")
    assert not (tmp_path / "bad").exists()  # nothing was claimed or written
