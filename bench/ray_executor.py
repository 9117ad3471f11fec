"""Local executor vs Ray on this machine, in one run: the quick study (each from an empty
cache) and analyze of the 712K-review Naver crawl with the default model; then Ray with 1
and 2 CPUs (a one-CPU cluster started with `ray start --head --num-cpus 1`), reviews/s
per core, and the capacity table of docs/guides/ray.md worked out from these figures.

    python -m bench.ray_executor [--mirror ../shared/corpora] [--skip-study]

Writes bench/results/ray_executor.{json,md} (not ray.py: a bench/ray.py would shadow the ray package
wherever bench/ is on sys.path).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import recipe
from .publish import RESULTS

MODEL = "ko-nsmc-mecab-nblr"
CRAWL = "nsmc/naver_movie_reviews.tsv.gz"
SCALES = (10_000_000, 100_000_000)
CORES = (8, 32, 128)


#: the one-CPU cluster is this machine's own: no token authentication between its parts
NO_AUTH = {"RAY_AUTH_MODE": "disabled"}


def hansenti(*args: str, home: Path, cwd: Path, extra_env: dict | None = None) -> float:
    """Run a hansenti command in a fresh process; its wall-clock seconds."""
    env = {**os.environ, "HANSENTI_HOME": str(home), **(extra_env or {})}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hansenti", *args], env=env, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def read_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def study(work: Path, mirror: str) -> dict:
    """The quick study, once per executor, each from an empty HANSENTI_HOME."""
    seconds, rows = {}, {}
    for executor in ("local", "ray"):
        home = work / f"home-{executor}"
        seconds[executor] = hansenti("compare", "--profile", "quick", "--mirror", mirror,
                                     "--executor", executor, "--out", f"study-{executor}",
                                     home=home, cwd=work)
        rows[executor] = read_rows(work / f"study-{executor}" / "results.csv")
        shutil.rmtree(home)
    pairs = list(zip(rows["local"], rows["ray"]))
    differences = [abs(float(a["test_accuracy"]) - float(b["test_accuracy"]))
                   for a, b in pairs if a["status"] == b["status"] == "done"]
    return {"cells": len(pairs), "seconds": seconds,
            "same_status": all(a["status"] == b["status"] for a, b in pairs),
            "same_cells": all(a["run_dir"] == b["run_dir"] for a, b in pairs),
            "identical_accuracy": sum(d == 0 for d in differences),
            "max_accuracy_difference": max(differences, default=0.0),
            "mean_accuracy_difference": sum(differences) / max(1, len(differences)),
            "ray_over_local": seconds["ray"] / seconds["local"]}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ray_command() -> str:
    """The ``ray`` command of this Python's environment, activated or not."""
    beside = Path(sys.executable).with_name("ray")
    return str(beside) if beside.is_file() else "ray"


def ray_cluster(cpus: int) -> tuple[str, float]:
    """``ray start --head`` with ``cpus`` CPUs; its address and start-up seconds."""
    port = free_port()
    started = time.perf_counter()
    subprocess.run([ray_command(), "start", "--head", f"--num-cpus={cpus}", f"--port={port}",
                    "--include-dashboard=false", "--disable-usage-stats"], check=True,
                   capture_output=True, env={**os.environ, **NO_AUTH})
    return f"127.0.0.1:{port}", time.perf_counter() - started


def crawl_slice(mirror: str, work: Path, limit: int | None) -> str:
    """The crawl, or a file of its first ``limit`` reviews (header kept) in ``work``."""
    crawl = Path(mirror) / CRAWL
    if not limit:
        return str(crawl)
    sliced = work / "crawl-slice.tsv"
    with gzip.open(crawl, "rt", encoding="utf-8") as source, \
            open(sliced, "w", encoding="utf-8") as target:
        target.writelines(itertools.islice(source, limit + 1))
    return str(sliced)


def scoring(work: Path, mirror: str, limit: int | None = None) -> dict:
    """analyze of the whole crawl, or its first ``limit`` reviews (grouped by movie): local,
    Ray on 2 CPUs (started by hansenti itself), Ray on a 1-CPU cluster; summaries compared."""
    crawl = crawl_slice(mirror, work, limit)
    home = work / "home-scoring"
    common = ["analyze", "--input", crawl, "--text-column", "document", "--group-column",
              "movie_id", MODEL]
    results = {"local": {"seconds": hansenti(*common, "--output", "local", home=home,
                                             cwd=work)}}
    results["ray-2cpu"] = {"seconds": hansenti(*common, "--output", "ray2", "--executor",
                                               "ray", home=home, cwd=work)}
    address, start_seconds = ray_cluster(1)
    try:
        results["ray-1cpu"] = {"seconds": hansenti(*common, "--output", "ray1", "--executor",
                                                   "ray", "--address", address, home=home,
                                                   cwd=work, extra_env=NO_AUTH),
                               "cluster_start": start_seconds}
    finally:
        subprocess.run([ray_command(), "stop", "--force"], capture_output=True)
    summary = read_rows(work / "local" / "summary.csv")
    reviews = sum(int(row["count"]) for row in summary)
    for name, folder in (("local", "local"), ("ray-2cpu", "ray2"), ("ray-1cpu", "ray1")):
        results[name]["reviews_per_s"] = reviews / results[name]["seconds"]
        results[name]["same_summary"] = read_rows(work / folder / "summary.csv") == summary
    results["reviews"] = reviews
    results["groups"] = len(summary)
    results["ray_over_local"] = results["ray-2cpu"]["seconds"] / results["local"]["seconds"]
    results["speed_up_1_to_2"] = results["ray-1cpu"]["seconds"] / results["ray-2cpu"]["seconds"]
    return results


def ray_start_seconds() -> float:
    """What ``ray.init()`` of a local cluster and its shutdown cost, alone."""
    code = "import ray, time; t = time.perf_counter(); ray.init(include_dashboard=False); " \
           "ray.shutdown(); print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    return float(out.strip().splitlines()[-1])


def full_study_cells() -> list[float]:
    """CPU-seconds of each cell of the committed full study (tokenize + train + eval)."""
    rows = read_rows(RESULTS / "compare-full" / "results.csv")
    return [float(row["tokenize_seconds"] or 0) + float(row["train_seconds"] or 0)
            for row in rows if row["status"] == "done"]


def capacity(per_core: float, efficiency: float, cells: list[float]) -> list[dict]:
    """Hours to score 10M/100M reviews and to run the full study on 8/32/128 cores: the
    scoring at the measured per-core rate times the measured 1->2 CPU efficiency; the
    study at one cell per core, never faster than its longest cell."""
    rows = []
    for cores in CORES:
        rate = per_core * cores * efficiency
        study_seconds = max(sum(cells) / (cores * efficiency), max(cells, default=0))
        rows.append({"cores": cores, **{f"score_{n // 1_000_000}M_hours": n / rate / 3600
                                        for n in SCALES},
                     "full_study_hours": study_seconds / 3600})
    return rows


def render(result: dict) -> callable:
    def markdown(header: str) -> str:
        lines = ["# Local executor vs Ray", "", header, ""]
        if "study" in result:
            s = result["study"]
            lines += ["## The quick study (68 cells), each from an empty token cache", "",
                      "| executor | wall-clock |", "|---|---:|",
                      f"| local (--jobs 2, cells one after another) | "
                      f"{s['seconds']['local'] / 60:.1f} min |",
                      f"| ray (2 CPUs, one cell per CPU) | {s['seconds']['ray'] / 60:.1f} min |",
                      "", f"Ray / local: **{s['ray_over_local']:.2f}x**. Cells: {s['cells']}, "
                      f"same status and run folders: {s['same_status'] and s['same_cells']}; "
                      f"test accuracy identical in {s['identical_accuracy']} cells, largest "
                      f"difference {s['max_accuracy_difference']:.4f} (mean "
                      f"{s['mean_accuracy_difference']:.4f}): Keras cells run with one "
                      "TensorFlow thread per cell on Ray and two locally.", ""]
        c = result["scoring"]
        lines += [f"## analyze of the Naver crawl ({c['reviews']:,} reviews, {c['groups']:,} "
                  f"movies) with {MODEL}", "",
                  "| executor | wall-clock | reviews/s | summary.csv as local |",
                  "|---|---:|---:|---|"]
        for name in ("local", "ray-2cpu", "ray-1cpu"):
            row = c[name]
            lines.append(f"| {name} | {row['seconds']:.0f} s | {row['reviews_per_s']:,.0f} | "
                         f"{'yes' if row['same_summary'] else 'NO'} |")
        lines += ["", f"Ray (2 CPUs) / local: **{c['ray_over_local']:.2f}x**; Ray 1 -> 2 CPUs: "
                  f"{c['speed_up_1_to_2']:.2f}x. Starting and stopping a local Ray alone: "
                  f"{result['ray_start_seconds']:.1f} s (in every Ray figure above).", "",
                  "## Capacity, worked out on paper from these figures", "",
                  f"Scoring at {result['per_core']:,.0f} reviews/s per core (the 1-CPU run) x "
                  f"{result['efficiency']:.2f} (the measured 2-CPU efficiency); the full study "
                  f"({len(result['cells'])} cells, {sum(result['cells']) / 3600:.1f} CPU-hours, "
                  f"longest cell {max(result['cells']) / 60:.0f} min) at one cell per core.", "",
                  "| cores | score 10M reviews | score 100M reviews | full study |",
                  "|---:|---:|---:|---:|"]
        for row in result["capacity"]:
            lines.append(f"| {row['cores']} | {row['score_10M_hours'] * 60:.0f} min | "
                         f"{row['score_100M_hours']:.1f} h | {row['full_study_hours']:.1f} h |")
        lines += ["", "These assume the data and the token cache on storage every node reads "
                  "at this rate, and do not count the cluster's start-up or the reading of "
                  "the files from object storage.", ""]
        return "\n".join(lines)

    return markdown


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--skip-study", action="store_true")


def measure(args: argparse.Namespace) -> recipe.Measured:
    if not args.mirror:
        sys.exit("give --mirror or set HANSENTI_MIRROR: the crawl is only in a mirror")
    work = Path(tempfile.mkdtemp(prefix="hansenti-ray-bench-"))
    try:
        result: dict = {"ray_start_seconds": ray_start_seconds()}
        if not args.skip_study:
            result["study"] = study(work, args.mirror)
        result["scoring"] = scoring(work, args.mirror, args.limit)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    c = result["scoring"]
    result["per_core"] = c["ray-1cpu"]["reviews_per_s"]
    result["efficiency"] = c["speed_up_1_to_2"] / 2
    result["cells"] = full_study_cells()
    result["capacity"] = capacity(result["per_core"], result["efficiency"], result["cells"])
    print(json.dumps({k: v for k, v in result.items() if k != "cells"}, indent=2))
    return recipe.Measured(result, render(result), bool(args.skip_study or args.limit))


def main() -> None:
    recipe.run("ray_executor", __doc__, measure, options,
               limit_help="analyze the crawl's first N reviews (default: all)")


if __name__ == "__main__":
    main()
