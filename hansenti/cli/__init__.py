"""The ``hansenti`` command: a click group whose commands each call one library function."""

from __future__ import annotations

import errno
import logging
import os
import signal
import sys

import click

from ..core.atomic import FULL_DISK
from ..core.errors import HansentiError
from ..models.backend import BACKEND_LOGS_ENV
from .analyze import analyze_command, serve_command
from .compare import compare_command, ensemble_command
from .corpora import corpora_group
from .distil import distil_command
from .embed import embed_group
from .models import models_command, package_command
from .tokenize import tokenize_command, tokenizers_command
from .train import evaluate_command, predict_command, train_command

EXIT_USER_ERROR = 2


class HansentiGroup(click.Group):
    """Turns user errors into one line on stderr and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except HansentiError as error:
            logging.getLogger("hansenti").debug("user error", exc_info=True)
            click.echo(f"error: {error}", err=True)
            ctx.exit(EXIT_USER_ERROR)
        except OSError as error:  # the machine said no: a full disk, a read-only folder
            logging.getLogger("hansenti").debug("system error", exc_info=True)
            click.echo(f"error: {system_error(error)}", err=True)
            ctx.exit(EXIT_USER_ERROR)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


@click.group(cls=HansentiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@click.version_option(package_name="hansenti")
def cli(verbose: int, quiet: bool) -> None:
    """Korean-first sentiment analysis of reviews: corpora, tokenizers, models."""
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr, force=True)
    logging.getLogger("hansenti").setLevel(level)
    logging.getLogger("gensim").setLevel(level if verbose > 1 else logging.WARNING)
    if verbose:  # TensorFlow's own start-up lines too (hansenti.models.backend)
        os.environ[BACKEND_LOGS_ENV] = "1"


cli.add_command(corpora_group)
cli.add_command(tokenizers_command)
cli.add_command(tokenize_command)
cli.add_command(train_command)
cli.add_command(evaluate_command)
cli.add_command(predict_command)
cli.add_command(embed_group)
cli.add_command(compare_command)
cli.add_command(ensemble_command)
cli.add_command(distil_command)
cli.add_command(analyze_command)
cli.add_command(serve_command)
cli.add_command(models_command)
cli.add_command(package_command)


def system_error(error: OSError) -> str:
    """One line for an error the operating system raised where hansenti did not expect
    one: what failed, on which file, and what to do."""
    where = f" ({error.filename})" if error.filename else ""
    if error.errno in FULL_DISK:
        return (f"no space left on the disk{where}: free some space and run the command "
                "again")
    if isinstance(error, PermissionError) or error.errno == errno.EROFS:
        return (f"permission denied{where}: choose a folder you may write to, or fix its "
                "permissions")
    return f"{error.strerror or error}{where}: check the path and run the command again"


def interrupt(signum: int, frame: object) -> None:
    """SIGTERM (kill, a batch scheduler) stops work the way Ctrl-C does: runs stay resumable
    and a study still records its time and writes its report."""
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, interrupt)
    cli(prog_name="hansenti")
