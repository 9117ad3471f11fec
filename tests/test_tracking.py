"""Runs and studies in MLflow: a real local file store, read back through MLflow's API."""

from __future__ import annotations

import pytest

from hansenti.compare.matrix import PROFILES, Profile

mlflow = pytest.importorskip("mlflow")


def runs_in(store):
    mlflow.set_tracking_uri(f"file:{store}")
    client = mlflow.tracking.MlflowClient()
    experiment = client.get_experiment_by_name("hansenti")
    return client, client.search_runs([experiment.experiment_id])


@pytest.mark.realdata
def test_train_logs_params_epochs_scores_and_the_run_folder(run_cli, mirror, tmp_path,
                                                           monkeypatch):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    store = tmp_path / "mlruns"
    result = run_cli("train", "--mirror", str(mirror), "--corpus", "nsmc", "-t", "whitespace",
                     "-m", "gmp", "--limit", "600", "-p", "epochs=2", "-p", "patience=2",
                     "-p", "embedding_dim=8", "--runs-dir", str(tmp_path / "runs"),
                     "--name", "tracked", "--mlflow", f"file:{store}")
    assert result.exit_code == 0, result.stderr
    client, (run,) = runs_in(store)
    assert run.data.params["tokenizer"] == "whitespace" and run.data.params["model"] == "gmp"
    assert run.data.params["model_options.epochs"] == "2"
    assert 0 < run.data.metrics["test_accuracy"] <= 1
    assert [m.step for m in client.get_metric_history(run.info.run_id, "val_accuracy")] == [1, 2]
    artifacts = {item.path for item in client.list_artifacts(run.info.run_id)}
    assert {"metrics.json", "config.json", "MODEL_CARD.md", "tokenizer"} <= artifacts
    assert "checkpoints" not in artifacts


@pytest.mark.realdata
def test_a_study_is_a_parent_run_with_its_cells_nested(mirror, tmp_path, monkeypatch):
    from hansenti.compare.study import run_study
    from hansenti.runs.tracking import log_study

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.setitem(PROFILES, "tiny", Profile(
        "tiny", "300 NSMC reviews", seeds=1, limit={"nsmc": 300}, maxlen={"nsmc": "mean+2std"},
        model_options={"c_grid": [1.0]}))
    out = tmp_path / "study"
    run_study(["nsmc"], ["whitespace", "char"], ["nblr"], None, "tiny", out, str(mirror))
    parent_id, cells = log_study(out, f"file:{tmp_path / 'mlruns'}")
    _, runs = runs_in(tmp_path / "mlruns")
    nested = [run for run in runs if run.data.tags.get("mlflow.parentRunId") == parent_id]
    assert cells == 2 and len(nested) == 2 and len(runs) == 3
    assert {run.data.tags["mlflow.runName"] for run in nested} == {
        "nsmc/whitespace/nblr/seed1", "nsmc/char/nblr/seed1"}


def test_without_mlflow_the_option_says_what_to_install(run_cli, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "mlflow" else real(name, *a))
    result = run_cli("train", "--corpus", "nsmc", "--mlflow")
    assert result.exit_code == 2 and "pip install 'hansenti[track]'" in result.stderr
