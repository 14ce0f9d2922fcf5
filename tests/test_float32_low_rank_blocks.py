"""float32 fits of K classes on few rows take each class's own block of the factored metric.

Where the rows are few (at most LOW_RANK_FEW, or fewer than the coordinates) bb's whitened
steps take the factored metric (``LowRankMetric``); for K classes it may take each class's
own diagonal block of the Hessian rather than their mean. That was float64 only, as the
dense metric's class blocks were until review 101: float32 fits then crawled on the mean
block. HistData::Guerry (85 departments, 21 raw features, 5 regions) in float32 ran to
max_iter 4.9e-5 (C = 1) to 7.7e-3 (C = 1e4) above J*, where float64 stops in 155 to 410
iterations; with the blocks it stops in 164 to 403, within 1.3e-6
(benchmarks/experiments/float32_low_rank_blocks.py). The design below is a synthetic copy
of that shape: positive raw features of sizes 1 to 1e5, five classes of 17 rows. The tests
fail on 0fde900.
"""

import warnings

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.exceptions import ConvergenceWarning

from gdlogreg import GradientDescentLogisticRegression as GD


def _design(seed, n=85, p=21, k=5):
    """Guerry's shape: n rows of p positive raw features (sizes 1 to 1e5), k classes."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    Z = 0.9 * rng.normal(size=(k, p))[y] + rng.normal(size=(n, p))
    return 10.0 ** rng.uniform(0, 5, p) * (2.5 + Z), y


def _J(X, y, model, C):
    """J of a fitted model in float64 on the exact data."""
    W, b = model.coef_.astype(np.float64), model.intercept_.astype(np.float64)
    Z = X @ W.T + b
    n = len(y)
    return np.mean(logsumexp(Z, axis=1) - Z[np.arange(n), y]) + np.sum(W * W) / (2 * C * n)


def _gap(X, y, model, C):
    ref = GD(C=C, solver="lbfgs", tol=1e-12, max_iter=20000).fit(X, y)
    J_star = _J(X, y, ref, C)
    return (_J(X, y, model, C) - J_star) / J_star


@pytest.mark.parametrize("seed", [1, 4, 5, 8])
def test_float32_few_rows_many_classes_converge(seed):
    """Here 555 to 743 iterations (this machine); 0fde900 runs to max_iter = 2000 at
    4e-3 to 0.15 above J*. Not every seed of the design converges so (seed 7: max_iter,
    2.8e-5 above J*; 0.56 on 0fde900)."""
    X, y = _design(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = GD(C=100.0, max_iter=2000).fit(X.astype(np.float32), y)
    assert model.converged_ and model.coef_.dtype == np.float32
    assert _gap(X, y, model, 100.0) <= 1e-4


@pytest.mark.parametrize("seed", [2, 3])
def test_float32_few_rows_many_classes_pace_float64(seed):
    X, y = _design(seed)
    model = GD(C=1.0).fit(X.astype(np.float32), y)
    twin = GD(C=1.0).fit(X, y)
    assert model.converged_ and twin.converged_
    # 0fde900: 360 and 284 iterations against float64's 135 and 141 (seed 2 1.4e-5 above J*)
    assert model.n_iter_[0] <= 1.5 * twin.n_iter_[0]
    assert _gap(X, y, model, 1.0) <= 1e-6
