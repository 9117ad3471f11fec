"""Reading review files, analysing them by group, explaining predictions."""

from __future__ import annotations

import csv
import gzip
from collections import Counter

import numpy as np
import pytest

from hansenti.core.errors import HansentiError
from hansenti.core.metrics import wilson_interval
from hansenti.core.review_files import ReadReport, read_reviews
from hansenti.corpora import open_corpus, stratified_sample
from hansenti.inference.analysis import log_odds_tokens
from hansenti.inference.predictor import Predictor
from hansenti.inference.report import analyze


def rows_of(path, column="text"):
    report = ReadReport(path.name)
    return [(row.line, row.columns[column]) for row in read_reviews(path, column, report)], report


def test_csv_bad_rows_are_skipped_with_line_numbers(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_bytes('id,text,movie\n1,"좋다, 정말",a\n2,,a\n3,"여러\n줄 리뷰",b\n'
                     '4,too,many,fields\n5,"\xff\xfe 깨진"\n6,끝,b\n'.encode("utf-8")
                     .replace("\xff\xfe".encode("utf-8"), b"\xff\xfe"))
    rows, report = rows_of(path)
    assert rows == [(2, "좋다, 정말"), (4, "여러\n줄 리뷰"), (8, "끝")]
    assert report.rows == 6 and report.skipped == 3
    assert report.problems == ["reviews.csv:3: no text in column 'text'",
                               "reviews.csv:6: 4 fields where the header has 3 (broken quoting?)",
                               "reviews.csv:7: 2 fields where the header has 3 (broken quoting?)"]


def test_jsonl_and_txt(tmp_path):
    jsonl = tmp_path / "reviews.jsonl"
    jsonl.write_text('{"text": "최고", "stars": 10}\nnot json\n[1]\n{"stars": 1}\n\n'
                     '{"text": "별로"}\n', encoding="utf-8")
    rows, report = rows_of(jsonl)
    assert rows == [(1, "최고"), (6, "별로")]
    assert [p.split(": ", 1)[0] for p in report.problems] == [
        "reviews.jsonl:2", "reviews.jsonl:3", "reviews.jsonl:4"]
    txt = tmp_path / "reviews.txt"
    txt.write_text("하나\n\n둘\n", encoding="utf-8")
    assert rows_of(txt)[0] == [(1, "하나"), (3, "둘")]
    tsv = tmp_path / "reviews.tsv"
    tsv.write_text('id\ttext\n1\t"따옴표로 시작하는 리뷰\n2\t다음 줄"\n', encoding="utf-8")
    assert rows_of(tsv)[0] == [(2, '"따옴표로 시작하는 리뷰'), (3, '다음 줄"')]
    gzipped = tmp_path / "reviews.tsv.gz"
    gzipped.write_bytes(gzip.compress("id\ttext\n1\t좋다\n".encode("utf-8")))
    assert rows_of(gzipped)[0] == [(2, "좋다")]


@pytest.mark.parametrize("name, content, message", [
    ("x.xlsx", "", "use a .csv"),
    ("x.csv", "", "is empty"),
    ("x.csv", "id,body\n1,좋다\n", "no column 'text'"),
])
def test_unusable_files_are_user_errors(tmp_path, name, content, message):
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(HansentiError, match=message):
        rows_of(tmp_path / name)


def test_wilson_interval():
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    assert wilson_interval(0, 4)[0] == 0.0 and 0 < wilson_interval(0, 4)[1] < 0.6


def test_log_odds_finds_the_telling_tokens():
    positive = Counter({"영화": 50, "최고": 30, "배우": 20})
    negative = Counter({"영화": 50, "최악": 30, "배우": 20})
    hints = log_odds_tokens(positive, negative, positive + negative, n=2)
    assert hints["positive"][0][0] == "최고" and hints["negative"][0][0] == "최악"
    assert "영화" not in {token for token, _ in hints["positive"] + hints["negative"]}


@pytest.fixture(scope="module")
def labelled_reviews(tmp_path_factory, mirror):
    """600 NSMC test reviews as a CSV, grouped by their true label."""
    records = stratified_sample(open_corpus("nsmc", mirror=mirror).load("test").records, 600)
    path = tmp_path_factory.mktemp("files") / "reviews.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "review", "truth"])
        writer.writerows((r.id, r.text, "liked" if r.label else "disliked") for r in records)
        writer.writerow(["broken", "", "liked"])
    return path


@pytest.mark.realdata
def test_analyze_summarises_groups(trained_run, labelled_reviews, tmp_path, run_cli):
    run_dir, _ = trained_run
    out = tmp_path / "analysis"
    result = run_cli("analyze", str(run_dir), "--input", str(labelled_reviews),
                     "--text-column", "review", "--group-column", "truth", "--output", str(out))
    assert result.exit_code == 0, result.stderr
    assert "600 reviews scored in 2 group(s)" in result.stdout and "1 rows skipped" in result.stdout
    with open(out / "summary.csv", encoding="utf-8") as handle:
        summary = {row["group"]: row for row in csv.DictReader(handle)}
    liked, disliked = summary["liked"], summary["disliked"]
    assert int(liked["count"]) == int(disliked["count"]) == 300
    assert float(liked["share_positive"]) > float(disliked["share_positive"]) + 0.3
    assert (float(liked["ci95_low_positive"]) < float(liked["share_positive"])
            < float(liked["ci95_high_positive"]))
    assert float(liked["share_negative"]) == pytest.approx(1 - float(liked["share_positive"]))
    with open(out / "scored.csv", encoding="utf-8") as handle:
        scored = list(csv.DictReader(handle))
    assert len(scored) == 600 and set(scored[0]) == {
        "id", "review", "truth", "pred_label", "pred_probability", "pred_p_negative",
        "pred_p_positive", "pred_known"}
    with open(out / "extremes.csv", encoding="utf-8") as handle:
        extremes = [(row["group"], row["side"]) for row in csv.DictReader(handle)]
    assert extremes.count(("liked", "positive")) == extremes.count(("disliked", "negative")) == 5
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count('class="tok"') > 20 and "data:image/png;base64," in page
    assert sorted(p.name for p in out.iterdir()) == [
        ".hansenti-output.json", "aspects.csv", "extremes.csv", "report.html", "scored.csv",
        "summary.csv"]


@pytest.mark.realdata
def test_failed_analysis_leaves_no_output(trained_run, labelled_reviews, tmp_path):
    with pytest.raises(HansentiError, match="no column 'movie'"):
        analyze(Predictor(trained_run[0]), labelled_reviews, tmp_path / "out", "review", "movie")
    assert not (tmp_path / "out").exists() and list(tmp_path.iterdir()) == []


@pytest.mark.realdata
def test_occlusion_explains_the_score(trained_run, run_cli):
    predictor = Predictor(trained_run[0])
    text = "연기 최고 스토리 최악 그래도 재밌다"
    explanation = predictor.explain(text)
    assert explanation.tokens == text.split()
    assert explanation.label == "positive"  # of two classes: P(positive), whatever wins
    assert explanation.probability == pytest.approx(float(predictor.predict([text])[0, 1]),
                                                    abs=1e-6)
    without_first = predictor.predict([" ".join(text.split()[1:])])[0, 1]
    assert explanation.contributions[0] == pytest.approx(explanation.probability - without_first,
                                                         abs=1e-5)
    assert np.isfinite(explanation.contributions).all()
    result = run_cli("predict", str(trained_run[0]), "--explain", text)
    first, second = result.stdout.splitlines()
    assert first.startswith(("positive", "negative")) and "최" in second


def test_totals_of_two_halves_merge_into_the_totals_of_the_whole():
    """In either order: Ray merges its actors' batches as they finish."""
    from hansenti.core.review_files import ReviewRow
    from hansenti.inference.analysis import Analysis

    rng = np.random.default_rng(0)
    # groups a and b of equal size, met in another order by each half
    rows = [ReviewRow(line, {"text": f"리뷰 {line}", "g": "ab"[(line < 17) == (line % 2)]})
            for line in range(1, 41)]
    docs = [["리뷰", f"t{line % 5}", f"u{line % 3}"] for line in range(1, 41)]
    positive = rng.random(40)
    scores = np.column_stack([1 - positive, positive])

    def analysis(*parts: slice) -> Analysis:
        total = Analysis(("negative", "positive"), keep=3)
        for part in parts:
            piece = Analysis(("negative", "positive"), keep=3)
            piece.add(rows[part], docs[part], scores[part], "text", "g", "f.csv")
            total.merge(piece)
        return total

    whole = analysis(slice(None))
    for merged in (analysis(slice(None, 17), slice(17, None)),
                   analysis(slice(17, None), slice(None, 17))):
        assert merged.summary_rows() == whole.summary_rows()
        assert [row["group"] for row in merged.summary_rows()] == ["a", "b"]
        assert merged.histogram.tolist() == whole.histogram.tolist() and merged.scored == 40
        assert merged.common_tokens == whole.common_tokens
        for name in ("a", "b"):
            for index in range(2):
                assert merged.groups[name].extremes(index) == whole.groups[name].extremes(index)
            assert merged.aspects(name) == whole.aspects(name)


def test_review_paths_take_a_file_a_folder_or_a_glob(tmp_path):
    from hansenti.core.review_files import review_paths

    (tmp_path / "sub").mkdir()
    for name in ("a.csv", "sub/b.tsv.gz", "sub/c.parquet", "notes.md", ".hidden.csv"):
        (tmp_path / name).write_text("x")
    assert review_paths(tmp_path / "a.csv") == [tmp_path / "a.csv"]
    assert review_paths(tmp_path) == [tmp_path / "a.csv", tmp_path / "sub" / "b.tsv.gz",
                                      tmp_path / "sub" / "c.parquet"]
    assert review_paths(f"{tmp_path}/**/*.csv") == [tmp_path / "a.csv"]
    with pytest.raises(HansentiError, match="no review files"):
        review_paths(f"{tmp_path}/*.json")
    with pytest.raises(HansentiError, match="does not exist"):
        review_paths(tmp_path / "missing.csv")
