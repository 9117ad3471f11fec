"""Tokenizer throughput on full NSMC (train + test) and IMDB: hansenti against the raw library.

    python -m bench.tokenizers [--only okt --only mecab] [--jobs 2] [--limit N]

For each tokenizer, in a fresh subprocess (so peak memory is its own): the raw library
called directly in one process (e.g. an ``Okt().morphs`` loop, analyser already built),
then hansenti cold (empty cache, worker start-up included) and cached (loaded from the
token cache). Also tokens per document, train vocabulary size, OOV rate of test tokens
against the train vocabulary. Writes bench/results/tokenizers.{json,md}.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from . import recipe

#: (label, registry name, options, corpus)
CASES = [
    ("whitespace", "whitespace", {}, "nsmc"),
    ("char", "char", {}, "nsmc"),
    ("jamo", "jamo", {}, "nsmc"),
    ("okt", "okt", {}, "nsmc"),
    ("mecab", "mecab", {}, "nsmc"),
    ("kiwi", "kiwi", {}, "nsmc"),
    ("spm unigram 16K", "spm", {"vocab_size": 16_000}, "nsmc"),
    ("mecab-spm bpe 16K", "mecab-spm", {"vocab_size": 16_000, "model_type": "bpe"}, "nsmc"),
    ("whitespace", "whitespace", {}, "imdb"),
    ("english", "english", {}, "imdb"),
]


def raw_function(name: str, options: dict, tokenizer) -> Callable[[list[str]], list] | None:
    """The backend library called directly in this process, analyser built beforehand."""
    if name == "whitespace":
        return lambda texts: [text.split() for text in texts]
    if name == "okt":
        from konlpy.tag import Okt

        okt = Okt()
        okt.morphs("워밍업")
        return lambda texts: [okt.morphs(t, norm=options.get("norm", False),
                                         stem=options.get("stem", False)) for t in texts]
    if name == "mecab":
        from mecab import MeCab

        mecab = MeCab()
        return lambda texts: [mecab.morphs(text) for text in texts]
    if name == "kiwi":
        from kiwipiepy import Kiwi

        kiwi = Kiwi(num_workers=0)
        return lambda texts: [[token.form for token in kiwi.tokenize(text)] for text in texts]
    if name == "spm":
        import sentencepiece

        processor = sentencepiece.SentencePieceProcessor(model_proto=tokenizer.artifacts()["spm.model"])
        return lambda texts: processor.encode(texts, out_type=str, num_threads=1)
    return None


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def tokenizing(label: str, name: str, options: dict, corpus_name: str, jobs: int,
            limit: int | None) -> dict:
    """One case, run inside its own process."""
    from hansenti import create_tokenizer, open_corpus
    from hansenti.core.parallel import gc_paused
    from hansenti.tokenizers.cache import TokenCache, write_tokens
    from hansenti.tokenizers.vocab import Vocab

    corpus = open_corpus(corpus_name)
    train, test = corpus.load("train").texts, corpus.load("test").texts
    if limit:
        train, test = train[:limit], test[:limit // 3]
    texts = train + test
    tokenizer = create_tokenizer(name, **options)
    row = {"tokenizer": label, "corpus": corpus_name, "docs": len(texts), "jobs": jobs}
    if tokenizer.trainable:
        started = time.perf_counter()
        tokenizer.fit(train)
        row["fit_s"] = time.perf_counter() - started

    raw = raw_function(name, options, tokenizer)
    gc.freeze()  # the loaded corpus is not garbage: keep collections off it, for both sides
    if raw is not None:
        started = time.perf_counter()
        with gc_paused():  # the strictest baseline: the raw loop without GC passes either
            raw(texts)
        row["raw_s"] = time.perf_counter() - started

    started = time.perf_counter()
    documents = tokenizer.tokenize_batch(texts, n_jobs=jobs, progress=False)
    row["batch_s"] = time.perf_counter() - started
    cache = TokenCache(Path(os.environ["HANSENTI_HOME"]) / "tokens")
    started = time.perf_counter()
    write_tokens(cache.path(tokenizer, texts, f"bench-{corpus_name}"), documents)
    row["cold_s"] = row["batch_s"] + time.perf_counter() - started
    started = time.perf_counter()
    assert cache.tokenize(tokenizer, texts, f"bench-{corpus_name}") == documents
    row["cached_s"] = time.perf_counter() - started

    train_docs, test_docs = documents[:len(train)], documents[len(train):]
    vocab = Vocab.build(train_docs)
    row.update(tokens_per_doc=sum(map(len, documents)) / len(documents),
               vocab=len(vocab) - 3, oov=vocab.oov_rate(test_docs), peak_mb=peak_rss_mb())
    return row


def run_case(case: tuple, jobs: int, limit: int | None, home: str) -> dict:
    label, name, options, corpus = case
    command = recipe.child(__spec__.name, "--one", json.dumps([label, name, options, corpus]),
                           "--jobs", str(jobs), *(["--limit", str(limit)] if limit else []))
    print(f"== {label} on {corpus}", file=sys.stderr, flush=True)
    result = subprocess.run(command, capture_output=True, text=True, cwd=recipe.ROOT,
                            env={**os.environ, "HANSENTI_HOME": home})
    if result.returncode != 0:
        last_line = (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[-1]
        return {"tokenizer": label, "corpus": corpus, "error": last_line[:200]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def rate(row: dict, key: str) -> float | None:
    return row["docs"] / row[key] if row.get(key) else None


def markdown(rows: list[dict], header: str) -> str:
    lines = [header, "",
             "| tokenizer | corpus | docs | raw 1-proc docs/s | hansenti batch docs/s | ratio | "
             "cold (batch + cache write) docs/s | cached load s | tokens/doc | train vocab | "
             "test OOV | peak MB | fit s |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['tokenizer']} | {row['corpus']} | error: {row['error']} |")
            continue
        raw, batch, cold = rate(row, "raw_s"), rate(row, "batch_s"), rate(row, "cold_s")
        ratio = f"{batch / raw:.2f}x" if raw else "—"
        fit = f"{row['fit_s']:.1f}" if "fit_s" in row else "—"
        lines.append(
            f"| {row['tokenizer']} | {row['corpus']} | {row['docs']:,} | "
            f"{f'{raw:,.0f}' if raw else '—'} | {batch:,.0f} | {ratio} | {cold:,.0f} | "
            f"{row['cached_s']:.2f} | "
            f"{row['tokens_per_doc']:.1f} | {row['vocab']:,} | {row['oov']:.2%} | "
            f"{row['peak_mb']:,.0f} | {fit} |")
    return "\n".join(lines) + "\n"


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only", action="append", help="tokenizer label(s) to run")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--one", help=argparse.SUPPRESS)


def measure(args: argparse.Namespace) -> recipe.Measured | None:
    if args.one:
        label, name, tokenizer_options, corpus = json.loads(args.one)
        print(json.dumps(tokenizing(label, name, tokenizer_options, corpus, args.jobs,
                                    args.limit)))
        return None
    cases = [c for c in CASES if not args.only or c[0] in args.only]
    with tempfile.TemporaryDirectory(prefix="hansenti-bench-") as home:
        # fetch once into the throw-away home so every case reads the same cache
        subprocess.run([sys.executable, "-m", "hansenti", "-q", "corpora", "fetch", "nsmc",
                        "imdb"], check=True, env={**os.environ, "HANSENTI_HOME": home})
        rows = [run_case(case, args.jobs, args.limit, home) for case in cases]
    return recipe.Measured({"rows": rows}, lambda header: markdown(rows, header),
                           bool(args.only or args.limit),
                           settings=f", jobs={args.jobs}" + (f", limit={args.limit}"
                                                              if args.limit else ""))


def main() -> None:
    recipe.run("tokenizers", __doc__, measure, options,
               limit_help=recipe.TRAIN_LIMIT)

if __name__ == "__main__":
    main()
