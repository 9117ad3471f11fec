"""Every hardening case, tried for real: command-line probes (bad options, hostile text,
piped scripts) run as a user would type them, and the fault, limit and load tests of the
suite (SIGKILL at fail points, a full disk, oversized requests, concurrent clients), each
with its outcome, time and whether any data was lost.

    python -m bench.reliability [--mirror ../shared/corpora]

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

from . import recipe

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
REVIEWS = r"mkdir -p {tmp}/x && printf 'review,movie\n정말 재밌어요,a\n시간 아까워요,b\n' > {tmp}/x/reviews.csv"
#: the cases of the data-safety and first-contact issues: (case, command, expected, what
#: the independent probe of the landed main saw before)
SAFETY = [
    ("--output folder holding the user's files",
     REVIEWS + " && echo keep > {tmp}/x/notes.txt && hansenti analyze ko-nsmc-mecab-nblr "
     "--input {tmp}/x/reviews.csv --text-column review --output {tmp}/x; code=$?; "
     "echo left in the folder: $(ls {tmp}/x) >&2; exit $code",
     "exit 2, folder untouched", "exit 0; reviews.csv and notes.txt deleted"),
    ("predict --output = --input",
     REVIEWS + " && hansenti predict --input {tmp}/x/reviews.csv --column review "
     "--output {tmp}/x/reviews.csv --overwrite", "exit 2, input kept",
     "input silently replaced"),
    ("--name ../escaped",
     "hansenti train --corpus nsmc -t whitespace -m nblr --runs-dir {tmp}/R/inner "
     "--name ../escaped", "exit 2, nothing outside", "written outside --runs-dir"),
    ("--validation-fraction 2, then corrected",
     "hansenti train --corpus nsmc -t whitespace -m nblr --limit 300 --runs-dir {tmp} "
     "--name vf --validation-fraction 2; hansenti train --corpus nsmc -t whitespace -m nblr "
     "--limit 300 --runs-dir {tmp} --name vf -p c_grid=1.0 >/dev/null 2>&1; "
     "echo corrected command exit $? >&2",
     "exit 2, then the corrected command runs", "corrected command told to --resume"),
    ("CP949 file",
     "python -c \"open('{tmp}/w.csv', 'w', encoding='cp949').write('리뷰\\n' + "
     "'정말 재밌어요\\n' * 2000)\" && hansenti predict --input {tmp}/w.csv --column 리뷰 "
     "--output {tmp}/w-out.csv", "exit 2, names CP949 and --encoding",
     "3 examples of a class; mangled header"),
    ("Excel UTF-8 BOM",
     "python -c \"open('{tmp}/b.csv', 'w', encoding='utf-8-sig').write('review\\n"
     "정말 재밌어요\\n')\" && hansenti predict --input {tmp}/b.csv --column review "
     "--output {tmp}/b-out.csv", "exit 0", "no column 'review' (invisible BOM)"),
    ("truncated .gz",
     "python -c \"import gzip; d = gzip.compress(('text\\n' + '좋은 영화 배우 연기 최고\\n' "
     "* 50000).encode()); open('{tmp}/c.tsv.gz', 'wb').write(d[:len(d) // 2])\" && "
     "hansenti predict --input {tmp}/c.tsv.gz --output {tmp}/c.csv", "exit 2, one line",
     "Aborted!, exit 1"),
    ("gensim pickle as vectors",
     "python -c \"from gensim.models import KeyedVectors; k = KeyedVectors(3); "
     "k.add_vectors(['a', 'b'], [[1, 2, 3], [3, 2, 1]]); k.save('{tmp}/v.kv')\" && "
     "hansenti embed similar {tmp}/v.kv a", "exit 2 without --trust-pickle",
     "pickle loaded (a crafted file ran a command)"),
    ("107-character review as an argument",
     "hansenti predict '" + " ".join(["정말 재밌고 감동적인 영화였어요"] * 6) + "'",
     "exit 0, a label", "OSError: File name too long"),
    ("English into the Korean model",
     "hansenti predict 'This movie was absolutely wonderful'",
     "a label and a familiarity warning", "confident answer, no warning"),
]


def run_probe(case: str, command: str, expected: str, scratch: str) -> dict:
    command = command.format(tmp=scratch)
    started = time.perf_counter()
    # the commands run as a user's shell would, with this Python's hansenti first on PATH
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                                 f"{os.environ.get('PATH', '')}"}
    result = subprocess.run(command, shell=True, capture_output=True, text=True, cwd=scratch,
                            timeout=600, env=env)
    seconds = time.perf_counter() - started
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return {"case": case, "command": command.replace(scratch, "$TMP"), "expected": expected,
            "exit": result.returncode, "seconds": seconds, "stderr_lines": len(lines),
            "said": (lines[-1] if lines else result.stdout.strip()[-120:])[:160],
            "traceback": "Traceback" in result.stderr}


def probe_table(probes: list[dict]) -> list[str]:
    """Markdown rows of probes (with a "before" column when they have one), then their
    commands (`$TMP` is a scratch folder)."""
    if not probes:
        return ["(none in this run)"]
    before = "before" in probes[0]
    lines = ["| case |" + (" before |" if before else "") + " expected | exit | seconds | "
             "stderr lines | traceback | last line |",
             "|---|" + ("---|" if before else "") + "---|---:|---:|---:|---|---|"]
    lines += [f"| {p['case']} |" + (f" {p['before']} |" if before else "")
              + f" {p['expected']} | {p['exit']} | {p['seconds']:.1f} | {p['stderr_lines']} | "
              f"{'yes' if p['traceback'] else 'no'} | {p['said'].replace('|', '/')} |"
              for p in probes]
    return [*lines, "", "Commands (`$TMP` is a scratch folder):", "",
            *(f"- {p['case']}: `{p['command']}`" for p in probes)]


def run_tests(keyword: str | None = None) -> list[dict]:
    """The suite's fault, limit and load tests (those ``keyword`` selects, as ``pytest -k``),
    one row per test case."""
    selection = ["tests/test_faults.py", "tests/test_user_data.py",
                 "tests/test_first_contact.py",
                 "tests/test_robustness.py::test_one_megabyte_text_in_bounded_time",
                 "tests/test_serve.py", "tests/test_options.py",
                 "tests/test_plugins.py::test_workers_fall_back_to_one_process_where_they_cannot_start",
                 "tests/test_cli.py::test_commands_that_load_keras_are_quiet_unless_verbose"]
    selection += ["-k", keyword] if keyword else []
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


CASES = [probe[0] for probe in PROBES + SAFETY]


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-k", dest="keyword", help="only the suite's tests this pytest -k "
                        "expression selects")


def measure(args: argparse.Namespace) -> recipe.Measured:
    chosen = set(args.only or CASES)
    with tempfile.TemporaryDirectory() as scratch:
        probes = [run_probe(*probe, scratch) for probe in PROBES if probe[0] in chosen]
    safety = []
    for case, command, expected, before in SAFETY:
        if case in chosen:
            with tempfile.TemporaryDirectory() as scratch:
                safety.append({**run_probe(case, command, expected, scratch),
                               "before": before})
    tests = run_tests(args.keyword)

    def render(header: str) -> str:
        lines = ["# Reliability: every case tried", "", header, "",
                 "## Probes, as a user types them", "", *probe_table(probes),
                 "", "## A user's data and first contact, before and after", "",
                 "Before: what the independent probe of the landed main saw (the issues "
                 "'Nothing a user owns is ever lost' and 'First contact'). After: measured "
                 "now, with the commands below.", "", *probe_table(safety)]
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

    return recipe.Measured({"probes": probes, "safety": safety, "tests": tests}, render,
                           bool(args.only or args.keyword))


def main() -> None:
    recipe.run("reliability", __doc__, measure, options, cases=CASES)


if __name__ == "__main__":
    main()
