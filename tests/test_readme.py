"""README cannot drift: its runnable blocks run here, as a newcomer would type them, and
what README says they print is checked against what they print.

A block runs when the line before its opening fence is ``<!-- readme: run -->``. Each
``hansenti`` command in it runs in a scratch folder holding a copy of ``examples/``
(a command continued with ``\\`` is one command); a trailing ``# prints: TEXT`` says
TEXT is in its output. A Python block runs as a script; ``# prints: TEXT`` after a line
says TEXT is in what the block printed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MARKER = "<!-- readme: run -->"
EXPECT = re.compile(r"\s+# prints: (.+)$")

pytestmark = pytest.mark.realdata


def runnable_blocks() -> list[tuple[str, str]]:
    """(language, body) of each marked block, in README's order."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    blocks = []
    for index, line in enumerate(lines):
        if line.strip() == MARKER:
            fence = lines[index + 1]
            assert fence.startswith("```"), f"README line {index + 2}: a fence must follow"
            end = next(i for i in range(index + 2, len(lines)) if lines[i].startswith("```"))
            blocks.append((fence[3:].strip(), "\n".join(lines[index + 2:end])))
    return blocks


def commands(body: str) -> list[tuple[str, str | None]]:
    """(command, expected text) of each command of a shell block."""
    joined = re.sub(r"\\\n\s*", " ", body)
    found = []
    for line in joined.splitlines():
        expected = EXPECT.search(line)
        command = EXPECT.sub("", line).split("  #")[0].strip()
        if command and not command.startswith("#"):
            found.append((command, expected.group(1).strip() if expected else None))
    return found


@pytest.fixture(scope="module")
def scratch(tmp_path_factory, mirror, session_home):
    folder = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "examples", folder / "examples")
    return folder


def environment(mirror: Path, home: Path) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "HANSENTI_MIRROR": str(mirror), "HANSENTI_HOME": str(home),
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


def test_readme_has_runnable_blocks():
    languages = [language for language, _ in runnable_blocks()]
    assert "bash" in languages and "python" in languages


def test_readme_blocks_print_what_readme_says(scratch, mirror, session_home):
    env = environment(mirror, session_home)
    for language, body in runnable_blocks():
        if language == "python":
            script = scratch / "readme_block.py"
            script.write_text(EXPECT.sub("", body), encoding="utf-8")
            result = subprocess.run([sys.executable, str(script)], cwd=scratch, env=env,
                                    capture_output=True, text=True, timeout=900)
            assert result.returncode == 0, result.stderr[-2000:]
            for line in body.splitlines():
                expected = EXPECT.search(line)
                if expected:
                    assert expected.group(1).strip() in result.stdout, (line, result.stdout)
            continue
        for command, expected in commands(body):
            assert command.startswith("hansenti "), f"README runs only hansenti: {command}"
            result = subprocess.run(shlex.split(command), cwd=scratch, env=env,
                                    capture_output=True, text=True, timeout=900)
            assert result.returncode == 0, (command, result.stderr[-2000:])
            if expected:
                assert expected in result.stdout + result.stderr, (command, result.stdout,
                                                                   result.stderr[-1000:])
