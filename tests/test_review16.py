"""review16: an outside review of bb's whitened steps (issue #16)."""

import warnings

import numpy as np
from test_whitened_steps import _collinear  # shared

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._objective import Objective
from gdlogreg._problem import make_problem


def _objective(X, y):
    problem = make_problem(X, np.unique(y, return_inverse=True)[1], None, len(np.unique(y)),
                           C=1.0, l1_ratio=0.0, fit_intercept=True)
    return Objective(problem, problem.standardization)


def test_huge_features_keep_the_whitened_steps():
    """Features near 1e155: standardized, they are the same problem, but the Gram of the
    centred rows in raw units overflowed (a RuntimeWarning, an inf H, no whitening: 244
    iterations for 29)."""
    X, y = _collinear(n=1000)
    obj = _objective(X * 1e155, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = obj.whitening()
    assert P is not None  # the inverse of the bound, as its columns by products give it
    np.testing.assert_allclose(P @ obj.curvature_matvec(np.eye(len(P))), np.eye(len(P)),
                               atol=1e-7)
    small = GradientDescentLogisticRegression().fit(X, y)
    huge = GradientDescentLogisticRegression().fit(X * 1e155, y)
    assert huge.n_iter_[0] <= 2 * small.n_iter_[0], (huge.n_iter_, small.n_iter_)  # 29, 24


def test_a_weight_of_two_is_a_repeated_row_where_the_rows_decide_the_switch():
    """26 rows, 7 coordinates: 4·7 > 26 rows of positive weight, but the same rows with
    weights 2 repeated are 39. The switch counted the rows of positive weight: the
    repeated rows whitened (33 iterations), the weighted ones not (52), predictions
    7e-5 apart; without the switch both take the same 52 iterations, 2e-11 apart."""
    X, y = _collinear(n=26, seed=1)
    w = np.ones(len(y))
    w[::2] = 2.0
    rep = np.repeat(np.arange(len(y)), w.astype(int))
    a = GradientDescentLogisticRegression().fit(X, y, sample_weight=w)
    b = GradientDescentLogisticRegression().fit(X[rep], y[rep])
    assert a.n_iter_[0] == b.n_iter_[0]
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-7)
