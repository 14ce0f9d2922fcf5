"""review20: an outside review of the other solvers ("gd", "nesterov", "backtracking",
"lbfgs") and of the L1 / elastic-net paths, single fits and the CV search."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import PredefinedSplit

from conftest import objective
from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV


@pytest.fixture(scope="module")
def data():
    return make_classification(300, 6, n_informative=3, random_state=1)


def _reference(X, y, C, l1_ratio):
    lr = LogisticRegression(C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-12, max_iter=100_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lr.fit(X, y)
    return objective(X, y, lr.coef_, lr.intercept_, lr.classes_, C=C, l1_ratio=l1_ratio)


def _honest(model, X, y, J_star, C, l1_ratio):
    """converged_ only where J is within the stopping tolerance of J*; else a warning's
    reason (not "converged")."""
    J = objective(X, y, model.coef_, model.intercept_, model.classes_, C=C, l1_ratio=l1_ratio)
    if model.converged_:
        assert J - J_star <= 2e-6 * J_star, (model.stop_reason_, model.n_iter_, J, J_star)
    else:
        assert model.stop_reason_ != "converged"


@pytest.mark.parametrize("solver", ["backtracking", "bb"])
def test_a_proximal_step_that_rounds_to_nothing_is_no_convergence(data, solver):
    """A warm start from C=1 refitted at C=0.01 (l1_ratio=0.5) with learning_rate=1e-20:
    t·g is far below the weights' ulp, so the proximal step d = prox(w - t·g) - w rounds
    to exactly 0, and Armijo's rule took its zero decrease for a fixed point: converged_
    True after 0 iterations, J = 0.99994 where J* = 0.60496 (dual_gap_ 0.65). The rule
    stops there only where the point is stationary; otherwise the search takes the null
    step (bb then doubles t, a fixed α runs into max_iter and its warning)."""
    X, y = data
    model = GradientDescentLogisticRegression(C=1.0, l1_ratio=0.5, warm_start=True).fit(X, y)
    model.set_params(C=0.01, solver=solver, learning_rate=1e-20, max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    _honest(model, X, y, _reference(X, y, 0.01, 0.5), 0.01, 0.5)


def test_lbfgs_with_a_slope_that_underflows_is_no_stationary_point(data):
    """learning_rate=1e-323 (a valid positive float): the first direction -t₀·g has a
    slope gᵀd that underflows to 0, and lbfgs took it for a stationary point: converged_
    True after 0 iterations at the all-zero model (J = log 2, dual_gap_ = J). It is one
    only where the gradient is 0; otherwise max_iter ends the fit with its warning."""
    X, y = data
    with pytest.warns(ConvergenceWarning):
        model = GradientDescentLogisticRegression(
            solver="lbfgs", learning_rate=1e-323, max_iter=20
        ).fit(X, y)
    assert not model.converged_ and model.stop_reason_ == "max_iter"


def test_a_warm_started_path_column_whose_step_rounds_to_nothing_is_not_converged(data):
    """warm_start_path, bb with learning_rates=[1e-20], l1_ratio=0.1: the column of C=1
    starts from C=0.5's solution, where the first proximal step rounds to 0; the batched
    rule read its zero decrease as a fixed point: "converged" after 0 iterations at
    J = 0.373243 where J* = 0.372833 (1.1e-3 relative)."""
    X, y = data
    fold = np.r_[np.zeros(150), -np.ones(150)]
    train = fold == -1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GradientDescentLogisticRegressionCV(
            Cs=[0.5, 1.0], l1_ratios=[0.1], learning_rates=[1e-20], cv=PredefinedSplit(fold),
            max_iter=500, warm_start_path=True,
        ).fit(X, y)
    path = search.coefs_paths_[search.classes_[1]][0, 1, 0, 0]
    J = objective(X[train], y[train], path[None, :-1], path[-1:], search.classes_, l1_ratio=0.1)
    J_star = _reference(X[train], y[train], 1.0, 0.1)
    assert search.stop_reasons_[1] != "converged" or J - J_star <= 2e-6 * J_star, (
        search.stop_reasons_, J, J_star)


def test_a_refit_refused_for_lbfgs_with_l1_keeps_the_previous_model(data):
    """solver='lbfgs' with l1_ratio > 0 was refused only when the step rule started,
    after classes_ had been set to the new labels: the binary model kept its coef_ but
    answered to classes_ [0, 1, 2] (predict_proba: 2 columns for 3 classes). The
    penalty is checked against the solver with the labels and weights, before classes_."""
    X, y = data
    model = GradientDescentLogisticRegression().fit(X, y)
    coef, proba = model.coef_.copy(), model.predict_proba(X)
    y3 = np.arange(len(y)) % 3
    model.set_params(solver="lbfgs", l1_ratio=0.5)
    with pytest.raises(ValueError, match="solver='lbfgs' handles the L2 penalty only"):
        model.fit(X, y3)
    assert model.classes_.tolist() == [0, 1]
    np.testing.assert_array_equal(model.coef_, coef)
    np.testing.assert_array_equal(model.predict_proba(X), proba)


@pytest.mark.parametrize("solver", ["nesterov", "backtracking"])
def test_a_search_fitting_one_by_one_warns_once_as_a_batched_one(data, solver):
    """A grid with a diverging learning rate: the batched solvers ("gd", "bb") give the
    search's one summary, but "nesterov" and "backtracking", fitted candidate by
    candidate, also leaked each fold's own warning (naming GradientDescentLogisticRegression):
    3 warnings for 2 folds here, 14 for a 24-column grid. The search's summary names
    them all."""
    X, y = data
    grid = {"Cs": [1.0], "learning_rates": ["auto", 1e300], "cv": 2}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GradientDescentLogisticRegressionCV(solver=solver, **grid).fit(X, y)
    messages = [str(w.message) for w in caught if w.category is ConvergenceWarning]
    assert len(messages) == 1, messages
    assert messages[0].startswith("GradientDescentLogisticRegressionCV:"), messages


@pytest.mark.parametrize("solver, learning_rate", [("backtracking", 1e6), ("bb", 1e6),
                                                   ("bb", "auto")])
def test_learning_rate_is_the_step_of_the_last_update(data, solver, learning_rate):
    """learning_rate_ is documented as the last step used; the line-search rules reported
    the first trial of the search that would come next: after one update from 0 with
    learning_rate=1e6, whose search accepted λ = 2⁻¹⁵ (w moved by -30.5·g), backtracking
    said 1e6 and bb its next spectral step."""
    X, y = data
    model = GradientDescentLogisticRegression(
        solver=solver, learning_rate=learning_rate, max_iter=1, keep_path=True, C=np.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    if learning_rate == "auto":  # standardized coordinates: w' = σ w, b' = b + μ·w
        X = (X - X.mean(axis=0)) / X.std(axis=0)
        moved = np.r_[model.coef_path_[1, 0] * np.std(data[0], axis=0),
                      model.intercept_path_[1, 0] + data[0].mean(axis=0) @ model.coef_path_[1, 0]]
    else:
        moved = np.r_[model.coef_path_[1, 0], model.intercept_path_[1, 0]]
    r = 0.5 - (y == 1)  # the residual at the all-zero model, p - y
    gradient = np.r_[X.T @ r, r.sum()] / len(y)
    np.testing.assert_allclose(-moved / gradient, model.learning_rate_, rtol=1e-9)


def test_the_path_has_an_entry_for_each_entry_of_the_loss_curve_as_documented(data):
    """A diverging fit appends its best iterate to loss_curve_ (n_iter_ + 2 entries, as
    documented) and to coef_path_ too, whose shape the docstring gave as n_iter_ + 1."""
    X, y = data
    with pytest.warns(ConvergenceWarning, match="diverge"):
        model = GradientDescentLogisticRegression(
            solver="gd", learning_rate=1e6, keep_path=True).fit(X, y)
    n = model.n_iter_[0] + 2
    assert len(model.loss_curve_) == len(model.coef_path_) == len(model.intercept_path_) == n
    doc = GradientDescentLogisticRegression.__doc__
    entry = doc[doc.index("    coef_path_ :"):doc.index("    intercept_path_ :")]
    assert "n_iter_ + 2" in entry or "len(loss_curve_)" in entry, entry
