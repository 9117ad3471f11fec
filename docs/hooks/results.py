"""MkDocs hook: every file under bench/results/ becomes part of the site at results/, so
the results pages are the benchmarks' own output (bench/publish.py renders each .md from
the .json it writes beside it), never a copy that could drift."""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File, Files

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"
#: file types the benchmarks write that a page may link to
PUBLISHED = {".md", ".json", ".csv", ".png", ".html"}


def title_of(path: Path) -> str:
    """``long_reviews.md`` -> ``Long reviews``; a study report -> ``Study: compare-full``."""
    if path.parent != RESULTS:
        return f"Study: {path.parent.name}"
    return path.stem.replace("_", " ").replace("-", " ").capitalize()


def on_files(files: Files, config) -> Files:
    for path in sorted(RESULTS.rglob("*")):
        if not path.is_file() or path.suffix not in PUBLISHED:
            continue
        uri = "results/" + path.relative_to(RESULTS).as_posix()
        if path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
            if not text.lstrip().startswith("# "):
                text = f"# {title_of(path)}\n\n{text}"
            files.append(File.generated(config, uri, content=text))
        else:
            files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files
