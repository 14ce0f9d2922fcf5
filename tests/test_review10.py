"""Review 10: the column moments and the constant-column rule, against rows of weight 0.

A row of weight 0 (a held-out fold's, in a search) must move nothing: not the
moments, not the scale that divides each column. The scale was each column's
largest |x| over every row, so a value of 1e200 on a row of weight 0 divided the
others to 1e-203, their squares underflowed, the column's variance was 0: it was
taken for a constant, not centred nor scaled, and a fit at C = 1 stopped
"converged" at a coefficient of -1e-4 instead of 0.113 (weight 0 vs the row
dropped). Subnormal columns lost their digits the same way (divided by 3.0 held
on a row of weight 0).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._backends import constant_columns, make_backend
from gdlogreg._loss import BinaryLogLoss
from gdlogreg._problem import Standardization, normalise_weights

KINDS = ["dense", "fortran", "csr", "csc", "dask", "array_api_strict", "torch"]


def _host(a):
    """A CPU array of any namespace (numpy, torch, array_api_strict) as numpy."""
    return np.from_dlpack(a)


def _moments(X, s, kind):
    """``(scale, mean, var)`` of numpy X with weights s (a float: equal) on ``kind``, as
    float64 host arrays; warnings are errors."""
    y = np.zeros(X.shape[0], dtype=np.intp)
    ctx = None
    if kind in ("dense", "fortran", "csr", "csc"):
        data = {"dense": X, "fortran": np.asfortranarray(X)}.get(kind)
        data = getattr(sp, f"{kind}_matrix")(X) if data is None else data
        sd = s
    elif kind == "dask":
        da = pytest.importorskip("dask.array")
        n = X.shape[0]
        chunks = (n // 5, n // 3, n - n // 5 - n // 3)  # uneven
        data = da.from_array(X, chunks=(chunks, -1))
        sd = s if isinstance(s, float) else da.from_array(s, chunks=(chunks,))
    else:
        pytest.importorskip("scipy", minversion="1.14")
        from sklearn import config_context

        xp = pytest.importorskip(kind)
        ctx = config_context(array_api_dispatch=True)
        ctx.__enter__()
        data = xp.asarray(X)
        sd = s if isinstance(s, float) else xp.asarray(s)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = make_backend(data, BinaryLogLoss(), y, sd).moments()
        return tuple(_host(a).astype(np.float64) for a in out)
    finally:
        if ctx is not None:
            ctx.__exit__(None, None, None)


def _weighted(X, w):
    """Long-double weighted mean and variance of each column over the rows w > 0."""
    keep = w > 0
    x, v = X[keep].astype(np.longdouble), w[keep].astype(np.longdouble)
    v = v / v.sum()
    mean = v @ x
    return mean, v @ (x - mean) ** 2


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_huge_value_on_a_row_of_weight_0_moves_neither_scale_nor_variance(kind, dtype):
    """A column N(0, 1) with 1e200 (float32: 1e30) on rows of weight 0 and a subnormal
    column with 3.0 there: the moments of the rows of positive weight, to rounding;
    neither column is taken for a constant. Before: a variance of 0 (both constant)."""
    rng = np.random.default_rng(1)
    n = 3000
    tiny = float(np.finfo(dtype).tiny)
    X = np.column_stack([rng.standard_normal(n), tiny * rng.uniform(0.01, 0.5, n),
                         1e3 + rng.standard_normal(n)]).astype(dtype)
    w = rng.uniform(0.5, 2.0, n)
    zero = rng.random(n) < 0.3
    zero[:3] = zero[-3:] = True
    w[zero] = 0.0
    X[zero, 0] = 1e200 if dtype == np.float64 else 1e30
    X[zero, 1] = 3.0
    X[zero, 2] = -1e30 if dtype == np.float64 else -1e20
    s = (w / w.sum()).astype(dtype)
    scale, mean, var = _moments(X, s, kind)
    assert all(np.isfinite(a).all() for a in (scale, mean, var))
    ref_mean, ref_var = _weighted(X.astype(np.float64), s.astype(np.float64))
    eps = np.finfo(dtype).eps
    rms = np.sqrt(ref_var + ref_mean**2).astype(np.float64)
    assert np.all(np.abs(mean * scale - ref_mean.astype(np.float64)) <= 200 * eps * rms)
    np.testing.assert_allclose(var * scale**2, ref_var.astype(np.float64), rtol=1e-4)
    assert not constant_columns(mean.astype(dtype), var.astype(dtype)).any()


@pytest.mark.parametrize("kind", KINDS)
def test_a_row_of_weight_0_is_as_if_dropped_and_weight_2_as_if_repeated(kind):
    """Rows of weight 0 holding other values (huge, constant columns' others) give the
    moments of the rows dropped, and the same standardization; a row of weight 2 those
    of the row repeated (to rounding)."""
    rng = np.random.default_rng(2)
    n = 2000
    X = np.column_stack([rng.standard_normal(n), np.full(n, 7.0), 1e6 + rng.standard_normal(n),
                         1.0 + 8 * np.finfo(float).eps * rng.standard_normal(n).clip(-3, 3)])
    w = rng.integers(0, 3, n).astype(float)
    w[:4] = 0.0
    X[w == 0] = [-1e250, 1e250, 3.0, -2.0]
    keep = w > 0
    X_drop, w_drop = X[keep], w[keep]
    X_rep = np.repeat(X_drop, w_drop.astype(int), axis=0)
    runs = {}
    for name, (A, weights) in {"zero": (X, w), "dropped": (X_drop, w_drop),
                               "repeated": (X_rep, None)}.items():
        s = 1.0 / A.shape[0] if weights is None else normalise_weights(weights)[0]
        runs[name] = _moments(A, s, kind)
    flags = {}
    for name, (scale, mean, var) in runs.items():
        std = Standardization((scale, mean, var), fit_intercept=True, l2=0.0,
                              curvature=0.25, xp=np)
        flags[name] = (std.mean != 0).tolist()
        runs[name] = (mean * scale, var * scale**2)
    assert flags["zero"] == flags["dropped"] == flags["repeated"] == [True, False, True, True]
    mean, var = runs["dropped"]
    rms = np.sqrt(var + mean**2)
    for name in ("zero", "repeated"):
        assert np.all(np.abs(runs[name][0] - mean) <= 1e-13 * rms), name
        spread = [0, 2, 3]  # the constant column's variance is rounding: 0 or < 1e-36 of 49
        np.testing.assert_allclose(runs[name][1][spread], var[spread], rtol=1e-9)
        assert runs[name][1][1] <= 1e-36 * 49.0


def _problem(n=500, seed=0):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    y = (rng.random(n) < expit(a + 2 * b)).astype(int)
    return np.column_stack([a, 1e3 + 1e-3 * b]), y


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("solver", ["bb", "lbfgs", "nesterov", "gd"])
def test_a_fit_with_a_huge_value_on_a_row_of_weight_0_is_the_fit_without_the_row(fmt, solver):
    """1e200 on a row of weight 0 in a column 1e3 + 1e-3 N(0, 1): the model of the row
    dropped. Before: the column was taken for a constant, neither centred nor scaled,
    and the fit stopped "converged" at coef -1e-4 instead of 0.113."""
    X, y = _problem()
    X[0, 1] = 1e200
    sw = np.ones(len(y))
    sw[0] = 0.0

    def fit(A, t, weights):
        data = A if fmt == "dense" else sp.csr_matrix(A)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return GradientDescentLogisticRegression(C=1.0, solver=solver, tol=1e-10,
                                                     max_iter=5000).fit(data, t, weights)

    model, ref = fit(X, y, sw), fit(X[1:], y[1:], None)
    assert np.isfinite(model.coef_).all()
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-6)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-6)


@pytest.fixture
def threaded(monkeypatch):
    """Small blocks and threads at any size (as in test_threads); returns a setter of
    the thread count."""
    from gdlogreg._backends import _array, _threads

    monkeypatch.setattr(_array, "CHUNK", 23)
    monkeypatch.setattr(_array, "MIN_SHARE", 1)

    def use(n):
        monkeypatch.setattr(_threads, "thread_limit", lambda: n)

    return use


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weights", ["equal", "zeros"])
@pytest.mark.parametrize("scaled", [False, True])
def test_dense_moments_are_bit_identical_on_one_and_two_threads(threaded, order, dtype,
                                                                 weights, scaled):
    """The dense moments, unscaled and scaled (a column near the float limit), with rows
    of weight 0 among the blocks: the same bits on 1 and on 2 threads, and with the
    BLAS at 1 thread or at its default."""
    from threadpoolctl import threadpool_limits

    from gdlogreg._backends._array import NumpyBackend

    rng = np.random.default_rng(3)
    n = 700
    X = np.column_stack([rng.standard_normal(n), 1e6 + rng.standard_normal(n),
                         np.full(n, 3.0), rng.standard_normal(n) * 1e-3])
    if scaled:
        X[:, 3] = np.finfo(dtype).max / 4 * rng.uniform(-1, 1, n)
    X = np.asarray(X, dtype=dtype, order=order)
    if weights == "equal":
        s = 1.0 / n
    else:
        w = rng.uniform(0.0, 2.0, n)
        w[rng.random(n) < 0.3] = 0.0
        w[:50] = 0.0
        s = (w / w.sum()).astype(dtype)
    backend = NumpyBackend(X, np.zeros(n, np.intp), s)
    assert len(backend.row_blocks()) >= 12
    runs = []
    for k, blas in ((1, None), (2, None), (1, 1), (2, 1)):
        threaded(k)
        with threadpool_limits(blas):
            runs.append(backend.moments())
    assert (runs[0][0] == 1).all() != scaled
    for run in runs[1:]:
        for a, b in zip(run, runs[0], strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", ["dense", "csr", "dask", "array_api_strict"])
@pytest.mark.parametrize("weights", ["equal", "zeros"])
@pytest.mark.parametrize("ulps", [2, 4, 16])
def test_a_near_constant_column_keeps_its_variance_where_the_moments_scale(kind, weights,
                                                                           ulps):
    """c + c·k·ε·N(0, 1) (a spread of k ulps) beside a column of 1e200 (numpy then
    divides every column by its largest |x|; Dask and the array-API moments always
    do): its variance to 1e-12 of an exact one. Before: x / scale rounded each x at ε
    of its mean, and the variance was off by 5 % (numpy) to 11 % (Dask) at 2 ulps,
    so that the constant-column test (4 ε) could go either way near its bound."""
    rng = np.random.default_rng(ulps)
    n = 5000
    eps = np.finfo(np.float64).eps
    c = 1.7
    x = c + c * ulps * eps * rng.standard_normal(n)
    X = np.column_stack([x, 1e200 * rng.standard_normal(n)])
    if weights == "equal":
        s = 1.0 / n
        sv = np.full(n, 1.0 / n)
    else:
        w = rng.uniform(0.0, 1.0, n)
        w[:100] = 0.0
        s = sv = w / w.sum()
    # exact: the differences from a row (Sterbenz), then long double
    d = (x - x[int(np.argmax(sv))]).astype(np.longdouble)
    sl = sv.astype(np.longdouble) / sv.astype(np.longdouble).sum()
    ref = float(sl @ (d - sl @ d) ** 2)
    scale, mean, var = _moments(X, s, kind)
    assert scale[1] > 1.0  # the scaled path
    np.testing.assert_allclose(var[0] * scale[0] ** 2, ref, rtol=1e-12)
    # the mean against a long-double one: a float64 dot's own rounding (BLAS's kernel,
    # by CPU and version) is up to 8e-15 at 5,000 rows (numpy 1.23 on an Intel Xeon)
    exact_mean = float(sl @ x.astype(np.longdouble))
    np.testing.assert_allclose(mean[0] * scale[0], exact_mean, rtol=1e-15)


@pytest.mark.parametrize("solver", ["gd", "backtracking", "nesterov", "bb", "lbfgs"])
def test_a_constant_column_does_not_slow_the_descent(solver, J):
    """[N(0, 1), 7, 1e6 + N(0, 1)], 3 classes, C = 1: the fit reaches the optimum (that of
    LogisticRegression on the centred columns, where the constant column's weight is 0)
    in as many iterations as without the constant column, give or take a few. The
    constant column, not centred, was a copy of the intercept along which only the
    penalty curved J: gd and backtracking crawled to max_iter = 3,000 (58 and 19 without
    it), nesterov took 457 (27), bb 56 (10), lbfgs 24 (9)."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    n = 600
    A = rng.standard_normal((n, 2))
    P = np.exp(A @ rng.standard_normal((2, 3)))
    y = (rng.random(n)[:, None] > np.cumsum(P / P.sum(1, keepdims=True), 1)).sum(1)
    X = np.column_stack([A[:, 0], np.full(n, 7.0), 1e6 + A[:, 1]])
    ref = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(A, y)
    best = J(A, y, ref.coef_, ref.intercept_, ref.classes_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a ConvergenceWarning where it crawls
        model = GradientDescentLogisticRegression(C=1.0, solver=solver, tol=1e-6,
                                                  max_iter=3000).fit(X, y)
        lean = GradientDescentLogisticRegression(C=1.0, solver=solver, tol=1e-6,
                                                 max_iter=3000).fit(np.delete(X, 1, 1), y)
    assert J(X, y, model.coef_, model.intercept_, model.classes_) - best < 1e-9
    assert model.n_iter_[0] <= 2 * lean.n_iter_[0] + 10


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("C", [1.0, np.inf])
def test_a_constant_column_keeps_a_zero_weight(fmt, C, J):
    """Binary, [N(0, 1), 1e3 (constant), N(0, 1)]: the fit ends at the optimum of the data
    without the constant column, whose weight stays 0 (the intercept takes its part: with
    C = 1 that is the optimum, with C = inf one of them), in as many iterations."""
    rng = np.random.default_rng(1)
    n = 500
    A = rng.standard_normal((n, 2))
    y = (rng.random(n) < 1 / (1 + np.exp(-A @ [1.5, -2.0] - 0.3))).astype(int)
    X = np.column_stack([A[:, 0], np.full(n, 1e3), A[:, 1]])
    data = X if fmt == "dense" else sp.csr_matrix(X)
    model = GradientDescentLogisticRegression(C=C, tol=1e-8).fit(data, y)
    lean = GradientDescentLogisticRegression(C=C, tol=1e-8).fit(A, y)
    best = J(A, y, lean.coef_, lean.intercept_, lean.classes_, C=C)
    assert J(X, y, model.coef_, model.intercept_, model.classes_, C=C) - best < 1e-10
    assert abs(model.coef_[0, 1]) * 1e3 < 1e-8
    assert model.n_iter_[0] <= lean.n_iter_[0] + 5


@pytest.mark.parametrize("solver", ["bb", "gd", "lbfgs"])
def test_a_warm_start_hands_a_constant_column_weight_to_the_intercept(solver, J):
    """A warm start whose weight on a now constant column is not 0 (fitted where the column
    varied): the weight goes to the intercept (the same predictions, a smaller penalty),
    and the fit ends at the optimum, that column's weight 0; held there, it could not
    move (its scale is cut by 2^-26) and the fit stopped at max_iter above J*."""
    rng = np.random.default_rng(2)
    n = 400
    A = rng.standard_normal((n, 2))
    y = (rng.random(n) < 1 / (1 + np.exp(-A @ [1.5, -2.0]))).astype(int)
    X = np.column_stack([A[:, 0], np.full(n, 5.0), A[:, 1]])
    X2 = X.copy()
    X2[:, 1] = A[:, 0] + rng.standard_normal(n)
    model = GradientDescentLogisticRegression(C=1.0, tol=1e-8, solver=solver,
                                              warm_start=True).fit(X2, y)
    model.coef_[0, 1] = 0.5  # a weight the column's varying values could have had
    model.fit(X, y)
    lean = GradientDescentLogisticRegression(C=1.0, tol=1e-10).fit(A, y)
    best = J(A, y, lean.coef_, lean.intercept_, lean.classes_)
    assert model.converged_
    assert J(X, y, model.coef_, model.intercept_, model.classes_) - best < 1e-9
    assert abs(model.coef_[0, 1]) < 1e-9
