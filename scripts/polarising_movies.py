"""Which movies split their audience? Rank movies of the raw Naver crawl by how divided
the model's verdicts are (share positive nearest 50%, with many reviews), and show what
each side says.

    python scripts/polarising_movies.py RUN [--top 10] [--min-reviews 50]

Uses the library API: ``hansenti.load`` to score, ``Predictor.explain`` to see why.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter

import pandas as pd

import hansenti
from hansenti.inference.analysis import COMMON_TOKENS, log_odds_tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--min-reviews", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, help="only the first N reviews (a quick look)")
    parser.add_argument("--mirror", default=os.environ.get("HANSENTI_MIRROR"))
    args = parser.parse_args()

    crawl = hansenti.open_corpus("naver-reviews", mirror=args.mirror)
    records = crawl.load("all").records[:args.limit]
    classifier = hansenti.load(args.run)
    tokens = classifier.tokenizer.tokenize_batch([r.text for r in records], n_jobs=args.jobs)
    probabilities = classifier.classifier.predict_proba(tokens)[:, 1]  # P(positive)
    reviews = pd.DataFrame({"movie": [r.group for r in records],
                            "rating": [r.rating for r in records],
                            "positive": probabilities >= 0.5})
    movies = reviews.groupby("movie").agg(reviews=("rating", "size"),
                                          share_positive=("positive", "mean"),
                                          rating_std=("rating", "std"))
    movies = movies[movies["reviews"] >= args.min_reviews]
    movies["division"] = 1 - 2 * (movies["share_positive"] - 0.5).abs()
    top = movies.sort_values(["division", "reviews"], ascending=False).head(args.top)

    overall = Counter(token for doc in tokens for token in set(doc))
    common = frozenset(token for token, _ in overall.most_common(COMMON_TOKENS))
    print(f"{len(movies):,} movies with >= {args.min_reviews} reviews; most divided:")
    for movie, row in top.iterrows():
        indices = reviews.index[reviews["movie"] == movie]
        liked = Counter(t for i in indices if reviews.at[i, "positive"] for t in set(tokens[i]))
        disliked = Counter(t for i in indices if not reviews.at[i, "positive"]
                           for t in set(tokens[i]))
        hints = log_odds_tokens(liked, disliked, overall, n=5, exclude=common)
        print(f"- movie {movie}: {int(row['reviews']):,} reviews, {row['share_positive']:.0%} "
              f"positive, star std {row['rating_std']:.1f}")
        print(f"    fans say: {', '.join(t for t, _ in hints['positive'])}")
        print(f"    critics say: {', '.join(t for t, _ in hints['negative'])}")


if __name__ == "__main__":
    main()
