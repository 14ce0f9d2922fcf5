"""The default scoring of GradientDescentLogisticRegressionCV (the estimator's accuracy) is
taken by hand for numpy X: the same numbers, to the last bit, as the scorer's."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris, make_classification

from gdlogreg import GradientDescentLogisticRegressionCV, _search


def _sets():
    X, y = make_classification(300, 12, n_informative=4, random_state=0)
    yield "binary", X, y, None
    yield "float32", X.astype(np.float32), y, None
    yield "int X, string labels", np.round(4 * X).astype(int), np.array(["no", "yes"])[y], None
    Xi, yi = load_iris(return_X_y=True)
    yield "3 classes", Xi, yi, None
    rng = np.random.default_rng(0)
    yield "weights", X, y, rng.uniform(0.1, 3.0, len(y))
    S = sp.random(400, 30, density=0.2, format="csr", random_state=0)
    ys = (S @ rng.standard_normal(30) > 0).astype(int)
    yield "csr", S, ys, None
    yield "csc", S.tocsc(), ys, None


@pytest.mark.parametrize(
    "name, X, y, sw", list(_sets()), ids=lambda v: v if isinstance(v, str) else "")
def test_default_scores_are_the_scorers(name, X, y, sw, monkeypatch):
    taken = []
    accuracy = _search._accuracy
    monkeypatch.setattr(_search, "_accuracy", lambda *a, **k: taken.append(1) or accuracy(*a, **k))
    params = dict(Cs=[1e-3, 0.1, 10.0, 1e4], cv=3, tol=1e-8)
    by_hand = GradientDescentLogisticRegressionCV(**params).fit(X, y, sample_weight=sw)
    assert len(taken) == 12  # every (C, fold)
    taken.clear()
    scorer = GradientDescentLogisticRegressionCV(scoring="accuracy", **params).fit(
        X, y, sample_weight=sw)
    assert not taken
    for f in range(3):
        key = f"split{f}_test_score"
        np.testing.assert_array_equal(by_hand.cv_results_[key], scorer.cv_results_[key])
    np.testing.assert_array_equal(by_hand.C_, scorer.C_)


def test_a_subclass_with_its_own_score_is_scored_by_it():
    """The fast path is the base estimator's accuracy only: a subclass's score is called."""
    from gdlogreg import GradientDescentLogisticRegression

    class Balanced(GradientDescentLogisticRegression):
        def score(self, X, y, sample_weight=None):
            return -1.0

    class Search(GradientDescentLogisticRegressionCV):
        def _base(self, **params):
            base = super()._base(**params)
            return Balanced(**base.get_params())

    X, y = make_classification(200, 5, random_state=0)
    search = Search(Cs=[1.0], cv=3).fit(X, y)
    assert search.best_score_ == -1.0
