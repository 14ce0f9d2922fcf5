"""Review 102: the scaled stop at C = inf, L-BFGS's refused directions, float32 class blocks.

Findings are listed here as the tests below pin them.
"""

import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV


def _fit(X, y, sample_weight=None, **params):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = GradientDescentLogisticRegression(C=np.inf, **params).fit(X, y, sample_weight)
    return est, [str(w.message) for w in caught]


@pytest.mark.parametrize("dtype, scale", [(np.float64, 1e-306), (np.float32, 1e-33)])
def test_the_scaling_never_overflows_the_weights(dtype, scale):
    """Wine's features times 1e-306: its weights are near the float range, and λ·coef of
    the scaled stop overflowed to inf: J = nan, "diverged" with a warning that blamed
    learning_rate='auto' and the best earlier iterate returned (without the scaling it
    stops "separated" in 24). The scaling is now limited to the λ that keeps the weights
    finite: the fit stops "separated", every row classified, no divergence named."""
    X, y = load_wine(return_X_y=True)
    est, messages = _fit((X * scale).astype(dtype), y)
    assert est.stop_reason_ == "separated", (est.stop_reason_, messages)
    assert np.isfinite(est.coef_).all() and np.isfinite(est.loss_curve_).all()
    assert not any("diverge" in m for m in messages), messages
    assert (est.predict((X * scale).astype(dtype)) == y).all()


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
def test_the_search_columns_keep_their_weights_finite(solver):
    """The search's C = inf columns on wine times 1e-306: the batched scaling overflowed
    λ·coef as the single fit did; each column now stops where its single fit does and the
    fold scores are GridSearchCV's over those fits."""
    X, y = load_wine(return_X_y=True)
    X = X * 1e-306
    cv = StratifiedKFold(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GradientDescentLogisticRegressionCV(
            Cs=[np.inf], cv=cv, solver=solver, scoring="neg_log_loss").fit(X, y)
        grid = GridSearchCV(GradientDescentLogisticRegression(solver=solver),
                            {"C": [np.inf]}, cv=cv, scoring="neg_log_loss").fit(X, y)
    for g, (train, _) in enumerate(cv.split(X, y)):
        single, _ = _fit(X[train], y[train], solver=solver)
        assert single.stop_reason_ == "separated"
        np.testing.assert_allclose(search.loss_curves_[g], single.loss_curve_, rtol=1e-6)
    assert np.isfinite(search.coef_).all()
    np.testing.assert_allclose(search.cv_results_["mean_test_score"],
                               grid.cv_results_["mean_test_score"], rtol=1e-6)


def test_the_array_api_fit_scales_as_numpy_does():
    """array_api_strict at C = inf (wine as it is, and times 1e-306 where the scaling is
    limited by the float range): the namespace's dtype tells the limit (a first fix asked
    numpy's finfo of it and raised), and the fit stops where numpy's does, by the same λ."""
    xps = pytest.importorskip("array_api_strict")
    pytest.importorskip("scipy", minversion="1.14")
    X, y = load_wine(return_X_y=True)
    for scale in (1.0, 1e-306):
        ref, _ = _fit(X * scale, y)
        with config_context(array_api_dispatch=True):
            est, _ = _fit(xps.asarray(X * scale), xps.asarray(y))
        assert est.stop_reason_ == ref.stop_reason_ == "separated"
        assert int(est.n_iter_[0]) == int(ref.n_iter_[0])
        np.testing.assert_allclose(np.asarray(est.coef_), ref.coef_, rtol=1e-8)
