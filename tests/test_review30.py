"""Review 30: the whitened steps' metric after 85a6b10, 4cea0c9 and c096bc1 (the floor
from the rows' share, the factored metric retaken every ``every`` iterations, ``every``
from the rows as counted)."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from gdlogreg import GradientDescentLogisticRegression


def _wide_float32(n=60, d=300, seed=0):
    """Two classes, raw units 1e-4 .. 1e4, float32 (review 28's kind of wide data)."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, d))
    W = rng.standard_normal((d, 2)) * 3 / np.sqrt(d)
    y = (Z @ W + rng.gumbel(size=(n, 2))).argmax(axis=1)
    return (Z * np.logspace(-4, 4, d)).astype(np.float32), y


def test_float32_wide_data_keeps_the_doubling_schedule_of_the_factored_metric():
    """In float32 a retake every iteration (every = 1 for 60 x 300) restarts the steps
    from 1 along a metric whose gradient carries float32's rounding: 566 iterations at
    C = 1 where the doubling schedule (7891f40) took 92, and at C = 100 max_iter 3000 with a
    ConvergenceWarning, 7.6e-2 above J*, where it converged in 991."""
    X, y = _wide_float32()
    fit = GradientDescentLogisticRegression(C=1.0).fit(X, y)
    assert fit.converged_ and fit.n_iter_[0] < 200, fit.n_iter_
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fit = GradientDescentLogisticRegression(C=100.0, max_iter=2000).fit(X, y)
    assert fit.converged_


def test_weights_below_one_pace_the_factored_metric_by_the_rows_it_factors():
    """``every`` counted the rows as Σ of the sample weights: weights summing to 1 (1/n
    each) read as one row, and two classes retook the metric (a Cholesky of all n rows)
    every iteration: 1000 x 4000 up to 1.7 times the time of unit weights at C·n, the same
    minimiser. At least the rows factored: a uniform weight is the unit weights' path (a
    weight of 2 still that of a repeated row: tests/test_whitened_steps.py)."""
    rng = np.random.default_rng(4)
    n, d = 300, 1200
    X = rng.standard_normal((n, d)) * np.logspace(-2, 2, d)
    y = (X @ (rng.standard_normal(d) / np.logspace(-2, 2, d))
         + 2 * rng.standard_normal(n) > 0).astype(int)
    ones = GradientDescentLogisticRegression(C=1.0).fit(X, y)
    assert ones.converged_
    for a in (1.0 / n, 0.5):
        fit = GradientDescentLogisticRegression(C=1.0 / a).fit(X, y, sample_weight=np.full(n, a))
        assert fit.n_iter_[0] == ones.n_iter_[0], (a, fit.n_iter_, ones.n_iter_)
        np.testing.assert_allclose(fit.loss_curve_, ones.loss_curve_, rtol=1e-9)
