"""Constant and near-constant columns: which columns the standardization centres.

A column constant over the rows of positive weight is not centred (it would vanish
and its weight could never move); every backend's moments give it a variance of
0 or under 1e-36 of its mean square (the corrected two-pass sums' rounding),
whatever the weights, the dtype or the rows of weight 0 around it. A
column whose spread is far above rounding is centred, however large its offset:
1e6 + N(0, 1) (spread 1e-6 of its mean) was taken for a constant by a fixed
threshold var <= 1e-12 · mean square, and a fit at C = inf stopped 0.46 nats above
the optimum (float32: "converged" after 9 iterations).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from conftest import backend_of_kind
from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._backends import constant_columns, make_backend
from gdlogreg._loss import BinaryLogLoss
from gdlogreg._problem import Standardization

CONSTANTS = [1.0, 0.1, 3.3e-5, 7.77e8, -123.456, 1e6, 2.0**-30 * 3]


def _host(a):
    """A CPU array of any namespace (numpy, torch, array_api_strict) as numpy."""
    return np.from_dlpack(a)


_backends = backend_of_kind  # (conftest)


def _weights(kind, n, dtype, rng):
    if kind == "equal":
        return 1.0 / n
    w = rng.uniform(0.0, 2.0, n)
    if kind == "zeros":  # rows of weight 0, among them the first ones
        w[rng.random(n) < 0.4] = 0.0
        w[:5] = 0.0
    return (w / w.sum()).astype(dtype)


@pytest.mark.parametrize("kind", ["dense", "csr", "csc", "dask", "array_api_strict", "torch"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weights", ["equal", "random", "zeros"])
@pytest.mark.parametrize("n", [1000, 100_000])
def test_constant_columns_have_no_variance_and_near_constant_ones_theirs(kind, dtype,
                                                                         weights, n):
    """Columns constant over the rows of positive weight: variance 0, or under 1e-36 of
    their mean square (far under :func:`constant_columns`' bound), even where the rows
    of weight 0 hold another
    value; 1e6 + N(0, 1): its variance to 1e-5 (float64: 1e-9) and not constant.
    Before: float32 Dask moments gave constant columns a variance of 1e-7 of their
    mean square, float32 weighted CSR ones 1e-10, and both were centred."""
    rng = np.random.default_rng(n)
    s = _weights(weights, n, dtype, rng)
    X = np.tile(np.array(CONSTANTS), (n, 1))
    near = 1e6 + rng.standard_normal(n)
    X = np.column_stack([X, near, rng.standard_normal(n)]).astype(dtype)
    if weights == "zeros":  # the rows of weight 0 sit elsewhere
        X[np.asarray(s) == 0, : len(CONSTANTS)] *= 3.0
    backend, ctx = _backends(X, s, kind)
    try:
        scale, mean, var = (_host(a).astype(np.float64) for a in backend.moments())
    finally:
        if ctx is not None:
            ctx.__exit__(None, None, None)
    k = len(CONSTANTS)
    sq = var + mean * mean
    # 0 or, from the corrected two-pass sums (CPU), its mean's rounding cubed
    assert np.all(var[:k] <= 1e-36 * sq[:k]), var[:k] / sq[:k]
    constants = np.array(CONSTANTS, dtype=dtype).astype(np.float64)
    np.testing.assert_allclose(mean[:k] * scale[:k], constants, rtol=4 * np.finfo(dtype).eps)
    sv = np.full(n, 1.0 / n) if isinstance(s, float) else np.asarray(s, np.float64)
    xl = X[:, k].astype(np.longdouble) / np.longdouble(scale[k])
    wl = sv.astype(np.longdouble) / sv.astype(np.longdouble).sum()
    ref = wl @ (xl - wl @ xl) ** 2
    # float32 array-API sums round in float32 (1e5 rows: 1.5e-6 of it)
    np.testing.assert_allclose(var[k], float(ref), rtol=1e-9 if dtype == np.float64 else 1e-5)
    flags = constant_columns(mean.astype(dtype), var.astype(dtype))
    assert flags[:k].all() and not flags[k:].any()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_standardization_centres_exactly_the_non_constant_columns(dtype):
    """Centred: 1e6 + N(0, 1), and in float32 a column 8 ulps wide; not centred: a
    constant column, and two values one ulp apart (no digit survives a product in
    X's precision once centred)."""
    rng = np.random.default_rng(0)
    n = 4000
    eps = np.finfo(dtype).eps
    one_ulp = np.where(rng.random(n) < 0.5, 1.0, 1.0 + eps).astype(dtype)
    X = np.column_stack([
        np.full(n, 5.0), 1e6 + rng.standard_normal(n), one_ulp,
        1.0 + 8 * eps * rng.standard_normal(n).clip(-3, 3), rng.standard_normal(n),
    ]).astype(dtype)
    backend = make_backend(X, BinaryLogLoss(), np.zeros(n, np.intp), 1.0 / n)
    std = Standardization(backend.moments(), fit_intercept=True, l2=0.0, curvature=0.25, xp=np)
    centred = std.mean != 0
    assert centred.tolist() == [False, True, False, True, True]


def _offset_problem(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    X = np.column_stack([a, 1e6 + b])
    y = (rng.random(n) < expit(a + 2 * b)).astype(int)
    return X, y, np.column_stack([a, b])


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("solver", ["bb", "lbfgs", "nesterov", "gd"])
def test_a_fit_with_a_column_far_from_zero_reaches_the_optimum(fmt, solver, J):
    """X = [N(0, 1), 1e6 + N(0, 1)], C = inf: the fit ends where LogisticRegression on
    the centred columns does (the column far from 0 was not centred, and the fit
    stopped 0.46 nats above the optimum)."""
    X, y, Xc = _offset_problem()
    ref = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(Xc, y)
    best = J(Xc, y, ref.coef_, ref.intercept_, np.array([0, 1]), C=np.inf)
    data = X if fmt == "dense" else sp.csr_matrix(X)
    model = GradientDescentLogisticRegression(C=np.inf, solver=solver, max_iter=3000).fit(data, y)
    assert J(X, y, model.coef_, model.intercept_, model.classes_, C=np.inf) - best < 1e-9
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-4)


def test_a_float32_fit_with_a_column_far_from_zero_gets_near_the_optimum(J):
    """The same in float32, whose products X @ w round 1e6 · w at 6e-8 of it: the fit
    gets within 1e-2 nats of the float32 data's optimum (it stopped 0.46 above it,
    "converged"); LogisticRegression on the same float32 X stops 0.25 above it."""
    X, y, _ = _offset_problem()
    X32 = X.astype(np.float32)
    Xc = X32.astype(np.float64) - np.array([0.0, 1e6])
    ref = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(Xc, y)
    best = J(Xc, y, ref.coef_, ref.intercept_, np.array([0, 1]), C=np.inf)
    for solver in ("bb", "lbfgs"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # it may stop at max_iter: rounding, not a bug
            model = GradientDescentLogisticRegression(C=np.inf, solver=solver,
                                                      max_iter=500).fit(X32, y)
        gap = J(X32, y, model.coef_, model.intercept_, model.classes_, C=np.inf) - best
        assert gap < 1e-2, (solver, gap)
