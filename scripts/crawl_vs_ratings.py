"""Does the model agree with the stars? Score the raw Naver crawl per movie and correlate
the mean predicted P(positive) with the mean star rating (1-10).

    python scripts/crawl_vs_ratings.py RUN [--min-reviews 20] [--out movies.csv]

Reviews that are in NSMC (train or test) are left out, so the model is judged on reviews
it never saw. Uses only the public library API.
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import pandas as pd
from scipy import stats

import hansenti


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="a finished run directory, e.g. runs/nsmc-okt-cnn")
    parser.add_argument("--min-reviews", type=int, default=20,
                        help="movies with fewer reviews are left out of the movie-level figure")
    parser.add_argument("--out", help="write the per-movie table here (CSV)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, help="only the first N reviews (a quick look)")
    parser.add_argument("--mirror", default=os.environ.get("HANSENTI_MIRROR"))
    args = parser.parse_args()

    crawl = hansenti.open_corpus("naver-reviews", mirror=args.mirror, exclude_nsmc_train=True)
    records = crawl.load("all").records[:args.limit]
    classifier = hansenti.load(args.run)
    # P(positive): the second of a two-class run's columns
    probabilities = classifier.predict([r.text for r in records], n_jobs=args.jobs)[:, 1]
    reviews = pd.DataFrame({"movie": [r.group for r in records],
                            "rating": [r.rating for r in records],
                            "probability": probabilities})

    movies = reviews.groupby("movie").agg(reviews=("rating", "size"),
                                          mean_rating=("rating", "mean"),
                                          mean_probability=("probability", "mean"))
    movies = movies[movies["reviews"] >= args.min_reviews]
    pearson = stats.pearsonr(movies["mean_probability"], movies["mean_rating"])
    spearman = stats.spearmanr(movies["mean_probability"], movies["mean_rating"])
    review_level = stats.pearsonr(reviews["probability"], reviews["rating"])
    print(f"{len(reviews):,} crawl reviews outside NSMC, {len(movies):,} movies with "
          f">= {args.min_reviews} reviews")
    print(f"movie level: Pearson r = {pearson.statistic:.3f}, "
          f"Spearman rho = {spearman.statistic:.3f}")
    print(f"review level: Pearson r = {review_level.statistic:.3f} "
          f"(probability vs 1-10 stars)")
    by_star = reviews.groupby("rating")["probability"].mean()
    print("mean P(positive) by star rating: " +
          ", ".join(f"{star}: {p:.2f}" for star, p in by_star.items()))
    if args.out:
        movies.sort_values("reviews", ascending=False).to_csv(args.out)
        print(f"per-movie table -> {args.out}")
    agreement = np.mean((reviews["probability"] >= 0.5) == (reviews["rating"] >= 6))
    print(f"label agreement with stars >= 6: {agreement:.1%}")


if __name__ == "__main__":
    main()
