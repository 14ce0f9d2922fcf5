"""Review 170: scikit-learn's callbacks on the search and on a refit that raises.

- A search's end hook that asks to stop stops every later column: the one-by-one solvers
  ignored it, and the batched ones stopped the batch running only (the columns of later
  batches, by ``memory_budget`` or ``warm_start_path``'s stages, ran on).
- The callbacks' ``metadata["sample_weight"]`` is the caller's, not it times the class
  weights (a ScoringMonitor logged a class-weighted accuracy).
- A refit that raises keeps the previous model's feature names with its coefficients.
"""

import collections
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg._compat import HAS_CALLBACKS

pytestmark = pytest.mark.skipif(
    not HAS_CALLBACKS, reason="scikit-learn's callback API needs scikit-learn >= 1.9"
)


class Recorder:
    """Asks to stop once, at the end of its ``stop_at``-th task of ``name`` (never: None);
    raises KeyboardInterrupt at its ``raise_at``-th; keeps the metadata's sample weights it
    was given."""

    def __init__(self, name=None, stop_at=None, raise_at=None):
        self.name, self.stop_at, self.raise_at = name, stop_at, raise_at
        self.ends, self.weights = collections.Counter(), []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, *, metadata=None):
        # (keyword-only: scikit-learn passes the arguments a hook's signature names)
        self.weights.append((metadata or {}).get("sample_weight", "absent"))

    def on_fit_task_end(self, estimator, context, **kwargs):
        self.ends[context.task_name] += 1
        n = self.ends[context.task_name]
        if self.raise_at is not None and context.task_name == self.name and n == self.raise_at:
            raise KeyboardInterrupt
        return self.stop_at is not None and context.task_name == self.name and n == self.stop_at


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _search(X, y, callback, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GradientDescentLogisticRegressionCV(Cs=[0.1, 1.0, 10.0], cv=3, **params
                                                   ).set_callbacks(callback).fit(X, y)


@pytest.mark.parametrize("solver", ["nesterov", "backtracking"])
def test_a_stop_asked_at_a_column_stops_the_later_columns(cancer, solver):
    search = _search(*cancer, Recorder("search-column", stop_at=2), solver=solver)
    reasons = collections.Counter(np.asarray(search.stop_reasons_).ravel().tolist())
    n_iter = np.asarray(search.n_iter_).ravel()
    # the two columns fitted before the ask; the 7 after it stop at their start
    assert reasons == {"converged": 2, "callback": 7}
    assert np.count_nonzero(n_iter) == 2


@pytest.mark.parametrize("params", [{"memory_budget": 200_000}, {"warm_start_path": True}])
def test_a_stop_asked_in_one_batch_stops_the_later_batches(cancer, params):
    search = _search(*cancer, Recorder("search-iteration", stop_at=3), **params)
    assert set(np.asarray(search.stop_reasons_).ravel()) == {"callback"}
    assert np.asarray(search.n_iter_).max() <= 3


@pytest.mark.parametrize("given", [None, 2.0])
def test_callbacks_get_the_callers_weights_not_the_class_weighted_ones(cancer, given):
    X, y = cancer
    recorder = Recorder()
    sw = None if given is None else np.full(len(y), given)
    GradientDescentLogisticRegression(class_weight="balanced").set_callbacks(recorder).fit(
        X, y, sample_weight=sw)
    assert recorder.weights  # (the root task's begin hook, and each iteration's)
    for w in recorder.weights:
        assert w is None if given is None else np.array_equal(w, sw)


def test_a_refit_that_raises_keeps_the_previous_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = GradientDescentLogisticRegression().fit(X, y)
    coef, expected = model.coef_.copy(), model.predict(X)
    renamed = X.rename(columns=lambda c: c.replace(" (cm)", ""))
    assert isinstance(renamed, pd.DataFrame)
    with pytest.raises(KeyboardInterrupt):
        model.set_callbacks(Recorder("gradient-descent-iteration", raise_at=3)).fit(renamed, y)
    assert np.array_equal(model.coef_, coef)
    assert list(model.feature_names_in_) == list(X.columns)
    np.testing.assert_array_equal(model.predict(X), expected)


class Snapshots:
    """Keeps, at the end of each iteration task, what its fitted_estimator holds."""

    def __init__(self):
        self.seen = []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        # (the last task, whose step is never taken, ends without one)
        if context.task_name == "gradient-descent-iteration" and fitted_estimator is not None:
            f = fitted_estimator
            self.seen.append((int(f.n_iter_[0]), len(f.loss_curve_), f.stop_reason_,
                              f.loss_curve_[-1]))


def test_a_refits_fitted_estimator_holds_this_fits_state(cancer):
    """It held the previous fit's n_iter_, loss_curve_ and stop_reason_ beside the
    current coef_ (17 iterations and 'converged' at the refit's third)."""
    X, y = cancer
    model = GradientDescentLogisticRegression().fit(X, y)
    snapshots = Snapshots()
    model.set_params(C=0.01).set_callbacks(snapshots).fit(X, y)
    assert [s[0] for s in snapshots.seen] == list(range(1, model.n_iter_[0] + 1))
    for k, length, reason, last in snapshots.seen:
        assert length == k + 1 and reason == "callback"
        assert last == model.loss_curve_[k]
