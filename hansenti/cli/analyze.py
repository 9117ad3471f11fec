"""``hansenti analyze`` and ``hansenti serve``: using a trained run on real review files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .options import (
    check_single_file,
    executor_options,
    jobs_option,
    part_format_option,
    scoring_options,
)

if TYPE_CHECKING:
    from ..inference.scoring import FileScoring


@click.command("analyze")
@click.option("--input", "input_path", required=True, type=click.Path(),
              help="Reviews: .csv, .tsv, .jsonl, .parquet or .txt (one review a line), "
                   "optionally .gz; any size. With --executor ray also a folder or a glob.")
@click.option("--text-column", default="text", show_default=True)
@click.option("--group-column", help="Summarise per value of this column (e.g. movie_id).")
@click.option("--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for scored.csv (Ray: parts/), summary.csv, extremes.csv, "
                   "aspects.csv, report.html.")
@click.option("--keep", type=click.IntRange(min=1), default=5, show_default=True,
              help="Most certain reviews of each class kept per group.")
@click.option("--batch-size", type=click.IntRange(min=1), default=5_000, show_default=True)
@scoring_options
@jobs_option
@executor_options
@part_format_option
@click.argument("run_dir", type=click.Path())
def analyze_command(input_path: str, text_column: str, group_column: str | None, out_dir: str,
                    keep: int, batch_size: int, file_scoring: "FileScoring",
                    min_confidence: float, jobs: int, executor: str, address: str | None,
                    part_format: str, run_dir: str) -> None:
    """Score every review of a file with RUN_DIR and summarise it (per group)."""
    if executor == "ray":
        from ..inference.ray_scoring import score_on_ray

        result = score_on_ray(run_dir, input_path, out_dir, text_column, group_column, keep,
                              batch_size, part_format, address=address,
                              options=file_scoring, min_confidence=min_confidence)
    else:
        from ..inference.predictor import Predictor
        from ..inference.report import analyze

        check_single_file(input_path)
        result = analyze(Predictor(run_dir, min_confidence), Path(input_path), Path(out_dir),
                         text_column, group_column, keep, batch_size, jobs,
                         options=file_scoring)
    shares = ", ".join(f"{share:.1%} {name}" for name, share in zip(result.classes,
                                                                     result.shares))
    click.echo(f"{out_dir}: {result.scored:,} reviews scored in "
               f"{len(result.groups):,} group(s), {shares}; {result.report.skipped:,} rows "
               f"skipped; open {Path(out_dir) / 'report.html'}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8000, show_default=True,
              help="0 picks a free port.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="uvicorn worker processes, each loading the model once.")
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds a request may take (waiting included); slower ones get 503.")
@click.option("--min-confidence", type=click.FloatRange(0.0, 1.0), default=0.0,
              show_default=True,
              help="Label a review 'unsure' when its most probable class is less probable "
                   "than this (calibrated on validation).")
@click.argument("run_dir", type=click.Path(), required=False)
def serve_command(host: str, port: int, workers: int, time_limit: float,
                  min_confidence: float, run_dir: str | None) -> None:
    """Serve RUN_DIR (a run folder or an installed model; default: the default model):
    POST /predict (JSON), a page to try reviews at /, the OpenAPI schema at /docs."""
    from ..inference.predictor import Predictor
    from ..inference.serve import make_server, serve_workers

    predictor = Predictor(run_dir, min_confidence)  # a bad run fails before any worker
    name = predictor.name

    def announce(bound: int) -> None:
        click.echo(f"serving {name} on http://{host}:{bound}/ with {workers} worker(s); "
                   "schema at /docs (Ctrl-C stops)")

    if workers > 1:
        serve_workers(str(predictor.run.path), host, port, workers, time_limit, announce,
                      min_confidence)
        return
    server = make_server(predictor, host, port, time_limit)
    announce(server.server_port)
    try:
        server.serve_forever()
    finally:
        server.server_close()
