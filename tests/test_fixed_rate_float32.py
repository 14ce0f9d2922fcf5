"""A float learning rate with backtracking in float32 stops where float64 does.

Near the optimum the Armijo test's rounding slack (32 ε|J|) accepts steps that raise J.
With ``learning_rate="auto"`` the next trial is then capped by the inverse curvature
along the step; a float rate started every search from α again, and the iterates
wandered in J's rounding noise to ``max_iter`` (an outside audit, 2026-12-05: every seed
at α = 300 on a 200 × 5 Gaussian problem).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from gdlogreg import GradientDescentLogisticRegression


def _data(seed, classes):
    rng = np.random.RandomState(seed)
    X = rng.randn(200, 5)
    score = X[:, 0] + X[:, 1] + 0.7 * rng.randn(200)
    y = (score > 0).astype(int) if classes == 2 else np.digitize(score, [-0.7, 0.7])
    return X.astype(np.float32), y


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("rate", [30.0, 300.0])
@pytest.mark.parametrize("case", ["binary", "three", "l1", "csr", "C100"])
def test_float32_converges_with_a_float_rate(seed, rate, case):
    X, y = _data(seed, 3 if case == "three" else 2)
    params = {"solver": "backtracking", "learning_rate": rate}
    if case == "l1":
        params["l1_ratio"] = 1.0
    if case == "C100":
        params["C"] = 100.0
    Xf = sp.csr_matrix(X) if case == "csr" else X
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = GradientDescentLogisticRegression(**params).fit(Xf, y)
    assert model.stop_reason_ == "converged"
    assert model.n_iter_[0] < 300
    assert model.coef_.dtype == np.float32
    ref = GradientDescentLogisticRegression(**params).fit(X.astype(np.float64), y)
    np.testing.assert_allclose(model.loss_curve_[-1], ref.loss_curve_[-1], rtol=1e-5)
