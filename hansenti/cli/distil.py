"""``hansenti distil``: label unlabelled reviews with the mean of finished runs."""

from __future__ import annotations

import click

from .options import jobs_option, mirror_option


@click.command("distil")
@mirror_option
@click.option("--source", default="naver-reviews", show_default=True,
              metavar="CORPUS[:SPLIT+SPLIT]",
              help="Unlabelled reviews to label, e.g. naver-reviews or imdb:unsup.")
@jobs_option
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Label a seeded sample of N reviews (default: all).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for pseudo_labels.tsv and teachers.json.")
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path())
def distil_command(mirror: str | None, source: str, jobs: int, limit: int | None, out_dir: str,
                   run_dirs: tuple[str, ...]) -> None:
    """Pseudo-label --source with the mean probability of the finished RUN_DIRS (teachers
    sharing one validation split); train a student on them with hansenti train
    --pseudo-labels OUT."""
    from ..training.distil import distil

    info = distil(list(run_dirs), source, out_dir, mirror, jobs, limit)
    excluded = info["excluded"]
    click.echo(f"{info['documents']:,} reviews of {source} labelled by {len(run_dirs)} teachers "
               f"(mean: validation accuracy {info['validation_accuracy']:.4f}; "
               f"{info['positive_share']:.1%} positive, train "
               f"{info['train_positive_share']:.1%}); left out "
               f"{excluded['labelled_texts']:,} texts of {info['split']['corpus']} and "
               f"{excluded['too_long']:,} longer than its longest -> {out_dir}")
