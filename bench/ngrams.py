"""Do character n-grams help NB-LR? Mecab-token `nblr` with token 1-2-grams (the default
model's recipe) against token 1-3-grams plus character 2-5-grams, both NB-weighted, on
full NSMC, seeds 1-3; C is chosen on each seed's validation split, test scored once.

    python bench/ngrams.py [--mirror DIR] [--only CASE] [--limit N]

Writes bench/results/ngrams.{json,md}.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from publish import case_arguments, publish

CASES = {
    "tokens-1-2": {},
    "tokens-1-3+chars-2-5": {"ngram_max": 3, "char_ngram_max": 5, "min_df": 2},
}
SEEDS = (1, 2, 3)


def main() -> None:
    from hansenti.config import TrainConfig
    from hansenti.training.trainer import train

    args = case_arguments(__doc__.splitlines()[0], CASES)
    rows = []
    with tempfile.TemporaryDirectory(prefix="hansenti-ngrams-") as work:
        for case in args.only or CASES:
            for seed in SEEDS:
                config = TrainConfig(corpus="nsmc", tokenizer="mecab", model="nblr",
                                     model_options=CASES[case], seed=seed, limit=args.limit)
                metrics = train(config, Path(work) / f"{case}-seed{seed}", mirror=args.mirror,
                                jobs=2)
                rows.append({"case": case, "seed": seed, "options": CASES[case],
                             "validation": metrics["validation"]["score"],
                             "test": metrics["test"]["accuracy"],
                             "C": metrics["best"].get("C"), "ngrams": metrics.get("ngrams"),
                             "train_seconds": metrics["seconds"]["train"]})
                print(rows[-1], flush=True)
    publish("ngrams", bool(args.only or args.limit), {"rows": rows},
            lambda header: render(rows, header))


def render(rows: list[dict], header: str) -> str:
    lines = ["# Character n-grams in NB-LR (NSMC, Mecab tokens)", "", header, "",
             "| features | validation (mean) | test, seeds 1-3 | test mean ± std | n-grams | "
             "train s |", "|---|---:|---|---:|---:|---:|"]
    for case in dict.fromkeys(row["case"] for row in rows):
        mine = [row for row in rows if row["case"] == case]
        tests = [row["test"] for row in mine]
        spread = statistics.stdev(tests) if len(tests) > 1 else 0.0
        lines.append(
            f"| {case} | {statistics.mean(r['validation'] for r in mine):.2%} | "
            + ", ".join(f"{t:.2%}" for t in tests)
            + f" | {statistics.mean(tests):.2%} ± {spread:.2%} | "
            f"{statistics.mean(r['ngrams'] for r in mine):,.0f} | "
            f"{statistics.mean(r['train_seconds'] for r in mine):.0f} |")
    lines += ["", "C is chosen from the default grid (0.1, 0.3, 1, 3) on each seed's validation "
              "split (10% of train); the test split is scored once per run.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
