"""The raw Naver movie review crawl that NSMC was sampled from (712K reviews, unlabelled)."""

from __future__ import annotations

from hansenti.corpora.base import Corpus, LoadReport, Review, Split
from hansenti.corpora.fetch import RemoteFile
from hansenti.corpora.tsv import read_rows

from .nsmc import NSMC

HEADER = ("id", "movie_id", "rating", "document")


class NaverReviews(Corpus):
    name = "naver-reviews"
    description = ("Raw Naver movie review crawl, ratings 1-10, grouped by movie; "
                   "NSMC test reviews are always dropped")
    homepage = "https://github.com/e9t/nsmc"
    license = "CC0 1.0"
    mirror_folder = "nsmc"
    language = "ko"
    labelled = False
    splits = ("all",)
    test_corpus = "nsmc"
    files = (
        RemoteFile("naver_movie_reviews.tsv.gz", "https://github.com/e9t/nsmc/tree/master/raw",
                   "d522c1c11554203e2f62d2bba7e5cb366a56e50e199ea36bc5e51577b6e5891b", 30_907_892,
                   downloadable=False),
    )

    def __init__(self, *args, exclude_nsmc_train: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.exclude_nsmc_train = exclude_nsmc_train

    def excluded_ids(self) -> set[str]:
        """NSMC test ids (always) and train ids (on request): never train on test text."""
        nsmc = NSMC(mirror=self.mirror, home=self.directory.parent.parent, verify=self.verify)
        nsmc.fetch()
        excluded = nsmc.ids("test")
        if self.exclude_nsmc_train:
            excluded |= nsmc.ids("train")
        return excluded

    def _read(self, split: str) -> Split:
        excluded = self.excluded_ids()
        report = LoadReport(f"{self.name}/{self.files[0].path}")
        records: list[Review] = []
        path = self.directory / self.files[0].path
        for number, (doc_id, movie_id, rating, text) in read_rows(path, HEADER, report):
            if not rating.isdigit() or not 1 <= int(rating) <= 10:
                report.skip(number, f"rating {rating[:10]!r} is not 1-10")
            elif doc_id in excluded:
                report.excluded += 1
            elif not text.strip():
                report.skip(number, "empty document", empty=True)
            else:
                records.append(Review(doc_id, text, None, split, int(rating), movie_id))
        report.kept = len(records)
        return Split(split, records, report)
