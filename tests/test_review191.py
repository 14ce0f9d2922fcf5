"""Review 191 (an outside audit of hostile input): two inputs that scikit-learn takes and
gdlogreg refused.

1. A ``class_weight`` dict naming a label that is absent from the training rows, while
   every present class has its weight: ``compute_class_weight`` ignores the extra key, so
   ``LogisticRegression`` fits, and so does every CV fold whose training part lacks a rare
   class. gdlogreg refused it, and with it ``cross_val_score``, ``GridSearchCV`` and the
   batched search on such data.
2. A scorer that returns a one-element array, a ``Decimal`` or a ``Fraction``:
   ``GridSearchCV`` unwraps ``.item()`` and takes any ``numbers.Number``; the search raised
   a TypeError.
"""

import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_IRIS = (X_IRIS - X_IRIS.mean(0)) / X_IRIS.std(0)
CW = {0: 1.0, 1: 2.0, 2: 3.0}
# a rare class: one row of class 2 among 98, so one stratified training part lacks it
RARE = np.r_[0:50, 50:97, 100:101]


def _quiet(f):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)  # (the rare class's fold split)
        return f()


def test_an_absent_label_is_ignored_where_every_class_has_its_weight():
    X, y = X_IRIS[:100], Y_IRIS[:100]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        extra = GD(class_weight=CW).fit(X, y)
    same = GD(class_weight={0: 1.0, 1: 2.0}).fit(X, y)
    np.testing.assert_array_equal(extra.coef_, same.coef_)
    np.testing.assert_array_equal(extra.intercept_, same.intercept_)
    # the absent label's value is not read, as compute_class_weight does not read it
    np.testing.assert_array_equal(
        GD(class_weight={0: 1.0, 1: 2.0, 2: -5.0}).fit(X, y).coef_, same.coef_)
    lr = LogisticRegression(class_weight=CW, tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(extra.predict_proba(X), lr.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("cw", [{0: 1.0, 2: 3.0}, {1: 1.0, "2": 3.0}])
def test_an_absent_label_is_refused_where_a_present_class_has_none(cw):
    """{0: 1, 2: 3} on classes {0, 1}: a present class is unweighted and an absent one
    named (a misspelt label), which compute_class_weight refuses too."""
    X, y = X_IRIS[:100], Y_IRIS[:100]
    with pytest.raises(ValueError, match="class_weight names classes that are not in the"):
        GD(class_weight=cw).fit(X, y)
    with pytest.raises(ValueError):
        LogisticRegression(class_weight=cw).fit(X, y)


def test_cross_validation_over_a_rare_class_with_class_weights():
    X, y = X_IRIS[RARE], Y_IRIS[RARE]
    ours = _quiet(lambda: cross_val_score(GD(class_weight=CW), X, y, cv=5,
                                          error_score="raise"))
    ref = _quiet(lambda: cross_val_score(LogisticRegression(class_weight=CW), X, y, cv=5,
                                         error_score="raise"))
    np.testing.assert_allclose(ours, ref)


def test_the_search_over_a_rare_class_with_class_weights_is_grid_search_cv():
    X, y = X_IRIS[RARE], Y_IRIS[RARE]
    Cs, folds = [0.1, 1.0, 10.0], StratifiedKFold(5)
    search = _quiet(lambda: GDCV(Cs=Cs, cv=folds, class_weight=CW).fit(X, y))
    grid = _quiet(lambda: GridSearchCV(GD(class_weight=CW), {"C": Cs}, cv=folds,
                                       error_score="raise").fit(X, y))
    assert search.best_params_ == grid.best_params_
    for f in range(5):
        key = f"split{f}_test_score"
        np.testing.assert_allclose(search.cv_results_[key], grid.cv_results_[key], atol=1e-6)


def _accuracy(est, X, y):
    return accuracy_score(y, est.predict(X))


@pytest.mark.parametrize("wrap", [
    lambda v: np.array([v]), lambda v: np.array([[v]]), lambda v: Decimal(repr(v)),
    lambda v: Fraction(v), lambda v: np.float32(v),
], ids=["one-element", "one-element-2d", "Decimal", "Fraction", "float32"])
def test_a_scorer_returning_one_number_in_any_wrapper(wrap):
    Cs = [0.01, 0.1, 1.0]
    plain = GDCV(Cs=Cs, cv=3, scoring=_accuracy).fit(X_IRIS, Y_IRIS)
    wrapped = GDCV(Cs=Cs, cv=3, scoring=lambda e, X, y: wrap(_accuracy(e, X, y)))
    wrapped.fit(X_IRIS, Y_IRIS)
    assert wrapped.best_params_ == plain.best_params_
    np.testing.assert_allclose(wrapped.cv_results_["mean_test_score"],
                               plain.cv_results_["mean_test_score"], rtol=1e-6)
    grid = GridSearchCV(GD(), {"C": Cs}, cv=3,
                        scoring=lambda e, X, y: wrap(_accuracy(e, X, y))).fit(X_IRIS, Y_IRIS)
    assert grid.best_params_ == wrapped.best_params_


@pytest.mark.parametrize("value", [np.array([0.5, 0.6]), 0.5 + 0.0j, np.complex128(0.5)],
                         ids=["two-elements", "complex", "numpy-complex"])
def test_a_scorer_returning_no_real_number_is_still_named(value):
    with pytest.raises(TypeError, match="scoring must return one number"):
        GDCV(Cs=[1.0], cv=3, scoring=lambda e, X, y: value).fit(X_IRIS, Y_IRIS)
