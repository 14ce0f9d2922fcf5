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
