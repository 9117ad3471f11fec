"""NSMC: Naver sentiment movie corpus v1.0 (Lucy Park), 150K train / 50K test."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hansenti.core.errors import CorpusError
from hansenti.corpora.base import Corpus, LoadReport, Review, Split
from hansenti.corpora.fetch import RemoteFile, recorded_sha256
from hansenti.corpora.tsv import read_rows

log = logging.getLogger("hansenti")

UPSTREAM = "https://raw.githubusercontent.com/e9t/nsmc/master/"
HEADER = ("id", "document", "label")
FILE_NAMES = ("ratings_train.txt", "ratings_test.txt")


@dataclass(frozen=True)
class Variant:
    """One known release of NSMC's two files: how they quote, and each file's
    (sha256, size)."""

    name: str
    quoted: bool
    files: tuple[tuple[str, int], tuple[str, int]]  # train, test


#: every release hansenti knows; a third is one more line. They are different random
#: draws of 100K reviews per class from the same crawl, so their test splits differ.
VARIANTS = (
    # e9t/nsmc as published, written by pandas to_csv with its default quoting
    Variant("upstream", quoted=True,
            files=(("e03b7d14e9e41be8d464a28057cd25d7396c53e67aa7fd5f7e552c59b0ee2940", 14_628_807),
                   ("8ac9f64052f11dbf6ae0acb5e038f03d90a76f0eda7820cfb3a92d02edfcebda", 4_893_335))),
    # rebuilt from upstream's raw crawl by its recipe (another draw of 100K per class),
    # quotes left raw: ../shared/corpora
    Variant("rebuilt mirror", quoted=False,
            files=(("b64a4192682a19f0edd4bbcaed4c1479d0a0904dec685417dd3cf2fca989c5e2", 14_376_095),
                   ("1111e330585450a8f71219c3ebcef118b6dbd57f776b96a7b94976ae67f845cd", 4_785_202))),
)
#: what an unverified file that matches no release (accepted with --no-verify) is read
#: as, with a warning
UNKNOWN = Variant("unknown", quoted=False, files=(("", 0), ("", 0)))


def remote_files(primary: str = "rebuilt mirror") -> tuple[RemoteFile, ...]:
    """The two files, accepting every known release; sizes and primary hash are those of
    ``primary`` (the copy this project is tested against)."""
    main = next(variant for variant in VARIANTS if variant.name == primary)
    return tuple(
        RemoteFile(name, UPSTREAM + name, main.files[index][0], main.files[index][1],
                   also_known=tuple(v.files[index][0] for v in VARIANTS if v is not main))
        for index, name in enumerate(FILE_NAMES))


def variant_of(sha256s: tuple[str | None, str | None]) -> Variant:
    """The release whose files have these checksums (train, test)."""
    found = [next((v for v in VARIANTS if v.files[index][0] == sha), None)
             for index, sha in enumerate(sha256s)]
    if found[0] is not None and found[0] is found[1]:
        return found[0]
    if None not in found:
        raise CorpusError(f"NSMC train is the {found[0].name} release but test is the "
                          f"{found[1].name} one: their splits overlap; fetch both files "
                          "from one source")
    return UNKNOWN


def read_labelled_tsv(corpus: Corpus, split: str, path_name: str, quoted: bool = False) -> Split:
    """Parse an ``id<TAB>document<TAB>label`` file into reviews; empty texts are skipped."""
    path = corpus.directory / path_name
    report = LoadReport(f"{corpus.name}/{path_name}")
    records: list[Review] = []
    for number, (doc_id, text, label) in read_rows(path, HEADER, report, quoted):
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
    files = remote_files()

    def variant(self) -> Variant:
        """Which release is in the cache (fetched first if needed), by the checksums
        recorded when it was fetched."""
        self.fetch()
        found = variant_of(tuple(recorded_sha256(self.directory / name) for name in FILE_NAMES))
        if found is UNKNOWN:
            log.warning("nsmc: the cached files match no known release; reading them "
                        "unquoted, as the rebuilt mirror is")
        return found

    def variant_name(self) -> str:
        return self.variant().name

    def _read(self, split: str) -> Split:
        return read_labelled_tsv(self, split, f"ratings_{split}.txt", self.variant().quoted)

    def ids(self, split: str) -> set[str]:
        """Every review id of a split, empty documents included, for exclusion lists."""
        report = LoadReport(f"{self.name}/ratings_{split}.txt")
        path = self.directory / f"ratings_{split}.txt"
        return {fields[0] for _, fields in read_rows(path, HEADER, report,
                                                     self.variant().quoted)}
