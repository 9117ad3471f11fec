"""bench/ is a package of recipes: every benchmark starts (``--help``: its imports and
options are sound), and every one runs for real on a tiny slice, writing its results and
runs into scratch folders, never into bench/results/: most alone, and the three that build
on a study and on each other (single -> ensemble -> distil) in order, on a study of 600
reviews made here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: modules of bench/ that are libraries or tools, not benchmarks
LIBRARIES = {"__init__", "publish", "recipe", "load_client", "keep"}
BENCHMARKS = sorted(path.stem for path in (ROOT / "bench").glob("*.py")
                    if path.stem not in LIBRARIES)
#: a real run on a tiny slice: the arguments, and the result file it must write
TINY = {
    "default_model": (["--limit", "600"], "default_model-partial.json"),
    "train": (["--limit", "600", "--only", "nsmc-mecab-nblr"], "train-partial.json"),
    "ngrams": (["--limit", "600", "--only", "nsmc tokens-1-2"], "ngrams-partial.json"),
    "tokenizers": (["--limit", "300", "--only", "whitespace", "--jobs", "1"],
                   "tokenizers-partial.json"),
    "headline": ([], None),
    "accuracy": ([], "accuracy.json"),
    "hostile": (["--only", "whitespace"], "hostile-partial.json"),
    "long_reviews": (["--limit", "600", "--only", "nsmc-mecab-nblr"],
                     "long_reviews-partial.json"),
    "serve_load": (["--run", "model_packages/hansenti_model_ko_nsmc_mecab_nblr/run",
                    "--requests", "200", "--clients", "2", "--workers", "1"],
                   "serve_load-partial.json"),
    "self_training": (["--limit", "600", "--unlabelled", "300", "--seeds", "1", "--only",
                       "nsmc"], "self_training-partial.json"),
    "embeddings": (["--limit", "600", "--only", "nsmc-mecab-cnn"], "embeddings-partial.json"),
    "contextual": (["--limit", "600", "--pretrain-limit", "600", "--only", "nsmc-mecab-cnn",
                    "--seeds", "1", "--variants", "word2vec,elmo"], "contextual-partial.json"),
    "own_data": (["--limit", "600", "--only", "binary-mecab-nblr"], "own_data-partial.json"),
    "scaling": (["--limit", "300", "--only", "mecab"], "scaling-partial.json"),
    "ray_executor": (["--skip-study", "--limit", "2000"], "ray_executor-partial.json"),
    "reliability": (["--only", "unknown tokenizer", "--only", "--name ../escaped", "-k",
                     "test_every_model_says_which_options_it_reads"],
                    "reliability-partial.json"),
    "flaky": (["--variant", "default", "-k", "test_refit_cli_on_real_reviews"],
              "flaky-partial.json"),
    "normalize": (["--limit", "600", "--only", "mecab"], "normalize-partial.json"),
    "extras": (["--only", "predict"], "extras-partial.json"),
    "peers": (["--limit", "600"], "peers-partial.json"),
    "reproduction": (["--limit", "300", "--seeds", "1", "--trials", "2", "--only", "char",
                      "--tuned-epochs", "3", "--peer-shape", "200"],
                     "reproduction-partial.json"),
}
#: the benchmarks that build on a study and on each other, in order, on 600 reviews
CHAIN = {
    "single": (["--limit", "600", "--seeds", "1"], "single-partial.json"),
    "ensemble": (["--limit", "600", "--seeds", "1", "--only", "nsmc"],
                 "ensemble-nsmc-partial.json"),
    "distil": (["--limit", "600", "--seeds", "1", "--unlabelled", "1000"],
               "distil-partial.json"),
}


def bench(name: str, *args: str, env: dict[str, str] | None = None,
          timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", f"bench.{name}", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_starts(name):
    result = bench(name, "--help", timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage:" in result.stdout


def test_every_benchmark_has_a_smoke_run():
    assert set(TINY) | set(CHAIN) == set(BENCHMARKS)


def scratch_env(mirror: Path, home: Path, scratch: Path) -> dict[str, str]:
    """Results (a copy of the committed ones: what the readers read) and runs in scratch."""
    results = scratch / "results"
    if not results.is_dir():
        shutil.copytree(ROOT / "bench" / "results", results)
    return {**os.environ, "HANSENTI_MIRROR": str(mirror), "HANSENTI_HOME": str(home),
            "HANSENTI_BENCH_RESULTS": str(results), "HANSENTI_BENCH_RUNS": str(scratch / "runs")}


def run_tiny(name: str, args: list[str], written: str | None, env: dict[str, str]) -> None:
    """Run benchmark ``name``; it must succeed, write ``written`` anew in the scratch
    results (with no case that failed inside it) and leave bench/results/ as it was."""
    results = Path(env["HANSENTI_BENCH_RESULTS"])
    before = {path: path.stat().st_mtime_ns for path in (ROOT / "bench" / "results").rglob("*")}
    old = (results / written).read_text(encoding="utf-8") if written and (
        results / written).is_file() else None
    result = bench(name, *args, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    if written:
        new = (results / written).read_text(encoding="utf-8")
        assert new != old
        assert '"error":' not in new, new[:3000]
    after = {path: path.stat().st_mtime_ns for path in (ROOT / "bench" / "results").rglob("*")}
    assert after == before, "a smoke run wrote into bench/results/"


@pytest.mark.realdata
@pytest.mark.parametrize("name", sorted(TINY))
def test_benchmarks_run_on_a_tiny_slice(name, mirror, session_home, tmp_path):
    run_tiny(name, *TINY[name], scratch_env(mirror, session_home, tmp_path))


@pytest.mark.realdata
def test_study_benchmarks_run_in_order_on_a_tiny_study(mirror, session_home, tmp_path):
    env = scratch_env(mirror, session_home, tmp_path)
    study = tmp_path / "study"
    # the study cells that bench/distil.py takes as teachers, on the slice the others train on
    made = subprocess.run([sys.executable, "-m", "hansenti", "-q", "compare", "--corpus", "nsmc",
                           "-t", "mecab", "-t", "kiwi", "-t",
                           "spm-unigram-16k=spm:vocab_size=16000", "-m", "nblr", "--limit",
                           "600", "--out", str(study)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert made.returncode == 0, made.stderr[-3000:]
    for name, (args, written) in CHAIN.items():
        study_args = ["--study", str(study)] if name != "single" else []
        run_tiny(name, [*args, *study_args], written, env)


def test_keep_stages_what_a_later_session_reads_back(tmp_path):
    """bench.keep: a finished run's small files and a biLM are staged, never weights,
    checkpoints or an unfinished run."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    runs = tmp_path / "runs"
    finished, unfinished, bilm = runs / "a" / "seed1", runs / "b" / "seed1", runs / "elmo"
    for folder in (finished / "checkpoints", unfinished, bilm):
        folder.mkdir(parents=True)
    for name in ("config.json", "metrics.json", "predictions.npz", "history.csv",
                 "model.weights.h5", "checkpoints/last.keras"):
        (finished / name).write_text("x")
    (unfinished / "config.json").write_text("x")
    (runs / "study.json").write_text("{}")
    for name in ("bilm.json", "bilm.weights.npz"):
        (bilm / name).write_text("x")
    result = bench("keep", str(runs))
    assert result.returncode == 0, result.stderr[-2000:]
    staged = subprocess.run(["git", "-C", str(tmp_path), "diff", "--cached", "--name-only"],
                            capture_output=True, text=True, check=True).stdout.split()
    assert sorted(staged) == sorted([
        "runs/a/seed1/config.json", "runs/a/seed1/history.csv", "runs/a/seed1/metrics.json",
        "runs/a/seed1/predictions.npz", "runs/study.json", "runs/elmo/bilm.json",
        "runs/elmo/bilm.weights.npz"])
    assert "staged 7 files" in result.stdout
