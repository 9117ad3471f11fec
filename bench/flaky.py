"""How far every accuracy check of the test suite sits from its threshold: the real-data
tests (less the fault tests, which check equality, not thresholds) run several times,
under perturbations that change floating-point rounding the way another machine does,
and each check's min/max is printed beside its threshold.

    python -m bench.flaky [--repeats 1] [-k EXPR]

Variants: as CI runs; oneDNN kernels off (``TF_ENABLE_ONEDNN_OPTS=0``: other kernels,
other rounding, as on another CPU); one intra-op thread (other summation order); and
the default again (same machine, same seed: the runs should agree exactly). Each run
is a fresh pytest process with a fresh cache. Writes bench/results/flaky.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from . import recipe

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = {
    "default": {},
    "oneDNN off": {"TF_ENABLE_ONEDNN_OPTS": "0"},
    "1 intra-op thread": {"TF_NUM_INTRAOP_THREADS": "1", "OMP_NUM_THREADS": "1"},
    "default again": {},
}


def run_variant(name: str, env_extra: dict[str, str],
                selection: list[str]) -> tuple[list[dict], float, int]:
    """Measured values of one pytest run, its seconds and exit code."""
    with tempfile.TemporaryDirectory() as scratch:
        measures = Path(scratch) / "measures.jsonl"
        env = {**os.environ, **env_extra, "HANSENTI_TEST_MEASURES": str(measures)}
        started = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                "-m", "realdata and not faults", *selection], cwd=ROOT, env=env)
        seconds = time.perf_counter() - started
        rows = ([json.loads(line) for line in measures.read_text().splitlines()]
                if measures.is_file() else [])
    print(f"== {name}: {len(rows)} checks measured, exit {code}, {seconds:.0f} s",
          file=sys.stderr, flush=True)
    return rows, seconds, code


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeats", type=int, default=1, help="rounds over the variants")
    parser.add_argument("-k", dest="keyword", help="pytest -k selection")
    parser.add_argument("--variant", action="append", choices=sorted(VARIANTS),
                        help="this variant only (repeatable; default: all)")


def measure(args: argparse.Namespace) -> recipe.Measured:
    selection = ["-k", args.keyword] if args.keyword else []
    variants = {name: VARIANTS[name] for name in args.variant or VARIANTS}
    runs = []
    for round_index in range(args.repeats):
        for name, env_extra in variants.items():
            rows, seconds, code = run_variant(name, env_extra, selection)
            runs.append({"variant": name, "round": round_index, "seconds": seconds,
                         "exit_code": code, "measures": rows})
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    thresholds: dict[tuple[str, str], float] = {}
    for run in runs:
        for row in run["measures"]:
            key = (row["test"].split("::")[-1], row["check"])
            values[key].append(row["value"])
            thresholds[key] = row["threshold"]
    checks = [{"test": test, "check": check, "threshold": thresholds[(test, check)],
               "min": min(found), "max": max(found), "runs": len(found),
               "margin": min(found) - thresholds[(test, check)]}
              for (test, check), found in sorted(values.items())]

    def render(header: str) -> str:
        lines = ["# Accuracy checks of the test suite: margins over repeated runs", "", header, "",
                 "Runs: " + "; ".join(f"{run['variant']} (exit {run['exit_code']}, "
                                      f"{run['seconds']:.0f} s)" for run in runs) + ".", "",
                 "| test | check | threshold | min | max | runs | margin |",
                 "|---|---|---:|---:|---:|---:|---:|"]
        lines += [f"| {c['test']} | {c['check']} | {c['threshold']:.2f} | {c['min']:.4f} | "
                  f"{c['max']:.4f} | {c['runs']} | {c['margin']:+.4f} |" for c in checks]
        return "\n".join(lines) + "\n"

    failed = [run["variant"] for run in runs if run["exit_code"]]
    return recipe.Measured({"runs": runs, "checks": checks}, render,
                           bool(args.keyword or args.variant) or args.repeats != 1,
                           failure=f"pytest failed in {', '.join(failed)}" if failed else "")


def main() -> None:
    recipe.run("flaky", __doc__, measure, options)


if __name__ == "__main__":
    main()
