"""Load test of ``hansenti serve`` on 127.0.0.1: 8 keep-alive clients, 5,000 requests
(10% malformed, 1% oversized, a 1 MB text every 250), every answer checked; p50/p99
latency of well-formed requests and the server's memory before and after.

    python bench/serve_load.py [--run RUN] [--requests 5000] [--clients 8]

Without --run it trains the small whitespace CNN of the tests (9,000 NSMC reviews) into
bench/runs/serve-load first. Writes bench/results/serve_load.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from publish import publish

RUNS = Path(__file__).resolve().parent / "runs"


def small_run(mirror: str | None) -> Path:
    from hansenti.config import TrainConfig
    from hansenti.run import RunDir
    from hansenti.training.trainer import train

    run_dir = RUNS / "serve-load"
    if not RunDir(run_dir).finished:
        train(TrainConfig(corpus="nsmc", tokenizer="whitespace", model="cnn", limit=9_000,
                          model_options={"epochs": 2, "embedding_dim": 64, "filters": 64}),
              run_dir, resume=RunDir(run_dir).config_path.is_file(), mirror=mirror)
    return run_dir


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def main() -> None:
    from hansenti.inference.load_test import run_load

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run")
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--mirror", default=os.environ.get("HANSENTI_MIRROR"))
    args = parser.parse_args()
    run_dir = Path(args.run) if args.run else small_run(args.mirror)
    server = subprocess.Popen([sys.executable, "-m", "hansenti", "serve", str(run_dir),
                               "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(re.search(r":(\d+)/", server.stdout.readline()).group(1))
        warm = run_load("127.0.0.1", port, requests=20, clients=1)  # load the model's paths
        assert not warm.wrong, warm.wrong
        before = rss_mb(server.pid)
        report = run_load("127.0.0.1", port, requests=args.requests, clients=args.clients)
        time.sleep(1)
        after = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {**report.to_dict(), "clients": args.clients, "rss_mb_before": before,
              "rss_mb_after": after, "run": str(run_dir)}

    def render(header: str) -> str:
        answers = ", ".join(f"{kind}: " + " ".join(f"{status}×{count}" for status, count
                                                   in sorted(counts.items()))
                            for kind, counts in sorted(report.answers.items()))
        return "\n".join([
            "# hansenti serve under load", "", header, "",
            "| requests | clients | seconds | req/s | p50 ms | p99 ms | 5xx on well-formed "
            "| dropped | wrong answers | RSS before MB | RSS after MB |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {report.requests:,} | {args.clients} | {report.seconds:.1f} | "
            f"{report.requests / report.seconds:.0f} | {result['p50_ms']:.1f} | "
            f"{result['p99_ms']:.1f} | {report.server_errors_on_good_requests} | "
            f"{report.dropped} | {len(report.wrong)} | {before:.0f} | {after:.0f} |",
            "", f"Answers by kind: {answers}.", ""])

    publish("serve_load", args.requests != 5_000, result, render)
    if report.wrong or report.dropped:
        sys.exit(f"{len(report.wrong)} wrong answers: {report.wrong[:5]}")


if __name__ == "__main__":
    main()
