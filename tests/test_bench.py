"""bench/ is a package of recipes: every benchmark starts (``--help``: its imports and
options are sound), and those with a tiny-slice mode run for real on one, writing their
results and runs into scratch folders, never into bench/results/. (embeddings, single,
ensemble, distil, own_data, scaling, ray_executor, reliability and flaky have no tiny mode
yet: they need the crawl's vectors, a full study, or the suite itself.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: modules of bench/ that are libraries, not benchmarks
LIBRARIES = {"__init__", "publish", "load_client"}
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


@pytest.mark.realdata
@pytest.mark.parametrize("name", sorted(TINY))
def test_cheap_benchmarks_run_on_a_tiny_slice(name, mirror, session_home, tmp_path):
    results = tmp_path / "results"
    shutil.copytree(ROOT / "bench" / "results", results)  # what the readers read
    env = {**os.environ, "HANSENTI_MIRROR": str(mirror), "HANSENTI_HOME": str(session_home),
           "HANSENTI_BENCH_RESULTS": str(results), "HANSENTI_BENCH_RUNS": str(tmp_path / "runs")}
    args, written = TINY[name]
    before = {path: path.stat().st_mtime_ns for path in (ROOT / "bench" / "results").rglob("*")}
    old = (results / written).read_text(encoding="utf-8") if written and (
        results / written).is_file() else None
    result = bench(name, *args, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    if written:
        assert (results / written).read_text(encoding="utf-8") != old
    after = {path: path.stat().st_mtime_ns for path in (ROOT / "bench" / "results").rglob("*")}
    assert after == before, "a smoke run wrote into bench/results/"
