"""Pre-trained vs random embedding initialisation, same runs, same seeds.

    python -m bench.embeddings [--only nsmc-mecab-cnn ...] [--limit N]

Trains word2vec vectors with `hansenti embed train` settings on unlabelled text (the raw
Naver crawl without NSMC test reviews; IMDB train + unsup), then trains each case twice,
random-initialised and initialised from the vectors (fine-tuned), on the full corpora
(epoch chosen on validation, test scored once). Writes bench/results/embeddings.{json,md},
including nearest neighbours of a few words. Runs go to bench/runs/embeddings/. With
--limit N the vectors learn from a seeded sample of N documents and the runs from N train
documents (a smoke run: embeddings-partial).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import recipe
from .publish import RUNS as BENCH_RUNS

if TYPE_CHECKING:
    from hansenti.core.config import TrainConfig

RUNS = BENCH_RUNS / "embeddings"

#: vectors name -> EmbeddingConfig settings (the rest are `hansenti embed train` defaults);
#: naver-mecab-w2v200 is a candidate of bench/single.py
VECTORS = {"naver-mecab-w2v": {"source": "naver-reviews", "tokenizer": "mecab", "dim": 100},
           "imdb-english-w2v": {"source": "imdb:train+unsup", "tokenizer": "english", "dim": 100},
           "naver-mecab-w2v200": {"source": "naver-reviews", "tokenizer": "mecab", "dim": 200,
                                  "epochs": 10}}
#: case -> (corpus, tokenizer, model, model options, train options, vectors name)
CASES = {
    "nsmc-mecab-cnn": ("nsmc", "mecab", "cnn", {}, {}, "naver-mecab-w2v"),
    "nsmc-mecab-bilstm": ("nsmc", "mecab", "bilstm", {"pooling": "max", "epochs": 5}, {},
                          "naver-mecab-w2v"),
    "imdb-english-cnn": ("imdb", "english", "cnn", {"epochs": 6},
                         {"max_vocab": 60_000, "maxlen": "400"}, "imdb-english-w2v"),
}
NEIGHBOURS = {"naver-mecab-w2v": ("재미", "최악", "배우"),
              "imdb-english-w2v": ("good", "awful", "actor")}


def vectors_dir(name: str, limit: int | None = None) -> Path:
    """Where vectors ``name`` are kept; those of a sample (``limit``) apart from the full."""
    return RUNS / (f"{name}-limit{limit}" if limit else name)


def train_vectors(name: str, mirror: str | None, limit: int | None = None) -> dict:
    from hansenti.embeddings import EmbeddingConfig, train_embeddings
    from hansenti.embeddings.vectors import load_vectors, most_similar

    print(f"== vectors {name}", file=sys.stderr, flush=True)
    result = train_embeddings(EmbeddingConfig(**VECTORS[name], limit=limit),
                              vectors_dir(name, limit), mirror=mirror, jobs=2, overwrite=True)
    vectors = load_vectors(result.path)
    # vectors of a small sample (--limit) may lack a word
    neighbours = {word: most_similar(vectors, word, 8) for word in NEIGHBOURS[name]
                  if word in vectors.key_to_index}
    return {"name": name, "metadata": result.metadata, "neighbours": neighbours}


def ready_vectors(name: str, mirror: str | None, limit: int | None = None) -> Path:
    """The folder of vectors ``name`` (learnt from a sample of ``limit`` documents if
    given), trained unless it holds them with the same settings."""
    from dataclasses import asdict

    from hansenti.embeddings import EmbeddingConfig, train_embeddings
    from hansenti.embeddings.vectors import metadata_of

    config = EmbeddingConfig(**VECTORS[name], limit=limit)
    folder = vectors_dir(name, limit)
    if metadata_of(folder).get("config") != asdict(config):
        print(f"== vectors {folder.name}", file=sys.stderr, flush=True)
        train_embeddings(config, folder, mirror=mirror, jobs=2, overwrite=True)
    return folder


def case_config(name: str, pretrained: bool, vectors: str | None = None,
                **overrides: Any) -> TrainConfig:
    """The run config of case ``name``, initialised if ``pretrained`` from its own vectors,
    or from ``vectors`` (a name in VECTORS) when given: those of the same ``limit``."""
    from hansenti.core.config import TrainConfig

    corpus, tokenizer, model, model_options, extra, own_vectors = CASES[name]
    folder = vectors_dir(vectors or own_vectors, overrides.get("limit"))
    return TrainConfig(corpus=corpus, tokenizer=tokenizer, model=model,
                       model_options=model_options,
                       embeddings=str(folder) if pretrained else None, **extra, **overrides)


def trained(config: TrainConfig, run_dir: Path, mirror: str | None) -> Path:
    """``run_dir`` finished with ``config``: read back if it already is, else trained (an
    interrupted attempt is resumed). A run with other settings there is an error."""
    from hansenti.core.config import TrainConfig
    from hansenti.runs.folder import RunDir
    from hansenti.training.trainer import train

    run = RunDir(run_dir)
    started = run.config_path.is_file()
    if started:
        if settings_of(TrainConfig.load(run.config_path)) != settings_of(config):
            sys.exit(f"{run_dir} holds a run with other settings: delete it to train it again")
        if run.finished:
            return run_dir
    print(f"== {run_dir.name}", file=sys.stderr, flush=True)
    train(config, run_dir, resume=started, mirror=mirror, jobs=2)
    return run_dir


def settings_of(config: TrainConfig) -> str:
    """``config`` as config.json records it (tuples as lists), its vectors path resolved
    (configs record it as given)."""
    resolved = replace(config, embeddings=config.embeddings
                       and str(Path(config.embeddings).resolve()))
    return json.dumps(resolved.to_dict(), sort_keys=True)


def run_case(name: str, pretrained: bool, limit: int | None, mirror: str | None) -> dict:
    from hansenti.training.trainer import train

    config = case_config(name, pretrained, limit=limit)
    run_dir = RUNS / f"{name}-{'w2v' if pretrained else 'random'}"
    shutil.rmtree(run_dir, ignore_errors=True)
    print(f"== {run_dir.name}", file=sys.stderr, flush=True)
    metrics = train(config, run_dir, mirror=mirror, jobs=2)
    return {"case": name, "pretrained": pretrained, "config": config.to_dict(),
            "metrics": metrics}


def markdown(vectors: list[dict], rows: list[dict], header: str) -> str:
    lines = [header, "", "| vectors | source | documents | tokens | words | dim | "
             "tokenize s | train s |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for item in vectors:
        m = item["metadata"]
        lines.append(f"| {item['name']} | {m['config']['source']} | {m['documents']:,} | "
                     f"{m['tokens']:,} | {m['vocab_size']:,} | {m['dim']} | "
                     f"{m['seconds']['tokenize']:.0f} | {m['seconds']['train']:.0f} |")
    lines += ["", "| case | init | test acc | val acc | chosen | coverage (vocab / tokens) | "
              "s/epoch | gain |", "|---|---|---:|---:|---|---|---:|---:|"]
    random_accuracy = {row["case"]: row["metrics"]["test"]["accuracy"]
                       for row in rows if not row["pretrained"]}
    for row in rows:
        m = row["metrics"]
        coverage = m.get("embeddings", {}).get("coverage")
        shown = f"{coverage['vocab']:.1%} / {coverage['tokens']:.1%}" if coverage else "—"
        gain = (f"{100 * (m['test']['accuracy'] - random_accuracy[row['case']]):+.2f} pts"
                if row["pretrained"] and row["case"] in random_accuracy else "")
        lines.append(f"| {row['case']} | {'word2vec' if row['pretrained'] else 'random'} | "
                     f"{m['test']['accuracy']:.2%} | {m['validation_accuracy']:.2%} | "
                     f"{m['best']} | {shown} | {m['seconds']['per_epoch']:.1f} | {gain} |")
    lines += ["", "Nearest neighbours (cosine):", ""]
    for item in vectors:
        for word, neighbours in item["neighbours"].items():
            lines.append(f"- {item['name']} `{word}`: " +
                         ", ".join(f"{key} {score:.2f}" for key, score in neighbours))
    return "\n".join(lines) + "\n"


def measure(args: argparse.Namespace) -> recipe.Measured:
    names = args.only or list(CASES)
    vectors = [train_vectors(name, args.mirror, args.limit)
               for name in dict.fromkeys(CASES[case][5] for case in names)]
    rows = [run_case(name, pretrained, args.limit, args.mirror)
            for name in names for pretrained in (False, True)]
    return recipe.Measured({"vectors": vectors, "rows": rows},
                           lambda header: markdown(vectors, rows, header),
                           bool(args.only or args.limit))


def main() -> None:
    recipe.run("embeddings", __doc__, measure, cases=CASES,
               limit_help=recipe.TRAIN_LIMIT)


if __name__ == "__main__":
    main()
