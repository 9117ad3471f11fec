"""Keep what finished under bench/runs in git, so a later session reads it back.

    python -m bench.keep [FOLDER ...]    (default: all of bench/runs)

A session's machine is new each time: bench/runs (ignored by git: weights, checkpoints,
caches) is gone the next session, and a long benchmark would start again. This stages
(`git add -f`) what the benchmarks read back as finished — the small files of every
finished run (its config, metrics, history and validation/test probabilities: what a
study's report and an ensemble read), every finished study's settings and searches, and
every pre-trained biLM (a few MB; the members that read it must see the same one). Model
weights and checkpoints stay local: a kept run is finished and never trained again, and
prediction needs a packaged model, not a benchmark's run. Commit what it staged.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from hansenti.embeddings.contextual import BILM_FILE
from hansenti.runs.folder import (
    CLASSES_FILE,
    CONFIG_FILE,
    HISTORY_FILE,
    METRICS_FILE,
    PREDICTIONS_FILE,
    RUN_SETTINGS_FILE,
    TEST_IDS_FILE,
)

from .publish import RUNS

#: a finished run's files that its readers need (metrics.json, written last, marks it)
RUN_FILES = (CONFIG_FILE, RUN_SETTINGS_FILE, METRICS_FILE, HISTORY_FILE, PREDICTIONS_FILE,
             CLASSES_FILE, TEST_IDS_FILE)
#: a study's settings and every search's record (hansenti compare)
STUDY_FILES = ("study.json", "study.toml", "search.json")


def kept_files(folder: Path) -> list[Path]:
    """The files under ``folder`` worth keeping: finished runs', studies' and biLMs'."""
    files: list[Path] = []
    for metrics in folder.rglob(METRICS_FILE):
        files += [metrics.parent / name for name in RUN_FILES
                  if (metrics.parent / name).is_file()]
    for name in STUDY_FILES:
        files += folder.rglob(name)
    for bilm in folder.rglob(BILM_FILE):
        files += [path for path in bilm.parent.iterdir() if path.is_file()]
    return sorted(set(files))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.keep", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", type=Path, default=[RUNS])
    folders = parser.parse_args().folders
    missing = [str(folder) for folder in folders if not folder.is_dir()]
    if missing:
        sys.exit(f"bench.keep: no folder {', '.join(missing)}")
    count, size = 0, 0
    for folder in folders:
        files = kept_files(folder)
        if files:  # the repository that holds the folder
            subprocess.run(["git", "-C", str(folder), "add", "-f", "--",
                            *(str(path.resolve()) for path in files)], check=True)
        count, size = count + len(files), size + sum(path.stat().st_size for path in files)
    print(f"bench.keep: staged {count} files ({size / 2**20:.1f} MB); commit them")

if __name__ == "__main__":
    main()
