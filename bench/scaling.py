"""Does tokenizing scale with worker processes? Okt (one JVM per worker) and Mecab, on a
20,000-review slice of NSMC train and on all of NSMC train + test, with 1 and 2 jobs,
each in a fresh process (cold JVMs, as a user's first command); plus how long one
Okt JVM takes to warm up alone and two side by side.

    python -m bench.scaling [--mirror ../shared/corpora]

Writes bench/results/scaling.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from . import recipe

SIZES = {"20K slice": 20_000, "all NSMC": None}


def tokenizing(name: str, size: int | None, jobs: int) -> dict:
    from hansenti import create_tokenizer, open_corpus

    corpus = open_corpus("nsmc")
    texts = corpus.load("train").texts + corpus.load("test").texts
    texts = texts[:size] if size else texts
    tokenizer = create_tokenizer(name)
    started = time.perf_counter()
    tokenizer.tokenize_batch(texts, n_jobs=jobs, progress=False)
    seconds = time.perf_counter() - started
    return {"docs": len(texts), "seconds": seconds, "docs_per_s": len(texts) / seconds}


def warm_up(_: int) -> float:
    from hansenti import create_tokenizer

    started = time.perf_counter()
    okt = create_tokenizer("okt")
    for _ in range(200):  # the first calls run interpreted while the JIT compiles
        okt.tokenize("배우들 연기가 정말 최고였다 스토리도 탄탄하고 강추합니다")
    return time.perf_counter() - started


def warm_ups() -> dict:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    result = {}
    for workers in (1, 2):
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            result[workers] = list(pool.map(warm_up, range(workers)))
    return result


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--one", help=argparse.SUPPRESS)


def measure(args: argparse.Namespace) -> recipe.Measured | None:
    if args.one:
        if args.one == "warm-up":
            print(json.dumps(warm_ups()))
        else:
            name, size, jobs = json.loads(args.one)
            print(json.dumps(tokenizing(name, size, jobs)))
        return

    def fresh(spec: str) -> dict:
        env = {**os.environ, **({"HANSENTI_MIRROR": args.mirror} if args.mirror else {})}
        out = subprocess.run(recipe.child(__spec__.name, "--one", spec), env=env, check=True,
                             cwd=recipe.ROOT, capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    names = args.only or ["okt", "mecab"]
    sizes = {f"{args.limit:,}-review slice": args.limit} if args.limit else SIZES
    rows = []
    for name in names:
        for label, size in sizes.items():
            for jobs in (1, 2):
                row = {"tokenizer": name, "slice": label, "jobs": jobs,
                       **fresh(json.dumps([name, size, jobs]))}
                rows.append(row)
                print(row, file=sys.stderr, flush=True)
    warm = fresh("warm-up") if "okt" in names else {}

    def render(header: str) -> str:
        lines = ["# Tokenizing with 1 and 2 worker processes", "", header, "",
                 "| tokenizer | texts | docs | 1 job docs/s | 2 jobs docs/s | speed-up |",
                 "|---|---|---:|---:|---:|---:|"]
        for name in names:
            for label in sizes:
                one, two = (next(r for r in rows if r["tokenizer"] == name and
                                 r["slice"] == label and r["jobs"] == jobs) for jobs in (1, 2))
                lines.append(f"| {name} | {label} | {one['docs']:,} | {one['docs_per_s']:,.0f} | "
                             f"{two['docs_per_s']:,.0f} | "
                             f"{two['docs_per_s'] / one['docs_per_s']:.2f}x |")
        if warm:
            lines += ["", f"Okt JVM start + 200 warm-up calls: {warm['1'][0]:.1f} s alone; "
                      f"{' and '.join(f'{s:.1f}' for s in warm['2'])} s for two side by side."]
        lines.append("")
        return "\n".join(lines)

    return recipe.Measured({"rows": rows, "warm_up_seconds": warm}, render,
                           bool(args.only or args.limit))


def main() -> None:
    recipe.run("scaling", __doc__, measure, options, cases=["okt", "mecab"],
               limit_help="one slice of N reviews instead of 20K and all NSMC")


if __name__ == "__main__":
    main()
