"""What the review-text normaliser does for each tokenizer, on NSMC validation.

    python -m bench.normalize [--only mecab ...] [--limit N]

For each tokenizer, the same `nblr` run (token 1-2-grams, C chosen on validation, seed 42)
three times: text as it is, ``normalize=repeats+emoji-space`` (runs of a repeated
character or pair cut to two, emoji and emoticons set apart) and
``normalize=spacing+repeats+emoji-space`` (Kiwi restores the spacing first). Reported:
validation accuracy (the split the choice would be made on; test is not looked at here),
the vocabulary and tokens per review, and the tokenizing time. Runs go to
bench/runs/normalize/; writes bench/results/normalize.{json,md}.
"""

from __future__ import annotations

import argparse
import shutil
import sys

from . import recipe
from .publish import RUNS

#: label -> (tokenizer, its options)
TOKENIZERS = {"whitespace": ("whitespace", {}), "char": ("char", {}),
              "mecab": ("mecab", {}), "kiwi": ("kiwi", {}), "okt": ("okt", {}),
              "spm-unigram-16k": ("spm", {"vocab_size": 16_000})}
#: setting -> the normalize spec (None: the text as it is)
SETTINGS = {"as is": None, "repeats+emoji": "repeats+emoji-space",
            "spacing+repeats+emoji": "spacing+repeats+emoji-space"}


def run_case(label: str, setting: str, limit: int | None, mirror: str | None) -> dict:
    from hansenti.core.config import TrainConfig
    from hansenti.training.trainer import train

    name, options = TOKENIZERS[label]
    spec = SETTINGS[setting]
    config = TrainConfig(corpus="nsmc", tokenizer=name, model="nblr", seed=42, limit=limit,
                         tokenizer_options={**options, **({"normalize": spec} if spec else {})})
    run_dir = RUNS / "normalize" / f"{label}-{setting.replace('+', '-').replace(' ', '-')}" \
        f"{f'-limit{limit}' if limit else ''}"
    shutil.rmtree(run_dir, ignore_errors=True)
    print(f"== {label}, {setting}", file=sys.stderr, flush=True)
    metrics = train(config, run_dir, mirror=mirror, jobs=2)
    return {"tokenizer": label, "setting": setting, "normalize": spec,
            "validation": metrics["validation"]["accuracy"],
            "validation_macro_f1": metrics["validation"]["macro_f1"],
            "best": metrics["best"], "vocab_size": metrics["vocab_size"],
            "tokens_per_doc": metrics["tokens_per_doc"],
            "tokenize_seconds": metrics["seconds"]["tokenize_compute"],
            "documents": metrics["documents"]}


def render(rows: list[dict]):
    def markdown(header: str) -> str:
        lines = ["# The review-text normaliser, per tokenizer", "", header, "",
                 "NSMC validation accuracy (%) of the same `nblr` run (token 1-2-grams, C chosen "
                 "on validation), by what the tokenizer's `normalize` option does; in brackets "
                 "the change from the text as it is. Vocabulary and tokens per review in the "
                 "second table.", "",
                 "| tokenizer | " + " | ".join(SETTINGS) + " |",
                 "|---|" + "---:|" * len(SETTINGS)]
        labels = list(dict.fromkeys(row["tokenizer"] for row in rows))
        cells = {(row["tokenizer"], row["setting"]): row for row in rows}
        for label in labels:
            base = cells.get((label, "as is"))
            parts = []
            for setting in SETTINGS:
                row = cells.get((label, setting))
                if row is None:
                    parts.append("—")
                elif base is None or row is base:
                    parts.append(f"{100 * row['validation']:.2f}")
                else:
                    parts.append(f"{100 * row['validation']:.2f} "
                                 f"({100 * (row['validation'] - base['validation']):+.2f})")
            lines.append(f"| {label} | " + " | ".join(parts) + " |")
        lines += ["", "| tokenizer | setting | vocabulary | tokens/review | tokenize s |",
                  "|---|---|---:|---:|---:|"]
        lines += [f"| {row['tokenizer']} | {row['setting']} | {row['vocab_size']:,} | "
                  f"{row['tokens_per_doc']:.1f} | {row['tokenize_seconds'] or 0:.0f} |"
                  for row in rows]
        return "\n".join(lines) + "\n"

    return markdown


def measure(args: argparse.Namespace) -> recipe.Measured:
    from hansenti.tokenizers.base import tokenizers

    labels = [label for label in args.only or TOKENIZERS
              if not tokenizers.get(TOKENIZERS[label][0]).backend_missing()]
    rows = [run_case(label, setting, args.limit, args.mirror)
            for label in labels for setting in SETTINGS]
    return recipe.Measured({"rows": rows}, render(rows),
                           bool(args.only or args.limit) or len(labels) < len(TOKENIZERS))


def main() -> None:
    recipe.run("normalize", __doc__, measure, cases=TOKENIZERS,
               limit_help="train documents (default: all)")


if __name__ == "__main__":
    main()
