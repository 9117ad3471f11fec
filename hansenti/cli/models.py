"""``hansenti models`` and ``hansenti package``: installed models, and runs as packages."""

from __future__ import annotations

import json

import click

from ..runs.folder import METRICS_FILE
from ..runs.installed import DEFAULT_MODEL, installed_runs
from ..runs.model_card import folder_bytes


@click.command("models")
def models_command() -> None:
    """List installed models (packages with a hansenti_models entry point): name, version,
    test accuracy, size; * marks the default."""
    found = installed_runs()
    if not found:
        click.echo("no models installed: hansenti package RUN builds one")
        return
    rows = []
    for name, installed in sorted(found.items()):
        try:
            test = json.loads((installed.path / METRICS_FILE).read_text(encoding="utf-8"))["test"]
            accuracy = f"{test['accuracy']:.2%} on {test['examples']:,}"
        except (OSError, ValueError, KeyError):
            accuracy = "metrics missing"
        rows.append(("*" if name == DEFAULT_MODEL else " ", name, installed.version, accuracy,
                     f"{folder_bytes(installed.path) / 1e6:.1f} MB", str(installed.path)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


@click.command("package")
@click.option("--name", required=True, help="Model name, e.g. ko-shop-mecab-nblr.")
@click.option("--version", "version", default="1.0.0", show_default=True)
@click.option("--out", type=click.Path(file_okay=False), default="dist", show_default=True,
              help="Folder for the wheel.")
@click.argument("run_dir", type=click.Path())
def package_command(name: str, version: str, out: str, run_dir: str) -> None:
    """Build a wheel holding the finished RUN_DIR and its model card; once installed
    (pip install WHEEL), NAME works wherever a run folder does."""
    from ..runs.package import build_wheel

    wheel = build_wheel(run_dir, name, version, out)
    click.echo(f"{wheel} ({wheel.stat().st_size / 1e6:.1f} MB): pip install {wheel}, then "
               f"hansenti predict {name} \"...\"")
