"""A warm start whose J is above the all-zero model's: the adaptive rules ("bb", "lbfgs")
start from that model instead (StepRule.zero_if_worse), single fits and the search's
columns alike; the fixed-step rules keep the textbook path from the start given."""

import warnings

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV
from gdlogreg import _search


def _data(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _J(model, X, y, C=1.0):
    Z = X @ model.coef_.T + model.intercept_
    if Z.shape[1] == 1:
        ll = np.logaddexp(0.0, Z[:, 0]) - (y == model.classes_[1]) * Z[:, 0]
    else:
        idx = np.searchsorted(model.classes_, y)
        ll = logsumexp(Z, axis=1) - Z[np.arange(len(y)), idx]
    return ll.mean() + np.sum(model.coef_**2) / (2 * C * len(y))


FAR = {
    "intercepts 1e5 off": lambda m: setattr(m, "intercept_", m.intercept_ - 1e5 * np.arange(
        1, len(m.intercept_) + 1)),
    "weights 1e4 times": lambda m: setattr(m, "coef_", m.coef_ * 1e4),
}


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
@pytest.mark.parametrize("far", list(FAR))
@pytest.mark.parametrize("loader", [load_breast_cancer, load_iris, load_wine])
def test_a_warm_start_worse_than_zero_starts_at_zero(loader, far, solver):
    """bb crawled from these starts (iris, intercepts 1e5 off: max_iter, J 11 times J*;
    wine, weights 1e4 times: 979 iterations): its scalar steps were the penalty's where the
    rows' curvature is spent. Now the fit is the cold one, converged, its curve from J(0)."""
    X, y = _data(loader)
    cold = GD(solver=solver).fit(X, y)
    model = GD(solver=solver, warm_start=True).fit(X, y)
    FAR[far](model)
    assert _J(model, X, y) > np.log(len(model.classes_))  # worse than the all-zero model
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y)
    assert model.converged_
    assert model.loss_curve_[0] == pytest.approx(np.log(len(model.classes_)), rel=1e-12)
    assert model.n_iter_[0] == cold.n_iter_[0]
    np.testing.assert_allclose(model.coef_, cold.coef_, rtol=1e-9, atol=1e-12)


def test_a_warm_start_better_than_zero_is_kept():
    """A refit from the fit's own coefficients, nudged: J below J(0), the start is kept."""
    X, y = _data(load_iris)
    model = GD(warm_start=True).fit(X, y)
    model.coef_ = model.coef_ * 1.5
    J = _J(model, X, y)
    assert J < np.log(3)
    model.fit(X, y)
    assert model.loss_curve_[0] == pytest.approx(J, rel=1e-9)


@pytest.mark.parametrize("solver", ["gd", "nesterov", "backtracking"])
def test_the_fixed_step_rules_keep_the_start_given(solver):
    """The textbook path: from the start given, however far (a teacher's demonstration)."""
    X, y = _data(load_breast_cancer)
    model = GD(solver=solver, learning_rate=0.1, warm_start=True, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (max_iter)
        model.fit(X, y)
        model.intercept_ = model.intercept_ + 50.0
        J = _J(model, X, y)
        assert J > np.log(2)
        model.fit(X, y)
    assert model.loss_curve_[0] == pytest.approx(J, rel=1e-9)


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
def test_the_search_columns_start_at_zero_as_their_single_fits(monkeypatch, solver):
    """The search's columns warm-started along the C path from a start worse than zero
    (the previous C's solution made far here) start at zero too: the same fold scores as
    the cold search."""
    X, y = _data(load_wine)
    cold, path = far_search(monkeypatch, X, y, solver, refit=False)
    np.testing.assert_allclose(path.scores_[1], cold.scores_[1], rtol=1e-6, atol=1e-9)


def far_search(monkeypatch, X, y, solver, **params):
    """(the cold search, the search along the C path from its previous C's solutions times
    1e4), Cs 0.1, 1 and 10 over 3 stratified folds, no warning allowed on the second."""
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    real = _search._warm_start

    def far(results, p):
        start = real(results, p)
        return None if start is None else start * 1e4

    kw = dict(Cs=[0.1, 1.0, 10.0], cv=folds, solver=solver, scoring="neg_log_loss")
    cold = GDCV(**kw).fit(X, y)
    monkeypatch.setattr(_search, "_warm_start", far)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = GDCV(warm_start_path=True, **kw, **params).fit(X, y)
    return cold, path
