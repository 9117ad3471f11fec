"""Nothing a user owns is ever lost: output folders and files, run names, checks before a
run is claimed, resuming with the command as typed, Korean encodings, one-line errors on
damaged files, and no pickle from a user's path."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_faults import SMALL_CNN, hansenti, killed

REVIEWS = ["정말 재밌어요 배우 연기 최고", "시간 아깝다 최악의 영화", "그냥 그랬어요 볼만함",
           "감동적인 이야기 추천합니다", "지루하고 뻔한 전개"]


def review_csv(path: Path, rows: int = 50, header: str = "review,movie",
               encoding: str = "utf-8") -> Path:
    lines = [header] + [f"{REVIEWS[i % len(REVIEWS)]} {i},m{i % 3}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


# --- outputs ------------------------------------------------------------------------

def test_analyze_refuses_a_folder_with_the_users_files(run_cli, nblr_run, tmp_path):
    folder = tmp_path / "x"
    folder.mkdir()
    source = review_csv(folder / "reviews.csv")
    (folder / "notes.txt").write_text("keep", encoding="utf-8")
    args = ["analyze", str(nblr_run), "--input", str(source), "--text-column", "review",
            "--output", str(folder)]
    refused = run_cli(*args)
    assert refused.exit_code == 2 and "already holds files" in refused.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "reviews.csv"]

    done = run_cli(*args, "--overwrite")
    assert done.exit_code == 0, done.stderr
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep"
    assert (folder / "reviews.csv").read_text(encoding="utf-8").startswith("review,movie\n")
    assert (folder / "scored.csv").is_file() and (folder / "report.html").is_file()
    again = run_cli(*args, "--overwrite")  # replaces only its own files
    assert again.exit_code == 0, again.stderr
    assert (folder / "notes.txt").is_file() and (folder / "reviews.csv").is_file()


def test_overwrite_never_replaces_a_file_hansenti_did_not_write(run_cli, nblr_run, tmp_path):
    folder = tmp_path / "x"
    folder.mkdir()
    source = review_csv(tmp_path / "reviews.csv")
    (folder / "scored.csv").write_text("mine", encoding="utf-8")
    result = run_cli("analyze", str(nblr_run), "--input", str(source), "--text-column",
                     "review", "--output", str(folder), "--overwrite")
    assert result.exit_code == 2 and "not written by hansenti" in result.stderr
    assert (folder / "scored.csv").read_text(encoding="utf-8") == "mine"
    assert [p.name for p in folder.iterdir()] == ["scored.csv"]  # no staging left either


def test_analyze_output_equal_to_input_is_refused(run_cli, nblr_run, tmp_path):
    source = review_csv(tmp_path / "reviews.csv")
    result = run_cli("analyze", str(nblr_run), "--input", str(source), "--output", str(source),
                     "--text-column", "review", "--overwrite")
    assert result.exit_code == 2
    assert source.read_text(encoding="utf-8").startswith("review,movie\n")


def test_predict_output_never_replaces_the_input_or_an_existing_file(run_cli, nblr_run,
                                                                     tmp_path):
    source = review_csv(tmp_path / "reviews.csv")
    before = source.read_bytes()
    for extra in ([], ["--overwrite"]):
        same = run_cli("predict", str(nblr_run), "--input", str(source), "--column", "review",
                       "--output", str(source), *extra)
        assert same.exit_code == 2 and "is the input file" in same.stderr
    assert source.read_bytes() == before
    existing = tmp_path / "old.csv"
    existing.write_text("mine", encoding="utf-8")
    refused = run_cli("predict", str(nblr_run), "--input", str(source), "--column", "review",
                      "--output", str(existing))
    assert refused.exit_code == 2 and "--overwrite" in refused.stderr
    assert existing.read_text(encoding="utf-8") == "mine"


def test_embed_refuses_a_full_folder_before_training(run_cli, tmp_path):
    (tmp_path / "mine.txt").write_text("keep", encoding="utf-8")
    started = time.perf_counter()
    result = run_cli("embed", "train", "--corpus", "nsmc", "-t", "whitespace", "--out",
                     str(tmp_path))
    assert result.exit_code == 2 and "already holds files" in result.stderr
    assert time.perf_counter() - started < 10
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]


def test_staging_left_by_a_killed_command_is_swept(tmp_path):
    from hansenti.core.outputs import STAGING_TAG, output_folder

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    litter = tmp_path / f".out{STAGING_TAG}{dead}-abc"
    litter.mkdir()
    (litter / "big.tmp").write_bytes(b"x" * 1000)
    with output_folder(tmp_path / "out") as staging:
        (staging / "a.csv").write_text("a", encoding="utf-8")
    assert not litter.exists() and (tmp_path / "out" / "a.csv").is_file()


# --- run names and checks before a run is claimed -----------------------------------

@pytest.mark.parametrize("name", ["../escaped", "/tmp/absolute-run", "a/b", "..", "."])
def test_run_names_cannot_leave_runs_dir(run_cli, tmp_path, name):
    runs = tmp_path / "R" / "inner"
    result = run_cli("train", "--corpus", "nsmc", "-t", "whitespace", "-m", "nblr",
                     "--runs-dir", str(runs), "--name", name)
    assert result.exit_code == 2 and "must be a folder name" in result.stderr
    assert not (tmp_path / "R" / "escaped").exists() and not Path("/tmp/absolute-run").exists()


NBLR = ["train", "--corpus", "nsmc", "-t", "whitespace", "-m", "nblr", "--limit", "600",
        "-p", "c_grid=1.0", "-j", "1"]


@pytest.mark.realdata
@pytest.mark.parametrize("bad, message", [
    (["--validation-fraction", "2"], "--validation-fraction must be between 0 and 1"),
    (["--maxlen", "banana"], "max length policy 'banana'"),
    (["--maxlen", "mean+xstd"], "max length policy"),
])
def test_a_failed_check_claims_no_run_and_the_corrected_command_runs(run_cli, mirror, tmp_path,
                                                                      bad, message):
    args = [*NBLR, "--mirror", str(mirror), "--runs-dir", str(tmp_path), "--name", "run"]
    result = run_cli(*args, *bad)
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "run").exists()
    assert run_cli(*args).exit_code == 0


@pytest.mark.realdata
def test_unwritable_home_and_bad_vectors_are_refused_before_the_run(run_cli, mirror, tmp_path,
                                                                    monkeypatch):
    args = ["train", "--corpus", "nsmc", "-t", "whitespace", "-m", "cnn", "--limit", "600",
            "--mirror", str(mirror), "--runs-dir", str(tmp_path), "--name", "run"]
    home = tmp_path / "home-file"
    home.write_text("not a folder", encoding="utf-8")
    with monkeypatch.context() as patch:
        patch.setenv("HANSENTI_HOME", str(home))
        result = run_cli(*args)
    assert result.exit_code == 2 and "HANSENTI_HOME" in result.stderr
    vectors = tmp_path / "vectors.txt"
    vectors.write_text("3 4\n좋다 1 2\n", encoding="utf-8")
    result = run_cli(*args, "--embeddings", str(vectors))
    assert result.exit_code == 2 and "not a readable vectors file" in result.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.realdata
def test_a_claimed_but_empty_run_restarts_with_corrected_options(run_cli, mirror, tmp_path):
    from hansenti.core.config import TrainConfig

    (tmp_path / "run").mkdir()
    TrainConfig(model="nblr", validation_fraction=0.9).save(tmp_path / "run" / "config.json")
    result = run_cli(*NBLR, "--mirror", str(mirror), "--runs-dir", str(tmp_path), "--name",
                     "run")
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "run" / "config.json").read_text())["validation_fraction"] \
        == 0.1


def data_file(path: Path, mirror: Path, rows: int = 1500) -> Path:
    lines = (mirror / "nsmc" / "ratings_train.txt").read_text(encoding="utf-8").splitlines()
    body = [line.split("\t") for line in lines[1:rows + 1]]
    path.write_text("review,stars\n" + "".join(
        f"\"{text}\",{'5' if label == '1' else '1'}\n" for _, text, label in body),
        encoding="utf-8")
    return path


@pytest.mark.realdata
@pytest.mark.faults
@pytest.mark.parametrize("source", ["corpus", "data"])
def test_resume_takes_the_command_exactly_as_typed(source, session_home, mirror, tmp_path):
    if source == "corpus":
        command = ["train", *SMALL_CNN]
    else:
        command = ["train", "--data", str(data_file(tmp_path / "mine.csv", mirror)),
                   "--text-column", "review", "--label-column", "stars", "--labels",
                   "1=negative,5=positive", *SMALL_CNN[2:]]
    command += ["--runs-dir", str(tmp_path / "runs"), "--name", "run"]
    first = hansenti(*command, home=session_home, mirror=mirror, fault="train.epoch_saved@1")
    assert killed(first), first.stderr[-500:]
    again = hansenti(*command, "--resume", home=session_home, mirror=mirror)
    assert again.returncode == 0, again.stderr[-800:]
    assert (tmp_path / "runs" / "run" / "metrics.json").is_file()


# --- encodings ------------------------------------------------------------------------

def test_a_cp949_file_names_its_encoding_and_reads_with_it(run_cli, nblr_run, tmp_path):
    source = review_csv(tmp_path / "windows.csv", 2000, header="리뷰,영화", encoding="cp949")
    args = ["predict", str(nblr_run), "--input", str(source), "--column", "리뷰"]
    result = run_cli(*args, "--output", str(tmp_path / "a.csv"))
    assert result.exit_code == 2
    assert "CP949" in result.stderr and "--encoding cp949" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "a.csv").exists()
    result = run_cli(*args, "--output", str(tmp_path / "b.csv"), "--encoding", "cp949")
    assert result.exit_code == 0, result.stderr
    assert "scored 2,000 reviews" in result.stdout
    assert (tmp_path / "b.csv").read_text(encoding="utf-8").startswith("리뷰,영화,pred_label")


def test_an_excel_bom_is_read_transparently(run_cli, nblr_run, tmp_path):
    source = review_csv(tmp_path / "excel.csv", encoding="utf-8-sig")
    assert source.read_bytes().startswith(b"\xef\xbb\xbf")
    result = run_cli("predict", str(nblr_run), "--input", str(source), "--column", "review",
                     "--output", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").startswith("review,movie,")


def test_a_mostly_unreadable_file_fails_and_says_which_share(run_cli, nblr_run, tmp_path):
    source = tmp_path / "sparse.csv"
    source.write_text("review,movie\n" + "".join(f",m{i}\n" for i in range(90))
                      + "".join(f"좋아요 {i},m\n" for i in range(10)), encoding="utf-8")
    out = tmp_path / "analysis"
    result = run_cli("analyze", str(nblr_run), "--input", str(source), "--text-column",
                     "review", "--output", str(out))
    assert result.exit_code == 2 and "90 of 100 rows (90.0%)" in result.stderr
    assert not out.exists()
    allowed = run_cli("analyze", str(nblr_run), "--input", str(source), "--text-column",
                      "review", "--output", str(out), "--max-skipped", "0.95")
    assert allowed.exit_code == 0, allowed.stderr


# --- damaged files: one line and exit 2 ---------------------------------------------

def test_damaged_gzip_inputs_are_one_line(run_cli, nblr_run, tmp_path):
    whole = gzip.compress(("text\n" + "".join(f"정말 좋은 영화 {i} 배우 연기\n"
                                              for i in range(20_000))).encode())
    truncated = tmp_path / "cut.tsv.gz"
    truncated.write_bytes(whole[: len(whole) * 2 // 3])
    not_gzip = tmp_path / "plain.tsv.gz"
    not_gzip.write_text("text\n좋다\n", encoding="utf-8")
    for source in (truncated, not_gzip):
        result = run_cli("predict", str(nblr_run), "--input", str(source), "--output",
                         str(tmp_path / f"{source.name}.csv"))
        assert result.exit_code == 2, result.output
        assert len(result.stderr.strip().splitlines()) == 1 and "gzip" in result.stderr
        assert not (tmp_path / f"{source.name}.csv").exists()


def damaged_copy(run: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    return copy


@pytest.mark.parametrize("damage", [
    ("nblr.npz", lambda data: data[: len(data) // 2]),
    ("vocab.json", lambda data: data[:-1] if data[-1:] != b"\n" else data[:21]),
    ("config.json", lambda data: b"[]"),
    ("config.json", lambda data: b"null"),
    ("metrics.json", lambda data: data[: len(data) // 2]),
    ("calibration.json", lambda data: b'{"temperature": "hot"}'),
])
def test_a_damaged_run_file_is_named_in_one_line(run_cli, nblr_run, tmp_path, damage):
    name, cut = damage
    run = damaged_copy(nblr_run, tmp_path)
    if name == "vocab.json":  # cut in the middle of a Korean character
        data = (run / name).read_bytes()
        at = data.index("요".encode()) + 1
        (run / name).write_bytes(data[:at])
    else:
        (run / name).write_bytes(cut((run / name).read_bytes()))
    result = run_cli("predict", str(run), "좋아요")
    assert result.exit_code == 2, result.output
    assert name in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_package_of_a_run_with_truncated_metrics_is_one_line(run_cli, nblr_run, tmp_path):
    run = damaged_copy(nblr_run, tmp_path)
    (run / "metrics.json").write_bytes((run / "metrics.json").read_bytes()[:100])
    result = run_cli("package", str(run), "--name", "x-model", "--out", str(tmp_path / "d"))
    assert result.exit_code == 2 and "metrics.json" in result.stderr


@pytest.mark.realdata
def test_evaluate_refuses_a_damaged_test_id_list(run_cli, mirror, tmp_path):
    data = data_file(tmp_path / "mine.csv", mirror, 600)
    train = run_cli("train", "--data", str(data), "--text-column", "review", "--label-column",
                    "stars", "-t", "whitespace", "-m", "nblr", "-p", "c_grid=1.0",
                    "--runs-dir", str(tmp_path), "--name", "run", "-j", "1")
    assert train.exit_code == 0, train.stderr
    ids = tmp_path / "run" / "test_ids.txt"
    text = ids.read_text(encoding="utf-8")
    ids.write_text(text[: len(text) // 2], encoding="utf-8")
    result = run_cli("evaluate", str(tmp_path / "run"))
    assert result.exit_code == 2 and "test_ids.txt is damaged" in result.stderr


def test_a_file_in_the_way_of_runs_dir_is_one_line(run_cli, tmp_path, mirror):
    blocker = tmp_path / "runs"
    blocker.write_text("a file", encoding="utf-8")
    result = run_cli(*NBLR, "--mirror", str(mirror), "--runs-dir", str(blocker / "inner"))
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1


# --- no pickle from a user's path ---------------------------------------------------

def test_gensim_pickles_need_trust_and_glove_text_loads(run_cli, tmp_path):
    from gensim.models import KeyedVectors

    from hansenti.embeddings.vectors import TRUST_PICKLE_ENV, load_vectors

    vectors = KeyedVectors(vector_size=3)
    vectors.add_vectors(["좋다", "싫다"], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    vectors.save(str(tmp_path / "v.kv"))
    refused = run_cli("embed", "similar", str(tmp_path / "v.kv"), "좋다")
    assert refused.exit_code == 2 and "--trust-pickle" in refused.stderr
    trusted = run_cli("embed", "similar", "--trust-pickle", str(tmp_path / "v.kv"), "좋다")
    os.environ.pop(TRUST_PICKLE_ENV, None)
    assert trusted.exit_code == 0 and trusted.stdout.startswith("좋다: 싫다")
    glove = tmp_path / "glove.txt"
    glove.write_text("좋다 1.0 0.0 0.5\n싫다 0.0 1.0 0.5\n영화 0.5 0.5 0.5\n", encoding="utf-8")
    loaded = load_vectors(glove)
    assert loaded.vector_size == 3 and len(loaded) == 3 and "영화" in loaded
    similar = run_cli("embed", "similar", str(glove), "좋다")  # as word2vec's text files
    assert similar.exit_code == 0 and similar.stdout.startswith("좋다: 영화")


# --- long text is linear ------------------------------------------------------------

def test_a_huge_one_line_file_is_scored_in_linear_time(run_cli, nblr_run, tmp_path):
    line = ("정말 재밌는 영화였어요 배우들 연기도 최고 " * 1_000_000)[:20_000_000]
    source = tmp_path / "one-line.txt"
    source.write_text(line + "\n", encoding="utf-8")
    megabytes = source.stat().st_size / 1e6
    started = time.perf_counter()
    result = run_cli("predict", str(nblr_run), "--input", str(source), "--output",
                     str(tmp_path / "out.csv"))
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.stderr
    assert seconds / megabytes < 2.0, f"{seconds:.1f} s for {megabytes:.0f} MB"


def test_pieces_of_a_long_text_cost_linear_time():
    from hansenti.core.text import pieces

    text = "가나다라 " * 2_000_000  # 10 M characters
    started = time.perf_counter()
    joined = "".join(pieces(text))
    assert time.perf_counter() - started < 5
    assert joined.replace(" ", "") == text.replace(" ", "")
