"""Corpus fetching, verification, safe extraction, parsing reports and splits."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest
from hansenti_corpora.nsmc import NSMC

from hansenti.core.errors import CorpusError
from hansenti.corpora import open_corpus, stratified_sample, train_validation_split
from hansenti.corpora.base import Review
from hansenti.corpora.fetch import RemoteFile, safe_extract

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


# --- NSMC releases: upstream (pandas quoting) and the rebuilt mirror (raw) ---------------

UPSTREAM_FORM = (
    'id\tdocument\tlabel\n'
    '1\t"그는 ""최고""라고 했다"\t1\n'
    '2\t"탭이\t들어간 리뷰"\t0\n'
    '3\t\t1\n'
    '4\t평범한 리뷰\t0\n'
    '5\t"줄이\n바뀐 리뷰"\t1\n'
    '6\t"끝"\t0\n'
)
RAW_FORM = (
    'id\tdocument\tlabel\n'
    '1\t그는 "최고"라고 했다\t1\n'
    '2\t"따옴표로 시작하는 리뷰\t0\n'
    '3\t\t1\n'
    '4\t다음 줄"\t0\n'
)


def nsmc_mirror(tmp_path: Path, train: str, test: str) -> Path:
    folder = tmp_path / "mirror" / "nsmc"
    folder.mkdir(parents=True)
    (folder / "ratings_train.txt").write_text(train, encoding="utf-8")
    (folder / "ratings_test.txt").write_text(test, encoding="utf-8")
    return folder.parent


def known_releases(monkeypatch, mirror: Path, upstream: tuple[str, str], raw: tuple[str, str]):
    """Make the fixture files the known releases: upstream and rebuilt mirror."""
    from hansenti_corpora import nsmc

    def entry(text: str) -> tuple[str, int]:
        data = text.encode("utf-8")
        return hashlib.sha256(data).hexdigest(), len(data)

    variants = (nsmc.Variant("upstream", True, tuple(map(entry, upstream))),
                nsmc.Variant("rebuilt mirror", False, tuple(map(entry, raw))))
    monkeypatch.setattr(nsmc, "VARIANTS", variants)
    monkeypatch.setattr(nsmc.NSMC, "files", nsmc.remote_files())


def test_upstream_quoting_is_parsed_exactly(monkeypatch, tmp_path):
    test_split = 'id\tdocument\tlabel\n9\t"""인용""으로 시작"\t1\n'
    mirror = nsmc_mirror(tmp_path, UPSTREAM_FORM, test_split)
    known_releases(monkeypatch, mirror, (UPSTREAM_FORM, test_split), (RAW_FORM, RAW_FORM))
    corpus = open_corpus("nsmc", mirror=mirror, home=tmp_path / "home")  # verified, no flags
    assert corpus.variant_name() == "upstream"
    train = corpus.load("train")
    assert [(r.id, r.text, r.label) for r in train] == [
        ("1", '그는 "최고"라고 했다', 1), ("2", "탭이\t들어간 리뷰", 0), ("4", "평범한 리뷰", 0),
        ("5", "줄이\n바뀐 리뷰", 1), ("6", "끝", 0)]
    assert (train.report.rows, train.report.empty, train.report.malformed) == (6, 1, 0)
    assert [r.text for r in corpus.load("test")] == ['"인용"으로 시작']
    assert corpus.ids("train") == {"1", "2", "3", "4", "5", "6"}


def test_the_raw_release_keeps_its_quotes_as_text(monkeypatch, tmp_path):
    mirror = nsmc_mirror(tmp_path, RAW_FORM, RAW_FORM)
    known_releases(monkeypatch, mirror, (UPSTREAM_FORM, UPSTREAM_FORM), (RAW_FORM, RAW_FORM))
    corpus = open_corpus("nsmc", mirror=mirror, home=tmp_path / "home")
    assert corpus.variant_name() == "rebuilt mirror"
    train = corpus.load("train")
    assert [r.text for r in train] == ['그는 "최고"라고 했다', '"따옴표로 시작하는 리뷰', '다음 줄"']
    assert train.report.rows == 4


def test_files_of_two_releases_are_refused(monkeypatch, tmp_path):
    mirror = nsmc_mirror(tmp_path, UPSTREAM_FORM, RAW_FORM)
    known_releases(monkeypatch, mirror, (UPSTREAM_FORM, UPSTREAM_FORM), (RAW_FORM, RAW_FORM))
    corpus = open_corpus("nsmc", mirror=mirror, home=tmp_path / "home")
    with pytest.raises(CorpusError, match="train is the upstream release but test is the "
                                          "rebuilt mirror one"):
        corpus.load("train")


def test_an_unknown_release_needs_no_verify_and_is_warned(fake_mirror, tmp_path, caplog):
    with pytest.raises(CorpusError, match=r"expected \w{12}… or \w{12}…"):
        open_corpus("nsmc", mirror=fake_mirror, home=tmp_path / "a").fetch()
    corpus = open_corpus("nsmc", mirror=fake_mirror, home=tmp_path / "b", verify=False)
    assert corpus.variant_name() == "unknown"
    assert "matches no known release" in caplog.text
    # the acceptance lasts one command: the next that verifies refuses the cached copy
    with pytest.raises(CorpusError, match="accepted once with --no-verify"):
        open_corpus("nsmc", mirror=fake_mirror, home=tmp_path / "b").fetch()
    assert open_corpus("nsmc", mirror=fake_mirror, home=tmp_path / "b", verify=False).fetch()


def test_both_releases_are_known_by_size_and_checksum():
    from hansenti_corpora.nsmc import NSMC, VARIANTS

    upstream = next(v for v in VARIANTS if v.name == "upstream")
    assert upstream.quoted and upstream.files == (
        ("e03b7d14e9e41be8d464a28057cd25d7396c53e67aa7fd5f7e552c59b0ee2940", 14_628_807),
        ("8ac9f64052f11dbf6ae0acb5e038f03d90a76f0eda7820cfb3a92d02edfcebda", 4_893_335))
    for index, remote in enumerate(NSMC.files):
        assert set(remote.known_sha256) == {v.files[index][0] for v in VARIANTS}


@pytest.mark.realdata
def test_the_mirror_is_the_rebuilt_release(mirror, run_cli):
    assert open_corpus("nsmc", mirror=mirror).variant_name() == "rebuilt mirror"
    result = run_cli("corpora", "info", "nsmc", "--mirror", str(mirror), "-t", "whitespace")
    assert result.exit_code == 0 and "release: rebuilt mirror" in result.stdout


def test_quoted_rows_are_numbered_by_their_first_line(tmp_path):
    from hansenti.corpora.base import LoadReport
    from hansenti.corpora.tsv import read_rows

    path = tmp_path / "upstream.txt"
    path.write_bytes(UPSTREAM_FORM.encode() + b"7\t\xff\xfe\t1\n" + '8\t"비뚤어진"인용\t0\n'
                     '9\t마지막\t1\n'.encode())
    report = LoadReport("upstream.txt")
    rows = [(number, fields[0]) for number, fields in read_rows(path, ("id", "document", "label"),
                                                                 report, quoted=True)]
    assert rows == [(2, "1"), (3, "2"), (4, "3"), (5, "4"), (6, "5"), (8, "6"), (11, "9")]
    assert report.problems[0] == "upstream.txt:9: not UTF-8 (invalid start byte)"
    assert report.problems[1].startswith("upstream.txt:10: broken quoting (")
    assert len(report.problems) == 2 and report.rows == 9
