"""``pip install hansenti[predict]`` is enough to score reviews with the default model,
and brings neither TensorFlow nor Java (nor scikit-learn, pandas or SciPy): a fresh virtual
environment is made with that extra alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ABSENT = ("tensorflow", "keras", "jpype", "konlpy", "sklearn", "scipy", "pandas")


@pytest.fixture(scope="module")
def slim(tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("slim") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                                f"{ROOT}[predict]"], capture_output=True, text=True, timeout=900)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return venv


def test_the_slim_install_scores_reviews(slim, tmp_path):
    command = subprocess.run([str(slim / "bin" / "hansenti"), "predict", "정말 재밌고 감동적인 영화였어요",
                              "돈 아깝다 스토리가 산으로 감"], capture_output=True, text=True,
                             cwd=tmp_path, timeout=120)
    assert command.returncode == 0, command.stderr
    labels = [line.split("\t")[0] for line in command.stdout.splitlines()]
    assert labels == ["positive", "negative"]
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("review\n최고의 영화\n최악의 영화\n", encoding="utf-8")
    scored = subprocess.run([str(slim / "bin" / "hansenti"), "predict", "--input", str(reviews),
                             "--column", "review", "--output", str(tmp_path / "out.csv")],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert scored.returncode == 0, scored.stderr
    assert "pred_label" in (tmp_path / "out.csv").read_text(encoding="utf-8")
    api = subprocess.run([str(slim / "bin" / "python"), "-c",
                          "import hansenti; print(hansenti.load().predict(['최고']).shape)"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert api.returncode == 0 and api.stdout.strip() == "(1, 2)", api.stderr


@pytest.mark.parametrize("module", ABSENT)
def test_the_slim_install_has_no_training_stack(slim, module):
    probe = subprocess.run([str(slim / "bin" / "python"), "-c", f"import {module}"],
                           capture_output=True, text=True, timeout=60)
    assert probe.returncode != 0 and "No module named" in probe.stderr
