"""Review 156 (an outside audit of drop-in parity with LogisticRegression, 2026-12-05).

1. K >= 3 classes with an L1 part: ``intercept_`` carried a common offset (the mean of
   b = b' - μᵀW, W's class sums non-zero under L1): -2.52 a class on iris with features
   of mean 3, up to 1e4 on raw columns. The softmax ignores it, but ``intercept_`` and
   ``decision_function`` differed from LogisticRegression's, whose intercepts sum to 0.
2. ``l1_ratio=None`` (LogisticRegression's default up to scikit-learn 1.7, still
   accepted there) was refused.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV


def _iris_offset(offset=3.0):
    X, y = load_iris(return_X_y=True)
    return X - X.mean(axis=0) + offset, y


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_class_intercepts_sum_to_zero(l1_ratio, dtype):
    X, y = _iris_offset()
    X = X.astype(dtype)
    model = GD(C=0.5, l1_ratio=l1_ratio, keep_path=True).fit(X, y)
    b = model.intercept_
    assert b.dtype == dtype
    assert abs(float(np.sum(b, dtype=np.float64))) <= 8 * np.finfo(dtype).eps * float(
        np.max(np.abs(b)))
    # the path's last iterate is the model's, and every iterate's sum is 0 too
    np.testing.assert_array_equal(model.intercept_path_[-1], b)
    sums = model.intercept_path_.sum(axis=1)
    assert np.all(np.abs(sums) <= 1e-5 * (1.0 + np.abs(model.intercept_path_).max(axis=1)))


def test_the_same_model_as_before_and_as_logistic_regression():
    """The offset changes nothing but the intercepts' common shift: probabilities and J as
    before; decision_function as LogisticRegression's (saga, tight) to its accuracy."""
    from sklearn.linear_model import LogisticRegression

    X, y = _iris_offset()
    model = GD(C=0.5, l1_ratio=1.0, tol=1e-10, max_iter=20_000).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FutureWarning)
        ref = LogisticRegression(C=0.5, l1_ratio=1.0, penalty="elasticnet", solver="saga",
                                 tol=1e-12, max_iter=200_000).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, atol=1e-5)
    np.testing.assert_allclose(model.decision_function(X), ref.decision_function(X), atol=1e-5)


def test_two_classes_unchanged():
    X, y = _iris_offset()
    two = y > 0
    model = GD(C=0.5, l1_ratio=1.0).fit(X[two], y[two])
    assert model.intercept_.shape == (1,)
    assert abs(model.intercept_[0]) > 0.1  # one intercept: nothing to centre


def test_the_search_paths_as_the_single_fits():
    X, y = _iris_offset()
    search = GDCV(Cs=[0.1, 1.0], l1_ratios=[1.0], cv=3).fit(X, y)
    for paths in search.coefs_paths_.values():
        assert paths.shape[-1] == X.shape[1] + 1
    b = np.stack([search.coefs_paths_[c][..., -1] for c in search.classes_], axis=-1)
    assert np.all(np.abs(b.sum(axis=-1)) <= 1e-9 * (1.0 + np.abs(b).max(axis=-1)))
    np.testing.assert_allclose(search.intercept_.sum(), 0.0, atol=1e-9)


def test_l1_ratio_none_is_the_l2_penalty():
    X, y = _iris_offset(0.0)
    a = GD(l1_ratio=None).fit(X, y)
    b = GD(l1_ratio=0.0).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)
    assert a.penalty == "l2"
    # a grid saved from LogisticRegression's parameters
    search = GridSearchCV(GD(), {"l1_ratio": [None, 0.5], "C": [1.0]}, cv=3).fit(X, y)
    assert search.best_params_["l1_ratio"] in (None, 0.5)
    with pytest.raises(ValueError, match="l1_ratio"):
        GD(l1_ratio="l2").fit(X, y)


def test_the_averaged_model_of_refit_false():
    """refit=False averages the folds' best columns: their intercepts sum to 0 too (review
    161), and are the mean of the coefs_paths_ they come from."""
    X, y = _iris_offset()
    search = GDCV(Cs=[0.1, 1.0], l1_ratios=[1.0], cv=3, refit=False).fit(X, y)
    assert abs(float(search.intercept_.sum())) < 1e-9 * (1.0 + np.abs(search.intercept_).max())
