"""Review 41: the non-default solvers as a teacher and a demanding user use them (callbacks,
warnings, the loss curve and the path)."""

import pickle
import threading
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from test_callbacks import needs_callbacks

from gdlogreg import GradientDescentLogisticRegression


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


class Scribbler:
    """A FitCallback that overwrites the model it is given, at the start or end of a task."""

    def __init__(self, hook):
        self.hook = hook

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def _scribble(self, context, fitted_estimator):
        if context.task_name != "fit" and fitted_estimator is not None:
            fitted_estimator.coef_[...] = 7.0
            fitted_estimator.intercept_[...] = 3.0

    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        if self.hook == "begin":
            self._scribble(context, fitted_estimator)

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if self.hook == "end":
            self._scribble(context, fitted_estimator)
        return False


@needs_callbacks
@pytest.mark.parametrize("hook", ["begin", "end"])
@pytest.mark.parametrize("solver", ["gd", "nesterov", "backtracking", "lbfgs", "bb"])
def test_a_callback_that_changes_its_fitted_estimator_leaves_the_fit_alone(data, solver, hook):
    # With a float learning_rate the fitted_estimator's coef_ was a view of the solver's
    # own iterate: writing 7 into it became the next iterate (coef_path_ held 7.0).
    X, y = data
    params = dict(solver=solver, learning_rate=0.1, max_iter=30, keep_path=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = GradientDescentLogisticRegression(**params).fit(X, y)
        model = GradientDescentLogisticRegression(**params).set_callbacks(
            Scribbler(hook)).fit(X, y)
    np.testing.assert_array_equal(model.coef_, plain.coef_)
    np.testing.assert_array_equal(model.intercept_, plain.intercept_)
    np.testing.assert_array_equal(model.loss_curve_, plain.loss_curve_)
    np.testing.assert_array_equal(model.coef_path_, plain.coef_path_)


@pytest.mark.parametrize("solver", ["gd", "nesterov"])
def test_a_step_too_small_to_move_the_weights_is_not_called_stable(data, solver):
    # learning_rate=1e-300: w stays at zero, J never changes; the warning said "J fell at
    # every iteration ... is stable, but max_iter was reached first. Increase max_iter".
    X, y = data
    model = GradientDescentLogisticRegression(solver=solver, learning_rate=1e-300, max_iter=5)
    with pytest.warns(ConvergenceWarning) as record:
        model.fit(X, y)
    assert np.all(model.loss_curve_ == model.loss_curve_[0])
    msg = str(record[0].message)
    assert "J fell" not in msg and "did not fall" in msg and "too small" in msg
    assert "2/L" in msg


@pytest.mark.slow
def test_nesterov_below_2_over_L_is_not_called_too_large(data):
    # 0.3 < 1/L ≈ 0.3008 < 2/L ≈ 0.6015: J at nesterov's extrapolated points rose with the
    # momentum, and the warning said "learning_rate=0.3 is too large for steady descent",
    # then quoted 2/L ≈ 0.6 as the step that guarantees descent.
    X, y = data
    model = GradientDescentLogisticRegression(
        solver="nesterov", learning_rate=0.3, max_iter=5000, tol=0.0)
    with pytest.warns(ConvergenceWarning) as record:
        model.fit(X, y)
    assert np.any(np.diff(model.loss_curve_) > 0)
    msg = str(record[0].message)
    assert "too large" not in msg and "momentum" in msg and "stable" in msg
    assert "2/L ≈ 0.6" in msg


def test_a_step_above_2_over_L_whose_j_rose_is_still_too_large():
    X, y = load_iris(return_X_y=True)  # 2/L ≈ 0.064
    model = GradientDescentLogisticRegression(solver="gd", learning_rate=0.2, max_iter=200)
    with pytest.warns(ConvergenceWarning, match="too large for steady descent"):
        model.fit(X, y)


@pytest.mark.parametrize("solver", ["gd", "backtracking", "nesterov", "lbfgs"])
def test_one_iteration_is_one_iteration_in_the_warning(data, solver):
    # "did not converge in 1 iterations"; the verbose summary says "1 iteration"
    X, y = data
    with pytest.warns(ConvergenceWarning, match="did not converge in 1 iteration ") as record:
        GradientDescentLogisticRegression(solver=solver, max_iter=1).fit(X, y)
    assert "1 iterations" not in str(record[0].message)


class Raiser:
    """A FitCallback holding an object that cannot be pickled, raising at an iteration."""

    def __init__(self):
        self.lock = threading.Lock()

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        raise RuntimeError("stop here")


@needs_callbacks
def test_a_callback_that_raises_leaves_nothing_of_itself_in_the_model(data):
    # The fit's callback contexts stayed on the estimator after the exception, through a
    # later fit without callbacks: pickle.dumps then failed on the callback's lock.
    X, y = data
    model = GradientDescentLogisticRegression(solver="gd", learning_rate=0.1, max_iter=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        before = model.coef_.copy()
        model.set_callbacks(Raiser())
        with pytest.raises(RuntimeError, match="stop here"):
            model.fit(X, y)
        np.testing.assert_array_equal(model.coef_, before)  # the previous model
        pickle.loads(pickle.dumps(model.set_callbacks()))
        model.fit(X, y)
    pickle.loads(pickle.dumps(model))


@pytest.mark.parametrize("learning_rate", [0.1, 1e6, "auto"])
def test_lbfgs_learning_rate_is_the_step_its_first_update_took(data, learning_rate):
    # Its first update is w := w - t·t₀·g (t₀ the learning_rate, no pairs yet);
    # learning_rate_ said t (1.0 for learning_rate=0.1, where w moved by -0.1·g), unlike
    # backtracking's and bb's (test_review20).
    X, y = data
    model = GradientDescentLogisticRegression(
        solver="lbfgs", learning_rate=learning_rate, max_iter=1, keep_path=True, C=np.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    moved = np.r_[model.coef_path_[1, 0], model.intercept_path_[1, 0]]
    if learning_rate == "auto":  # standardized coordinates, as in test_review20
        moved = np.r_[moved[:-1] * X.std(axis=0), moved[-1] + X.mean(axis=0) @ moved[:-1]]
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    r = 0.5 - (y == 1)  # p - y at the all-zero model
    gradient = np.r_[X.T @ r, r.sum()] / len(y)
    np.testing.assert_allclose(-moved / gradient, model.learning_rate_, rtol=1e-9)
