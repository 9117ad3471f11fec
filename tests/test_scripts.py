"""The example scripts run on the mirrored corpora (on a slice, to stay quick)."""

from __future__ import annotations

import runpy
import sys

import pytest
from conftest import REPO


@pytest.mark.realdata
@pytest.mark.parametrize("script, expected", [
    ("crawl_vs_ratings.py", "movie level: Pearson r = "),
    ("polarising_movies.py", "most divided:"),
])
def test_script_runs(script, expected, trained_run, mirror, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [script, str(trained_run[0]), "--limit", "3000",
                                      "--min-reviews", "5", "--mirror", str(mirror),
                                      "--jobs", "1"])
    runpy.run_path(str(REPO / "scripts" / script), run_name="__main__")
    assert expected in capsys.readouterr().out
