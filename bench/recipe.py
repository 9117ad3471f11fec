"""The one ``main()`` of every benchmark: its command line, its measurement, its publication.

A benchmark module defines ``measure(args) -> Measured`` (and, if it has any, an
``options(parser)`` that adds its own flags) and ends with::

    def main() -> None:
        recipe.run("NAME", __doc__, measure, options)

``run`` gives every benchmark the same ``--mirror`` (exported as ``$HANSENTI_MIRROR`` so
child processes read the same corpora), ``--only CASE`` and ``--limit N`` where it has
cases or a slice, the module's docstring as its help, hansenti's own errors as one line,
and writes the result through :func:`bench.publish.publish` (``NAME-partial`` when the
measurement says it is a slice; ``NAME-SCOPE`` when it measured one part, such as one
corpus, that stands beside the whole's file rather than replacing it).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from .publish import publish

#: the repository root, where ``python -m bench.NAME`` finds the package
ROOT = Path(__file__).resolve().parent.parent
#: the help of ``--limit`` in the benchmarks that train on slices of the corpora
TRAIN_LIMIT = "train documents per corpus (default: all)"


@dataclass(frozen=True)
class Measured:
    """What one benchmark run measured: the JSON payload, its Markdown (given the stamped
    header), whether it is a partial run (a slice, some cases, fewer seeds), the part it
    measured in full when it is one part of the benchmark (``scope``, e.g. a corpus: the
    file is then ``NAME-SCOPE``), and what went wrong, if anything did: published all the
    same, then the command fails with it."""

    payload: dict[str, Any]
    render: Callable[[str], str]
    partial: bool = False
    settings: str = ""
    failure: str = ""
    scope: str = ""


def parser_for(name: str, doc: str, cases: Iterable[str] | None = None,
               limit_help: str | None = None) -> argparse.ArgumentParser:
    """The options every benchmark shares; ``cases`` adds ``--only``, ``limit_help`` ``--limit``."""
    first, _, rest = doc.strip().partition("\n\n")
    parser = argparse.ArgumentParser(prog=f"python -m bench.{name}",
                                     description=" ".join(first.split()),
                                     epilog=rest.strip() or None,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirror", default=os.environ.get("HANSENTI_MIRROR"),
                        help="local corpus mirror (default: $HANSENTI_MIRROR)")
    if cases is not None:
        parser.add_argument("--only", action="append", choices=sorted(cases),
                            help="this case only (repeatable)")
    if limit_help:
        parser.add_argument("--limit", type=int, help=limit_help)
    return parser


def run(name: str, doc: str, measure: Callable[[argparse.Namespace], Measured | None],
        options: Callable[[argparse.ArgumentParser], None] | None = None, *,
        cases: Iterable[str] | None = None,
        limit_help: str | None = None) -> None:
    """Parse the command line, measure, publish; a hansenti error is one line, exit 2.
    ``measure`` returns None for a helper mode that publishes nothing (a child process)."""
    from hansenti.core.errors import HansentiError

    parser = parser_for(name, doc, cases, limit_help)
    if options:
        options(parser)
    args = parser.parse_args()
    if args.mirror:
        args.mirror = str(Path(args.mirror).resolve())
        os.environ["HANSENTI_MIRROR"] = args.mirror
    try:
        measured = measure(args)
    except HansentiError as error:
        print(f"bench.{name}: {error}", file=sys.stderr)
        sys.exit(2)
    if measured is None:
        return
    publish(name, measured.partial, measured.payload, measured.render, measured.settings,
            measured.scope)
    if measured.failure:
        sys.exit(f"bench.{name}: {measured.failure}")


def child(module: str, *args: str) -> list[str]:
    """The command that runs benchmark ``module`` (its ``__spec__.name``) in a fresh
    process; run it with ``cwd=ROOT``."""
    return [sys.executable, "-m", module, *args]
