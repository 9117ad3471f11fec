"""Time per document on hostile input: every registered tokenizer on 1,000,000-character
texts (one endless word, random syllables, repeated jamo, mixed scripts, control and
zero-width characters, ordinary reviews run together), through the path every hansenti
command takes (review limit, then ``tokenize_batch``). Goal: each under 2 s.

    python -m bench.hostile [--only okt] [--mirror ../shared/corpora]

Writes bench/results/hostile.{json,md}.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from . import recipe

SIZE = 1_000_000
GOAL_SECONDS = 2.0


def hostile_texts(mirror: Path | None) -> dict[str, str]:
    """Named texts of :data:`SIZE` characters each."""
    rng = random.Random(0)
    texts = {
        "one word, repeated phrase": "재밌어요진짜" * (SIZE // 6),
        "one word, random syllables": "".join(chr(rng.randint(0xAC00, 0xD7A3)) for _ in range(SIZE)),
        "repeated jamo": "ㅋ" * SIZE,
        "mixed scripts": " ".join(rng.choice(["영화", "movie", "映画", "фильм", "🎬", "٣٤", "x" * 40])
                                  for _ in range(SIZE // 5)),
        "control and zero-width": "".join(rng.choice(["\u200b", "\u200d", "\x00", "\x1b", "\ufeff",
                                                      "재", "a", "\t", "\r", "\u202e"])
                                          for _ in range(SIZE)),
    }
    if mirror:
        lines = (mirror / "nsmc" / "ratings_test.txt").read_text(encoding="utf-8").splitlines()
        reviews = " ".join(line.split("\t")[1] for line in lines[1:] if line.count("\t") == 2)
        texts["reviews run together"] = reviews[:SIZE]
    return {name: text[:SIZE] for name, text in texts.items()}


def tokenizer_for(name: str, mirror: Path | None):
    from hansenti.tokenizers.base import create_tokenizer, tokenizers
    from hansenti.tokenizers.cache import fit_cached

    tokenizer = create_tokenizer(name)
    if tokenizers.get(name).trainable:
        lines = (mirror / "nsmc" / "ratings_train.txt").read_text(encoding="utf-8").splitlines()
        texts = [line.split("\t")[1] for line in lines[1:20_001] if line.count("\t") == 2]
        tokenizer = fit_cached(tokenizer, texts, "bench-hostile")
    tokenizer.tokenize_batch(["워밍업 문장입니다 warm up"])  # backends start outside the clock
    return tokenizer


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only", action="append", help="this tokenizer only (repeatable)")


def measure(args: argparse.Namespace) -> recipe.Measured:
    from hansenti.core.text import review_limit, shorten_all
    from hansenti.tokenizers.base import tokenizers

    mirror = Path(args.mirror) if args.mirror else None
    texts = hostile_texts(mirror)
    names = args.only or [name for name in tokenizers.names()
                          if not tokenizers.get(name).backend_missing()
                          and (mirror or not tokenizers.get(name).trainable)]
    rows = []
    for name in names:
        tokenizer = tokenizer_for(name, mirror)
        for kind, text in texts.items():
            started = time.perf_counter()
            tokens = tokenizer.tokenize_batch(shorten_all([text], tokenizer)[0])[0]
            seconds = time.perf_counter() - started
            rows.append({"tokenizer": name, "input": kind, "seconds": seconds,
                         "tokens": len(tokens), "within_goal": seconds <= GOAL_SECONDS})
            print(f"{name:12} {kind:28} {seconds:7.3f} s {len(tokens):>8,} tokens",
                  file=sys.stderr, flush=True)

    def render(header: str) -> str:
        worst = max(rows, key=lambda row: row["seconds"])
        lines = ["# Hostile input: seconds per 1,000,000-character document", "", header, "",
                 f"Review limit {review_limit():,} characters, Okt "
                 f"{review_limit(tokenizers.get('okt')):,} (first and last halves kept); "
                 f"goal ≤ {GOAL_SECONDS:g} s per document. Slowest: {worst['tokenizer']} on "
                 f"'{worst['input']}', {worst['seconds']:.2f} s; "
                 f"{sum(not row['within_goal'] for row in rows)} of {len(rows)} over the goal.",
                 "", "| tokenizer | " + " | ".join(texts) + " |",
                 "|---|" + "---:|" * len(texts)]
        for name in names:
            cells = {row["input"]: row["seconds"] for row in rows if row["tokenizer"] == name}
            lines.append(f"| {name} | " + " | ".join(f"{cells[kind]:.3f}" for kind in texts) + " |")
        return "\n".join(lines) + "\n"

    return recipe.Measured({"rows": rows, "review_limit": review_limit()}, render,
                           bool(args.only))


def main() -> None:
    recipe.run("hostile", __doc__, measure, options)


if __name__ == "__main__":
    main()
