"""README's headline table, read from bench/results/*.json (never typed in by hand).

``python -m bench.headline`` prints it; ``--write`` puts it into README.md between the
``headline`` markers. tests/test_docs.py fails when README's copy differs from this output.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from . import recipe
from .publish import load_result as load

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- headline:start -->", "<!-- headline:end -->"


def percent(values: list[float]) -> str:
    """``87.29%``, or ``89.04 ± 0.04%`` over seeds."""
    if len(values) == 1:
        return f"{100 * values[0]:.2f}%"
    return f"{100 * statistics.mean(values):.2f} ± {100 * statistics.stdev(values):.2f}%"


def row_of(rows: list[dict], **match) -> dict:
    return next(row for row in rows if all(row.get(k) == v for k, v in match.items()))


def rows() -> list[tuple[str, str, str, str]]:
    """(what, test accuracy, seeds/notes, results page)."""
    accuracy, long_reviews, own = load("accuracy"), load("long_reviews"), load("own_data")
    (default,) = load("default_model")["rows"]

    def best(corpus: str, name: str) -> list[tuple[str, str, str, str]]:
        """The corpus's best ensemble and single model, each against its goal."""
        entry = accuracy[corpus]
        lines = []
        for kind, what in (("ensemble", f"ensemble of {entry['ensemble']['members']}"),
                           ("single", f"one model: {entry['single']['recipe']}")):
            goal = f"goal {entry['goals'][kind]:.1%}, {'met' if entry['met'][kind] else 'not met'}"
            lines.append((f"{name}, {what} ({goal})", percent(entry[kind]["test"]),
                          f"{len(entry[kind]['test'])} seeds", "accuracy"))
        return lines

    def own_case(case: str) -> str:
        test = row_of(own["rows"], case=case)["metrics"]["test"]
        return f"{100 * test['accuracy']:.2f}% (macro-F1 {100 * test['macro_f1']:.2f}%)"

    crawl = row_of(long_reviews["rows"], case="nsmc-mecab-cnn")["sets"]["crawl-140"]
    return [
        (f"NSMC, the bundled default model `{default['name']}` (Mecab `nblr`, "
         f"{default['bytes'] / 1e6:.1f} MB)",
         percent([default["test"]]), "1 seed", "default_model"),
        *best("nsmc", "NSMC"),
        *best("imdb", "IMDB"),
        ("Naver reviews of 140+ characters, Mecab CNN scored whole",
         percent([crawl["whole"]]), f"{crawl['documents']:,} reviews", "long_reviews"),
        ("The crawl as your own file, 1-4 / 9-10 stars, `nblr`", own_case("binary-mecab-nblr"),
         "20% held out", "own_data"),
        ("The crawl as your own file, 1-4 / 5-8 / 9-10 stars, `nblr`",
         own_case("three-mecab-nblr"), "20% held out", "own_data"),
    ]


def table() -> str:
    lines = ["| task | test accuracy | over | measured by |", "| --- | ---: | --- | --- |"]
    for what, figure, over, page in rows():
        lines.append(f"| {what} | {figure} | {over} | `bench/results/{page}.md` |")
    return "\n".join(lines)


def readme_block(text: str) -> str:
    """README's table: what sits between the markers."""
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--write", action="store_true", help="update README.md in place")


def measure(args: argparse.Namespace) -> None:
    """Print the table, or write it into README.md; nothing is measured, so nothing is
    published."""
    if not args.write:
        print(table())
        return
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    README.write_text(f"{head}{START}\n{table()}\n{END}{tail}", encoding="utf-8")


def main() -> None:
    recipe.run("headline", __doc__, measure, options)


if __name__ == "__main__":
    main()
