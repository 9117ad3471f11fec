"""How every benchmark writes its results: JSON and Markdown under bench/results/, stamped
with the time, the machine and the exact command; a run limited by --only/--limit is
written as NAME-partial so it never replaces the full measurement."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

#: where results are written and read: bench/results/, or $HANSENTI_BENCH_RESULTS (the
#: smoke test points it, and RUNS, at scratch folders)
RESULTS = Path(os.environ.get("HANSENTI_BENCH_RESULTS")
               or Path(__file__).resolve().parent / "results")
#: where the benchmarks keep their runs: bench/runs/, or $HANSENTI_BENCH_RUNS
RUNS = Path(os.environ.get("HANSENTI_BENCH_RUNS") or Path(__file__).resolve().parent / "runs")


def machine() -> str:
    """CPU model, cores usable here and the Java version: figures vary between machines."""
    model = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        java = subprocess.run(["java", "-version"], capture_output=True, text=True,
                              timeout=30).stderr.splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        java = "no Java"
    return f"{model}, {cores} cores, {java}"


def load_result(name: str) -> dict:
    """A committed measurement: ``bench/results/NAME.json``."""
    return json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8"))


def publish(name: str, partial: bool, payload: dict[str, Any],
            render: Callable[[str], str], settings: str = "", scope: str = "") -> None:
    """Write ``name.json`` (payload + stamp + command) and ``name.md`` (``render(header)``),
    as ``name-scope`` for one part of the benchmark."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = f"python -m bench.{name} " + " ".join(sys.argv[1:])
    header = (f"Measured {stamp} on {machine()}, CPU only{settings}; "
              f"command: `{command.strip()}`")
    stem = name + (f"-{scope}" if scope else "") + ("-partial" if partial else "")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{stem}.json").write_text(json.dumps(
        {"measured": stamp, "command": command, **payload}, ensure_ascii=False, indent=2))
    markdown = render(header)
    (RESULTS / f"{stem}.md").write_text(markdown)
    print(markdown)
