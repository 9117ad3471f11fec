"""Options shared by several commands."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import click

from ..corpora import MIRROR_ENV, DataSpec
from ..corpora.files import check_suffix, is_description
from ..embeddings.vectors import TRUST_PICKLE_ENV
from ..errors import HansentiError
from ..ray_cluster import EXECUTORS
from ..references import parse_options
from ..user_code import load_user_code


def _load_code(ctx: click.Context, param: click.Parameter, paths: tuple[str, ...]) -> tuple[str, ...]:
    for path in paths:
        load_user_code(path)
    return paths


code_option = click.option(
    "--code", multiple=True, is_eager=True, expose_value=False, callback=_load_code,
    type=click.Path(dir_okay=False), metavar="FILE.py",
    help="Python file to run first, e.g. one that calls register_tokenizer().")

overwrite_option = click.option(
    "--overwrite", is_flag=True,
    help="Replace what hansenti wrote at the output before; a user's other files there "
         "are kept, and an input is never replaced.")


def _trust_pickle(ctx: click.Context, param: click.Parameter, trusted: bool) -> None:
    if trusted:
        os.environ[TRUST_PICKLE_ENV] = "1"


trust_pickle_option = click.option(
    "--trust-pickle", is_flag=True, expose_value=False, callback=_trust_pickle,
    help="Also load gensim's pickled .kv/.model vector files: a pickle can run code when "
         "loaded, so only for files you trust.")

encoding_option = click.option(
    "--encoding", default=None, metavar="NAME",
    help="Text encoding of your files (e.g. cp949 for Korean Windows/Excel files) "
         "[default: UTF-8, with or without a BOM].")

def scoring_options(command):
    """What every command that scores a user's reviews takes: how to read their file and
    name the prediction columns (handed to the command as one ``file_scoring``, a
    :class:`hansenti.inference.scoring.FileScoring`), and when to answer ``unsure``
    (``min_confidence``)."""
    from ..review_files import DEFAULT_MAX_SKIPPED

    @functools.wraps(command)
    def gathered(*args, prefix: str, encoding: str | None, max_skipped: float,
                 overwrite: bool, **kwargs):
        from ..inference.scoring import FileScoring

        return command(*args, file_scoring=FileScoring(prefix, encoding, max_skipped,
                                                       overwrite), **kwargs)

    options = [
        encoding_option,
        click.option("--prefix", default="pred_", show_default=True,
                     help="Start of the prediction columns' names (pred_label, "
                          "pred_probability, pred_p_<class>, pred_known); input columns "
                          "are kept as they are."),
        click.option("--max-skipped", type=click.FloatRange(0.0, 1.0),
                     default=DEFAULT_MAX_SKIPPED, show_default=True,
                     help="Share of unreadable rows (no text, bad quoting, wrong "
                          "encoding) above which the file fails instead of being scored."),
        click.option("--min-confidence", type=click.FloatRange(0.0, 1.0), default=0.0,
                     show_default=True,
                     help="Label a review 'unsure' when its most probable class is "
                          "less probable than this (calibrated on validation)."),
        overwrite_option,
    ]
    for option in reversed(options):
        gathered = option(gathered)
    return gathered


mirror_option = click.option(
    "--mirror", envvar=MIRROR_ENV, type=click.Path(file_okay=False), default=None,
    help=f"Local mirror folder of the corpora (publisher layout) [env {MIRROR_ENV}].")

#: worker processes when ``--jobs`` is not given: the 2 cores of a small machine
DEFAULT_JOBS = 2

jobs_option = click.option(
    "-j", "--jobs", type=click.IntRange(min=1), default=DEFAULT_JOBS, show_default=True,
    help="Worker processes for tokenizing (embed: also gensim threads).")

tokenizer_options_option = click.option(
    "-o", "--tokenizer-option", "tokenizer_options", multiple=True, metavar="KEY=VALUE",
    callback=lambda ctx, param, pairs: parse_options(pairs),
    help="Tokenizer option, e.g. -o stem=true (values parsed as JSON when they can be).")


def data_options(command):
    """``--data FILE`` and how to read it: a user's own labelled reviews."""
    options = [
        click.option("--data", type=click.Path(exists=True),
                     help="Your labelled reviews: a .csv, .tsv, .jsonl or .parquet file "
                          "(optionally .gz), or a folder with one sub-folder per class."),
        click.option("--text-column", default="text", show_default=True,
                     help="--data: the column holding the review text."),
        click.option("--label-column", default="label", show_default=True,
                     help="--data: the column holding the label (a class or a rating)."),
        click.option("--labels", "label_map", metavar="MAP",
                     help="--data: values or inclusive ranges to classes, e.g. "
                          "\"1-2=negative,4-5=positive\" (unmapped rows are dropped); "
                          "default: the column's values are the classes."),
        click.option("--id-column", help="--data: a column of unique row ids "
                                         "(default: file name and line)."),
        click.option("--test-data", type=click.Path(exists=True),
                     help="--data: a test file laid out like --data."),
        click.option("--test-fraction", type=float,
                     help="--data: hold out this stratified, seeded share as test "
                          "[default 0.2 without --test-data]."),
        click.option("--exclude", multiple=True, metavar="CORPUS:SPLIT",
                     help="--data: drop the rows whose --id-column id is in this corpus "
                          "split, e.g. nsmc:test (repeatable)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def data_spec(data: str | None, text_column: str, label_column: str, label_map: str | None,
              id_column: str | None, test_data: str | None, test_fraction: float | None,
              exclude: tuple[str, ...] = ()) -> dict | None:
    """The ``--data`` options as a saved :class:`DataSpec` (None without ``--data``)."""
    if data is None:
        if test_data or test_fraction is not None or label_map or exclude:
            raise HansentiError("--labels, --test-data, --test-fraction and --exclude "
                                "describe --data: give the file with --data")
        return None
    for path in (data, test_data):
        if path:
            check_suffix(path)
    spec = DataSpec(train=str(Path(data).resolve()), text_column=text_column,
                    label_column=label_column, labels=label_map, id_column=id_column,
                    test=str(Path(test_data).resolve()) if test_data else None,
                    test_fraction=test_fraction, exclude=tuple(exclude))
    return spec.to_dict()


def corpus_and_data(corpus: str | None, data: dict | None) -> tuple[str, dict | None]:
    """The run's corpus name and, for a user's files (``--data`` or a ``.toml``
    description), their saved description."""
    if data is not None:
        if corpus:
            raise HansentiError("give --corpus or --data, not both")
        return data["name"], data
    corpus = corpus or "nsmc"
    if is_description(corpus):
        spec = DataSpec.from_toml(corpus)
        return spec.name, spec.to_dict()
    return corpus, None


mlflow_option = click.option(
    "--mlflow", "mlflow_uri", is_flag=False, flag_value="file:./mlruns", default=None,
    metavar="[URI]",
    help="Log to MLflow when done: parameters, per-epoch metrics, scores, the run folder "
         "(default URI: a local file store, ./mlruns; needs hansenti[track]).")


def executor_options(command):
    """``--executor local|ray`` and ``--address``: where the work runs."""
    options = [
        click.option("--executor", type=click.Choice(EXECUTORS), default="local",
                     show_default=True,
                     help="local: this machine's process pool; ray: Ray tasks (needs "
                          "hansenti[ray]) on the cluster at --address or one started here."),
        click.option("--address", metavar="ADDR", default=None,
                     help="Ray cluster to join, e.g. ray://head:10001 or auto (default: "
                          "$RAY_ADDRESS, else a local Ray on this machine's cores)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command

part_format_option = click.option(
    "--part-format", type=click.Choice(["parquet", "csv"]), default="parquet",
    show_default=True, help="With --executor ray: the format of the scored parts.")


def check_single_file(input_path: str | None) -> None:
    """Locally, --input is one file: a folder or a glob is Ray's."""
    if input_path and (Path(input_path).is_dir() or any(c in input_path for c in "*?[")):
        raise HansentiError(f"{input_path}: a folder or a glob of files needs --executor ray; "
                            "locally, give one file")
