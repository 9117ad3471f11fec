"""DataFrames in and out: predictions added under file scoring's rule, with the input's
index, columns and row order kept; analyze's tables as DataFrames."""

from __future__ import annotations

import numpy as np
import pytest

import hansenti
from hansenti.core.errors import HansentiError

pd = pytest.importorskip("pandas")

REVIEWS = ["정말 재밌고 감동적인 영화였어요", "돈 아깝다 스토리가 산으로 감", None,
           "배우들 연기가 정말 미쳤다", "시간 아까워요 지루함"]


def test_blank_texts_are_no_reviews(predictor):
    scored = predictor.predict_frame(pd.DataFrame({"t": ["좋다", " ", "", float("nan")]}))
    assert scored["pred_label"].isna().tolist() == [False, True, True, True]


@pytest.fixture(scope="module")
def predictor():
    return hansenti.load()


@pytest.fixture
def frame():
    return pd.DataFrame({"movie": ["a", "a", "b", "b", "b"], "review": REVIEWS,
                         "label": [1, 0, 1, 1, 0], "probability": [0.5] * 5},
                        index=pd.Index([40, 10, 30, 20, 50], name="review_id"))


def test_predict_frame_keeps_the_frame_and_adds_the_file_columns(predictor, frame):
    scored = predictor.predict_frame(frame, text_column="review")
    assert list(scored.index) == [40, 10, 30, 20, 50] and scored.index.name == "review_id"
    assert list(scored.columns) == [*frame.columns, "pred_label", "pred_probability",
                                    "pred_p_negative", "pred_p_positive", "pred_known"]
    pd.testing.assert_frame_equal(scored[frame.columns], frame)  # the user's columns as given
    texts = [text for text in REVIEWS if text is not None]
    expected = predictor.predict(texts)
    present = scored["review"].notna()
    np.testing.assert_allclose(scored.loc[present, ["pred_p_negative", "pred_p_positive"]]
                               .to_numpy(dtype=float), expected, rtol=1e-6)
    assert list(scored.loc[present, "pred_label"]) == [
        predictor.classes[i] for i in expected.argmax(axis=1)]
    assert scored.loc[30, ["pred_label", "pred_probability", "pred_known"]].isna().all()
    assert frame.columns.tolist() == ["movie", "review", "label", "probability"]  # untouched


def test_a_series_gets_its_index_back(predictor):
    series = pd.Series(["최고의 영화", "최악"], index=["x", "y"], name="r")
    scored = predictor.predict_frame(series)
    assert list(scored.index) == ["x", "y"] and list(scored["r"]) == ["최고의 영화", "최악"]
    assert list(scored["pred_label"]) == ["positive", "negative"]
    unnamed = predictor.predict_frame(pd.Series(["좋다"]))
    assert "text" in unnamed.columns


@pytest.mark.parametrize("call, message", [
    (lambda p, f: p.predict_frame(f), "text_column= must name"),
    (lambda p, f: p.predict_frame(f, text_column="nope"), "no column 'nope'"),
    (lambda p, f: p.predict_frame(f.assign(pred_label="x"), text_column="review"),
     "already has a column 'pred_label'"),
    (lambda p, f: p.predict_frame(f.assign(review=[1, 2, 3, 4, 5]), text_column="review"),
     "holds int 1, not a text"),
    (lambda p, f: p.predict_frame(["좋다"]), "expected a pandas DataFrame"),
    (lambda p, f: p.analyze_frame(f, text_column="review", group_column="nope"),
     "no column 'nope' to group by"),
])
def test_frame_mistakes_are_one_line_errors(predictor, frame, call, message):
    with pytest.raises(HansentiError, match=message):
        call(predictor, frame)


def test_another_prefix_avoids_a_collision(predictor, frame):
    scored = predictor.predict_frame(frame.assign(pred_label="mine"), text_column="review",
                                     prefix="hs_")
    assert (scored["pred_label"] == "mine").all() and "hs_label" in scored.columns


def test_analyze_frame_matches_analyze_of_the_same_file(predictor, frame, tmp_path):
    from hansenti.inference.report import analyze

    result = predictor.analyze_frame(frame, text_column="review", group_column="movie")
    summary = result.summary_frame()
    assert list(summary.index) == ["a", "b"] and list(summary["count"]) == [2, 2]
    path = tmp_path / "reviews.csv"
    frame.dropna(subset=["review"]).to_csv(path, index=False)
    from_file = analyze(predictor, path, tmp_path / "out", text_column="review",
                        group_column="movie")
    on_disk = pd.read_csv(tmp_path / "out" / "summary.csv").set_index("group")
    pd.testing.assert_frame_equal(summary, on_disk, check_dtype=False)
    assert from_file.summary_rows() == result.summary_rows()
    extremes = result.extremes_frame()
    assert set(extremes.columns) >= {"group", "side", "rank", "probability", "text"}
    assert set(extremes["text"]) <= set(REVIEWS)
    assert list(result.aspects_frame().columns) == ["group", "side", "token", "z"]
