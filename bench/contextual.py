"""Contextual embeddings (ELMo) against word vectors: same tokenizer, classifier and seeds.

    python -m bench.contextual [--only nsmc-mecab-cnn] [--seeds 1,2,3] [--limit N]
        [--pretrain-limit N] [--variants random,word2vec,elmo,elmo+word2vec,elmo-finetuned]

Pre-trains each case's biLM with `hansenti embed train --algo elmo` defaults on unlabelled
text without test reviews (the raw Naver crawl minus NSMC test; IMDB train + unsup) —
resumable, so an interrupted pre-training continues — and its word2vec vectors as
bench/embeddings.py does, then trains the case's classifier per seed with a random
embedding, word2vec-initialised, with the frozen biLM's features (`-p contextual=`,
random token embedding), with both, and with the biLM fine-tuned by gradual unfreezing
(`-p contextual_finetune=gradual`); up to 4 epochs each, chosen on validation, test
scored once. The classifiers train on a stratified slice of each corpus (SLICES: reading
every token through the biLM costs 5-6x a plain CNN's epoch on these CPUs; the slice is
stated in the report), --limit N sets another. Every run is kept under
bench/runs/contextual/ and read back when finished, so a stopped measurement resumes.
Writes bench/results/contextual.{json,md}: per variant the test accuracy per seed, mean and
std, the gain over word2vec, the median seconds per epoch, and each biLM's cost and held-out
perplexity. --pretrain-limit N pre-trains the biLM and vectors on N unlabelled documents.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import embeddings, recipe
from .publish import RUNS as BENCH_RUNS

if TYPE_CHECKING:
    from hansenti.core.config import TrainConfig

RUNS = BENCH_RUNS / "contextual"
#: biLM name -> BiLMConfig settings (the rest are `hansenti embed train --algo elmo`'s);
#: IMDB's 20.0M tokens an epoch are near the crawl's 12.1M x 2: one epoch each
BILMS = {"naver-mecab-elmo": {"source": "naver-reviews", "tokenizer": "mecab"},
         "imdb-english-elmo": {"source": "imdb:train+unsup", "tokenizer": "english",
                               "epochs": 1}}
#: case (of bench/embeddings.py) -> its biLM
CASES = {"nsmc-mecab-cnn": "naver-mecab-elmo", "imdb-english-cnn": "imdb-english-elmo"}
#: case -> train documents the classifiers learn from unless --limit (a third as many test):
#: IMDB's CNN reads 400 tokens a review, NSMC's 48 (mean + 2 std), so its slice is smaller
SLICES = {"nsmc-mecab-cnn": 20_000, "imdb-english-cnn": 6_000}
VARIANTS = ("random", "word2vec", "elmo", "elmo+word2vec", "elmo-finetuned")
#: every variant's epochs, on top of the case's options (the fine-tuned biLM unfreezes a
#: layer per epoch: 4 epochs reach its token encoder)
TRAINING = {"epochs": 4, "patience": 2}


def bilm_dir(name: str, limit: int | None = None) -> Path:
    return embeddings.RUNS / (f"{name}-limit{limit}" if limit else name)


def ready_bilm(name: str, mirror: str | None, limit: int | None = None) -> dict:
    """bilm.json of biLM ``name``, pre-trained (or continued) unless its folder holds it
    with the same settings (training logs its own progress)."""
    from hansenti.embeddings.contextual import BiLMConfig
    from hansenti.training import language_model

    return language_model.ready_bilm(BiLMConfig(**BILMS[name], limit=limit),
                                     bilm_dir(name, limit), mirror, jobs=2)


def variant_config(case: str, variant: str, seed: int, limit: int | None,
                   pretrain_limit: int | None) -> TrainConfig:
    """Case ``case`` of bench/embeddings.py as ``variant`` with ``seed``, on ``limit``
    train documents, its biLM and vectors learnt from ``pretrain_limit`` documents."""
    config = embeddings.case_config(case, pretrained="word2vec" in variant, seed=seed)
    vectors = embeddings.vectors_dir(embeddings.CASES[case][5], pretrain_limit)
    config = replace(config, limit=limit, embeddings=config.embeddings and str(vectors),
                     model_options={**config.model_options, **TRAINING})
    if "elmo" in variant:
        folder = bilm_dir(CASES[case], pretrain_limit).resolve()
        tuned = {"contextual_finetune": "gradual"} if variant.endswith("finetuned") else {}
        config = replace(config, model_options={**config.model_options,
                                                "contextual": str(folder), **tuned})
    return config


def run_variant(case: str, variant: str, seed: int, limit: int | None,
                pretrain_limit: int | None, mirror: str | None) -> dict:
    config = variant_config(case, variant, seed, limit, pretrain_limit)
    suffix = (f"-limit{limit}" if limit else "") + (
        f"-pretrain{pretrain_limit}" if pretrain_limit else "")
    run_dir = embeddings.trained(config, RUNS / f"{case}-{variant}-seed{seed}{suffix}", mirror)
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    return {"case": case, "variant": variant, "seed": seed, "run": run_dir.name,
            "train_documents": limit,
            "test_accuracy": metrics["test"]["accuracy"],
            "validation_accuracy": metrics["validation_accuracy"], "best": metrics["best"],
            "seconds_per_epoch": metrics["seconds"]["per_epoch"],
            "contextual": metrics.get("contextual")}


def summary(rows: list[dict]) -> list[dict]:
    """Per (case, variant): test accuracy per seed, mean, std and the gain over word2vec."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["case"], row["variant"]), []).append(row)
    means = {key: statistics.mean(r["test_accuracy"] for r in group)
             for key, group in groups.items()}
    result = []
    for (case, variant), group in groups.items():
        tests = [r["test_accuracy"] for r in group]
        baseline = means.get((case, "word2vec"))
        result.append({
            "case": case, "variant": variant, "seeds": [r["seed"] for r in group],
            "train_documents": group[0]["train_documents"],
            "test": tests, "mean": means[(case, variant)],
            "std": statistics.stdev(tests) if len(tests) > 1 else 0.0,
            "validation_mean": statistics.mean(r["validation_accuracy"] for r in group),
            "gain_over_word2vec": None if baseline is None else means[(case, variant)] - baseline,
            # the median: one seed's epochs may have run beside other work
            "seconds_per_epoch": statistics.median(r["seconds_per_epoch"] for r in group)})
    return result


def pretraining_hours(meta: dict) -> float:
    """A biLM's training hours from each epoch's tokens/s (an epoch interrupted before its
    first checkpoint recorded the time since then only; its rate covers the rest)."""
    return sum(meta["tokens"] / epoch["tokens_per_s"] for epoch in meta["history"]) / 3600


def markdown(bilms: dict[str, dict], table: list[dict], header: str) -> str:
    lines = [header, "", "| biLM | source | documents | tokens | layers x units | "
             "parameters | epochs | tokens/s (last epoch) | hours (tokens / rate) | "
             "held-out perplexity |",
             "|---|---|---:|---:|---|---:|---:|---:|---:|---:|"]
    for name, meta in bilms.items():
        config, last = meta["config"], meta["history"][-1]
        lines.append(f"| {name} | {config['source']} | {meta['documents']:,} | "
                     f"{meta['tokens']:,} | {config['layers']} x {config['units']} | "
                     f"{meta['parameters']['encoder_and_lstms']:,} | {len(meta['history'])} | "
                     f"{last['tokens_per_s']:,.0f} | {pretraining_hours(meta):.2f} | "
                     f"{meta['heldout_perplexity']:.1f} |")
    lines += ["", "Classifiers trained on stratified slices: train documents (a tenth of them "
              "for validation; a third as many test documents, scored once).", "",
              "| case | train slice | variant | test per seed | mean ± std | validation | "
              "gain over word2vec | s/epoch (median) |", "|---|---:|---|---|---:|---:|---:|---:|"]
    for row in table:
        gain = ("" if row["gain_over_word2vec"] is None
                else f"{100 * row['gain_over_word2vec']:+.2f} pts")
        lines.append(f"| {row['case']} | {row['train_documents']:,} | {row['variant']} | "
                     + ", ".join(f"{t:.2%}" for t in row["test"])
                     + f" | {row['mean']:.2%} ± {row['std']:.2%} | "
                     f"{row['validation_mean']:.2%} | {gain} | {row['seconds_per_epoch']:.0f} |")
    return "\n".join(lines) + "\n"


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated, of {', '.join(VARIANTS)}")
    parser.add_argument("--pretrain-limit", type=int,
                        help="unlabelled documents the biLM and vectors learn from "
                             "(default: all)")


def measure(args: argparse.Namespace) -> recipe.Measured:
    cases = args.only or list(CASES)
    seeds = [int(seed) for seed in args.seeds.split(",")]
    variants = [v for v in args.variants.split(",") if v]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        sys.exit(f"bench.contextual: unknown variant(s) {', '.join(unknown)}")
    pretrain = args.pretrain_limit
    bilms = {CASES[case]: ready_bilm(CASES[case], args.mirror, pretrain) for case in cases}
    for case in cases:
        embeddings.ready_vectors(embeddings.CASES[case][5], args.mirror, pretrain)
    rows = [run_variant(case, variant, seed, args.limit or SLICES[case], pretrain, args.mirror)
            for case in cases for seed in seeds for variant in variants]
    table = summary(rows)
    partial = (bool(args.only or args.limit or pretrain) or len(seeds) < 3
               or len(variants) < len(VARIANTS))
    return recipe.Measured({"bilms": bilms, "rows": rows, "summary": table},
                           lambda header: markdown(bilms, table, header), partial)


def main() -> None:
    recipe.run("contextual", __doc__, measure, options, cases=CASES,
               limit_help=recipe.TRAIN_LIMIT)


if __name__ == "__main__":
    main()
