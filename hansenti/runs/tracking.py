"""Finished runs and studies logged to MLflow (``--mlflow [URI]``, the ``track`` extra):
parameters, per-epoch metrics, test and validation scores, and the run folder as
artifacts; a study is a parent run with one nested run per finished cell, so a team can
sort and plot its cells in the MLflow UI. Without a URI: a local file store, ``./mlruns``,
no server needed."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

from ..core.config import TrainConfig
from ..core.errors import HansentiError
from .folder import CHECKPOINT_DIR, HISTORY_FILE, RunDir

DEFAULT_URI = "file:./mlruns"
EXPERIMENT = "hansenti"


def check_available() -> None:
    """Fail before any work when MLflow is not installed."""
    if importlib.util.find_spec("mlflow") is None:
        raise HansentiError("--mlflow needs MLflow: pip install 'hansenti[track]'")


def _mlflow(uri: str):
    check_available()
    import mlflow

    if uri.startswith("file:") or "://" not in uri:
        # MLflow 3 keeps its file store only on request; it is what "no server" means here
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(EXPERIMENT)
    return mlflow


def flat(prefix: str, value: Any) -> dict[str, Any]:
    """Nested dicts as ``a.b`` keys, lists as JSON: what MLflow parameters can hold."""
    if isinstance(value, dict):
        return {key: item for name, sub in value.items()
                for key, item in flat(f"{prefix}.{name}" if prefix else name, sub).items()}
    return {prefix: json.dumps(value) if isinstance(value, (list, tuple)) else value}


def run_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """The run's headline scores."""
    scores = {"test_accuracy": metrics["test"]["accuracy"],
              "test_macro_f1": metrics["test"]["macro_f1"],
              "validation_score": metrics["validation"]["score"],
              "train_seconds": metrics["seconds"]["train"]}
    for name, value in (("vocab_size", metrics.get("vocab_size")),
                        ("parameters", metrics.get("parameters"))):
        if value is not None:
            scores[name] = float(value)
    return scores


def _log_run(mlflow, run_dir: Path, name: str, nested: bool = False) -> str:
    run = RunDir(run_dir)
    config: TrainConfig = run.finished_config()
    metrics = run.metrics()
    with mlflow.start_run(run_name=name, nested=nested) as active:
        params = flat("", {key: value for key, value in config.to_dict().items()
                           if value is not None})
        mlflow.log_params({key: str(value)[:500] for key, value in params.items()})
        mlflow.log_metrics(run_metrics(metrics))
        history = run.path / HISTORY_FILE
        if history.is_file():
            with open(history, newline="", encoding="utf-8") as stream:
                for index, row in enumerate(csv.DictReader(stream), start=1):
                    # an epoch of a network, or one point of nblr's validation grid
                    step = int(row.pop("epoch", index))
                    mlflow.log_metrics({key: number for key, number in
                                        ((key, _number(value)) for key, value in row.items())
                                        if number is not None}, step=step)
        for item in sorted(run.path.iterdir()):
            if item.name == CHECKPOINT_DIR:
                continue
            if item.is_dir():
                mlflow.log_artifacts(str(item), artifact_path=item.name)
            else:
                mlflow.log_artifact(str(item))
        return active.info.run_id


def _number(text: str | None) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def log_run(run_dir: str | Path, uri: str = DEFAULT_URI) -> str:
    """Log one finished run; returns its MLflow run id."""
    return _log_run(_mlflow(uri), Path(run_dir), Path(run_dir).name)


def log_study(out_dir: str | Path, uri: str = DEFAULT_URI) -> tuple[str, int]:
    """Log a study as a parent run (its report and results) with one nested run per
    finished cell; returns the parent's id and how many cells were logged."""
    mlflow = _mlflow(uri)
    out_dir = Path(out_dir)
    with open(out_dir / "results.csv", newline="", encoding="utf-8") as stream:
        rows = [row for row in csv.DictReader(stream) if row["status"] == "done"]
    with mlflow.start_run(run_name=f"study {out_dir.name}") as parent:
        mlflow.log_params({"cells": len(rows), "out": str(out_dir)})
        for name in ("results.csv", "report.md", "report.html", "study.json"):
            if (out_dir / name).is_file():
                mlflow.log_artifact(str(out_dir / name))
        for row in rows:
            _log_run(mlflow, out_dir / row["run_dir"],
                     f"{row['corpus']}/{row['tokenizer']}/{row['model']}/seed{row['seed']}",
                     nested=True)
        return parent.info.run_id, len(rows)
