"""Review 212: an outside audit of hostile input and drop-in parity (stop 88).

C·Σs below its floor (``gdlogreg._penalty.SCALE_FLOOR``, 1e-30 in float32 and 1e-290 in
float64) was raised to it, and the fit returned the floor's weights: at C = 1e-60 in
float32, weights of 2e-28 where the asked C's are 1e-58 (0 in float32), and
LogisticRegression's objective (divided by C·Σs) 75 times its value at W = 0, while the
fit said "converged" with a gap of 2e-11. The weights are linear in C·Σs there: they
are now scaled back by C·Σs / floor, in the single fit and the search alike.
"""

import warnings

import numpy as np
import pytest
from scipy.special import log_expit
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.model_selection import StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GCV


def _objective(X, y, coef, intercept, C):
    """LogisticRegression's objective over C·n, in float64 (two classes)."""
    w = coef[0].astype(np.float64)
    z = X.astype(np.float64) @ w + float(intercept[0])
    return np.mean(-log_expit(np.where(y == 1, 1.0, -1.0) * z)) + 0.5 * (w @ w) / (C * len(y))


def _fit(est, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y, **kw)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("C", [1e-60, 1e-200, 1e-300])
def test_weights_below_the_floor_are_the_asked_cs(dtype, C):
    X, y = load_breast_cancer(return_X_y=True)
    X = X.astype(dtype)
    model = _fit(GD(C=C), X, y)
    linear = _fit(GD(C=1e-20), X, y)  # the weights' linear regime, above either floor
    expected = linear.coef_.astype(np.float64) * (C / 1e-20)
    np.testing.assert_allclose(model.coef_.astype(np.float64), expected, rtol=1e-3,
                               atol=float(np.finfo(dtype).smallest_subnormal) * 4)
    assert model.coef_.dtype == dtype
    zero = np.zeros_like(model.coef_)
    assert _objective(X, y, model.coef_, model.intercept_, C) <= _objective(
        X, y, zero, model.intercept_, C) * (1 + 1e-12)


def test_above_the_floor_nothing_changes():
    X, y = load_breast_cancer(return_X_y=True)
    a = _fit(GD(C=1e-20), X.astype(np.float32), y)
    b = _fit(GD(C=1e-28), X.astype(np.float32), y)  # C·Σs = 5.7e-26 > 1e-30
    np.testing.assert_allclose(b.coef_ / a.coef_, 1e-8, rtol=1e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_search_scales_as_the_single_fits(dtype):
    X, y = load_wine(return_X_y=True)
    X = X.astype(dtype)
    Cs = [1e-300, 1e-60, 1.0]
    search = _fit(GCV(Cs=Cs, cv=3, refit=False), X, y)
    d, tiny = X.shape[1], float(np.finfo(dtype).smallest_subnormal) * 4
    for f, (train, _) in enumerate(StratifiedKFold(3).split(X, y)):
        for j, C in enumerate(Cs):
            single = _fit(GD(C=C), X[train], y[train])
            for k, label in enumerate(search.classes_):
                got = search.coefs_paths_[label][f, j, :d]
                np.testing.assert_allclose(  # (float32 at C = 1: the paths' rounding)
                    got, single.coef_[k], rtol=1e-4,
                    atol=max(tiny, 1e-5 * float(np.abs(single.coef_).max())))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_warm_starts_below_the_floor_keep_the_weights(dtype):
    """A warm start's weights (the asked C's) are raised to the floor's scale first: each
    warm fit scaled them down again (1e-298, 1e-305, 7e-313; review 213)."""
    X, y = load_breast_cancer(return_X_y=True)
    X = X.astype(dtype)
    C = 1e-40 if dtype == np.float32 else 1e-300
    model = GD(C=C, warm_start=True)
    first = _fit(model, X, y).coef_.copy()
    for _ in range(2):
        np.testing.assert_allclose(_fit(model, X, y).coef_, first, rtol=1e-5)
