"""What each extra weighs: hansenti installed into a fresh virtual environment per extra,
its site-packages measured, and whether TensorFlow and JPype (Java) came with it; and, for
bench/peers.py, what the peers' own stacks weigh installed the same way.

    python -m bench.extras [--only predict ...]

Each environment is new (``python -m venv``) and installs ``.[EXTRA]`` from this checkout
(or a peer's packages) with pip, from the package index pip is configured for. The figure
is the size of site-packages less what a bare environment holds (pip and setuptools), so
it is what the extra adds to a Python installation, hansenti and its bundled default
model included. Writes bench/results/extras.{json,md}; README's table of extras quotes it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import recipe

#: the extras measured, smallest first; "" is hansenti without extras
EXTRAS = ("", "predict", "korean", "spm", "embed", "serve", "track", "train", "ray", "all")
#: the peers of bench/peers.py: label -> the packages a user of that stack installs
PEERS = {"peer: scikit-learn": ("scikit-learn",),
         "peer: kiwipiepy + scikit-learn": ("kiwipiepy", "scikit-learn")}
#: distributions whose presence the table reports
WATCHED = {"tensorflow": "TensorFlow", "JPype1": "Java (JPype)", "scikit-learn": "scikit-learn"}


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python*/site-packages"))


def folder_bytes(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*")
               if file.is_file() and not file.is_symlink())


def installed(venv: Path) -> set[str]:
    """The distributions in ``venv``, by name."""
    listing = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list",
                              "--format=freeze"], capture_output=True, text=True,
                             check=True).stdout
    return {line.split("==")[0].lower() for line in listing.splitlines() if "==" in line}


def targets_of(case: str) -> list[str]:
    """What pip installs for ``case``: hansenti with an extra, or a peer's packages."""
    if case in PEERS:
        return list(PEERS[case])
    return [f"{recipe.ROOT}[{case}]" if case != "(none)" else str(recipe.ROOT)]


def measure_extra(case: str, work: Path) -> dict:
    """A fresh environment with ``case`` installed: bytes added, seconds, what came with it."""
    venv = work / f"env{len(list(work.iterdir()))}"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bare = folder_bytes(site_packages(venv))
    print(f"== {case}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                    *targets_of(case)], check=True)
    seconds = time.perf_counter() - started
    names = installed(venv)
    return {"extra": case, "bytes": folder_bytes(site_packages(venv)) - bare,
            "distributions": len(names), "install_seconds": seconds,
            **{label: name.lower() in names for name, label in WATCHED.items()}}


def render(rows: list[dict]):
    def markdown(header: str) -> str:
        lines = ["# What each extra weighs", "", header, "",
                 "Installed into a fresh virtual environment each; MB is what the extra adds "
                 "to site-packages (hansenti and the bundled default model included).", "",
                 "| `pip install hansenti[...]` (or a peer's stack) | installed MB | "
                 "distributions | "
                 + " | ".join(WATCHED.values()) + " | install s |",
                 "|---|---:|---:|" + "---|" * len(WATCHED) + "---:|"]
        for row in rows:
            marks = " | ".join("yes" if row[label] else "no" for label in WATCHED.values())
            lines.append(f"| {row['extra']} | {row['bytes'] / 1e6:,.0f} | "
                         f"{row['distributions']} | {marks} | {row['install_seconds']:.0f} |")
        return "\n".join(lines) + "\n"

    return markdown


CASES = [*(extra or "(none)" for extra in EXTRAS), *PEERS]


def measure(args: argparse.Namespace) -> recipe.Measured:
    with tempfile.TemporaryDirectory(prefix="hansenti-extras-") as work:
        rows = [measure_extra(case, Path(work)) for case in args.only or CASES]
    return recipe.Measured({"rows": rows}, render(rows), bool(args.only))


def main() -> None:
    recipe.run("extras", __doc__, measure, cases=CASES)


if __name__ == "__main__":
    main()
