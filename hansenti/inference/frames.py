"""pandas in and out: a DataFrame (or Series) of reviews scored, or read as ``analyze``
reads a file, with the input's index, columns and row order kept."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.errors import HansentiError
from ..core.review_files import ReadReport, ReviewRow
from .analysis import Analysis
from .columns import DEFAULT_PREFIX, check_collisions

if TYPE_CHECKING:
    import pandas as pd

    from .scored import Scorer

#: the text column of a Series without a name
SERIES_COLUMN = "text"


def as_frame(data: Any, text_column: str | None) -> tuple["pd.DataFrame", str]:
    """``data`` as a DataFrame and the name of its text column: a Series becomes its one
    column; a DataFrame needs ``text_column`` unless it has one column only."""
    import pandas as pd

    if isinstance(data, pd.Series):
        name = data.name if data.name is not None else SERIES_COLUMN
        return data.to_frame(name=name), name
    if not isinstance(data, pd.DataFrame):
        raise HansentiError(f"expected a pandas DataFrame or Series, not {type(data).__name__}")
    if text_column is None:
        if len(data.columns) != 1:
            raise HansentiError(f"text_column= must name the column of reviews; the frame has "
                                f"{', '.join(map(str, data.columns))}")
        text_column = data.columns[0]
    if text_column not in data.columns:
        raise HansentiError(f"the frame has no column {text_column!r}; it has "
                            f"{', '.join(map(str, data.columns))}")
    return data, text_column


def texts_of(frame: "pd.DataFrame", text_column: str) -> tuple[list[str], np.ndarray]:
    """The texts to score and a mask of the rows that hold one; a missing value (None,
    NaN) or a blank string is no review (as an empty row of a file), and any other value
    that is not a string an error."""
    values = frame[text_column].tolist()
    present = np.array([isinstance(value, str) and bool(value.strip()) for value in values],
                       dtype=bool)
    for position, value in enumerate(values):
        if not present[position] and not isinstance(value, str) and value is not None \
                and value == value:  # NaN != NaN
            raise HansentiError(f"row {frame.index[position]!r} of column {text_column!r} "
                                f"holds {type(value).__name__} {value!r}, not a text")
    return [value for value, ok in zip(values, present) if ok], present


def predict_frame(predictor: "Scorer", data: Any, text_column: str | None = None,
                  prefix: str = DEFAULT_PREFIX, n_jobs: int = 1) -> "pd.DataFrame":
    """A copy of ``data`` with the prediction columns of file scoring added (``pred_label``,
    ``pred_probability``, ``pred_p_<class>``, ``pred_known``); rows without a text get
    missing values there."""
    import pandas as pd

    frame, text_column = as_frame(data, text_column)
    check_collisions(map(str, frame.columns), predictor.classes, prefix)
    texts, present = texts_of(frame, text_column)
    scored = predictor.score(texts, n_jobs=n_jobs)
    result = frame.copy()

    def spread(values: np.ndarray | list, dtype: str) -> pd.Series:
        column = pd.Series(pd.NA, index=frame.index, dtype=dtype)
        column[present] = values
        return column

    result[f"{prefix}label"] = spread(scored.labels, "string")
    result[f"{prefix}probability"] = spread(scored.confidence, "Float64")
    for index, name in enumerate(predictor.classes):
        result[f"{prefix}p_{name}"] = spread(scored.probabilities[:, index], "Float64")
    result[f"{prefix}known"] = spread(scored.known, "Float64")
    return result


def analyze_frame(predictor: "Scorer", data: Any, text_column: str | None = None,
                  group_column: str | None = None, keep: int = 5,
                  n_jobs: int = 1) -> Analysis:
    """What ``hansenti analyze`` finds in a file, found in a frame: per group (``group_column``)
    the class shares with 95% intervals, the most certain reviews and the telling tokens;
    read them with :meth:`Analysis.summary_frame` and its siblings."""
    frame, text_column = as_frame(data, text_column)
    if group_column is not None and group_column not in frame.columns:
        raise HansentiError(f"the frame has no column {group_column!r} to group by")
    texts, present = texts_of(frame, text_column)
    scored = predictor.score(texts, n_jobs=n_jobs)
    kept = frame[present]
    # a review's "line" is its row's position in the frame, counted from 1
    rows = [ReviewRow(int(line), {text_column: text,
                                  **({group_column: str(group)} if group_column else {})})
            for line, text, group in zip(np.flatnonzero(present) + 1, texts,
                                         kept[group_column] if group_column else texts)]
    result = Analysis(tuple(predictor.classes), keep)
    result.report = ReadReport("DataFrame", rows=len(frame), skipped=len(frame) - len(kept))
    result.add(rows, scored.tokens, scored.probabilities, text_column, group_column,
               "DataFrame")
    return result
