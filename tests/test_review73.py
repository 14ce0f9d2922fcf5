"""Review 73: the life of a fitted estimator, refit after refit, against LogisticRegression.

Fit twice on other data, warm start, clone, pickle, a callback or scorer that raises, threads.
Defects pinned here: a refit without ``keep_path`` kept the last fit's ``coef_path_`` (which
``DescentPathDisplay`` then drew); a refit stopped by a raising callback, scorer or Ctrl-C kept
the old ``coef_`` under the new ``classes_`` (predict: IndexError); the search left its callback
context behind (the next pickle failed) and, refitted with ``refit=False``, the last refit's
``best_estimator_``. The rest pins properties that held.
"""

import copy
import pickle
import threading

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg._compat import HAS_CALLBACKS

needs_callbacks = pytest.mark.skipif(
    not HAS_CALLBACKS, reason="scikit-learn's callback API needs scikit-learn >= 1.9"
)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def binary():
    """Two classes, four features: iris's width, so only the classes differ."""
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X[:200, :4]), y[:200]


class Raiser:
    """A FitCallback that raises ``exc`` at the end of its ``after``-th task, or runs
    ``action(estimator)`` at each."""

    def __init__(self, exc=None, after=3, action=None):
        self.exc, self.after, self.action, self.n = exc, after, action, 0

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, **kwargs):
        self.n += 1
        if self.action is not None:
            self.action(estimator)
        if self.exc is not None and self.n >= self.after:
            raise self.exc("raised by the callback")

    def teardown(self, estimator, context):
        pass


class _Snapshot:
    """An action of :class:`Raiser`: a pickle and a deepcopy of the estimator being fitted,
    at the first task's end (a module-level class, so that the callback itself pickles)."""

    def __init__(self, copies):
        self.copies = copies

    def __call__(self, est):
        if not self.copies:
            self.copies.extend([pickle.loads(pickle.dumps(est)), copy.deepcopy(est)])


def _fitted(est):
    try:
        check_is_fitted(est)
    except NotFittedError:
        return False
    return True


def test_a_refit_without_keep_path_drops_the_last_fits_path(iris):
    X, y = iris
    est = GradientDescentLogisticRegression(keep_path=True).fit(X, y)
    assert hasattr(est, "coef_path_")
    est.set_params(keep_path=False).fit(X[:, :2], y)
    assert not hasattr(est, "coef_path_") and not hasattr(est, "intercept_path_")
    assert set(vars(est)) == set(vars(GradientDescentLogisticRegression().fit(X[:, :2], y)))


@needs_callbacks
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
@pytest.mark.parametrize("solver", ["bb", "lbfgs", "gd"])
def test_a_refit_stopped_by_a_callback_keeps_the_previous_model_whole(iris, binary, exc, solver):
    """Iris's 3-class model, then a binary refit the callback stops: the model is still
    iris's, its labels with its coefficients (it was the old coef_ under the new two labels,
    whose predict raised an IndexError); the next fit is the fresh one's."""
    X, y = iris
    est = GradientDescentLogisticRegression(solver=solver).fit(X, y)
    expected = est.predict(X)
    est.set_callbacks(Raiser(exc))
    with pytest.raises(exc):
        est.fit(*binary)
    assert _fitted(est)
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    np.testing.assert_array_equal(est.predict(X), expected)
    est._skl_callbacks = []
    fresh = GradientDescentLogisticRegression(solver=solver).fit(*binary)
    np.testing.assert_array_equal(est.fit(*binary).coef_, fresh.coef_)


def test_a_ctrl_c_while_the_attributes_are_set_keeps_the_previous_model(iris, binary,
                                                                        monkeypatch):
    """A KeyboardInterrupt (a signal) between the copy of coef_ and that of intercept_ left
    the new binary coef_ (1, 4) with iris's intercept_ (3,) and the new classes_: a 'fitted'
    model whose decision_function broadcast to (n, 3)."""
    import gdlogreg._estimator as module

    X, y = iris
    est = GradientDescentLogisticRegression().fit(X, y)
    expected = est.predict_proba(X)
    copies, copy_ = [], module._copy

    def interrupted(*args):
        copies.append(1)
        if len(copies) == 2:
            raise KeyboardInterrupt
        return copy_(*args)

    monkeypatch.setattr(module, "_copy", interrupted)
    with pytest.raises(KeyboardInterrupt):
        est.fit(*binary)
    assert est.coef_.shape == (3, 4) and est.intercept_.shape == (3,)
    np.testing.assert_array_equal(est.predict_proba(X), expected)


@needs_callbacks
def test_a_first_fit_stopped_by_a_callback_is_not_fitted(iris):
    est = GradientDescentLogisticRegression().set_callbacks(Raiser(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        est.fit(*iris)
    assert not _fitted(est) and not hasattr(est, "classes_")
    with pytest.raises(NotFittedError):
        est.predict(iris[0])


def test_a_search_whose_scorer_raises_keeps_the_previous_model_whole(iris, binary):
    calls = []

    def scorer(est, X, y):
        calls.append(1)
        if len(calls) > 2:
            raise RuntimeError("raised by the scorer")
        return 0.5

    X, y = iris
    search = GradientDescentLogisticRegressionCV(Cs=2, cv=3).fit(X, y)
    expected = search.predict(X)
    with pytest.raises(RuntimeError, match="scorer"):
        search.set_params(scoring=scorer).fit(*binary)
    np.testing.assert_array_equal(search.classes_, [0, 1, 2])
    np.testing.assert_array_equal(search.predict(X), expected)
    assert not any(k.startswith("_") and not k.startswith("__") for k in vars(search))


@needs_callbacks
@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_a_search_stopped_by_a_callback_pickles_and_refits(iris, exc):
    """Its callback context was left in the search: pickle raised 'cannot pickle module'."""
    X, y = iris
    search = GradientDescentLogisticRegressionCV(Cs=2, cv=3).set_callbacks(Raiser(exc, after=4))
    with pytest.raises(exc):
        search.fit(X, y)
    assert not _fitted(search)
    pickle.loads(pickle.dumps(search))
    search._skl_callbacks = []
    fresh = GradientDescentLogisticRegressionCV(Cs=2, cv=3).fit(X, y)
    np.testing.assert_array_equal(search.fit(X, y).coef_, fresh.coef_)


def test_a_search_refitted_with_refit_false_drops_the_last_best_estimator(iris):
    """LogisticRegressionCV has no best_estimator_; a fresh refit=False search has none:
    the one kept was another model than coef_ (the folds' average)."""
    X, y = iris
    search = GradientDescentLogisticRegressionCV(Cs=2, cv=3).fit(X, y)
    search.set_params(refit=False).fit(X, y)
    fresh = GradientDescentLogisticRegressionCV(Cs=2, cv=3, refit=False).fit(X, y)
    assert set(vars(search)) == set(vars(fresh))
    np.testing.assert_array_equal(search.coef_, fresh.coef_)


@pytest.mark.parametrize("intercept", [np.zeros(1), np.zeros(5), 0.0])
def test_a_warm_start_from_an_intercept_of_another_shape_says_so(iris, intercept):
    """coef_ (3, 4) assigned by hand with an intercept_ of another shape: numpy's
    'all the input array dimensions ... must match exactly' from deep inside (as
    LogisticRegression's), now a ValueError that names intercept_."""
    est = GradientDescentLogisticRegression(warm_start=True)
    est.coef_, est.intercept_ = np.zeros((3, 4)), intercept
    with pytest.raises(ValueError, match=r"intercept_ has shape .*not \(3,\)"):
        est.fit(*iris)


# ------------------------------------------------------------- properties that held
@pytest.mark.parametrize("solver", ["bb", "lbfgs", "backtracking"])
def test_a_warm_start_from_the_optimum_stops_at_once(iris, solver):
    X, y = iris
    est = GradientDescentLogisticRegression(solver=solver, fit_intercept=False).fit(X, y)
    coef, J = est.coef_.copy(), est.loss_curve_[-1]
    est.set_params(warm_start=True).fit(X, y)
    assert est.n_iter_[0] == 0 and len(est.loss_curve_) == 1 and est.converged_
    assert est.loss_curve_[0] <= J * (1 + 1e-14)
    np.testing.assert_allclose(est.coef_, coef, rtol=0, atol=1e-12)


@needs_callbacks
def test_a_pickle_and_a_deepcopy_taken_by_a_callback_refit_to_the_same_model(iris):
    X, y = iris
    copies = []
    est = GradientDescentLogisticRegression().set_callbacks(Raiser(action=_Snapshot(copies)))
    est.fit(X, y)
    assert len(copies) == 2
    for c in copies:
        c._skl_callbacks = []
        np.testing.assert_array_equal(c.fit(X, y).coef_, est.coef_)


def test_clones_fitted_in_threads_get_their_lone_fits(iris, binary):
    """Two clones on two threads, each the model of its lone fit. (One object fitted from
    two threads at once is as unsafe as LogisticRegression's: its attributes may mix.)"""
    base = GradientDescentLogisticRegression(solver="lbfgs")
    data = [iris, binary]
    lone = [clone(base).fit(*d) for d in data]
    ests = [clone(base) for _ in data]
    threads = [threading.Thread(target=e.fit, args=d) for e, d in zip(ests, data, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e, lone_fit in zip(ests, lone, strict=True):
        np.testing.assert_array_equal(e.coef_, lone_fit.coef_)
