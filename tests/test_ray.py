"""--executor ray on a real local Ray (two CPUs, no mocks): the same study rows and the
same analysis as the local executor, failed cells recorded, Ray missing said in one line."""

from __future__ import annotations

import csv
import json
import sys

import pytest

from hansenti.compare.study import run_study
from hansenti.core.ray_cluster import keep_jvm_signal_handlers

ray = pytest.importorskip("ray")

CRASHING_TOKENIZER = '''
import os
from hansenti import register_tokenizer
from hansenti.tokenizers.base import Tokenizer

class Crashing(Tokenizer):
    """Kills its process, as the OOM killer would."""

    def tokenize(self, text):
        os._exit(9)

register_tokenizer("crashing", Crashing, exist_ok=True)
'''


@pytest.fixture(scope="module")
def local_ray():
    keep_jvm_signal_handlers()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level="ERROR")
    yield ray
    ray.shutdown()


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


COMPARED = ("corpus", "tokenizer", "model", "seed", "status", "vocab_size", "tokens_per_doc",
            "test_oov_rate", "maxlen", "validation_accuracy", "test_accuracy", "run_dir")


@pytest.mark.realdata
def test_a_study_on_ray_gives_the_local_rows(local_ray, tiny_profile, mirror, tmp_path):
    pytest.importorskip("keras")
    tokenizers = ["whitespace", "char", "spm:vocab_size=1000,character_coverage=0.98"]
    matrix = (["nsmc"], tokenizers, ["nblr", "cnn"], 1, "tiny")
    run_study(*matrix, tmp_path / "local", mirror=str(mirror), jobs=1)
    run_study(*matrix, tmp_path / "ray", mirror=str(mirror), executor="ray")
    local, on_ray = (read_csv(tmp_path / name / "results.csv") for name in ("local", "ray"))
    assert len(local) == len(on_ray) == 6
    for row, ray_row in zip(local, on_ray):
        assert row["status"] == "done" == ray_row["status"]
        exact = COMPARED if row["model"] == "nblr" else COMPARED[:9]
        assert {k: row[k] for k in exact} == {k: ray_row[k] for k in exact}
        assert float(ray_row["test_accuracy"]) == pytest.approx(float(row["test_accuracy"]),
                                                                abs=0.03)
    local_ensembles, ray_ensembles = (read_csv(tmp_path / name / "ensembles.csv")
                                      for name in ("local", "ray"))
    assert [(r["seed"], r["members"]) for r in ray_ensembles] == [("1", "6")]
    assert ray_ensembles[0]["members"] == local_ensembles[0]["members"]
    assert "6 of 6 finished" in (tmp_path / "ray" / "report.md").read_text(encoding="utf-8")
    # a second invocation reads every finished cell back: nothing is trained again
    metrics = sorted((tmp_path / "ray" / "runs").rglob("metrics.json"))
    written = [path.stat().st_mtime_ns for path in metrics]
    run_study(*matrix, tmp_path / "ray", mirror=str(mirror), executor="ray")
    assert read_csv(tmp_path / "ray" / "results.csv") == on_ray
    assert [path.stat().st_mtime_ns for path in metrics] == written


@pytest.mark.realdata
def test_a_crashed_cell_is_recorded_and_the_rest_finish(local_ray, tiny_profile, mirror,
                                                        tmp_path):
    from hansenti.core.user_code import load_user_code

    code = tmp_path / "crashing.py"
    code.write_text(CRASHING_TOKENIZER, encoding="utf-8")
    load_user_code(code)  # the driver's user code is run in every task too
    run_study(["nsmc"], ["crashing", "whitespace"], ["nblr"], 1, "tiny", tmp_path / "study",
              mirror=str(mirror), executor="ray")
    rows = {row["tokenizer"]: row for row in read_csv(tmp_path / "study" / "results.csv")}
    assert rows["whitespace"]["status"] == "done"
    assert rows["crashing"]["status"] == "failed"
    assert "died" in rows["crashing"]["reason"] or "crash" in rows["crashing"]["reason"].lower()
    assert "\n" not in rows["crashing"]["reason"]


@pytest.mark.realdata
def test_a_tuned_study_searches_each_cell_once_on_validation(local_ray, tiny_profile, mirror,
                                                             tmp_path):
    pytest.importorskip("keras")
    from hansenti.compare.tuning import chosen_trial

    matrix = (["nsmc"], ["char"], ["nblr", "cnn"], 1, "tiny", tmp_path / "study")
    run_study(*matrix, mirror=str(mirror), tune=True, trials=2)
    rows = {row["model"]: row for row in read_csv(tmp_path / "study" / "results.csv")}
    assert set(rows) == {"nblr", "cnn", "nblr-tuned", "cnn-tuned"}
    assert all(row["status"] == "done" for row in rows.values())
    searches = json.loads((tmp_path / "study" / "study.json").read_text())["searches"]
    assert set(searches) == {"tuning/nsmc/char/nblr-tuned", "tuning/nsmc/char/cnn-tuned"}
    for model in ("nblr", "cnn"):
        search = searches[f"tuning/nsmc/char/{model}-tuned"]
        assert len(search["trials"]) == 2 and search["cpu_seconds"] > 0
        assert all(trial["epoch_seconds"] > 0 for trial in search["trials"])
        assert [trial["fixed"] for trial in search["trials"]].count(True) == 1
        assert any(trial["settings"] == search["fixed"] for trial in search["trials"])
        chosen = chosen_trial(search["trials"], search["budget"]["cost_ratio"])
        assert search["chosen"] == chosen["settings"]  # chosen on validation
        assert json.loads(rows[f"{model}-tuned"]["settings"]) == search["chosen"]
        assert rows[model]["settings"] == ""
    assert set(searches["tuning/nsmc/char/cnn-tuned"]["chosen"]) >= {"maxlen", "learning_rate",
                                                                     "filters"}
    report = (tmp_path / "study" / "report.md").read_text()
    assert "Fixed settings against tuned" in report and "## Cost" in report
    saved = tmp_path / "study" / "tuning" / "nsmc" / "char" / "cnn-tuned" / "search.json"
    stamp = saved.stat().st_mtime_ns
    run_study(*matrix, mirror=str(mirror), tune=True, trials=2)  # finished: read back
    assert saved.stat().st_mtime_ns == stamp


@pytest.fixture(scope="module")
def review_folder(tmp_path_factory, mirror):
    """600 real NSMC test reviews as a TSV, and the same rows split over a CSV, a TSV and a
    JSON-lines file (with one row without text in each)."""
    folder = tmp_path_factory.mktemp("reviews")
    with open(mirror / "nsmc" / "ratings_test.txt", encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split("\t") for line in handle][1:601]
    whole = ["id\tdocument\tlabel", *("\t".join(row) for row in rows)]
    (folder / "whole.tsv").write_text("\n".join(whole) + "\n", encoding="utf-8")
    parts = folder / "parts"
    parts.mkdir()
    first, second, third = rows[:200], rows[200:400], rows[400:]
    with open(parts / "a.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows([["id", "document", "label"], *first, ["x", "", "1"]])
    (parts / "b.tsv").write_text("\n".join(["id\tdocument\tlabel",
                                            *("\t".join(row) for row in second)]) + "\n",
                                 encoding="utf-8")
    (parts / "c.jsonl").write_text("".join(
        json.dumps({"id": i, "document": d, "label": g}, ensure_ascii=False) + "\n"
        for i, d, g in third), encoding="utf-8")
    return folder


@pytest.mark.realdata
def test_analyze_on_ray_of_many_files_summarises_as_local(local_ray, review_folder, run_cli,
                                                          tmp_path):
    local = run_cli("analyze", "--input", str(review_folder / "whole.tsv"), "--text-column",
                    "document", "--group-column", "label", "--output", str(tmp_path / "local"),
                    "ko-nsmc-mecab-nblr")
    assert local.exit_code == 0, local.stderr
    on_ray = run_cli("analyze", "--input", str(review_folder / "parts"), "--text-column",
                     "document", "--group-column", "label", "--output", str(tmp_path / "ray"),
                     "--executor", "ray", "ko-nsmc-mecab-nblr")
    assert on_ray.exit_code == 0, on_ray.stderr
    assert "600 reviews scored in 2 group(s)" in on_ray.stdout and "1 rows skipped" in on_ray.stdout
    summary = read_csv(tmp_path / "local" / "summary.csv")
    assert read_csv(tmp_path / "ray" / "summary.csv") == summary

    def extremes(name):
        return sorted((r["group"], r["side"], r["probability"])
                      for r in read_csv(tmp_path / name / "extremes.csv"))

    assert extremes("ray") == extremes("local")
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    tables = [pyarrow_parquet.read_table(path) for path in (tmp_path / "ray" / "parts").iterdir()]
    assert sum(table.num_rows for table in tables) == 600
    assert {"source_file", "document", "label", "pred_label", "pred_probability",
            "pred_p_positive", "pred_known"} <= set(
        tables[0].column_names)
    assert "a.csv:" in (tmp_path / "ray" / "report.html").read_text(encoding="utf-8")


@pytest.mark.realdata
def test_one_big_file_leaves_the_read_stage_in_many_blocks(local_ray, mirror, tmp_path):
    """Ray Data would gather one read task's rows into a 128 MiB block that one actor
    scores alone: a single file must reach every actor."""
    from hansenti.inference.ray_scoring import (
        BLOCK_BYTES,
        ray_data_settings,
        review_rows,
    )

    path = tmp_path / "train.tsv"
    path.write_bytes((mirror / "nsmc" / "ratings_train.txt").read_bytes()[:4 * BLOCK_BYTES])
    context = local_ray.data.DataContext.get_current()
    before = context.target_max_block_size
    with ray_data_settings(local_ray):
        rows = review_rows(local_ray, [path], ["train.tsv"], "document", None, 2_000)
        blocks = rows.materialize()
    assert blocks.num_blocks() >= 3
    assert context.target_max_block_size == before


@pytest.mark.realdata
def test_predict_on_ray_writes_csv_parts(local_ray, review_folder, run_cli, tmp_path):
    result = run_cli("predict", "--input", str(review_folder / "parts" / "*.tsv"), "--column",
                     "document", "--output", str(tmp_path / "scored"), "--executor", "ray",
                     "--part-format", "csv", "--batch-size", "64")
    assert result.exit_code == 0, result.stderr
    assert "scored 200 reviews" in result.stdout
    parts = sorted((tmp_path / "scored" / "parts").glob("part-*.csv"))
    assert len(parts) >= 3  # batches of 64
    rows = [row for part in parts for row in read_csv(part)]
    assert len(rows) == 200 and {row["source_file"] for row in rows} == {"b.tsv"}
    assert all(row["pred_label"] in ("negative", "positive") for row in rows)


@pytest.mark.parametrize("args", [
    ["compare", "--executor", "ray", "--corpus", "nsmc", "-t", "whitespace", "-m", "nblr"],
    ["compare", "--tune", "--corpus", "nsmc", "-t", "whitespace", "-m", "nblr"],
    ["predict", "--executor", "ray", "--input", "x.csv", "--output", "out"],
])
def test_without_ray_the_executor_says_what_to_install(run_cli, monkeypatch, tmp_path, args):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.csv").write_text("text\n좋다\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "ray", None)
    result = run_cli(*args)
    assert result.exit_code == 2
    assert 'needs Ray: pip install "hansenti[ray]"' in result.stderr
    assert ("--tune" in args) == result.stderr.startswith("error: --tune")


def test_a_folder_needs_the_ray_executor(run_cli, tmp_path):
    result = run_cli("predict", "--input", str(tmp_path), "--output", str(tmp_path / "o.csv"))
    assert result.exit_code == 2 and "needs --executor ray" in result.stderr
