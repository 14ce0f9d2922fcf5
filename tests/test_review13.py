"""Outside review: drop-in parity and hostile input of the estimator (review13)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
def test_a_float32_fit_of_a_small_cost_is_not_stopped_by_an_absolute_floor(wine, solver):
    """Standardized wine with C=1e4: J ends 1e-4 times J(0), and the gradient test's
    bound, tol·‖g'(0)‖·√(J/J0), is 4e-8. The floor under it was an absolute 10 ε,
    1.2e-6 in float32: bb and lbfgs stopped at a gradient 25 times the bound and
    said "converged", J 2.4e-2 above J* (coefficients and log-probabilities far from
    LogisticRegression's on the same float32 X, which reaches J* to 1e-7). The
    floor is the gradient's rounding noise, which shrinks with J as the bound does.
    (lbfgs, whose float32 line search cannot resolve the last decreases of J, now
    runs to max_iter and says so, at a J 5e-5 above J*.)"""
    X, y = wine
    ref = GradientDescentLogisticRegression(C=1e4, solver="lbfgs", tol=0, max_iter=3000)
    J_star = ref.fit(X, y).loss_curve_[-1]
    model = GradientDescentLogisticRegression(C=1e4, solver=solver)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X.astype(np.float32), y)
    assert model.coef_.dtype == np.float32
    assert (model.loss_curve_[-1] - J_star) / J_star < 1e-3
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    assert model.converged_ != warned


def test_the_search_s_float32_columns_are_not_stopped_by_an_absolute_floor(wine):
    """The batch's stopping test had the same absolute floor: every (C=1e4, fold) column
    of the float32 search said "converged" at a J 1e-2 to 3.4e-2 above the float64
    search's column; now within 1e-3 (7.5e-5 here)."""
    X, y = wine
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = GradientDescentLogisticRegressionCV(
            Cs=[1e4], cv=3, solver="lbfgs", tol=0, max_iter=3000
        ).fit(X, y)
    J_star = np.array([curve[-1] for curve in ref.loss_curves_])
    for solver in ("bb", "lbfgs"):
        search = GradientDescentLogisticRegressionCV(Cs=[1e4], cv=3, solver=solver)
        search.fit(X.astype(np.float32), y)
        J = np.array([curve[-1] for curve in search.loss_curves_])
        assert np.all((J - J_star) / J_star < 1e-3), (solver, search.stop_reasons_)
