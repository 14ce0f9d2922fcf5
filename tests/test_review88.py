"""Review 88: C = inf with the whitened steps (commit 4e6c5ce) against the code before and LR.

Found: at C = inf the penalty forgot Σ of the sample weights (``ElasticNet.scaled`` returned
``total=None``), so the whitening rules counted a weight of 2 as one row: 1,200 rows of
weight 2 and 301 coordinates took the p × p metric late (rent or buy, ``whitening_gap``)
where the same rows repeated took it at iteration 10: 33 iterations for 14 and another
stop along the near-null direction (coefficients 41 apart). Fixed: Σs kept at C = inf.
"""

import warnings

import numpy as np
import pytest

from gdlogreg import GradientDescentLogisticRegression as GD


def _weighted_and_repeated():
    """1,200 rows, 300 raw columns (two nearly collinear), labels with noise: J has a
    minimum; 4·301 coordinates lie between the rows (1,200) and twice them."""
    rng = np.random.default_rng(2)
    n, p = 1200, 300
    X = rng.normal(size=(n, p)) * np.exp(rng.normal(size=p))
    X[:, 1] = X[:, 0] + 1e-3 * X[:, 1]
    y = (X[:, 0] / X[:, 0].std() + rng.normal(size=n) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
def test_integer_weights_at_c_inf_take_the_path_of_repeated_rows(solver):
    X, y = _weighted_and_repeated()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = GD(C=np.inf, solver=solver).fit(X, y, sample_weight=np.full(len(y), 2.0))
        b = GD(C=np.inf, solver=solver).fit(np.vstack([X, X]), np.concatenate([y, y]))
    assert a.converged_ and b.converged_
    assert a.n_iter_ == b.n_iter_
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-6)
