"""The core's layers against plain formulas: loss, penalty, standardization, objective, rays.

The numpy backend computes J in cache-sized row blocks, moves raw predictions
in place and stores Z class-major; the array-API backend computes on whole
arrays. Both must agree with the textbook formulas written here with numpy
alone, on every quantity the solver uses, including where exp overflows.
"""

import platform
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import log_softmax, logsumexp
from sklearn.linear_model import LogisticRegression

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._backends import _array
from gdlogreg._backends._array import ArrayBackend, NumpyBackend, make_array_backend
from gdlogreg._loss import make_loss
from gdlogreg._objective import Objective
from gdlogreg._penalty import ElasticNet
from gdlogreg._problem import Identity, make_problem


def _data(n, d, n_classes, fmt, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.3)
    y = rng.integers(0, n_classes, n)
    X = X.astype(dtype)
    if fmt != "dense":
        X = getattr(sp, f"{fmt}_matrix")(X)
    return X, y


def _reference(X, y, sw, n_classes, C, coef, fit_intercept=True):
    """J and its gradient [dW; db] by the textbook formulas, in float64."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X)
    X = X.astype(np.float64)
    coef = coef.astype(np.float64)
    n, d = X.shape
    s = np.ones(n) if sw is None else np.asarray(sw, float)
    W = coef[:d]
    Z = X @ W + (coef[d] if fit_intercept else 0.0)
    if n_classes == 2:
        z = Z[:, 0]
        L = np.logaddexp(0.0, z) - (y == 1) * z
        R = (np.exp(-np.logaddexp(0.0, -z)) - (y == 1))[:, None]
    else:
        L = logsumexp(Z, axis=1) - Z[np.arange(n), y]
        R = np.exp(log_softmax(Z, axis=1)) - np.eye(n_classes)[y]
    total = s.sum()
    J = s @ L / total + 0.5 / (C * total) * np.sum(W * W)
    R = R * (s / total)[:, None]
    G = np.vstack([X.T @ R + W / (C * total), R.sum(axis=0)[None]])
    return J, G if fit_intercept else G[:d]


def _problem(X, y, sw, n_classes, **kw):
    kw = {"C": 0.7, "l1_ratio": 0.0, "fit_intercept": True, **kw}
    return make_problem(X, y, sw, n_classes, **kw)


def _rtol(dtype):
    return 2e-5 if dtype == np.float32 else 1e-11


@pytest.fixture
def small_blocks(monkeypatch):
    # Several row blocks, the last one partial, on a small data set.
    monkeypatch.setattr(_array, "CHUNK", 37)


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_objective_matches_the_formula(small_blocks, fmt, dtype, weighted, n_classes):
    X, y = _data(200, 7, n_classes, fmt, dtype)
    rng = np.random.default_rng(1)
    sw = rng.random(200) * 3 if weighted else None
    problem = _problem(X, y, sw, n_classes)
    obj = Objective(problem, Identity(True))
    m = 1 if n_classes == 2 else n_classes
    coef = rng.standard_normal((8, m)).astype(dtype)
    d = rng.standard_normal((8, m)).astype(dtype)
    rtol = _rtol(dtype)

    point = obj.evaluate(coef)
    J_ref, G_ref = _reference(X, y, sw, n_classes, 0.7, coef)
    assert point.J == pytest.approx(J_ref, rel=rtol)
    np.testing.assert_allclose(point.grad, G_ref, rtol=10 * rtol, atol=10 * rtol)
    assert point.grad.dtype == dtype and point.z.dtype == dtype
    # A ray: trials move nothing; point(t) is the point at coef + t·d.
    ray = obj.along(point, d)
    assert point.z is None  # the ray took it
    for t in (1.0, 0.25, 3.0):
        assert ray(t) == pytest.approx(_reference(X, y, sw, n_classes, 0.7, coef + t * d)[0],
                                       rel=10 * rtol)
    new = ray.point(0.25)
    J_new, G_new = _reference(X, y, sw, n_classes, 0.7, coef + 0.25 * d)
    assert new.J == pytest.approx(J_new, rel=10 * rtol)
    np.testing.assert_allclose(new.grad, G_new, rtol=100 * rtol, atol=100 * rtol)
    np.testing.assert_allclose(new.z, obj.evaluate(new.coef).z, rtol=10 * rtol, atol=10 * rtol)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_refused_fused_trial_restores_the_ray_exactly(small_blocks, fmt, n_classes):
    """A far too long first trial, refused, then a short step: as if never tried."""
    X, y = _data(150, 5, n_classes, fmt, np.float32)
    obj = Objective(_problem(X, y, None, n_classes), Identity(True))
    m = 1 if n_classes == 2 else n_classes
    rng = np.random.default_rng(2)
    coef = rng.standard_normal((6, m)).astype(np.float32)
    d = rng.standard_normal((6, m)).astype(np.float32)
    ray = obj.along(obj.evaluate(coef), d)
    assert ray.trial(1e6, lambda J: False, likely=True)[0] is None
    new = ray.trial(0.5, lambda J: True, likely=True)[0]
    fresh = obj.evaluate(coef + 0.5 * d)
    assert new.J == pytest.approx(fresh.J, rel=1e-6)
    np.testing.assert_allclose(new.z, fresh.z, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(new.grad, fresh.grad, rtol=1e-4, atol=1e-6)


def _ray(monkeypatch, blocks, fmt, n_classes, seed):
    """``(objective, m, coef, d, ray)``: a ray from a random point of a small problem,
    its passes in one row block or several."""
    if blocks == "several":
        monkeypatch.setattr(_array, "CHUNK", 37)
    X, y = _data(150, 5, n_classes, fmt, np.float64)
    obj = Objective(_problem(X, y, None, n_classes), Identity(True))
    m = 1 if n_classes == 2 else n_classes
    rng = np.random.default_rng(seed)
    coef, d = rng.standard_normal((6, m)), rng.standard_normal((6, m))
    return obj, m, coef, d, obj.along(obj.evaluate(coef), d)


def _count_calls(monkeypatch, backend, names):
    """A dict of how often each of the backend's kernels ``names`` is called from now on."""
    calls = dict.fromkeys(names, 0)

    def counted(name):
        kernel = getattr(backend, name)

        def spy(*args, **kwargs):
            calls[name] += 1
            return kernel(*args, **kwargs)
        return spy

    for name in names:
        monkeypatch.setattr(backend, name, counted(name))
    return calls


@pytest.mark.parametrize("blocks", ["one", "several"])
@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_backtracking_search_costs_what_the_old_spare_buffer_did(monkeypatch, blocks, fmt,
                                                                    n_classes):
    """A refused likely trial, then an accepted one (Armijo's halving): on one row
    block two loss passes, one ``X @ d`` and one ``X.T @ R``, Z untouched, as the
    spare buffer of the code before the redesign; where the pass moves Z in
    place, the undo's products and J's pass before the point's (none of X's size
    more in memory). The accepted point is the fresh evaluation's."""
    obj, m, coef, d, ray = _ray(monkeypatch, blocks, fmt, n_classes, seed=4)
    be = obj.backend
    calls = _count_calls(monkeypatch, be, ("linear", "rlinear", "loss_pass"))
    new, J1 = ray.trial(1.0, lambda J: False, likely=True)
    assert new is None
    new, J = ray.trial(0.5, lambda J: True)
    searched = dict(calls)  # the search's calls, not the fresh evaluations'
    assert J1 == pytest.approx(obj.evaluate(coef + d).J, rel=1e-13)
    fresh = obj.evaluate(coef + 0.5 * d)
    assert new.J == J == pytest.approx(fresh.J, rel=1e-13)
    np.testing.assert_allclose(new.grad, fresh.grad, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(new.z, fresh.z, rtol=1e-12, atol=1e-12)
    in_place = be.moves_in_place(obj.loss, m)
    assert in_place == (blocks == "several" or (fmt == "csr" and m == 1))
    # Dense X over several blocks, CSR X with one column: both products in the pass
    by_blocks = (fmt == "csr" and m == 1) or (fmt == "dense" and blocks == "several")
    gradients = 0 if by_blocks else 1
    if not in_place:
        assert searched == {"linear": 1, "rlinear": gradients, "loss_pass": 2}
    else:  # Z remade, D made (and, where the move was not made in the pass, D first)
        products = 2 if by_blocks else 3
        assert searched == {"linear": products, "rlinear": gradients, "loss_pass": 3}


@pytest.mark.parametrize("blocks", ["one", "several"])
@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("direction_first", [False, True])
def test_refused_fused_trial_skips_the_gradient_product(monkeypatch, blocks, fmt, n_classes,
                                                        direction_first):
    """A refused trial costs no ``X.T @ R`` and remakes only what the pass wrote over.

    A pass of one block keeps the trial apart: Z is untouched and D, made
    once, is kept. Where the pass moves Z in place (several blocks, or CSR
    with one column), a likely first trial makes ``X @ d`` inside its pass
    (dense X or CSR with one column: added to Z block by block; CSR with
    several columns: one ``linear`` the pass spends) and leaves the ray
    without D; Z is remade. With D made before (``ray(t)`` first), D is
    remade where the residual went there (several blocks of CSR X with
    several columns).
    """
    obj, m, coef, d, ray = _ray(monkeypatch, blocks, fmt, n_classes, seed=3)
    Z0 = ray.Z
    J_half = ray(0.5) if direction_first else None
    be = obj.backend
    calls = _count_calls(monkeypatch, be, ("linear", "rlinear"))
    assert ray.trial(1e3, lambda J: False, likely=True)[0] is None
    by_blocks = (fmt == "csr" and m == 1) or (fmt == "dense" and blocks == "several")
    in_place = by_blocks or blocks == "several"
    assert be.moves_in_place(obj.loss, m) == in_place
    assert calls["rlinear"] == 0
    np.testing.assert_array_equal(ray.Z, be.linear(coef, True))
    if not in_place:  # Z as it was (the same array), D made once and kept
        assert ray.Z is Z0
        assert calls["linear"] - 1 == (0 if direction_first else 1)
        np.testing.assert_array_equal(ray.D, be.linear(d, True))
        if direction_first:
            assert ray(0.5) == J_half
        assert ray(0.5) == pytest.approx(obj.evaluate(coef + 0.5 * d).J, rel=1e-13)
        return
    if direction_first:
        assert calls["linear"] - 1 == (2 if blocks == "several" and not by_blocks else 1)
        assert be.spends_direction(obj.loss, m) == (calls["linear"] - 1 == 2)
        np.testing.assert_array_equal(ray.D, be.linear(d, True))
        assert ray(0.5) == J_half
        return
    assert calls["linear"] - 1 == (1 if by_blocks else 2)
    assert ray.D is None
    J = ray(0.5)  # D made now, once
    np.testing.assert_array_equal(ray.D, be.linear(d, True))
    assert J == pytest.approx(obj.evaluate(coef + 0.5 * d).J, rel=1e-13)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_extrapolation_and_gradient_at_keep_the_raw_predictions_right(n_classes):
    X, y = _data(120, 4, n_classes, "dense", np.float64)
    obj = Objective(_problem(X, y, None, n_classes), Identity(True))
    m = 1 if n_classes == 2 else n_classes
    rng = np.random.default_rng(4)
    a = obj.evaluate(rng.standard_normal((5, m)), gradient=False)
    b = obj.evaluate(rng.standard_normal((5, m)), gradient=False)
    g = obj.gradient_at(a)
    np.testing.assert_allclose(a.z, obj.evaluate(a.coef).z)  # only read
    assert g.J == pytest.approx(obj.evaluate(a.coef).J, rel=1e-13)
    y_coef = a.coef + 0.3 * (a.coef - b.coef)
    p = obj.extrapolate(a, b, 0.3)
    ref = obj.evaluate(y_coef)
    assert p.J == pytest.approx(ref.J, rel=1e-12)
    np.testing.assert_allclose(p.grad, ref.grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_binary_loss_at_huge_raw_predictions(dtype):
    """|z| far beyond exp's range: the loss is exact and nothing is nan."""
    loss = make_loss(2, np)
    y = np.array([0, 1, 0, 1, 0, 1])
    z = np.array([[1e4], [1e4], [-1e4], [-1e4], [50.0], [-50.0]], dtype=dtype)
    s = np.full(6, 1 / 6, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="ignore"):
            value, R = loss.terms(z, loss.encode(y, np), s, np)
    expected = (1e4 + 1e4 + 50.0 + 50.0) / 6  # log(1 + e^z) - y z
    assert value == pytest.approx(expected, rel=1e-6)
    np.testing.assert_allclose(R[:, 0] * 6, [1, 0, 0, -1, 1, -1], atol=1e-6)


@pytest.mark.parametrize("simd", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log1p_from_the_rounded_sum_is_as_accurate_as_log1p(dtype, simd, monkeypatch):
    """The loss's log(1 + e) from u = fl(1 + e) (log u less u's rounding error): within 2
    ulp of numpy's log1p in float64 and 4 in float32 over e from 0 and the subnormals to
    the largest float; e itself where u rounds to 1; not finite (and silent) at e = inf.
    Both forms: Fast2Sum's (``simd`` False) and numpy's log1p where it is vectorised."""
    from gdlogreg import _loss
    from gdlogreg._loss import _log1p

    monkeypatch.setattr(_loss, "SIMD_LOG1P", simd)

    fi = np.finfo(dtype)
    rng = np.random.default_rng(0)
    e = np.concatenate([
        10.0 ** rng.uniform(np.log10(float(fi.smallest_subnormal)), np.log10(float(fi.max)),
                            20_000),
        rng.random(20_000), 1e-7 * rng.random(20_000),
        [0.0, float(fi.smallest_subnormal), float(fi.tiny), float(fi.eps) / 4,
         float(fi.eps), 0.5, 1.0, 1.5, 2.0, 3.0, float(fi.max)],
    ]).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _log1p(e, 1.0 + e, np)
    assert got.dtype == dtype
    want = np.log1p(e)
    ulps = np.abs(got - want) / np.maximum(np.spacing(np.abs(want)), fi.smallest_subnormal)
    assert ulps.max() <= (2 if dtype == np.float64 else 4)
    tiny = e < fi.eps / 2
    np.testing.assert_array_equal(got[tiny], e[tiny])
    # the log-loss identity it serves: L = log(1 + e^v) against logaddexp(0, v)
    v = np.linspace(-30, 30, 601, dtype=dtype)
    np.testing.assert_allclose(_log1p(np.exp(v), 1.0 + np.exp(v), np),
                               np.logaddexp(0, v), rtol=4 * float(fi.eps))
    w = np.random.default_rng(1).random(601).astype(dtype)
    total = _log1p(np.exp(v), 1.0 + np.exp(v), np, w)
    assert total == pytest.approx(float(w.astype(float) @ np.logaddexp(0, v.astype(float))),
                                  rel=8 * float(fi.eps))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        inf = np.array([np.inf], dtype=dtype)
        assert not np.isfinite(_log1p(inf, 1.0 + inf, np)).any()
        assert not np.isfinite(_log1p(inf, 1.0 + inf, np, np.ones(1, dtype)))


def test_simd_log1p_only_where_numpy_links_its_vector_loops():
    """numpy's log1p is taken alone only on Linux x86-64 with AVX512_SKX (its SVML loops);
    elsewhere, or where numpy reports no such feature, the Fast2Sum form."""
    from gdlogreg._compat import SIMD_LOG1P, _numpy_cpu_features, _simd_log1p

    skx = {"AVX512F": True, "AVX512_SKX": True}
    assert _simd_log1p(skx, "linux", "x86_64")
    assert not _simd_log1p({"AVX512F": True, "AVX512_SKX": False}, "linux", "x86_64")
    assert not _simd_log1p({"AVX2": True}, "linux", "x86_64")
    assert not _simd_log1p(skx, "win32", "amd64")
    assert not _simd_log1p(skx, "darwin", "x86_64")
    assert not _simd_log1p({}, "linux", "aarch64")
    features = _numpy_cpu_features()
    assert isinstance(SIMD_LOG1P, bool) and SIMD_LOG1P == _simd_log1p(
        features, sys.platform, platform.machine().lower())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("margin", [10.0, 40.0, 60.0, 86.0, 300.0, 705.0, 1e3, 1e30])
def test_multinomial_loss_for_rows_misclassified_by_far(dtype, margin):
    # Rows are shifted by the score of their own class, or where that loses
    # precision, by their maximum. Row 0 has a small weight, row 1 none (0·inf
    # must not reach the loss, nor warn).
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 40)
    s = np.ones(40)
    s[0], s[1] = 1e-3, 0.0
    s /= s.sum()
    Z = rng.standard_normal((40, 3))
    Z[0, (y[0] + 1) % 3] = margin
    Z[1, (y[1] + 1) % 3] = margin
    Z = Z.astype(dtype)
    loss = make_loss(3, np)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="ignore", invalid="ignore"):
            value, R = loss.terms(Z, loss.encode(y, np), s.astype(dtype), np)
    Z64 = Z.astype(np.float64)
    L = logsumexp(Z64, axis=1) - Z64[np.arange(40), y]
    assert value == pytest.approx(s @ L, rel=1e-6 if dtype == np.float32 else 1e-12)
    kept = s > 0
    expected = np.exp(log_softmax(Z64, axis=1)) - np.eye(3)[y]
    np.testing.assert_allclose(
        R[kept] / s[kept, None], expected[kept], atol=2e-6 if dtype == np.float32 else 1e-13
    )
    assert np.all(R[~kept] == 0)


def test_backends_agree_and_are_picked_by_input():
    X, y = _data(300, 6, 3, "dense", np.float64)
    loss = make_loss(3, np)
    t = loss.encode(y, np)
    fast = make_array_backend(X, t, 1 / 300)
    assert isinstance(fast, NumpyBackend)
    assert isinstance(make_array_backend(sp.csr_matrix(X), t, 1 / 300), NumpyBackend)
    plain = ArrayBackend(X, t, 1 / 300)
    coef = np.random.default_rng(0).standard_normal((7, 3))
    Zf, Zp = fast.linear(coef, True), plain.linear(coef, True)
    np.testing.assert_allclose(Zf, Zp, rtol=1e-13)
    assert Zf.flags.f_contiguous  # class-major
    vf, _, Gf = fast.loss_pass(loss, Zf, gradient=True)
    vp, _, Gp = plain.loss_pass(loss, Zp, gradient=True)
    assert vf == pytest.approx(vp, rel=1e-13)
    np.testing.assert_allclose(Gf, Gp, atol=1e-15)
    # the same moments of X's columns (each backend may scale a column or not)
    (sf, mf, vf), (sp_, mp, vp) = fast.moments(), plain.moments()
    np.testing.assert_allclose(sf * mf, sp_ * mp, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(sf**2 * vf, sp_**2 * vp, rtol=1e-12, atol=1e-15)


def test_equal_weights_are_one_number():
    """No weight vector of length n is kept when all weights are equal."""
    X, y = _data(1000, 3, 2, "csr", np.float64)
    plain = _problem(X, y, None, 2)
    assert isinstance(plain.backend.s, float) and plain.backend.targets.dtype == np.int8
    weighted = _problem(X, y, np.full(1000, 3.0), 2)
    assert plain.penalty.l2 == pytest.approx(3 * weighted.penalty.l2)  # 1/(C Σs)
    coef = np.random.default_rng(0).standard_normal((4, 1))
    a = Objective(plain, Identity(True))
    b = Objective(weighted, Identity(True))
    loss_a = a.evaluate(coef).J - a.penalty_at(coef)
    assert loss_a == pytest.approx(b.evaluate(coef).J - b.penalty_at(coef), rel=1e-13)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_standardization_is_an_exact_change_of_variables(fit_intercept):
    """to_base and from_base are inverse; grad_from_base is the adjoint; J is unchanged."""
    X, y = _data(200, 5, 3, "dense", np.float64)
    X = X * np.array([1e-3, 1.0, 10.0, 1e4, 1.0]) + 5.0
    problem = _problem(X, y, None, 3, fit_intercept=fit_intercept)
    T = problem.standardization
    rng = np.random.default_rng(5)
    p = 5 + fit_intercept
    u, g = rng.standard_normal((p, 3)), rng.standard_normal((p, 3))
    np.testing.assert_allclose(T.from_base(T.to_base(u)), u, rtol=1e-12, atol=1e-12)
    assert np.vdot(T.to_base(u), g) == pytest.approx(np.vdot(u, T.grad_from_base(g)), rel=1e-12)
    base, std = Objective(problem, Identity(fit_intercept)), Objective(problem, T)
    a, b = base.evaluate(T.to_base(u)), std.evaluate(u)
    assert a.J == pytest.approx(b.J, rel=1e-12)
    np.testing.assert_allclose(T.grad_from_base(a.grad), b.grad, rtol=1e-9, atol=1e-12)
    assert base.optimality(a) == pytest.approx(std.optimality(b), rel=1e-9)


def test_elastic_net_prox_and_subgradient():
    pen = ElasticNet(l2=0.5, l1=0.2)
    W = np.array([[1.0, -0.1], [0.0, 0.05]])
    np.testing.assert_allclose(pen.prox(W, 0.5, np), [[0.9, -0.0], [0.0, 0.0]])
    weighted = pen.prox(W, 1.0, np, np.array([1.0, 0.1]))
    np.testing.assert_allclose(weighted, [[0.8, 0.0], [0.0, 0.03]])
    G = np.array([[-0.2, 0.3], [0.1, 0.5]])
    # w ≠ 0: |g + l1 sign(w)|; w = 0: max(|g| - l1, 0)
    np.testing.assert_allclose(pen.subgradient(G, W, np), [[0.0, 0.1], [0.0, 0.7]])
    assert pen.value(W, np) == pytest.approx(0.25 * np.sum(W * W) + 0.2 * np.sum(np.abs(W)))
    assert ElasticNet(0.5, 0.0).value(np.array([[1e200, 1e200]]), np) == np.inf
    assert ElasticNet.scaled(np.inf, 0.5, 10.0).l2 == 0.0


@pytest.mark.parametrize("n_classes", [2, 3])
def test_flat_gap_is_the_gap_along_a_flat_direction(n_classes):
    """Along a direction where only the penalty curves J, flat_gap is exact.

    With a column repeated at twice the scale, moving weight δ·(1, -2)
    between the two copies leaves X w unchanged: J - J* is then the
    penalty's ½ l2 δ² ‖v‖² alone.
    """
    rng = np.random.default_rng(3)
    X = rng.standard_normal((300, 4))
    X = np.column_stack([X, 0.5 * X[:, 0]])
    y = rng.integers(0, n_classes, 300)
    problem = _problem(X, y, None, n_classes, C=0.3)
    obj = Objective(problem, Identity(True))
    ref = LogisticRegression(C=0.3, tol=1e-12, max_iter=10_000).fit(X, y)
    W = ref.coef_.T if n_classes > 2 else ref.coef_[:1].T
    best = np.vstack([W, ref.intercept_[: W.shape[1]][None]])
    v = np.zeros_like(best)
    v[0], v[4] = 1.0, -2.0  # X v = 0
    J_best = obj.evaluate(best).J
    for delta in (0.5, 2.0):
        point = obj.evaluate(best + delta * v)
        assert obj.flat_gap(point) == pytest.approx(point.J - J_best, rel=1e-6)
        assert obj.flat_gap(point) == pytest.approx(
            0.5 * problem.penalty.l2 * delta**2 * np.sum(v * v), rel=1e-6)
    # not defined without an L2 part: the test is then off
    l1 = Objective(_problem(X, y, None, n_classes, C=0.3, l1_ratio=1.0), Identity(True))
    assert l1.flat_gap(l1.evaluate(best)) == np.inf
    # with one (elastic net), the minimum-norm subgradient's: along the flat direction
    # from the optimum J is l2-strongly convex, and the flat gap bounds J - J* there
    en = Objective(_problem(X, y, None, n_classes, C=0.3, l1_ratio=0.5), Identity(True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = GradientDescentLogisticRegression(C=0.3, l1_ratio=0.5, tol=1e-12,
                                                max_iter=100_000).fit(X, y)
    best = np.vstack([fit.coef_.T, fit.intercept_[None]])
    J_best = en.evaluate(best).J
    assert en.flat_gap(en.evaluate(best)) < 1e-12
    for delta in (0.5, 2.0):
        point = en.evaluate(best + delta * v)
        assert point.J - J_best <= en.flat_gap(point) < np.inf
        # (the L1 part's subgradient adds to it: sign(w) moves with the weights)
        assert en.flat_gap(point) > 0.5 * en.penalty.l2 * delta**2 * np.sum(v * v)


def test_multinomial_pass_holds_z_and_r_and_blocks_of_cache_size():
    """Row blocks are sized in entries of Z: with many classes a gradient
    evaluation holds Z and R and small block temporaries, not blocks of
    32,768 rows × K (issue #16: at most two n × K buffers)."""
    import tracemalloc

    from threadpoolctl import threadpool_limits

    from gdlogreg._backends import _array
    from gdlogreg._problem import make_problem

    rng = np.random.default_rng(0)
    n, d, K = 40_000, 10, 50
    X, y = rng.standard_normal((n, d)), rng.integers(0, K, n)
    problem = make_problem(X, y, None, K, C=1.0, l1_ratio=0.0, fit_intercept=True)
    blocks = problem.backend.row_blocks(K)
    assert max(b.stop - b.start for b in blocks) * K <= _array.CHUNK
    objective = Objective(problem, problem.standardization)
    coef = objective.zeros()
    tracemalloc.start()
    try:
        with threadpool_limits(1):  # each thread that runs holds its own block's temporaries
            objective.evaluate(coef)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= 2.2 * n * K * 8  # Z, R and a few temporaries of CHUNK entries


def test_sparse_fit_holds_two_vectors_of_n_and_a_few_blocks():
    """A default CSR fit (binary) holds Z and a line search's X d, block temporaries
    and the labels: no residual, weights or dual-pass arrays of length n besides."""

    n, d = 120_000, 300
    peak = _csr_fit_peak(n, d, 10)
    # measured 3.3 n-vectors (7.4 before the gram and blocks fixes); and bb's whitened
    # steps after 10 iterations: H, its factor and P = H⁻¹, p × p each (p = d + 1)
    p = d + 1
    assert peak <= 4.0 * n * 8 + 4 * p * p * 8


def test_wide_sparse_fit_prices_its_takes_without_vectors_of_n():
    """CSR X of more than 512 columns prices the wide metric's take from each row's stored
    entries (``Objective._stored_sums``), a chunk of rows at a time: the counts, their
    float64 copy and a vector of equal weights were three vectors of n (0.145 of the
    benchmark's 300,000 × 2,000 CSR X at the fit's peak, against a 0.1 target)."""
    n = 120_000
    assert _csr_fit_peak(n, 1000, 5) <= 3.0 * n * 8  # measured 2.1 vectors of n (4.2 before)


def _csr_fit_peak(n, d, k):
    """The tracemalloc peak of a default fit on random CSR X of n × d, k entries a row, at
    one thread (each thread that runs holds its own block's temporaries)."""
    import tracemalloc

    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    indptr = np.arange(0, n * k + 1, k)
    X = sp.csr_matrix((rng.standard_normal(n * k), rng.integers(0, d, n * k), indptr), (n, d))
    y = (X @ rng.standard_normal(d) > 0).astype(int)
    tracemalloc.start()
    try:
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore", ConvergenceWarning)
            GradientDescentLogisticRegression().fit(X, y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("weighted", [False, True])
def test_stored_sums_are_the_rows_counts_sums(weighted):
    """stored_sums by chunks of rows equals the sums over each row's stored entries, on
    CSR and CSC X, with and without columns and weights (a matrix of weights summed)."""
    from gdlogreg._backends._array import CHUNK, stored_sums

    rng = np.random.default_rng(3)
    n, d = 2 * CHUNK + 17, 40
    X = sp.random(n, d, density=0.1, format="csr", random_state=4)
    c = np.diff(X.indptr).astype(np.float64)
    s = rng.random((n, 2)) if weighted else 0.25
    w = s.sum(axis=1) if weighted else np.full(n, s)
    for A in (X, X.tocsc()):
        got = stored_sums(A, s)
        np.testing.assert_allclose(got, [w @ c, w @ c**2, w.sum()], rtol=1e-12)
    cols = np.array([1, 5, 7, 30])
    on = np.asarray((X[:, cols] != 0).sum(axis=1)).ravel().astype(np.float64)
    np.testing.assert_allclose(stored_sums(X, s, cols)[:2], [w @ on, w @ on**2], rtol=1e-12)


@pytest.mark.parametrize("kind", ["dense", "csr", "csc"])
@pytest.mark.parametrize("k", [2, 3])
def test_float32_exact_gradient_copies_cache_sized_blocks(kind, k):
    """A float32 fit's stop takes its gradient in float64 (``exact_gradient``): X is read
    a cache-sized block at a time, not a pass's block of up to 65,536 rows (two float64
    copies of half of X at the peak: 1.02 X on 200,000 × 100 dense; 0.7 to 1.3 X on CSR
    and CSC, review 216), and the gradient is float64 X's."""
    import tracemalloc

    rng = np.random.default_rng(0)
    n, d = 50_000, 40
    if kind == "dense":
        X = rng.standard_normal((n, d)).astype(np.float32)
    else:
        X = sp.random(n, 400, density=0.05, format=kind, random_state=1, dtype=np.float32)
        d = X.shape[1]
    y = rng.integers(0, k, n)
    problem = make_problem(X, y, None, k, C=1.0, l1_ratio=0.0, fit_intercept=True)
    m = 1 if k == 2 else k
    base = np.zeros((d + 1, m))
    base[:d] = 0.1 * rng.standard_normal((d, m))
    base[d] = 0.3
    nbytes = X.nbytes if kind == "dense" else X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    tracemalloc.start()
    try:
        value, G = problem.backend.exact_gradient(problem.loss, base, True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= 0.25 * nbytes + 4 * n * m * 8  # blocks; z, r and the loss's of n rows
    X64 = X.astype(np.float64)
    ref = make_problem(X64.toarray() if kind != "dense" else X64, y, None, k, C=1.0,
                       l1_ratio=0.0, fit_intercept=True)
    value64, G64 = ref.backend.exact_gradient(ref.loss, base, True)
    np.testing.assert_allclose(G, G64, rtol=1e-10, atol=1e-14)
    assert value == pytest.approx(value64, rel=1e-12)


@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_dense_block_products_copy_no_block_of_x(layout):
    """A binary fit on dense X of several row blocks, in any memory layout, holds Z,
    a line search's X d and block temporaries: no copy of a block of X (np.dot,
    which the block products use, copies a block that is not C-contiguous: an
    F-ordered or strided X keeps its products whole)."""
    import tracemalloc

    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    from gdlogreg import GradientDescentLogisticRegression

    rng = np.random.default_rng(0)
    n, d = 140_000, 20
    X0 = rng.standard_normal((n, 2 * d))
    y = (X0[:, :d] @ rng.standard_normal(d) > 0).astype(int)
    X = {"C": lambda: np.ascontiguousarray(X0[:, :d]), "F": lambda: np.asfortranarray(X0[:, :d]),
         "strided": lambda: X0[:, ::2]}[layout]()
    model = GradientDescentLogisticRegression(max_iter=30)
    tracemalloc.start()
    try:
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(NumpyBackend(X, np.ones(n, np.int8), 1.0 / n).row_blocks(1)) > 1
    # measured 3.3 n-vectors C-ordered and 3.2 F-ordered (at the stop's decrement: Z, X v
    # and the blocks' temporaries of its pass and of its probes of J, review 190); a block
    # of X (35,000 rows) is 5
    assert peak <= 4.0 * n * 8


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("huge", [False, True])
@pytest.mark.parametrize("block", [False, True])
def test_softmax_terms_class_major_and_row_major_agree(monkeypatch, weighted, huge, block):
    """The class-major fast path of the softmax (a whole F-ordered Z, or a row block
    of one: a strided view) gives the general path's loss and residual, also where a
    row needs the shift by its maximum; a block takes the fast path."""
    rng = np.random.default_rng(0)
    n, K = 200, 5
    z = rng.standard_normal((n, K)) * 3
    if huge:
        z[7, 2] = 900.0  # log-sum-exp beyond the unshifted form's range
    t = rng.integers(0, K, n)
    s = rng.uniform(0.1, 2.0, n) / n if weighted else 1.0 / n
    loss = make_loss(K, np)
    targets = loss.encode(t, np)
    zf = np.asfortranarray(z)
    if block:  # rows 3 to 150 of a class-major Z of 260 rows: no copy, not F-contiguous
        zf = np.asfortranarray(np.vstack([z[:3] - 1.0, z, z[:57] + 1.0]))[3 : 3 + n]
        assert not zf.flags.f_contiguous and np.shares_memory(zf, zf.base)
        fast_path = type(loss)._class_major_terms
        taken = []
        monkeypatch.setattr(type(loss), "_class_major_terms",
                            lambda self, *a: taken.append(1) or fast_path(self, *a))
    with np.errstate(over="ignore"):  # as the backends call it: exp(900) is inf, then shifted
        fast = loss.terms(zf, targets, s, np, True)
        general = loss.terms(np.ascontiguousarray(z), targets, s, np, True)
    if block:
        assert taken
    assert fast[0] == pytest.approx(general[0], rel=1e-14)
    np.testing.assert_allclose(fast[1], general[1], rtol=1e-13, atol=1e-18)
    assert np.isfinite(fast[0]) and np.all(np.isfinite(fast[1]))


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("canonical", [True, False])
@pytest.mark.parametrize("nnz_per_block", [7, 1 << 16])
def test_sparse_moments_are_the_dense_ones(monkeypatch, fmt, weighted, canonical, nnz_per_block):
    """The sparse moments (bincounts over runs of stored entries) equal the weighted
    mean and variance of the dense columns, in runs of a few entries or one run, also
    where every entry is stored twice as two halves (not in canonical format)."""
    rng = np.random.default_rng(5)
    n, d = 60, 6
    Xd = rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.4) * rng.uniform(0.1, 50, d) + 0.0
    cls = getattr(sp, f"{fmt}_matrix")
    X = cls(Xd)
    if not canonical:
        X = cls((np.repeat(X.data * 0.5, 2), np.repeat(X.indices, 2), X.indptr * 2),
                shape=X.shape)
        assert not X.has_canonical_format
    w = rng.random(n) * 3 if weighted else np.ones(n)
    s = w / w.sum()
    be = NumpyBackend(X, np.ones(n, np.int8), s if weighted else 1.0 / n)
    sums = be._sparse_sums
    monkeypatch.setattr(be, "_sparse_sums", lambda scale: sums(scale, nnz_per_block))
    scale, mean, var = be.moments()
    np.testing.assert_allclose(mean * scale, s @ Xd, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(var * scale**2, s @ (Xd - s @ Xd) ** 2, rtol=1e-10)


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("several", [False, True])
def test_an_accepted_first_trial_moves_z_by_the_direction_computed_alone(
        monkeypatch, fmt, n_classes, dtype, several):
    """The accepted first trial's z is z + X d to the bit (X d summed apart, then
    added), not a fresh X (coef + d) nor the products summed onto z: near a float32
    optimum a step changes z far less than the rounding at z's scale, and the
    gradient differences that set the spectral steps would be that noise."""
    if several:
        monkeypatch.setattr(_array, "CHUNK", 37)
    X, y = _data(150, 5, n_classes, fmt, dtype)
    obj = Objective(_problem(X, y, None, n_classes), Identity(True))
    m = 1 if n_classes == 2 else n_classes
    rng = np.random.default_rng(12)
    coef = (100.0 * rng.standard_normal((6, m))).astype(dtype)  # z far larger than X d
    d = (1e-3 * rng.standard_normal((6, m))).astype(dtype)
    point = obj.evaluate(coef)
    expected = point.z + obj.backend.linear(d, True)
    new = obj.along(point, d).trial(1.0, lambda J: True, likely=True)[0]
    np.testing.assert_array_equal(new.z, expected)


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("m", [1, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("row_major", [False, True])
def test_the_all_zero_start_makes_no_product(fmt, m, fit_intercept, row_major):
    """Z at W = 0 is the intercept alone: the same array as X @ 0 + b (layout and
    dtype too), made without touching X."""
    X, _ = _data(80, 4, 2, fmt, np.float32)
    be = NumpyBackend(X, np.ones(80, np.int8), 1.0 / 80)
    be.row_major = row_major
    coef = np.zeros((4 + fit_intercept, m), np.float32)  # the backend's dtype, as a fit's
    if fit_intercept:
        coef[4] = np.arange(1.0, m + 1.0)

    class Untouchable:
        shape, dtype = X.shape, X.dtype

        def __getattr__(self, name):
            raise AssertionError(f"X.{name} was used")

        def __getitem__(self, key):
            raise AssertionError("X was sliced")

        def __matmul__(self, other):
            raise AssertionError("X @ W was made")

    real = be.X
    W1 = coef.copy()
    W1[0] = 1.0  # not zero: the product is made (its layout is the reference)
    ref = be.linear(W1, fit_intercept)
    be.X = Untouchable()
    Z = be.linear(coef, fit_intercept)
    be.X = real
    assert Z.dtype == ref.dtype and Z.shape == ref.shape
    assert Z.flags.f_contiguous == ref.flags.f_contiguous  # the layout of a product's Z
    Xd = X.toarray() if sp.issparse(X) else X
    exact = Xd @ coef[:4] + (coef[4] if fit_intercept else 0.0)
    np.testing.assert_array_equal(Z, exact)
    out = np.full_like(ref, np.nan)
    assert be.linear(coef, fit_intercept, out=out) is out
    np.testing.assert_array_equal(out, exact)


def test_the_dense_centred_gram_holds_one_float64_block_at_its_peak():
    """The curvature-weighted Gram of the whitened steps copies X's rows to float64 by
    blocks: one block (a thread) at its peak, not the last one beside the next (a new
    copy per block: two blocks, 0.098 of a float32 X of 200,000 x 100 at the fit's
    peak)."""
    import tracemalloc

    from threadpoolctl import threadpool_limits

    from gdlogreg._loss import CurvatureShare

    rng = np.random.default_rng(0)
    n, d = 40_000, 50
    X = rng.standard_normal((n, d)).astype(np.float32)
    be = NumpyBackend(X, rng.integers(0, 2, n).astype(np.int8), 1.0 / n)
    Z = rng.standard_normal((n, 1))
    block = be._moment_rows() * d * 8
    assert block * 4 < n * d * 8  # several blocks
    with threadpool_limits(1):  # one thread: one block
        be.centred_gram(np.zeros(d), np.ones(d), CurvatureShare(2), Z)  # warm-up
        tracemalloc.start()
        try:
            be.centred_gram(np.zeros(d), np.ones(d), CurvatureShare(2), Z)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 1.5 * block, (peak, block)


def _hessian(X, y, sw, n_classes, C, coef):
    """J's exact Hessian in [W; b] (class-major blocks for K classes), float64."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    n, d = X.shape
    s = (np.ones(n) if sw is None else np.asarray(sw, float))
    total = s.sum()
    A = np.hstack([X, np.ones((n, 1))])
    m = 1 if n_classes == 2 else n_classes
    Z = A @ coef.astype(np.float64)
    if m == 1:
        p = 1.0 / (1.0 + np.exp(-Z[:, 0]))
        H = A.T @ (A * (s * p * (1 - p) / total)[:, None])
    else:
        P = np.exp(log_softmax(Z, axis=1))
        q = d + 1
        H = np.zeros((m * q, m * q))
        for k in range(m):
            for j in range(m):
                w = s * P[:, k] * ((k == j) - P[:, j]) / total
                H[k * q:(k + 1) * q, j * q:(j + 1) * q] = A.T @ (A * w[:, None])
    pen = np.zeros(m * (d + 1))
    for k in range(m):
        pen[k * (d + 1):k * (d + 1) + d] = 1.0 / (C * total)
    return H + np.diag(pen)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_gradient_decrement_is_the_rayleigh_bound_on_the_newton_decrement(
        small_blocks, fmt, weighted, n_classes):
    """(gᵀg)²/(gᵀHg) with H J's exact Hessian: from the pair [z, X g] in row blocks
    (:class:`gdlogreg._loss.DirectionCurvature`), at most λ² = gᵀH⁻¹g."""
    X, y = _data(200, 7, n_classes, fmt, np.float64)
    rng = np.random.default_rng(2)
    sw = rng.random(200) * 3 if weighted else None
    obj = Objective(_problem(X, y, sw, n_classes), Identity(True))
    m = 1 if n_classes == 2 else n_classes
    coef = 0.5 * rng.standard_normal((8, m))
    point = obj.evaluate(coef)
    H = _hessian(X, y, sw, n_classes, 0.7, coef)
    g = point.grad.T.ravel()  # class-major, as H's blocks
    want = (g @ g) ** 2 / (g @ H @ g)
    assert obj.gradient_decrement(point) == pytest.approx(want, rel=1e-10)
    assert obj.gradient_decrement(point) <= g @ np.linalg.solve(H, g) * (1 + 1e-12)
    # along any direction v (a metric's P g): (gᵀv)²/(vᵀHv), the same bound
    v = rng.standard_normal(point.grad.shape)
    vv = v.T.ravel()
    assert obj.gradient_decrement(point, v) == pytest.approx((g @ vv) ** 2 / (vv @ H @ vv),
                                                             rel=1e-10)
    assert obj.gradient_decrement(point, v) <= g @ np.linalg.solve(H, g) * (1 + 1e-12)
    # with an L1 part there is no Newton decrement to bound
    l1 = Objective(_problem(X, y, sw, n_classes, l1_ratio=0.5), Identity(True))
    assert l1.gradient_decrement(l1.evaluate(coef)) == 0.0


@pytest.mark.parametrize("n_classes", [2, 3])
def test_the_pair_pass_is_the_same_on_every_backend(small_blocks, n_classes):
    """numpy in row blocks and the array-API backend's whole arrays see the same pair."""
    from gdlogreg._loss import DirectionCurvature

    X, y = _data(300, 5, n_classes, "dense", np.float64)
    m = 1 if n_classes == 2 else n_classes
    rng = np.random.default_rng(4)
    Z, U = rng.standard_normal((300, m)), rng.standard_normal((300, m))
    rows = DirectionCurvature(m, 1)
    t = make_loss(n_classes, np).encode(y, np)
    be = NumpyBackend(X, t, 1 / 300)
    got, _, _ = be.loss_pass(rows, np.asfortranarray(Z), np.asfortranarray(U), None)
    z, u = Z, U
    if m == 1:
        p = 1.0 / (1.0 + np.exp(-z[:, 0]))
        want = np.sum(p * (1 - p) * u[:, 0] ** 2) / 300
    else:
        P = np.exp(log_softmax(z, axis=1))
        want = np.sum(P * u * u) / 300 - np.sum(np.sum(P * u, axis=1) ** 2) / 300
    assert float(np.sum(got)) == pytest.approx(want, rel=1e-12)
    plain = ArrayBackend(X, t, 1 / 300)
    got1, _, _ = plain.loss_pass(rows, Z, U, None)
    assert float(np.sum(got1)) == pytest.approx(want, rel=1e-12)


def test_the_stopping_test_maps_no_coefficients_without_an_l1_part(monkeypatch):
    # A float learning rate descends in the original coordinates; its stopping test takes
    # the gradient in standardized ones every iteration, the coefficients only for an
    # L1 part's subgradient (a third of a small fit's iteration otherwise).
    from sklearn.datasets import load_breast_cancer

    from gdlogreg import _problem

    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    calls = []
    mapped = _problem.Standardization.from_base
    monkeypatch.setattr(_problem.Standardization, "from_base",
                        lambda self, coef: calls.append(1) or mapped(self, coef))
    for l1_ratio, most in ((0.0, 5), (0.5, 40)):
        calls.clear()
        GradientDescentLogisticRegression(solver="gd", learning_rate=0.5, l1_ratio=l1_ratio,
                                          max_iter=40, tol=0.0).fit(X, y)
        assert (len(calls) < most) if l1_ratio == 0.0 else (len(calls) >= most)
