"""IMDB: Large Movie Review Dataset v1.0 (Maas et al., 2011), 25K/25K + 50K unlabelled."""

from __future__ import annotations

import re

from hansenti.corpora.base import Corpus, LoadReport, Review, Split
from hansenti.corpora.fetch import RemoteFile, safe_extract

ARCHIVE = "aclImdb_v1.tar.gz"
_FILE_NAME = re.compile(r"(\d+)_(\d+)\.txt")


class IMDB(Corpus):
    name = "imdb"
    description = "IMDB movie reviews, binary sentiment (<=4 negative, >=7 positive), English"
    homepage = "https://ai.stanford.edu/~amaas/data/sentiment/"
    license = "research use; cite Maas et al., ACL 2011"
    mirror_folder = "imdb"
    language = "en"
    splits = ("train", "test", "unsup")
    files = (
        RemoteFile(ARCHIVE, "https://ai.stanford.edu/~amaas/data/sentiment/" + ARCHIVE,
                   "0638700776929770a161d14a4d5a850b1af54b93e13ab6dc09f19640784c5898", 59_904_513),
    )

    def prepare(self) -> None:
        safe_extract(self.directory / ARCHIVE, self.directory / "extracted")

    def _read(self, split: str) -> Split:
        root = self.directory / "extracted" / "aclImdb"
        subsplit, labels = ("train", {"unsup": None}) if split == "unsup" else \
            (split, {"neg": 0, "pos": 1})
        report = LoadReport(f"{self.name}/{subsplit}")
        records: list[Review] = []
        for folder, label in labels.items():
            for path in sorted((root / subsplit / folder).glob("*.txt"),
                               key=lambda p: _sort_key(p.name)):
                report.rows += 1
                match = _FILE_NAME.fullmatch(path.name)
                where = f"{folder}/{path.name}"
                try:
                    text = path.read_text(encoding="utf-8").strip()
                except UnicodeDecodeError as error:
                    report.skip(where, f"not UTF-8 ({error.reason})")
                    continue
                if match is None:
                    report.skip(where, "name is not <id>_<rating>.txt")
                elif not text:
                    report.skip(where, "empty document", empty=True)
                else:
                    rating = int(match.group(2)) or None  # unsup files are rated 0
                    records.append(Review(f"{subsplit}/{folder}/{match.group(1)}", text,
                                          label, split, rating))
        report.kept = len(records)
        return Split(split, records, report)


def _sort_key(name: str) -> tuple[int, str]:
    match = _FILE_NAME.fullmatch(name)
    return (int(match.group(1)) if match else -1, name)
