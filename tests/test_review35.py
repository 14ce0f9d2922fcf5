"""Review 35: an outside review of the flat gap with an L2 part (7d4472b), the dense
centred Gram's one buffer a thread (160bba6), and the warm start / no-penalty overflow
guards (e03f819, 5c51eaf)."""

import warnings

import numpy as np
import pytest

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._backends._array import NumpyBackend
from gdlogreg._loss import CurvatureShare


def _multinomial_objective(fit, X, y, C, l1_ratio):
    """LogisticRegression's multinomial J / (C n), in float64, outside gdlogreg."""
    W, b = np.asarray(fit.coef_, np.float64), np.asarray(fit.intercept_, np.float64)
    Z = X @ W.T + b
    Z -= Z.max(axis=1, keepdims=True)
    idx = np.searchsorted(fit.classes_, y)
    loss = np.mean(np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(len(y)), idx])
    pen = (1 - l1_ratio) * 0.5 * (W * W).sum() + l1_ratio * np.abs(W).sum()
    return loss + pen / (C * len(y))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_dense_centred_gram_does_not_depend_on_the_layout_of_x(dtype):
    """160bba6 copies each block of rows into one C-ordered float64 buffer: the Gram of a
    Fortran-ordered or strided X is now bit for bit that of the same X C-ordered (the
    copy by ``astype`` kept X's layout, and an F-ordered block's products rounded
    otherwise, up to 5e-17 of the largest entry). Checked sound: bit-identical to the
    previous code on C-ordered and strided X, float32 and float64, one block and
    several, 1 and 2 threads, with and without curvature weights."""
    rng = np.random.default_rng(0)
    n, d = 5000, 13
    X = (rng.standard_normal((n, d)) * np.logspace(-2, 3, d) + 5).astype(dtype)
    y = rng.integers(0, 2, n).astype(np.int8)
    mu, D = X.mean(axis=0, dtype=np.float64), 1.0 / X.std(axis=0, dtype=np.float64)
    Z = rng.standard_normal((n, 1))
    layouts = (X, np.asfortranarray(X), np.repeat(X, 2, axis=1)[:, ::2])
    for rows, z in ((None, None), (CurvatureShare(2), Z)):
        grams = [NumpyBackend(A, y, 1.0 / n).centred_gram(mu, D, rows, z) for A in layouts]
        np.testing.assert_array_equal(grams[1], grams[0])
        np.testing.assert_array_equal(grams[2], grams[0])


@pytest.mark.xfail(strict=False, reason="open: an elastic net's gradient test passes on a "
                   "plateau with the rows' curvature not spent (review 33's xfail)")
def test_an_elastic_net_on_raw_features_called_converged_is_within_tol_of_J_star():
    """Open (not caused by 7d4472b: the same stop before it). Three classes, 300 rows of
    20 raw features of scales 1e-3 to 1e3, C = 1e4, l1_ratio = 0.99: the default fit
    stops 'converged' at 604 iterations 8.1e-4 above J* relatively (J* from ours at
    tol=1e-12, 7,615 iterations, and nesterov at tol=1e-12, 70,555: the same J* to
    1e-15); its dual_gap_ is J itself. The plain gradient test passes with the rows'
    curvature share ρ = 1.26e-3, just above RHO_TOL · tol = 1e-3, so neither the
    curvature factor nor the flat gap (l2 = 3.3e-9: 4e-4 of J there) is asked. Review
    33's open case of this kind stopped 9.3e-5 above J*; this one is 9 times further."""
    rng = np.random.default_rng(1)
    scale = np.logspace(-3, 3, 20)
    X = rng.standard_normal((300, 20)) * scale + np.logspace(-2, 2, 20)
    w = rng.standard_normal((20, 3)) * (rng.random((20, 1)) < 0.4) / scale[:, None]
    y = (X @ w + rng.gumbel(size=(300, 3))).argmax(axis=1)
    C, l1_ratio = 1e4, 0.99
    fit = GradientDescentLogisticRegression(C=C, l1_ratio=l1_ratio).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tight = GradientDescentLogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-12,
                                                  max_iter=100_000).fit(X, y)
    J = _multinomial_objective(fit, X, y, C, l1_ratio)
    J_star = _multinomial_objective(tight, X, y, C, l1_ratio)
    assert not fit.converged_ or (J - J_star) / J_star <= 1e-5, (J - J_star) / J_star
