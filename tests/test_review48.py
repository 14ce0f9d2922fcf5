"""Review 48: K classes' whitened steps on the Hessian's own class blocks (ClassMetric).

The metric over all K class columns, checked against a Hessian written out by hand, on
the complement of the classes' common shifts and along them; hostile numerics against
the shared metric (CLASS_TAKE = 0) and LogisticRegression; the backends' paths; memory;
and sample-weight equivalence on the class-metric path.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from gdlogreg import GradientDescentLogisticRegression, _objective
from gdlogreg._cli import objective
from gdlogreg._objective import ClassMetric, Objective
from gdlogreg._problem import make_problem


def _classes(n=600, d=5, K=4, seed=0):
    """K overlapping classes on standard features: the class metric is taken."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    Z = X @ rng.standard_normal((d, K))
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    y = (P.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    return X, y


@pytest.fixture
def takes(monkeypatch):
    """How many times a fit takes the class metric."""
    count = []
    init = ClassMetric.__init__
    monkeypatch.setattr(ClassMetric, "__init__",
                        lambda self, *a: count.append(1) or init(self, *a))
    return count


def _fit(X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return GradientDescentLogisticRegression(**kw).fit(X, y)


def test_features_of_huge_units_do_not_blow_the_shifts_rounding_up(monkeypatch, takes):
    """Features of 1e-20 to 1e20 units: along the classes' common shift of a feature of
    huge units H is l2·D² alone (1e-43 here), and the metric applied its inverse to the
    gradient's rounding there (1e-18): steps of 1e25, the line search gave up at the take
    (ConvergenceWarning, 1e-5 above the shared metric's J). The shifts get the floor that
    the rest of H gets."""
    X, y = _classes()
    X = X * np.logspace(-20, 20, X.shape[1])
    fit = _fit(X, y)
    assert takes and fit.converged_
    monkeypatch.setattr(_objective, "CLASS_TAKE", 0)
    shared = _fit(X, y)
    assert objective(fit, X, y) <= objective(shared, X, y) + 1e-9


def test_a_weighted_dask_fit_of_K_classes_leaks_no_warning():
    """The class take's rule counts the rows of positive weight (``_positive_rows``) for
    every weighted K-class fit; on Dask that cast the weights with ``numpy.astype``,
    which Dask does not implement: a FutureWarning leaked from each such fit."""
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(0)
    n = 400
    X = rng.standard_normal((n, 4)) * [1.0, 100.0, 0.01, 1.0]
    y = (X[:, 0] + X[:, 1] / 100 + rng.logistic(size=n) > 0).astype(int) + (X[:, 2] > 0.005)
    sw = rng.random(n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = GradientDescentLogisticRegression().fit(
            da.from_array(X, chunks=(100, 4)), da.from_array(y, chunks=100),
            sample_weight=da.from_array(sw, chunks=100))
    ref = GradientDescentLogisticRegression().fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(fit.loss_curve_, ref.loss_curve_, rtol=1e-9)
