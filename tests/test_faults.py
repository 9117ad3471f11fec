"""Faults survived: every long command killed outright (SIGKILL, through the fail points
of hansenti.core.faults) at several places, then run again, ends with what an uninterrupted
run gives, and nothing half-written is ever read as good. A full disk is one line."""

from __future__ import annotations

import filecmp
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from hansenti.core.faults import FAULT_ENV

pytestmark = [pytest.mark.realdata, pytest.mark.faults]

SMALL_CNN = ["--corpus", "nsmc", "-t", "whitespace", "-m", "cnn", "--limit", "1500",
             "-p", "epochs=3", "-p", "patience=3", "-p", "filters=16", "-p", "embedding_dim=16",
             "-j", "1"]


def hansenti(*args: str, home: Path, mirror: Path, fault: str | None = None,
             cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The command line in a process group of its own (a SIGKILL must not take pytest
    along); whatever it leaves behind (worker processes of a killed command) is killed
    with it, as a power cut would."""
    env = {**os.environ, "HANSENTI_HOME": str(home), "HANSENTI_MIRROR": str(mirror),
           "PYTHONHASHSEED": "0"}
    env.pop(FAULT_ENV, None)
    if fault:
        env[FAULT_ENV] = fault
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen([sys.executable, "-m", "hansenti", *args], env=env, cwd=cwd,
                                   stdout=out, stderr=err, text=True, start_new_session=True)
        try:
            code = process.wait(timeout=600)
        finally:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(process.args, code, out.read(), err.read())


def killed(result: subprocess.CompletedProcess) -> bool:
    return result.returncode == -signal.SIGKILL


@pytest.fixture(scope="module")
def reference(tmp_path_factory, session_home, mirror) -> Path:
    """The small CNN trained without interruption."""
    runs = tmp_path_factory.mktemp("fault-runs")
    result = hansenti("train", *SMALL_CNN, "--runs-dir", str(runs), "--name", "reference",
                      home=session_home, mirror=mirror)
    assert result.returncode == 0, result.stderr
    return runs / "reference"


def same_run(run_dir: Path, reference_dir: Path) -> None:
    mine, theirs = (json.loads((d / "metrics.json").read_text()) for d in (run_dir, reference_dir))
    assert mine["test"] == theirs["test"]
    assert mine["validation_accuracy"] == theirs["validation_accuracy"]
    assert mine["best"] == theirs["best"]
    with np.load(run_dir / "predictions.npz") as a, np.load(reference_dir / "predictions.npz") as b:
        np.testing.assert_allclose(a["test"], b["test"], atol=1e-6)
    assert not (run_dir / "checkpoints").exists()


@pytest.mark.parametrize("fault", ["train.epoch_saved@2", "train.epoch_committed@1",
                                   "atomic.before_replace@4", "train.before_metrics"])
def test_train_killed_anywhere_resumes_to_the_same_model(fault, reference, session_home,
                                                         mirror, tmp_path):
    first = hansenti("train", *SMALL_CNN, "--runs-dir", str(tmp_path), "--name", "run",
                     home=session_home, mirror=mirror, fault=fault)
    assert killed(first), (first.returncode, first.stderr[-500:])
    unfinished = hansenti("predict", str(tmp_path / "run"), "좋다", home=session_home,
                          mirror=mirror)
    assert unfinished.returncode == 2 and "unfinished" in unfinished.stderr
    again = hansenti("train", "--resume", "--runs-dir", str(tmp_path), "--name", "run",
                     "-j", "1", home=session_home, mirror=mirror)
    assert again.returncode == 0, again.stderr
    same_run(tmp_path / "run", reference)


COMPARE = ["compare", "--corpus", "nsmc", "-t", "whitespace", "-t", "char", "-m", "nblr",
           "--profile", "quick", "-j", "1"]
EMBED = ["embed", "train", "--corpus", "nsmc", "-t", "whitespace", "--dim", "8", "--epochs", "2",
         "--cbow", "--min-count", "5", "-j", "1"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, reference, session_home, mirror):
    """Each command's output folder from a run never interrupted, made once."""
    made: dict[str, Path] = {}

    def whole(name: str, args: list[str], option: str = "--out") -> Path:
        if name not in made:
            out = tmp_path_factory.mktemp(f"whole-{name}") / "out"
            result = hansenti(*args, option, str(out), home=session_home, mirror=mirror)
            assert result.returncode == 0, result.stderr
            made[name] = out
        return made[name]

    return whole


def results_table(out: Path) -> list[tuple[str, ...]]:
    lines = (out / "results.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    keep = [header.index(name) for name in ("corpus", "tokenizer", "model", "seed", "status",
                                            "test_accuracy")]
    return [tuple(line.split(",")[i] for i in keep) for line in lines[1:]]


@pytest.mark.parametrize("fault", ["compare.cell_done@1", "atomic.before_replace@8"])
def test_compare_killed_reruns_to_the_same_table(fault, uninterrupted, session_home, mirror,
                                                 tmp_path):
    whole = uninterrupted("compare", COMPARE)
    first = hansenti(*COMPARE, "--out", str(tmp_path / "cut"), home=session_home,
                     mirror=mirror, fault=fault)
    assert killed(first), (first.returncode, first.stderr[-500:])
    again = hansenti(*COMPARE, "--out", str(tmp_path / "cut"), home=session_home, mirror=mirror)
    assert again.returncode == 0, again.stderr
    assert results_table(tmp_path / "cut") == results_table(whole)
    assert len(results_table(whole)) == 2


@pytest.fixture(scope="module")
def review_file(tmp_path_factory, mirror) -> Path:
    """3,000 NSMC test reviews as a TSV file to analyse."""
    lines = (mirror / "nsmc" / "ratings_test.txt").read_text(encoding="utf-8").splitlines()
    source = tmp_path_factory.mktemp("reviews") / "reviews.tsv"
    source.write_text("\n".join(["id\ttext"] + [f"{i}\t{line.split(chr(9))[1]}"
                                                for i, line in enumerate(lines[1:3001])]) + "\n",
                      encoding="utf-8")
    return source


@pytest.mark.parametrize("fault", ["analyze.batch@3", "atomic.before_replace@2"])
def test_analyze_killed_leaves_nothing_and_reruns_the_same(fault, reference, review_file,
                                                          uninterrupted, session_home, mirror,
                                                          tmp_path):
    args = ["analyze", str(reference), "--input", str(review_file), "--batch-size", "500"]
    whole = uninterrupted("analyze", args, "--output")
    first = hansenti(*args, "--output", str(tmp_path / "cut"), home=session_home,
                     mirror=mirror, fault=fault)
    assert killed(first) and not (tmp_path / "cut").exists()
    again = hansenti(*args, "--output", str(tmp_path / "cut"), home=session_home, mirror=mirror)
    assert again.returncode == 0, again.stderr
    for name in ("scored.csv", "summary.csv", "extremes.csv", "aspects.csv"):
        assert filecmp.cmp(tmp_path / "cut" / name, whole / name, shallow=False)


@pytest.mark.parametrize("fault", ["embed.epoch@2", "atomic.before_replace@1"])
def test_embed_killed_leaves_nothing_and_reruns_the_same(fault, uninterrupted, session_home,
                                                        mirror, tmp_path):
    whole = uninterrupted("embed", EMBED)
    first = hansenti(*EMBED, "--out", str(tmp_path / "cut"), home=session_home, mirror=mirror,
                     fault=fault)
    assert killed(first) and not (tmp_path / "cut").exists()
    again = hansenti(*EMBED, "--out", str(tmp_path / "cut"), home=session_home, mirror=mirror)
    assert again.returncode == 0, again.stderr
    assert filecmp.cmp(tmp_path / "cut" / "vectors.txt", whole / "vectors.txt", shallow=False)


@pytest.mark.parametrize("fault", ["distil.labels_written", "atomic.before_replace@1"])
def test_distil_killed_is_refused_until_redone(fault, reference, uninterrupted, session_home,
                                               mirror, tmp_path):
    from hansenti.core.errors import HansentiError
    from hansenti.training.pseudo_labels import LABELS_FILE, load_pseudo_labels

    args = ["distil", str(reference), "--limit", "400", "-j", "1"]
    whole = uninterrupted("distil", args)
    first = hansenti(*args, "--out", str(tmp_path / "cut"), home=session_home, mirror=mirror,
                     fault=fault)
    assert killed(first)
    with pytest.raises(HansentiError):  # an incomplete folder is never read as good
        load_pseudo_labels(tmp_path / "cut")
    again = hansenti(*args, "--out", str(tmp_path / "cut"), home=session_home, mirror=mirror)
    assert again.returncode == 0, again.stderr
    assert filecmp.cmp(tmp_path / "cut" / LABELS_FILE, whole / LABELS_FILE, shallow=False)


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs (root only); skipped where mounting is not allowed."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs",
                              str(mount_point)], capture_output=True)
    if mounted.returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=True)


def test_full_disk_while_fetching_is_one_line_and_keeps_earlier_files(small_disk, run_cli,
                                                                       mirror, monkeypatch):
    monkeypatch.setenv("HANSENTI_HOME", str(small_disk))
    earlier = small_disk / "earlier.txt"
    earlier.write_text("kept")
    result = run_cli("corpora", "fetch", "nsmc", "--mirror", str(mirror))
    assert result.exit_code == 2
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "no space left" in error and "Traceback" not in result.stderr
    assert earlier.read_text() == "kept"
    assert not list(small_disk.rglob("ratings_train.txt"))  # nothing half-copied kept


def test_full_disk_while_training_is_one_line_and_resumable(small_disk, run_cli, mirror,
                                                            session_home):
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (3_900 * 1024))  # leave ~100 KB: the first model will not fit
    args = ["train", *SMALL_CNN, "--mirror", str(mirror), "--runs-dir", str(small_disk),
            "--name", "full"]
    result = run_cli(*args)
    assert result.exit_code == 2, result.stderr
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "no space left" in error and "Traceback" not in result.stderr
    assert json.loads((small_disk / "full" / "config.json").read_text())["model"] == "cnn"
    filler.unlink()
    resumed = run_cli("train", "--resume", "--runs-dir", str(small_disk), "--name", "full",
                      "--mirror", str(mirror), "-j", "1")
    assert resumed.exit_code == 0, resumed.stderr
    assert (small_disk / "full" / "metrics.json").is_file()
