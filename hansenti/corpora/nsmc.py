"""NSMC: Naver sentiment movie corpus v1.0 (Lucy Park), 150K train / 50K test."""

from __future__ import annotations

from .base import Corpus, LoadReport, Review, Split
from .fetch import RemoteFile
from .tsv import read_rows

UPSTREAM = "https://raw.githubusercontent.com/e9t/nsmc/master/"
HEADER = ("id", "document", "label")


def read_labelled_tsv(corpus: Corpus, split: str, path_name: str) -> Split:
    """Parse an ``id<TAB>document<TAB>label`` file into reviews; empty texts are skipped."""
    path = corpus.directory / path_name
    report = LoadReport(f"{corpus.name}/{path_name}")
    records: list[Review] = []
    for number, (doc_id, text, label) in read_rows(path, HEADER, report):
        if label not in ("0", "1") or not doc_id.strip():
            report.skip(number, f"label {label[:10]!r} is not 0/1" if doc_id.strip() else "no id")
        elif not text.strip():
            report.skip(number, "empty document", empty=True)
        else:
            records.append(Review(doc_id, text, int(label), split))
    report.kept = len(records)
    return Split(split, records, report)


class NSMC(Corpus):
    name = "nsmc"
    description = "Naver movie reviews, binary sentiment (1-4 stars negative, 9-10 positive)"
    homepage = "https://github.com/e9t/nsmc"
    license = "CC0 1.0"
    mirror_folder = "nsmc"
    language = "ko"
    splits = ("train", "test")
    files = (
        RemoteFile("ratings_train.txt", UPSTREAM + "ratings_train.txt",
                   "b64a4192682a19f0edd4bbcaed4c1479d0a0904dec685417dd3cf2fca989c5e2", 14_376_095),
        RemoteFile("ratings_test.txt", UPSTREAM + "ratings_test.txt",
                   "1111e330585450a8f71219c3ebcef118b6dbd57f776b96a7b94976ae67f845cd", 4_785_202),
    )

    def _read(self, split: str) -> Split:
        return read_labelled_tsv(self, split, f"ratings_{split}.txt")

    def ids(self, split: str) -> set[str]:
        """Every review id of a split, empty documents included, for exclusion lists."""
        report = LoadReport(f"{self.name}/ratings_{split}.txt")
        path = self.directory / f"ratings_{split}.txt"
        return {fields[0] for _, fields in read_rows(path, HEADER, report)}
