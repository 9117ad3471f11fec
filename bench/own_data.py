"""The worked example of training on one's own rated reviews: the raw Naver crawl
(ratings 1-10) read through ``--data``/``--labels`` like any user's file.

    python -m bench.own_data [--only binary-mecab-nblr ...] [--limit N]
    python -m bench.own_data --report   # the table of the finished runs under bench/runs/

Every case is what this command line does (NSMC test ids dropped, 20% of the rest held
out as a stratified, seeded test split, validation carved from train):

    hansenti train --data $HANSENTI_MIRROR/nsmc/naver_movie_reviews.tsv.gz \\
        --text-column document --label-column rating --id-column id --exclude nsmc:test \\
        --labels "1-4=negative,9-10=positive" -t mecab -m nblr

(a) binary 1-4 / 9-10 and (b) three classes 1-4 / 5-8 / 9-10, each with Mecab + nblr and
Mecab + CNN (2 epochs, the better chosen on validation). The classes are imbalanced
(9-10 is most of the crawl), so the epoch, C and class weighting are chosen by macro-F1.
Writes bench/results/own_data.{json,md} and the 3-class CNN's confusion matrix.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from . import recipe
from .publish import RESULTS, RUNS

LABELS = {"binary": "1-4=negative,9-10=positive",
          "three": "1-4=negative,5-8=neutral,9-10=positive"}
MODELS = {"nblr": {}, "cnn": {"epochs": 2}}
CASES = [f"{task}-mecab-{model}" for task in LABELS for model in MODELS]


def run_case(name: str, limit: int | None, mirror: str) -> dict:
    from hansenti.core.config import TrainConfig
    from hansenti.corpora import DataSpec
    from hansenti.training.trainer import train

    task, _, model = name.split("-")
    spec = DataSpec(train=str(Path(mirror) / "nsmc" / "naver_movie_reviews.tsv.gz"),
                    text_column="document", label_column="rating", id_column="id",
                    labels=LABELS[task], exclude=("nsmc:test",), name="naver-ratings")
    config = TrainConfig(corpus=spec.name, data=spec, tokenizer="mecab", model=model,
                         model_options=MODELS[model], limit=limit)
    run_dir = RUNS / f"own-{name}"
    shutil.rmtree(run_dir, ignore_errors=True)
    print(f"== {name}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    metrics = train(config, run_dir, mirror=mirror, jobs=2)
    if name == "three-mecab-cnn" and not limit:
        shutil.copy(run_dir / "confusion.png", RESULTS / "own_data-three-cnn-confusion.png")
    return {"case": name, "labels": LABELS[task], "config": config.to_dict(),
            "wall_seconds": time.perf_counter() - started, "metrics": metrics}


def render(rows: list[dict], header: str) -> str:
    lines = ["# Own rated reviews: the Naver crawl through --data and --labels\n", header, "",
             "| case | train / test reviews | accuracy | macro-F1 | recall per class | "
             "majority baseline (acc / macro-F1) | chosen on validation | train s |",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        m, test = row["metrics"], row["metrics"]["test"]
        documents = m["documents"]
        recalls = ", ".join(f"{c} {s['recall']:.3f}" for c, s in test["per_class"].items())
        base = test["majority_baseline"]
        lines.append(f"| {row['case']} | {documents['fit'] + documents['validation']:,} / "
                     f"{documents['test']:,} | {test['accuracy']:.4f} | {test['macro_f1']:.4f} | "
                     f"{recalls} | {base['accuracy']:.4f} / {base['macro_f1']:.4f} | "
                     f"{m['validation']['metric']}: {m['best']} | {m['seconds']['train']:.0f} |")
    lines += ["", "Confusion matrices (rows: true class, columns: predicted):", ""]
    for row in rows:
        test = row["metrics"]["test"]
        lines.append(f"- {row['case']} ({', '.join(test['classes'])}): {test['confusion']}")
    dropped = rows[0]["metrics"]["data"]["files"][0] if rows else {}
    lines += ["", f"Rows read: {dropped.get('rows', 0):,}; NSMC test reviews dropped: "
              f"{dropped.get('excluded', 0):,}; left out by the binary map (ratings 5-8): "
              f"{dropped.get('unmapped', 0):,}."]
    return "\n".join(lines) + "\n"


def finished_case(name: str) -> dict:
    """A case run earlier (possibly by another invocation), read back from its run folder."""
    import json

    run_dir = RUNS / f"own-{name}"
    config = json.loads((run_dir / "config.json").read_text())
    return {"case": name, "labels": config["data"]["labels"], "config": config,
            "metrics": json.loads((run_dir / "metrics.json").read_text())}


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--report", action="store_true",
                        help="publish the finished runs under bench/runs/ (train nothing)")


def measure(args: argparse.Namespace) -> recipe.Measured:
    if not args.mirror:
        sys.exit("give --mirror or set HANSENTI_MIRROR: the crawl is only in a mirror")
    names = args.only or CASES
    rows = ([finished_case(name) for name in names
             if (RUNS / f"own-{name}" / "metrics.json").is_file()] if args.report
            else [run_case(name, args.limit, args.mirror) for name in names])
    return recipe.Measured({"rows": rows}, lambda header: render(rows, header),
                           bool(args.only or args.limit or len(rows) < len(CASES)))


def main() -> None:
    recipe.run("own_data", __doc__, measure, options, cases=CASES,
               limit_help="rated crawl reviews to read (default: all)")


if __name__ == "__main__":
    main()
