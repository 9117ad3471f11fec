"""Shared fixtures: an isolated HANSENTI_HOME, the real corpora mirror, a CLI runner."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from hansenti.cli import cli
from hansenti.core.paths import HOME_ENV
from hansenti.corpora import MIRROR_ENV

REPO = Path(__file__).resolve().parent.parent


def _mirror_path() -> Path | None:
    candidate = Path(os.environ.get(MIRROR_ENV) or REPO.parent / "shared" / "corpora")
    return candidate if (candidate / "nsmc" / "ratings_train.txt").is_file() else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that start Ray in this process run last: Ray's driver installs its own
    SIGSEGV handler, and a JVM started earlier (Okt) relies on SIGSEGV for its safepoints
    — an Okt test after them once crashed the whole run."""
    items.sort(key=lambda item: item.path.name == "test_ray.py")


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the whole run, so the real corpora are copied and extracted once."""
    return tmp_path_factory.mktemp("hansenti-home")


@pytest.fixture(autouse=True)
def isolated_home(session_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the user's real cache or depends on their mirror variable."""
    monkeypatch.setenv(HOME_ENV, str(session_home))
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    return session_home


@pytest.fixture(scope="session")
def mirror() -> Path:
    path = _mirror_path()
    if path is None:
        pytest.skip("no corpora mirror: set HANSENTI_MIRROR or put ../shared/corpora beside")
    return path


@pytest.fixture
def run_cli():
    """Invoke the CLI in-process; returns click's Result (stdout and stderr apart)."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, mirror, session_home):
    """whitespace + cnn on 9,000 NSMC reviews (8,100 fit / 900 validation / 3,000 test),
    shared by the tests that need a finished run."""
    pytest.importorskip("keras")
    from hansenti.core.config import TrainConfig
    from hansenti.training.trainer import train

    os.environ["HANSENTI_HOME"] = str(session_home)
    run_dir = tmp_path_factory.mktemp("runs") / "small-cnn"
    config = TrainConfig(corpus="nsmc", tokenizer="whitespace", model="cnn", limit=9_000,
                         model_options={"epochs": 4, "patience": 1, "embedding_dim": 64,
                                        "filters": 64})
    metrics = train(config, run_dir, mirror=str(mirror))
    return run_dir, metrics


@pytest.fixture(scope="session")
def nblr_run(trained_run, tmp_path_factory, mirror):
    """An nblr run on the same 9,000 NSMC reviews and seed as ``trained_run``."""
    from hansenti.core.config import TrainConfig
    from hansenti.training.trainer import train

    run_dir = tmp_path_factory.mktemp("runs") / "small-nblr"
    train(TrainConfig(corpus="nsmc", tokenizer="char", model="nblr", limit=9_000,
                      model_options={"ngram_max": 3, "c_grid": [1.0]}), run_dir,
          mirror=str(mirror))
    return run_dir


#: bench/flaky.py sets it to a file that collects every measured value of a threshold check
MEASURES_ENV = "HANSENTI_TEST_MEASURES"


@pytest.fixture
def above(request):
    """``above(name, value, threshold)`` asserts ``value > threshold`` and, under
    bench/flaky.py, records the value so repeated runs show each check's margin."""

    def check(name: str, value: float, threshold: float) -> None:
        path = os.environ.get(MEASURES_ENV)
        if path:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps({"test": request.node.nodeid, "check": name,
                                         "value": float(value), "threshold": threshold}) + "\n")
        assert value > threshold, f"{name} = {value:.4f}, not above {threshold}"

    return check


@pytest.fixture
def tiny_profile(monkeypatch):
    """A study profile of 300 NSMC reviews and one small epoch, as PROFILES["tiny"]."""
    from hansenti.compare.matrix import PROFILES, Profile

    profile = Profile("tiny", "300 NSMC reviews, 1 epoch", seeds=2, limit={"nsmc": 300},
                      maxlen={"nsmc": "mean+2std"},
                      model_options={"epochs": 1, "filters": 8, "embedding_dim": 8})
    monkeypatch.setitem(PROFILES, "tiny", profile)
    return profile
