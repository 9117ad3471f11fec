"""hansenti.sklearn.SentimentClassifier is a scikit-learn estimator of raw texts: it
clones, grid-searches, cross-validates in worker processes and pickles, and its fit keeps
the validation rules of ``hansenti train``."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from hansenti.core.errors import HansentiError

pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from sklearn.utils import estimator_checks  # noqa: E402

from hansenti.sklearn import SentimentClassifier  # noqa: E402

NAMES = np.array(["bad", "good"])
#: scikit-learn's own checks that apply to an estimator of texts (the others feed it
#: numeric arrays); tests below do their text-input counterparts
CHECKS = ["check_no_attributes_set_in_init", "check_get_params_invariance",
          "check_set_params", "check_parameters_default_constructible",
          "check_estimator_cloneable", "check_estimator_repr",
          "check_do_not_raise_errors_in_init_or_set_params", "check_estimators_unfitted",
          "check_estimator_tags_renamed", "check_valid_tag_types"]


@pytest.fixture(scope="module")
def reviews(mirror):
    from hansenti import open_corpus

    corpus = open_corpus("nsmc", mirror=str(mirror))
    train, test = corpus.load("train").records[:3_000], corpus.load("test").records[:1_000]
    return ([r.text for r in train], NAMES[[r.label for r in train]],
            [r.text for r in test], NAMES[[r.label for r in test]])


def small() -> SentimentClassifier:
    return SentimentClassifier(tokenizer="whitespace", model="nblr", c_grid=[0.3, 1.0])


@pytest.mark.parametrize("check", CHECKS)
def test_scikit_learn_checks_that_apply_to_texts(check):
    getattr(estimator_checks, check)("SentimentClassifier", small())


def test_options_are_parameters():
    classifier = SentimentClassifier(model="cnn", epochs=2, max_vocab=5000)
    params = classifier.get_params()
    assert params["epochs"] == 2 and params["max_vocab"] == 5000 and params["model"] == "cnn"
    classifier.set_params(epochs=3, tokenizer="char")
    assert clone(classifier).get_params() == {**params, "epochs": 3, "tokenizer": "char"}
    config = clone(classifier).train_config()
    assert config.model_options == {"epochs": 3} and config.max_vocab == 5000
    with pytest.raises(HansentiError, match="does not take unitz"):
        SentimentClassifier(unitz=3).train_config()


@pytest.mark.realdata
def test_fit_predict_on_real_reviews(reviews, above):
    texts, labels, test_texts, test_labels = reviews
    classifier = small()
    before = classifier.get_params()
    assert classifier.fit(texts, labels) is classifier
    assert classifier.get_params() == before  # fit changes no parameter
    assert list(classifier.classes_) == ["bad", "good"]
    probabilities = classifier.predict_proba(test_texts)
    assert probabilities.shape == (1_000, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-6)
    predicted = classifier.predict(test_texts)
    assert set(predicted) <= {"bad", "good"}
    above("estimator test accuracy", classifier.score(test_texts, test_labels), 0.6)
    # honest selection: C chosen on 10% of the texts given, carved with the seed
    metrics = classifier.predictor().run.metrics()
    assert metrics["documents"] == {**metrics["documents"], "fit": 2_700, "validation": 300,
                                    "test": 0}
    assert metrics["test"] is None
    # a fitted estimator travels whole (to workers, to disk)
    copy = pickle.loads(pickle.dumps(classifier))
    np.testing.assert_allclose(copy.predict_proba(test_texts[:50]), probabilities[:50])


@pytest.mark.realdata
def test_pipeline_and_grid_search(reviews):
    texts, labels, test_texts, _ = reviews
    pipeline = Pipeline([("strip", FunctionTransformer(lambda xs: [x.strip() for x in xs])),
                         ("sentiment", small())])
    search = GridSearchCV(pipeline, {"sentiment__ngram_max": [1, 2]}, cv=2)
    search.fit(texts[:1_500], labels[:1_500])
    assert search.best_params_["sentiment__ngram_max"] in (1, 2)
    assert len(search.cv_results_["mean_test_score"]) == 2
    assert set(search.predict(test_texts[:20])) <= {"bad", "good"}


@pytest.mark.realdata
def test_cross_validation_in_two_worker_processes(reviews):
    texts, labels, _, _ = reviews
    scores = cross_val_score(small(), texts[:2_000], labels[:2_000], cv=2, n_jobs=2)
    assert scores.shape == (2,) and (scores > 0.5).all()


@pytest.mark.parametrize("X, y, message", [
    ("one review", ["good"], "not one string"),
    ([1.5, 2.5], ["bad", "good"], "must hold texts"),
    (["a", "b"], ["bad"], "one label per text"),
    (["a", "b"], ["good", "good"], "at least two"),
])
def test_bad_input_is_a_value_error(X, y, message):
    with pytest.raises(ValueError, match=message):
        small().fit(X, y)
