"""README stays short and its figures come from bench/results; the documentation site
builds with ``--strict`` (a broken link or a renamed documented function fails)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

from bench import headline  # noqa: E402


def test_readme_is_short():
    assert len(README.splitlines()) <= 200


def test_readme_tables_are_generated_from_bench_results():
    for name, block in headline.BLOCKS.items():
        assert headline.readme_block(README, name) == block(), (
            f"README's {name} table is out of date: python -m bench.headline --write")


def test_readme_links_exist():
    targets = re.findall(r"\]\(([^)#]+)\)", README)
    missing = [target for target in targets
               if not target.startswith("http") and not (ROOT / target).exists()]
    assert targets and not missing


def test_docs_build_strict(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "reference" / "index.html").read_text(encoding="utf-8")
    assert "open_tokenizer" in page and "Predictor" in page
    assert (tmp_path / "results" / "train" / "index.html").is_file()
