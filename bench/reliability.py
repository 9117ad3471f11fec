"""Every hardening case, tried for real: command-line probes (bad options, hostile text,
piped scripts) run as a user would type them, and the fault, limit and load tests of the
suite (SIGKILL at fail points, a full disk, oversized requests, concurrent clients), each
with its outcome, time and whether any data was lost.

    python bench/reliability.py [--mirror ../shared/corpora]

Writes bench/results/reliability.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from publish import publish

ROOT = Path(__file__).resolve().parent.parent
HUGE_WORD = "python -c \"print('재밌어요진짜' * 170000)\""
PIPED = ("printf 'from hansenti import create_tokenizer\\n"
         "print(len(create_tokenizer(\"mecab\").tokenize_batch([\"정말 좋다\"] * 4000, n_jobs=2)))\\n'"
         " | python -")
TRAIN = "hansenti train --corpus nsmc -t whitespace --limit 300 --runs-dir {tmp} --name probe"
#: (case, shell command, what a correct answer is)
PROBES = [
    ("non-numeric model option", TRAIN + " -m cnn -p filters=abc", "exit 2, one line"),
    ("negative model option", TRAIN + " -m lstm -p units=-5", "exit 2, one line"),
    ("option the model does not read", TRAIN + " -m cnn -p units=abc", "exit 2, one line"),
    ("unknown tokenizer", "hansenti tokenize -t nope 좋다", "exit 2, one line"),
    ("1 MB word, okt", f"{HUGE_WORD} | hansenti tokenize -t okt > /dev/null", "exit 0, ≤ 2 s after start-up"),
    ("1 MB word, kiwi", f"{HUGE_WORD} | hansenti tokenize -t kiwi > /dev/null", "exit 0, ≤ 2 s after start-up"),
    ("1 MB word, mecab", f"{HUGE_WORD} | hansenti tokenize -t mecab > /dev/null", "exit 0, ≤ 2 s after start-up"),
    ("workers from a script piped to python -", PIPED, "exit 0, one warning, 4000"),
    ("corrupt run directory", "mkdir -p {tmp}/bad && echo '{{' > {tmp}/bad/config.json && "
     "hansenti predict {tmp}/bad 좋다", "exit 2, one line"),
]


def run_probe(case: str, command: str, expected: str, scratch: str) -> dict:
    command = command.format(tmp=scratch)
    started = time.perf_counter()
    result = subprocess.run(command, shell=True, capture_output=True, text=True, cwd=scratch,
                            timeout=600)
    seconds = time.perf_counter() - started
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return {"case": case, "command": command.replace(scratch, "$TMP"), "expected": expected,
            "exit": result.returncode, "seconds": seconds, "stderr_lines": len(lines),
            "said": (lines[-1] if lines else result.stdout.strip()[-120:])[:160],
            "traceback": "Traceback" in result.stderr}


def run_tests() -> list[dict]:
    """The suite's fault, limit and load tests, one row per test case."""
    selection = ["tests/test_faults.py", "tests/test_robustness.py::test_one_megabyte_text_in_bounded_time",
                 "tests/test_serve.py", "tests/test_options.py",
                 "tests/test_plugins.py::test_workers_fall_back_to_one_process_where_they_cannot_start",
                 "tests/test_cli.py::test_commands_that_load_keras_are_quiet_unless_verbose"]
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "junit.xml"
        subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                         f"--junitxml={report}", *selection], cwd=ROOT)
        cases = ElementTree.parse(report).getroot().iter("testcase")
        return [{"test": f"{case.get('classname').split('.')[-1]}::{case.get('name')}",
                 "seconds": float(case.get("time")),
                 "outcome": ("failed" if case.find("failure") is not None or
                             case.find("error") is not None else
                             "skipped" if case.find("skipped") is not None else "passed")}
                for case in cases]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", default=os.environ.get("HANSENTI_MIRROR"))
    args = parser.parse_args()
    if args.mirror:
        os.environ["HANSENTI_MIRROR"] = str(Path(args.mirror).resolve())
    with tempfile.TemporaryDirectory() as scratch:
        probes = [run_probe(*probe, scratch) for probe in PROBES]
    tests = run_tests()

    def render(header: str) -> str:
        lines = ["# Reliability: every case tried", "", header, "",
                 "## Probes, as a user types them", "",
                 "| case | expected | exit | seconds | stderr lines | traceback | last line |",
                 "|---|---|---:|---:|---:|---|---|"]
        lines += [f"| {p['case']} | {p['expected']} | {p['exit']} | {p['seconds']:.1f} | "
                  f"{p['stderr_lines']} | {'yes' if p['traceback'] else 'no'} | "
                  f"{p['said'].replace('|', '/')} |" for p in probes]
        lines += ["", "Commands (`$TMP` is a scratch folder):", ""]
        lines += [f"- {p['case']}: `{p['command']}`" for p in probes]
        failed = [t for t in tests if t["outcome"] != "passed"]
        lines += ["", "## Fault, limit and load tests", "",
                  f"{len(tests)} cases, {len(tests) - len(failed)} passed. A passed fault test "
                  "asserts that the rerun ends with the uninterrupted result and that no "
                  "half-written file was read as good: data lost in a passed case is none. "
                  "Reproduce: `python -m pytest tests/test_faults.py tests/test_serve.py "
                  "tests/test_options.py tests/test_robustness.py`.", "",
                  "| test | outcome | seconds | data lost |", "|---|---|---:|---|"]
        lines += [f"| {t['test']} | {t['outcome']} | {t['seconds']:.1f} | "
                  f"{'none' if t['outcome'] == 'passed' else 'see the test'} |" for t in tests]
        return "\n".join(lines) + "\n"

    publish("reliability", False, {"probes": probes, "tests": tests}, render)


if __name__ == "__main__":
    main()
