"""Load test of ``hansenti serve`` on 127.0.0.1: 8 keep-alive clients, 5,000 requests
(10% malformed, 1% oversized, a 1 MB text every 250), every answer checked; p50/p99
latency of well-formed requests and the server's memory before and after, for 1 and 2
uvicorn worker processes.

    python -m bench.serve_load [--run RUN] [--requests 5000] [--clients 8] [--workers 1,2]

Without --run it trains the small whitespace CNN of the tests (9,000 NSMC reviews) into
bench/runs/serve-load first. Writes bench/results/serve_load.{json,md}.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

from . import recipe
from .publish import RUNS


def small_run(mirror: str | None) -> Path:
    from hansenti.core.config import TrainConfig
    from hansenti.runs.folder import RunDir
    from hansenti.training.trainer import train

    run_dir = RUNS / "serve-load"
    if not RunDir(run_dir).finished:
        train(TrainConfig(corpus="nsmc", tokenizer="whitespace", model="cnn", limit=9_000,
                          model_options={"epochs": 2, "embedding_dim": 64, "filters": 64}),
              run_dir, resume=RunDir(run_dir).config_path.is_file(), mirror=mirror)
    return run_dir


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children (uvicorn's worker processes)."""
    total = int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1))
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            total += int(rss_mb(int(child)) * 1024)
    return total / 1024


def under_load(run_dir: Path, workers: int, requests: int, clients: int) -> dict:
    """One server with ``workers`` processes under the load; every answer checked."""
    from .load_client import run_load

    server = subprocess.Popen([sys.executable, "-m", "hansenti", "serve", str(run_dir),
                               "--port", "0", "--workers", str(workers)],
                              stdout=subprocess.PIPE, text=True)
    try:
        port = int(re.search(r":(\d+)/", server.stdout.readline()).group(1))
        for _ in range(240):  # the workers load the model
            try:
                warm = run_load("127.0.0.1", port, requests=20, clients=1)
                if not warm.dropped:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert not warm.wrong, warm.wrong
        before = rss_mb(server.pid)
        report = run_load("127.0.0.1", port, requests=requests, clients=clients)
        time.sleep(1)
        after = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {**report.to_dict(), "workers": workers, "clients": clients,
            "rss_mb_before": before, "rss_mb_after": after, "run": str(run_dir),
            "answers_text": ", ".join(
                f"{kind}: " + " ".join(f"{status}×{count}" for status, count in
                                       sorted(counts.items()))
                for kind, counts in sorted(report.answers.items())),
            "req_per_s": report.requests / report.seconds, "seconds": report.seconds,
            "errors_5xx": report.server_errors_on_good_requests}


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run")
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", default="1,2", help="worker counts to measure")


def measure(args: argparse.Namespace) -> recipe.Measured:
    run_dir = Path(args.run) if args.run else small_run(args.mirror)
    rows = [under_load(run_dir, int(count), args.requests, args.clients)
            for count in args.workers.split(",")]

    def render(header: str) -> str:
        lines = ["# hansenti serve under load", "", header, "",
                 "| workers | requests | clients | seconds | req/s | p50 ms | p99 ms | 5xx on "
                 "well-formed | dropped | wrong answers | RSS before MB | RSS after MB |",
                 "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for row in rows:
            lines.append(
                f"| {row['workers']} | {row['requests']:,} | {row['clients']} | "
                f"{row['seconds']:.1f} | {row['req_per_s']:.0f} | {row['p50_ms']:.1f} | "
                f"{row['p99_ms']:.1f} | {row['errors_5xx']} | {row['dropped']} | "
                f"{len(row['wrong'])} | {row['rss_mb_before']:.0f} | "
                f"{row['rss_mb_after']:.0f} |")
        lines += ["", "FastAPI on uvicorn; RSS counts the server and its worker processes.", ""]
        lines += [f"Answers by kind, {row['workers']} worker(s): {row['answers_text']}."
                  for row in rows]
        return "\n".join(lines) + "\n"

    wrong = [problem for row in rows for problem in row["wrong"]]
    dropped = sum(row["dropped"] for row in rows)
    return recipe.Measured({"rows": rows}, render, args.requests != 5_000,
                           failure=f"{len(wrong)} wrong answers {wrong[:5]}, {dropped} dropped"
                           if wrong or dropped else "")


def main() -> None:
    recipe.run("serve_load", __doc__, measure, options)


if __name__ == "__main__":
    main()
