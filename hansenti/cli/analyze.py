"""``hansenti analyze`` and ``hansenti serve``: using a trained run on real review files."""

from __future__ import annotations

from pathlib import Path

import click

from .options import jobs_option


@click.command("analyze")
@click.option("--input", "input_path", required=True, type=click.Path(dir_okay=False),
              help="Reviews: .csv, .tsv, .jsonl, .parquet or .txt (one review a line), "
                   "optionally .gz; any size.")
@click.option("--text-column", default="text", show_default=True)
@click.option("--group-column", help="Summarise per value of this column (e.g. movie_id).")
@click.option("--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for scored.csv, summary.csv, extremes.csv, aspects.csv, report.html.")
@click.option("--keep", type=click.IntRange(min=1), default=5, show_default=True,
              help="Most certain reviews of each class kept per group.")
@click.option("--batch-size", type=click.IntRange(min=1), default=5_000, show_default=True)
@jobs_option
@click.argument("run_dir", type=click.Path())
def analyze_command(input_path: str, text_column: str, group_column: str | None, out_dir: str,
                    keep: int, batch_size: int, jobs: int, run_dir: str) -> None:
    """Score every review of a file with RUN_DIR and summarise it (per group)."""
    from ..inference.analysis import analyze
    from ..inference.predictor import Predictor

    result = analyze(Predictor(run_dir), Path(input_path), Path(out_dir), text_column,
                     group_column, keep, batch_size, jobs)
    shares = ", ".join(f"{share:.1%} {name}" for name, share in zip(result.classes,
                                                                     result.shares))
    click.echo(f"{out_dir}: {len(result.probabilities):,} reviews scored in "
               f"{len(result.groups):,} group(s), {shares}; {result.report.skipped:,} rows "
               f"skipped; open {out_dir}/report.html")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8000, show_default=True)
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds a request may take (waiting included); slower ones get 503.")
@click.argument("run_dir", type=click.Path())
def serve_command(host: str, port: int, time_limit: float, run_dir: str) -> None:
    """Serve RUN_DIR: POST /predict (JSON) and a page to try reviews at /."""
    from ..errors import HansentiError
    from ..inference.predictor import Predictor
    from ..inference.serve import make_server

    predictor = Predictor(run_dir)
    try:
        server = make_server(predictor, host, port, time_limit)
    except OSError as error:
        raise HansentiError(f"cannot listen on {host}:{port} ({error.strerror}): "
                            "try another --port") from error
    click.echo(f"serving {run_dir} on http://{host}:{server.server_port}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    finally:
        server.server_close()
