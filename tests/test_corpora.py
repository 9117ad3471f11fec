"""Corpus fetching, verification, safe extraction, parsing reports and splits."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from hansenti.corpora import open_corpus, stratified_sample, train_validation_split
from hansenti.corpora.base import Review
from hansenti.corpora.fetch import RemoteFile, safe_extract
from hansenti.corpora.nsmc import NSMC
from hansenti.errors import CorpusError

MALFORMED_TSV = (
    "id\tdocument\tlabel\n"
    "1\t좋은 영화\t1\n"
    "2\t\t0\n"
    "3\t별로\t2\n"
    "4\t탭이\t하나 더\t1\n"
).encode() + b"5\t\xff\xfe broken\t0\n" + "6\t최고\t1\n".encode()


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.fixture
def fake_mirror(tmp_path: Path) -> Path:
    folder = tmp_path / "mirror" / "nsmc"
    folder.mkdir(parents=True)
    (folder / "ratings_train.txt").write_bytes(MALFORMED_TSV)
    (folder / "ratings_test.txt").write_bytes("id\tdocument\tlabel\n9\t그냥\t0\n".encode())
    return folder.parent


def test_checksum_mismatch_is_refused_and_not_kept(fake_mirror, tmp_path):
    corpus = open_corpus("nsmc", mirror=fake_mirror, home=tmp_path / "home")
    with pytest.raises(CorpusError, match="checksum mismatch for ratings_train.txt"):
        corpus.fetch()
    assert not (corpus.directory / "ratings_train.txt").exists()


def test_malformed_rows_are_reported_with_line_numbers(fake_mirror, tmp_path, caplog):
    corpus = open_corpus("nsmc", mirror=fake_mirror, home=tmp_path / "home", verify=False)
    before = snapshot(fake_mirror)
    split = corpus.load("train")
    assert [r.id for r in split] == ["1", "6"]
    report = split.report
    assert (report.rows, report.kept, report.empty, report.malformed) == (6, 2, 1, 3)
    assert report.problems == [
        "nsmc/ratings_train.txt:3: empty document",
        "nsmc/ratings_train.txt:4: label '2' is not 0/1",
        "nsmc/ratings_train.txt:5: 4 fields, expected 3",
        "nsmc/ratings_train.txt:6: not UTF-8 (invalid start byte)",
    ]
    assert "3 malformed" in caplog.text
    assert snapshot(fake_mirror) == before  # nothing is ever written into the mirror


def test_strict_mode_fails_on_the_first_malformed_row(fake_mirror, tmp_path):
    corpus = open_corpus("nsmc", mirror=fake_mirror, home=tmp_path / "h", verify=False, strict=True)
    with pytest.raises(CorpusError, match=r"ratings_train.txt:4: label '2' is not 0/1 \(3 malformed"):
        corpus.load("train")


def test_wrong_header_is_named(tmp_path):
    mirror = tmp_path / "m" / "nsmc"
    mirror.mkdir(parents=True)
    for name in ("ratings_train.txt", "ratings_test.txt"):
        (mirror / name).write_text("document,label\n좋다,1\n")
    corpus = open_corpus("nsmc", mirror=mirror.parent, home=tmp_path / "h", verify=False)
    with pytest.raises(CorpusError, match="header 'document,label' is not"):
        corpus.load("test")


def test_unknown_split_and_missing_mirror(tmp_path):
    with pytest.raises(CorpusError, match="no split 'dev'"):
        open_corpus("nsmc", home=tmp_path).load("dev")
    with pytest.raises(CorpusError, match="mirror folder .* does not exist"):
        open_corpus("nsmc", mirror=tmp_path / "nowhere")


class TinyCorpus(NSMC):
    """NSMC's parser over one small file 'downloaded' from a file:// address."""

    name = "tiny"
    splits = ("train", "test")


def test_download_verifies_checksum(tmp_path):
    source = tmp_path / "upstream.txt"
    source.write_text("id\tdocument\tlabel\n1\t좋다\t1\n")
    data = source.read_bytes()
    remote = RemoteFile("ratings_train.txt", source.as_uri(), hashlib.sha256(data).hexdigest(),
                        len(data))
    corpus = TinyCorpus(home=tmp_path / "home")
    corpus.files = (remote, RemoteFile("ratings_test.txt", source.as_uri(),
                                       hashlib.sha256(data).hexdigest(), len(data)))
    corpus.fetch(progress=False)
    assert corpus.is_fetched()
    assert [r.text for r in corpus.load("train")] == ["좋다"]
    broken = TinyCorpus(home=tmp_path / "other")
    broken.files = (RemoteFile("ratings_train.txt", source.as_uri(), "0" * 64, len(data)),)
    with pytest.raises(CorpusError, match="checksum mismatch"):
        broken.fetch(progress=False)
    unreachable = TinyCorpus(home=tmp_path / "third")
    unreachable.files = (RemoteFile("ratings_train.txt", (tmp_path / "gone").as_uri(), "0", 1),)
    with pytest.raises(CorpusError, match="cannot download .* --mirror"):
        unreachable.fetch(progress=False)


def _tar_with(tmp_path: Path, members: list[tarfile.TarInfo]) -> Path:
    path = tmp_path / "archive.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for member in members:
            payload = b"x" * member.size if member.isfile() else None
            tar.addfile(member, io.BytesIO(payload) if payload is not None else None)
    return path


def _file(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = 3
    return info


def _link(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info


@pytest.mark.parametrize("member", [_file("../evil.txt"), _file("/etc/evil"),
                                    _file("ok/../../evil"), _link("ok/link", "/etc/passwd")])
def test_extraction_refuses_path_traversal(tmp_path, member):
    archive = _tar_with(tmp_path, [_file("ok/a.txt"), member])
    with pytest.raises(CorpusError, match="unsafe archive member"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "evil.txt").exists()


def test_extraction_of_a_clean_archive(tmp_path):
    archive = _tar_with(tmp_path, [_file("data/a.txt"), _file("data/b/c.txt")])
    out = safe_extract(archive, tmp_path / "out")
    assert (out / "data" / "b" / "c.txt").read_bytes() == b"xxx"


def test_validation_split_is_stratified_disjoint_and_reproducible():
    records = [Review(str(i), f"t{i}", i % 4 == 0, "train") for i in range(1_000)]
    train, valid = train_validation_split(records, 0.1, seed=7)
    assert len(valid) == 100 and len(train) == 900
    assert {r.id for r in train}.isdisjoint(r.id for r in valid)
    assert sum(r.label for r in valid) == 25
    assert train_validation_split(records, 0.1, seed=7)[1] == valid
    assert train_validation_split(records, 0.1, seed=8)[1] != valid
    sample = stratified_sample(records, 200)
    assert len(sample) == 200 and sum(r.label for r in sample) == 50


# --- the real corpora, read from the mirror ------------------------------------------

@pytest.mark.realdata
def test_nsmc_real_counts_and_balance(mirror):
    corpus = open_corpus("nsmc", mirror=mirror)
    before = snapshot(mirror)
    train, test = corpus.load("train"), corpus.load("test")
    assert (train.report.rows, test.report.rows) == (150_000, 50_000)
    assert (len(train), len(test)) == (149_996, 49_998)  # a few empty documents, as upstream
    for split in (train, test):
        positive = sum(split.labels) / len(split)
        assert 0.49 < positive < 0.51
    assert {r.id for r in train}.isdisjoint(r.id for r in test)
    assert snapshot(mirror) == before


@pytest.mark.realdata
def test_imdb_real_counts_and_balance(mirror):
    corpus = open_corpus("imdb", mirror=mirror)
    train, test, unsup = corpus.load("train"), corpus.load("test"), corpus.load("unsup")
    assert (len(train), len(test), len(unsup)) == (25_000, 25_000, 50_000)
    assert sum(train.labels) == 12_500 and sum(test.labels) == 12_500
    assert all(r.label is None for r in unsup)
    assert "<br />" in " ".join(train.texts[:200])
    assert all(1 <= r.rating <= 10 for r in train)


@pytest.mark.realdata
def test_naver_reviews_never_contain_nsmc_test_reviews(mirror):
    raw = open_corpus("naver-reviews", mirror=mirror).load("all")
    test_ids = open_corpus("nsmc", mirror=mirror).ids("test")
    assert len(test_ids) == 50_000
    assert raw.report.rows == 712_404
    assert raw.report.excluded == 50_000
    assert test_ids.isdisjoint(r.id for r in raw)
    assert all(1 <= r.rating <= 10 and r.group for r in raw.records[:1000])
