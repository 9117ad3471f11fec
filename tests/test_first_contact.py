"""What a new user meets first: any review on the command line, their own columns kept, one
answer per review whatever the route, calibrated probabilities, ``unsure``, and a word when
the text is unlike anything the model saw."""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pytest

LONG_REVIEW = " ".join(["정말 재밌고 감동적인 영화였어요"] * 6)  # 107 characters, 275 bytes


def test_a_review_longer_than_a_file_name_is_a_text(run_cli):
    assert len(LONG_REVIEW.encode()) > 255
    result = run_cli("predict", LONG_REVIEW)
    assert result.exit_code == 0, result.stderr
    label, probability, text = result.stdout.strip().split("\t")
    assert label == "positive" and text == LONG_REVIEW and 0.5 < float(probability) <= 1


@pytest.mark.parametrize("texts", [["별로/최악이에요"], [".. 그냥 그래요"], ["--", "-_- 재미없다"],
                                   ["\udcff 깨진 글자"]])
def test_odd_texts_are_texts_not_paths(run_cli, texts):
    result = run_cli("predict", *texts)
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 1


def test_every_known_model_name_still_resolves(run_cli):
    from hansenti.inference.predictor import Predictor

    result = run_cli("predict", "ko-nsmc-mecab-nblr", "재밌어요")
    assert result.exit_code == 0 and result.stdout.count("\t") == 2
    assert Predictor().name == Predictor("ko-nsmc-mecab-nblr").name == "ko-nsmc-mecab-nblr"


def test_input_columns_are_never_overwritten(run_cli, nblr_run, tmp_path):
    source = tmp_path / "labelled.tsv"
    source.write_text("id\tdocument\tlabel\tprobability\tp_positive\n"
                      "1\t정말 최고의 영화\tgold-pos\t0.25\tmine\n"
                      "2\t시간 아까운 최악\tgold-neg\t0.75\tmine\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run_cli("predict", str(nblr_run), "--input", str(source), "--column", "document",
                     "--output", str(out))
    assert result.exit_code == 0, result.stderr
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0])
    assert header[:5] == ["id", "document", "label", "probability", "p_positive"]
    assert header[5:] == ["pred_label", "pred_probability", "pred_p_negative",
                          "pred_p_positive", "pred_known"]
    assert [row["label"] for row in rows] == ["gold-pos", "gold-neg"]
    assert [row["probability"] for row in rows] == ["0.25", "0.75"]
    assert [row["id"] for row in rows] == ["1", "2"]
    clash = run_cli("predict", str(nblr_run), "--input", str(out), "--column", "document",
                    "--output", str(tmp_path / "again.csv"))
    assert clash.exit_code == 2 and "column 'pred_label'" in clash.stderr
    assert "--prefix" in clash.stderr
    other = run_cli("predict", str(nblr_run), "--input", str(out), "--column", "document",
                    "--output", str(tmp_path / "again.csv"), "--prefix", "v2_")
    assert other.exit_code == 0, other.stderr


@pytest.mark.realdata
def test_one_review_gets_one_answer_whatever_the_route(run_cli, nblr_run, tmp_path):
    import hansenti

    review = ("배우들 연기는 좋았지만 이야기가 너무 길고 지루했다 " * 1200)[:33_600]
    source = tmp_path / "long.jsonl"
    source.write_text(json.dumps({"text": review}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert run_cli("predict", str(nblr_run), "--input", str(source), "--output",
                   str(out)).exit_code == 0
    with open(out, encoding="utf-8", newline="") as handle:
        row = next(csv.DictReader(handle))
    direct = hansenti.load(nblr_run).predict([review])[0]
    assert float(row["pred_p_negative"]) == pytest.approx(direct[0], abs=1e-6)
    tokenizer = hansenti.load(nblr_run).tokenizer
    assert tokenizer.tokenize(review) == tokenizer.tokenize_batch([review])[0]


def test_the_length_bound_is_in_the_tokenizer_contract():
    from hansenti import Tokenizer, create_tokenizer
    from hansenti.core.text import DEFAULT_MAX_CHARS

    class Counting(Tokenizer):
        def tokenize(self, text: str) -> list[str]:
            return [str(len(text))]

    text = "가" * (DEFAULT_MAX_CHARS * 3)
    bounded = Counting().tokenize(text)
    assert DEFAULT_MAX_CHARS - 2 <= int(bounded[0]) <= DEFAULT_MAX_CHARS
    assert Counting().tokenize_batch([text]) == [bounded]
    assert Counting().tokenize(text, bounded=False) == [str(len(text))]
    assert len(create_tokenizer("char").tokenize(text)) <= DEFAULT_MAX_CHARS


def test_a_broken_installed_model_is_reported_once_and_others_work(tmp_path, monkeypatch,
                                                                   caplog):
    from hansenti.core.plugins import installed_models
    from hansenti.core.registry import _report_once
    from hansenti.runs.installed import installed_runs, resolve_run

    dist = tmp_path / "broken_model-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-model\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[hansenti_models]\nbroken = no_such_module:RUN\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    installed_models.refresh()
    _report_once.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="hansenti"):
            found = installed_runs()
            installed_runs()
    finally:
        installed_models.refresh()
    assert "ko-nsmc-mecab-nblr" in found and "broken" not in found
    broken = [r for r in caplog.records if "'broken'" in r.getMessage()]
    assert len(broken) == 1 and "\n" not in broken[0].getMessage()
    assert resolve_run(None).is_dir()


def test_temperature_scaling_calibrates_an_overconfident_model():
    from hansenti.core.calibration import Calibration, expected_calibration_error

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 4000)
    # right 75% of the time, but always 97% sure
    right = rng.random(4000) < 0.75
    predicted = np.where(right, labels, 1 - labels)
    probabilities = np.where(predicted[:, None] == np.arange(2), 0.97, 0.03)
    calibration = Calibration.fit(probabilities[:2000], labels[:2000])
    assert calibration.temperature > 1
    before = expected_calibration_error(probabilities[2000:], labels[2000:])
    after = expected_calibration_error(calibration.apply(probabilities[2000:]), labels[2000:])
    assert before > 0.15 and after < 0.03
    np.testing.assert_array_equal(calibration.apply(probabilities).argmax(1),
                                  probabilities.argmax(1))


@pytest.mark.realdata
def test_a_new_run_records_its_calibration_and_familiarity(nblr_run):
    metrics = json.loads((nblr_run / "metrics.json").read_text(encoding="utf-8"))
    calibration = metrics["calibration"]
    assert calibration["fitted_on"] == "validation" and calibration["temperature"] > 0
    assert 0 <= calibration["test_ece"]["after"] < 0.1
    assert [row["min_confidence"] for row in calibration["test_coverage"]][:2] == [0.5, 0.6]
    assert calibration["test_coverage"][0]["coverage"] == 1.0
    assert 0.8 < metrics["familiarity"]["known_token_share_mean"] <= 1
    assert (nblr_run / "reliability.png").stat().st_size > 1000
    card = (nblr_run / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "expected calibration error on test" in card


@pytest.mark.realdata
def test_min_confidence_labels_the_rest_unsure(run_cli, nblr_run):
    import hansenti

    sure = run_cli("predict", str(nblr_run), "정말 최고의 영화 감동", "--min-confidence", "0.5")
    assert sure.stdout.split("\t")[0] in ("positive", "negative")
    unsure = run_cli("predict", str(nblr_run), "그냥 그래요", "--min-confidence", "1.0")
    assert unsure.exit_code == 0 and unsure.stdout.startswith("unsure\t")
    predictor = hansenti.load(nblr_run, min_confidence=0.999)
    assert predictor.score(["그냥 그래요"]).labels == ["unsure"]


def test_english_into_a_korean_model_gets_a_warning(run_cli):
    run = "ko-nsmc-mecab-nblr"
    # (NSMC holds some English reviews: "What a boring waste of time" is all known words)
    english = run_cli("predict", run, "This movie was absolutely wonderful",
                      "Honestly the plot dragged and the ending disappointed everyone")
    assert english.exit_code == 0
    warning = [line for line in english.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and "2 of 2 texts (100%) are less familiar" in warning[0]
    korean = run_cli("predict", run, "정말 재밌는 영화 배우 연기 최고", "시간 아까운 최악의 영화")
    assert korean.exit_code == 0 and "less familiar" not in korean.stderr


@pytest.mark.realdata
def test_the_service_reports_calibrated_answers_and_familiarity(nblr_run):
    import threading

    from hansenti.inference.predictor import Predictor
    from hansenti.inference.serve import predictions

    reply = predictions(Predictor(nblr_run), {"texts": ["정말 최고", "Totally boring film"]},
                        threading.Lock())
    assert [p["known"] is not None for p in reply["predictions"]] == [True, True]
    assert "known" in reply["predictions"][0] and "warning" in reply


def test_a_megabyte_through_every_tokenizer_is_quick():
    from test_robustness import BIG_TEXT, ready
    from test_tokenizer import builtin_names

    slow = {}
    for name in builtin_names():
        tokenizer = ready(name)
        tokenizer.tokenize("준비 운동")  # a JVM or a dictionary loads on first use
        started = time.perf_counter()
        tokenizer.tokenize(BIG_TEXT)
        seconds = time.perf_counter() - started
        if seconds > 2.0:
            slow[name] = round(seconds, 2)
    assert not slow, slow


def test_worker_processes_die_with_their_parent(tmp_path):
    import os
    import signal
    import subprocess

    script = tmp_path / "pool.py"
    script.write_text(
        "import time\n"
        "from hansenti.tokenizers.base import create_tokenizer\n"
        "if __name__ == '__main__':\n"
        "    create_tokenizer('mecab').tokenize_batch(['가나다 좋아요'] * 5000, n_jobs=2)\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(60)\n", encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout.readline().strip() == "ready"
    children = [int(path.name) for path in Path("/proc").iterdir() if path.name.isdigit()
                and _parent(path) == process.pid]
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() and
                                              _parent(Path(f"/proc/{pid}")) is not None
                                              for pid in children):
        time.sleep(0.2)
    alive = [pid for pid in children if _parent(Path(f"/proc/{pid}")) is not None]
    assert not alive


def _parent(proc: Path) -> int | None:
    """The parent pid of a live (not zombie) process, else None."""
    try:
        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else int(fields[1])


def test_a_mistyped_run_folder_is_scored_as_a_text_with_a_note(run_cli):
    result = run_cli("predict", "runs/no-such-run", "재밌어요")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 2
    assert "note: runs/no-such-run is not a run folder" in result.stderr


@pytest.mark.realdata
def test_a_refit_measures_familiarity_on_held_out_reviews(mirror, tmp_path):
    """The refit's vocabulary has seen the validation reviews: what a held-out review's
    known share looks like is measured before it, as in the same run without a refit."""
    from hansenti.core.config import TrainConfig
    from hansenti.training.trainer import train

    config = TrainConfig(corpus="nsmc", tokenizer="whitespace", model="nblr", limit=3_000,
                         model_options={"c_grid": [1.0]})
    plain = train(config, tmp_path / "plain", mirror=str(mirror))
    refit = train(dataclasses.replace(config, refit=True), tmp_path / "refit",
                  mirror=str(mirror))
    assert refit["familiarity"] == plain["familiarity"]
    # whitespace tokens: many words of a held-out review are unseen
    assert refit["familiarity"]["known_token_share_mean"] < 0.95
