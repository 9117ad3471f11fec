"""Ensembles of finished runs: weights from the shared validation split, test scored once."""

from __future__ import annotations

import json

import pytest

from hansenti.core.config import TrainConfig
from hansenti.core.errors import HansentiError
from hansenti.training.ensemble import STACK_C, ensemble


@pytest.mark.realdata
def test_ensemble_of_two_runs(trained_run, nblr_run, mirror, tmp_path, run_cli, above):
    result = run_cli("ensemble", str(trained_run[0]), str(nblr_run), "--out",
                     str(tmp_path / "ens"), "--mirror", str(mirror), "-j", "1")
    assert result.exit_code == 0, result.stderr
    saved = json.loads((tmp_path / "ens" / "ensemble.json").read_text(encoding="utf-8"))
    assert saved["method"] in ("stack", "mean") and len(saved["members"]) == 2
    # the stacker's C is the first of the best in cross-validation on validation
    by_c = [saved["stack_cv_by_C"][str(c)] for c in STACK_C]
    assert saved["stack_C"] == STACK_C[by_c.index(max(by_c))]
    assert saved["validation_accuracy"]["stack_cv"] == max(by_c)
    assert f"cross-validated at C={saved['stack_C']:g}" in result.stdout
    assert saved["test"]["examples"] == 3_000
    above("ensemble test accuracy", saved["test"]["accuracy"], 0.65)
    best_member = max(m["validation_accuracy"] for m in saved["members"])
    assert max(saved["validation_accuracy"].values()) > best_member - 0.02


@pytest.mark.realdata
def test_members_must_share_the_validation_split(trained_run, tmp_path, mirror):
    from hansenti.training.trainer import train

    other = tmp_path / "other-seed"
    train(TrainConfig(corpus="nsmc", tokenizer="whitespace", model="nblr", limit=9_000, seed=7,
                      model_options={"c_grid": [1.0]}), other, mirror=str(mirror))
    with pytest.raises(HansentiError, match="must share corpus, seed"):
        ensemble([trained_run[0], other], tmp_path / "ens", str(mirror))
    with pytest.raises(HansentiError, match="at least two runs"):
        ensemble([trained_run[0]], tmp_path / "ens", str(mirror))


@pytest.mark.realdata
def test_saved_predictions_are_the_runs_own(trained_run, nblr_run, tmp_path, mirror):
    import shutil

    import numpy as np

    from hansenti.runs.folder import PREDICTIONS_FILE

    with np.load(trained_run[0] / PREDICTIONS_FILE) as saved:
        assert len(saved["validation_ids"]) == len(saved["validation"]) == 900
        assert len(saved["test"]) == 3_000
        test_accuracy = (saved["test"].argmax(axis=1) == _test_labels(mirror)).mean()
    assert test_accuracy == pytest.approx(trained_run[1]["test"]["accuracy"])

    # a run from before predictions were saved is predicted again, to the same result
    old_run = tmp_path / "old-nblr"
    shutil.copytree(nblr_run, old_run)
    (old_run / PREDICTIONS_FILE).unlink()
    from_saved = ensemble([trained_run[0], nblr_run], tmp_path / "a", str(mirror))
    predicted = ensemble([trained_run[0], old_run], tmp_path / "b", str(mirror))
    assert predicted["test"]["accuracy"] == pytest.approx(from_saved["test"]["accuracy"], abs=1e-6)


def _test_labels(mirror):
    from hansenti.training.splits import labels_of, load_splits

    _, test = load_splits(TrainConfig(corpus="nsmc", limit=9_000), str(mirror))
    return labels_of(test)
