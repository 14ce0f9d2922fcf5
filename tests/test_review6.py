"""Outside review of the line search's trial passes (helper "review6"): ``Ray.trial``
driving every trial of the Armijo, bb and lbfgs rules, one-block trials kept apart
from Z (``moves_in_place``), several blocks moved in place and undone, and the
class-major softmax writing s/Σe over lse's memory.

Each test pins a property that a wrong trial pass would break: the fitted model
and loss curve do not depend on the row blocks, J along ``loss_curve_`` is a
fresh evaluation of each iterate, a refused trial leaves the ray's Z and D as they
were, no Point aliases memory another one or the ray still uses, the caller's
arrays are never written, and the class-major softmax is the general one.

Two defects were found (each test failed before its fix): solver="lbfgs" raised
AttributeError on torch and array_api_strict input (``g.copy()`` in the two-loop
recursion), and lbfgs gave up after four trials along the gradient, leaving a model
at its start where shorter steps descend (its stall warning also spoke of halvings
down to 1e-10 that it never made); along the gradient it now searches as Armijo.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg._backends import _array, _threads
from gdlogreg._loss import MultinomialLogLoss
from gdlogreg._objective import Objective, Ray
from gdlogreg._problem import Identity, make_problem


def strict(fn, *args, **kwargs):
    """Call with every warning an error but ConvergenceWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


def _data(n=150, d=6, n_classes=2, seed=0):
    """Two nearly collinear columns (an ill-conditioned Hessian), noisy labels, weights
    with zeros."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X[:, 1] = X[:, 0] + 0.3 * X[:, 1]
    scores = X @ rng.standard_normal((d, n_classes)) + rng.standard_normal((n, n_classes))
    y = np.argmax(scores, axis=1)
    sw = rng.random(n) * 2.0
    sw[::5] = 0.0
    return X, y, sw


def _fmt(X, fmt, dtype):
    X = X.astype(dtype)
    return X if fmt == "dense" else getattr(sp, f"{fmt}_matrix")(X)


def _readonly(*arrays):
    """Copies of the arrays, write-protected (a write raises), and copies to compare."""
    out = []
    for a in arrays:
        if a is None:
            out.append(None)
            continue
        a = a.copy()
        for arr in (a.data, a.indices, a.indptr) if sp.issparse(a) else (a,):
            arr.flags.writeable = False
        out.append(a)
    return out


def _same(a, b):
    if sp.issparse(a):
        for u, v in zip((a.data, a.indices, a.indptr), (b.data, b.indices, b.indptr), strict=True):
            np.testing.assert_array_equal(u, v)
    else:
        np.testing.assert_array_equal(a, b)


@pytest.fixture
def trials(monkeypatch):
    """Every trial of every ray, checked as it happens.

    Before: copies of the ray's Z and D. After a refusal: Z and D as they were
    (D may be new: then it is X @ d); after an acceptance: the new Point's z, grad and
    coef share no memory with the Point the ray started from (its grad, coef) nor
    with each other, and on a backend that keeps trials apart not with the ray's Z.
    Records (t, accepted, in_place) for each trial.
    """
    log, starts = [], {}
    along = Objective.along
    trial = Ray.trial

    def spy_along(self, point, d):
        ray = along(self, point, d)
        starts[id(ray)] = (point, ray.Z.copy())
        return ray

    def spy_trial(self, t, accept, likely=False):
        start, z0 = starts[id(self)]
        np.testing.assert_array_equal(self.Z, z0)  # nothing moved Z before this trial
        Z, D = self.Z, self.D
        D0 = None if D is None else D.copy()
        in_place = self.objective.trials_in_place
        new, J = trial(self, t, accept, likely)
        log.append((t, new is not None, in_place, J))
        if new is None:
            assert self.Z is Z  # the same buffer, restored where it was moved
            obj = self.objective
            if in_place and likely and D0 is None:  # moved, undone with X @ coef: z0 to
                fresh = obj.backend.linear(self.base, obj.fit_intercept)  # rounding
                np.testing.assert_array_equal(self.Z, fresh)
                starts[id(self)] = (start, fresh)
            else:  # kept apart, or J alone (O(n)) before the point's pass: Z untouched
                np.testing.assert_array_equal(self.Z, z0)
            if D0 is not None:
                assert self.D is D
                np.testing.assert_array_equal(self.D, D0)
            assert accept(J) is False
            return new, J
        assert self.Z is None and self.D is None  # the ray is spent
        assert new.J == J
        for a, b in ((new.z, new.grad), (new.z, start.grad), (new.grad, start.grad),
                     (new.coef, start.coef), (new.z, new.coef), (new.base, start.base)):
            if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
                assert not np.shares_memory(a, b)
        if not in_place:  # kept apart: the ray's Z (the start's z) is not the new z
            assert not np.shares_memory(new.z, Z)
        return new, J

    monkeypatch.setattr(Objective, "along", spy_along)
    monkeypatch.setattr(Ray, "trial", spy_trial)
    return log


def _one_block_fit(monkeypatch, params, X, y, sw):
    """The fit on one row block on the calling thread (whatever the blocks fixture set)."""
    with monkeypatch.context() as m:
        m.setattr(_array, "CHUNK", 65536)
        m.setattr(_array, "MIN_SHARE", 32768)
        m.setattr(_threads, "thread_limit", lambda: 1)
        return strict(GD(**params).fit, X, y, sample_weight=sw)


def _check_curve(fresh_J, model, X, y, sw, C, l1_ratio, rtol):
    """loss_curve_[k] is a fresh evaluation of the k-th iterate (coef_path_)."""
    classes = model.classes_
    n = len(model.coef_path_)
    for k in sorted({*range(0, n, max(1, n // 12)), n - 1}):
        J = model.loss_curve_[k]
        ref = fresh_J(X, y, model.coef_path_[k], model.intercept_path_[k], classes,
                      C=C, l1_ratio=l1_ratio, sample_weight=sw)
        assert J == pytest.approx(ref, rel=rtol, abs=rtol * 1e-3), k


CASES = {
    # a constant first step far too long: every search backtracks 10-20 times
    "backtracking": dict(solver="backtracking", learning_rate=300.0, tol=1e-6, max_iter=3000),
    # the first spectral step far too long, then refused spectral steps
    "bb": dict(solver="bb", learning_rate=1e4, tol=1e-8, max_iter=2000),
    # ill-conditioned data: refused unit steps and quadratic interpolations
    "lbfgs": dict(solver="lbfgs", learning_rate=50.0, tol=1e-8, max_iter=2000),
    # the prox path of Armijo and bb: elastic net without intercept, L1 with
    "bb-enet": dict(solver="bb", learning_rate=1e3, l1_ratio=0.5, fit_intercept=False,
                    tol=1e-8, max_iter=3000),
    "backtracking-l1": dict(solver="backtracking", learning_rate=100.0, l1_ratio=1.0, C=10.0,
                            tol=1e-6, max_iter=3000),
}


@pytest.mark.slow
@pytest.mark.parametrize("case, fmt, n_classes, dtype", [
    ("backtracking", "dense", 2, np.float64), ("backtracking", "csc", 3, np.float64),
    ("bb", "csr", 2, np.float64), ("bb", "dense", 3, np.float32),
    ("lbfgs", "dense", 3, np.float64), ("lbfgs", "csr", 2, np.float32),
    ("bb-enet", "csr", 3, np.float64), ("backtracking-l1", "csr", 2, np.float64),
])
def test_long_backtracking_gives_one_model_on_any_block_layout(blocks, monkeypatch, trials, J,
                                                               case, fmt, n_classes, dtype):
    """Long backtracking sequences, on one block (trials kept apart) and on several
    (moved in place, undone): the same model and loss curve as on one block; J along
    the curve is a fresh evaluation of each iterate; refusals leave the ray as it was
    (the ``trials`` spy); X, y and the weights are never written."""
    params = dict(CASES[case], C=CASES[case].get("C", 1.0), keep_path=True)
    X0, y, sw = _data(n_classes=n_classes)
    X = _fmt(X0, fmt, dtype)
    Xr, yr, swr = _readonly(X, y, sw)
    model = strict(GD(**params).fit, Xr, yr, sample_weight=swr)
    refused = [i for i, (_, ok, _, _) in enumerate(trials) if not ok]
    assert len(refused) >= (1 if case == "lbfgs" else 5), "no backtracking happened"
    assert any(in_place for _, _, in_place, _ in trials) == (blocks != "one" or (
        fmt == "csr" and n_classes == 2))
    del trials[:]
    ref = _one_block_fit(monkeypatch, params, X, y, sw)
    for a, b in ((Xr, X), (yr, y), (swr, sw)):
        _same(a, b)
    assert np.all(np.isfinite(model.coef_)) and model.coef_.dtype == dtype
    assert model.converged_ and ref.converged_
    if dtype == np.float64:  # the same minimum, to the tolerance
        assert model.loss_curve_[-1] == pytest.approx(ref.loss_curve_[-1], rel=1e-8)
        np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-4)
        k = min(12, model.n_iter_[0])  # the same first iterations, to rounding
        np.testing.assert_allclose(model.loss_curve_[:k], ref.loss_curve_[:k], rtol=1e-12)
    else:  # float32: the same minimum, to float32's tolerance
        assert model.loss_curve_[-1] == pytest.approx(ref.loss_curve_[-1], rel=1e-5)
        np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=2e-3)
    _check_curve(J, model, X0, y, sw, params["C"], params.get("l1_ratio", 0.0),
                 1e-10 if dtype == np.float64 else 1e-5)


# ================================================= the class-major softmax
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["moderate", "1e3", "huge-margins", "one-row", "weights"])
def test_class_major_softmax_is_the_general_one(dtype, kind):
    """terms on a class-major z (s/Σe over lse's memory) = terms on the same z in C
    order (the general path), loss and residual, for extreme z: ±1e3, margins that
    force the shift by the row's maximum, one row, row weights; nothing is written
    over z, and the residual is finite."""
    rng = np.random.default_rng(3)
    n, K = (1, 4) if kind == "one-row" else (300, 4)
    z = rng.standard_normal((n, K))
    if kind in ("1e3", "one-row"):
        z *= 1e3
    elif kind == "huge-margins":  # a few rows misclassified by far more than 354 (44)
        z[::50, 0] += 2e3 if dtype == np.float64 else 200.0
    t = rng.integers(0, K, n)
    s = 1.0 / n if kind != "weights" else rng.random(n) / n
    if kind == "weights":
        s[::3] = 0.0
        s = s.astype(dtype)
    z = z.astype(dtype)
    loss = MultinomialLogLoss(K, np)
    zf, zc = np.asfortranarray(z), np.ascontiguousarray(z)
    assert zf.flags.f_contiguous and not (zc.flags.f_contiguous and n > 1)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # as loss_pass runs
        value, R = strict(loss.terms, zf, t, s, np)
        ref, R_ref = strict(loss.terms, zc, t, s, np)
        alone, none = strict(loss.terms, zf.copy(order="F"), t, s, np, residual=False)
    np.testing.assert_array_equal(zf, z)  # z only read
    np.testing.assert_array_equal(zc, z)
    rtol = 1e-12 if dtype == np.float64 else 2e-6
    assert none is None and alone == value
    assert np.isfinite(value) and value == pytest.approx(ref, rel=rtol)
    assert R.dtype == dtype and R.shape == z.shape and np.all(np.isfinite(R))
    np.testing.assert_allclose(R, R_ref, rtol=rtol, atol=rtol * np.max(np.abs(R_ref)))
    # the textbook: Σ s (logsumexp(z) - z_y) and s (softmax(z) - onehot(y)), in float64
    from scipy.special import logsumexp, softmax
    z64, s64 = z.astype(np.float64), np.broadcast_to(np.asarray(s, np.float64), (n,))
    text = float(s64 @ (logsumexp(z64, axis=1) - z64[np.arange(n), t]))
    assert value == pytest.approx(text, rel=10 * rtol)
    P = softmax(z64, axis=1)
    P[np.arange(n), t] -= 1.0
    np.testing.assert_allclose(R, s64[:, None] * P, rtol=10 * rtol, atol=10 * rtol / n)


# ============================================ trials that overflow, hostile settings
@pytest.mark.slow
@pytest.mark.parametrize("solver, learning_rate", [
    ("backtracking", 1e6), ("bb", 1e6), ("lbfgs", 1e3), ("backtracking", "auto"), ("bb", "auto"),
])
@pytest.mark.parametrize("fmt, n_classes, dtype", [
    ("dense", 3, np.float32), ("csr", 2, np.float64), ("csc", 3, np.float64),
])
def test_overflowing_trials_are_refused_on_any_block_layout(blocks, trials, solver,
                                                             learning_rate, fmt, n_classes,
                                                             dtype):
    """Data of scale 1e160 (1e20 in float32): the first trials make inf or nan J and are
    refused; the fit ends with a finite model (or stalls at its best finite iterate,
    with a ConvergenceWarning), never a RuntimeWarning or a NaN model; the inputs are
    left as they were."""
    big = 1e160 if dtype == np.float64 else 1e20  # x² overflows
    X0, y, sw = _data(n_classes=n_classes)
    X = _fmt(X0 * big, fmt, dtype)
    Xr, yr, swr = _readonly(X, y, sw)
    model = strict(GD(solver=solver, learning_rate=learning_rate, C=1.0, max_iter=200).fit,
                   Xr, yr, sample_weight=swr)
    for a, b in ((Xr, X), (yr, y), (swr, sw)):
        _same(a, b)
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))
    assert np.all(np.isfinite(model.loss_curve_[-1:]))
    assert model.loss_curve_[-1] <= model.loss_curve_[0]
    assert model.coef_.dtype == dtype
    if learning_rate == "auto":  # the safe first step: a sensible model
        assert model.score(X, y, sample_weight=sw) > 0.6
    if learning_rate != "auto":  # a far too long first step: J = inf or nan, refused
        assert any(not ok and not np.isfinite(J) for _, ok, _, J in trials)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_warm_refits_with_class_weight_and_no_intercept_on_any_block_layout(
        blocks, monkeypatch, trials, J, fmt):
    """warm_start refits (bb from a float first step, then backtracking, then lbfgs),
    class_weight, fit_intercept=False and zero weights, with refused trials: the
    models of one block, and the fresh J of the last iterate."""
    X0, y, sw = _data(n_classes=3, seed=4)
    X = _fmt(X0, fmt, np.float64)
    cw = {0: 3.0, 1: 0.5, 2: 1.0}
    steps = [dict(solver="bb", learning_rate=1e3, max_iter=5),
             dict(solver="bb", learning_rate=1e3, max_iter=2000, tol=1e-9),
             dict(solver="backtracking", learning_rate=200.0, max_iter=3000, tol=1e-9),
             dict(solver="lbfgs", learning_rate=100.0, max_iter=2000, tol=1e-10)]

    def run():
        model = GD(warm_start=True, class_weight=cw, fit_intercept=False, C=0.5)
        out = []
        for p in steps:
            strict(model.set_params(**p).fit, X, y, sample_weight=sw)
            out.append((model.coef_.copy(), model.loss_curve_[-1]))
        return out

    got = run()
    assert sum(not ok for _, ok, _, _ in trials) >= 5
    with monkeypatch.context() as m:
        m.setattr(_array, "CHUNK", 65536)
        m.setattr(_array, "MIN_SHARE", 32768)
        m.setattr(_threads, "thread_limit", lambda: 1)
        ref = run()
    for (c, J_), (c_ref, J_ref) in zip(got[1:], ref[1:], strict=True):
        assert J_ == pytest.approx(J_ref, rel=1e-9)
        np.testing.assert_allclose(c, c_ref, rtol=1e-4, atol=1e-5)
    weights = sw * np.array([cw[k] for k in y])
    fresh = J(X0, y, got[-1][0], np.zeros(3), np.arange(3), C=0.5, sample_weight=weights)
    assert got[-1][1] == pytest.approx(fresh, rel=1e-10)


# ============================================================ the ray itself
@pytest.mark.parametrize("fmt, n_classes", [("dense", 2), ("dense", 3), ("csr", 2), ("csr", 3),
                                            ("csc", 3)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_ray_of_refusals_then_an_acceptance_aliases_nothing(blocks, fmt, n_classes, dtype):
    """Likely and unlikely trials refused in turn (one overflowing), then one accepted:
    each refusal leaves Z and D equal to their copies (or, moved in place, X @ coef
    again), J is a fresh evaluation's at every t; the accepted Point's z, grad, coef
    and base share no memory with the start Point nor (kept apart) with the ray's Z,
    and a second ray from the new Point leaves the first's Point untouched."""
    X0, y, sw = _data(n_classes=n_classes, seed=7)
    X = _fmt(X0, fmt, dtype)
    problem = make_problem(X, y, sw, n_classes, C=0.5, l1_ratio=0.0, fit_intercept=True)
    obj = Objective(problem, Identity(True))
    be, m = obj.backend, (1 if n_classes == 2 else n_classes)
    rng = np.random.default_rng(8)
    coef = (0.3 * rng.standard_normal((7, m))).astype(dtype)
    d = rng.standard_normal((7, m)).astype(dtype)
    start = obj.evaluate(coef)
    start_grad, start_coef = start.grad.copy(), start.coef.copy()
    ray = obj.along(start, d)
    Z0 = ray.Z.copy()
    in_place = be.moves_in_place(obj.loss, m)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    huge = float(np.finfo(dtype).max) / 8
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):  # as the fit runs
        for t, likely in ((huge, True), (8.0, True), (4.0, False), (2.0, True), (1.0, False)):
            D0 = None if ray.D is None else ray.D.copy()
            new, J = strict(ray.trial, t, lambda v: False, likely)
            assert new is None
            np.testing.assert_array_equal(ray.Z, Z0)
            if D0 is not None:
                np.testing.assert_array_equal(ray.D, D0)
            if t == huge:
                assert not np.isfinite(J)
            else:
                assert J == pytest.approx(obj.evaluate(coef + dtype(t) * d).J, rel=rtol)
        Z_ray = ray.Z
        new, J = strict(ray.trial, 0.5, lambda v: True, False)
    fresh = obj.evaluate(coef + dtype(0.5) * d)
    assert new is not None and ray.Z is None and ray.D is None and new.J == J
    assert J == pytest.approx(fresh.J, rel=rtol)
    np.testing.assert_allclose(new.grad, fresh.grad, rtol=100 * rtol, atol=100 * rtol)
    np.testing.assert_allclose(new.z, fresh.z, rtol=10 * rtol, atol=10 * rtol)
    if not in_place:
        assert not np.shares_memory(new.z, Z_ray)
    np.testing.assert_array_equal(start.grad, start_grad)
    np.testing.assert_array_equal(start.coef, start_coef)
    for a in (new.z, new.grad, new.coef, new.base):
        for b in (start.grad, start.coef, start.base):
            assert not np.shares_memory(a, b)
    assert not np.shares_memory(new.z, new.grad)
    # the next ray takes new.z; new's grad and coef stay as they were
    grad, z = new.grad.copy(), new.z.copy()
    ray2 = obj.along(new, -d)
    assert ray2.Z is not None and new.z is None
    np.testing.assert_array_equal(ray2.Z, z)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        strict(ray2.trial, 1e3, lambda v: False, True)
        strict(ray2.trial, 0.25, lambda v: True, False)
    np.testing.assert_array_equal(new.grad, grad)


# ============================================== other namespaces and Dask
def _host(a):
    return np.asarray(a.cpu() if hasattr(a, "cpu") else a)


@pytest.mark.slow
@pytest.mark.parametrize("lib", ["array_api_strict", "torch", "dask"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("params", [
    dict(solver="backtracking", learning_rate=300.0, tol=1e-7, max_iter=3000),
    dict(solver="bb", learning_rate=1e4, l1_ratio=0.5, tol=1e-8, max_iter=2000),
    dict(solver="lbfgs", learning_rate=50.0, tol=1e-8, max_iter=2000),
], ids=["backtracking", "bb-enet", "lbfgs"])
def test_long_backtracking_on_other_namespaces_and_dask_is_the_numpy_fit(
        monkeypatch, lib, n_classes, params):
    """The same long backtracking sequences on array_api_strict, torch (CPU) and Dask
    arrays (every trial fused: nothing moves in place there): the numpy model, and the
    caller's arrays left as they were."""
    from sklearn import config_context

    X, y, sw = _data(n_classes=n_classes, seed=11)
    refused = []
    trial = Ray.trial

    def spy(self, t, accept, likely=False):
        assert not self.objective.trials_in_place
        new, J = trial(self, t, accept, likely)
        refused.append(new is None)
        return new, J

    monkeypatch.setattr(Ray, "trial", spy)
    ref = strict(GD(**params).fit, X, y, sample_weight=sw)
    if lib == "dask":
        da = pytest.importorskip("dask.array")
        Xa, ya, swa = (da.from_array(a, chunks=40) for a in (X, y, sw))
        model = strict(GD(**params).fit, Xa, ya, sample_weight=swa)
        for a, b in ((Xa, X), (ya, y), (swa, sw)):
            np.testing.assert_array_equal(a.compute(), b)
    else:
        pytest.importorskip("scipy", minversion="1.14")
        xp = pytest.importorskip(lib)
        with config_context(array_api_dispatch=True):
            Xa, ya, swa = xp.asarray(X.copy()), xp.asarray(y.copy()), xp.asarray(sw.copy())
            model = strict(GD(**params).fit, Xa, ya, sample_weight=swa)
        for a, b in ((Xa, X), (ya, y), (swa, sw)):
            np.testing.assert_array_equal(_host(a), b)
    assert sum(refused) >= 5
    assert model.converged_ and ref.converged_
    assert float(model.loss_curve_[-1]) == pytest.approx(ref.loss_curve_[-1], rel=1e-8)
    coef, ref_coef = _host(model.coef_), ref.coef_
    np.testing.assert_allclose(coef, ref_coef, rtol=1e-3, atol=1e-3 * np.max(np.abs(ref_coef)))
    assert np.all(np.isfinite(coef))


# ============================================ lbfgs: a float first step far too long
def _too_long_for_lbfgs():
    """Three classes, the first feature carries the class: a first step of 30 is some
    1000 times 2/L, and J along -30 g is nearly linear (quadratic fits shrink t by ~3)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((150, 5))
    y = rng.integers(0, 3, 150)
    X[:, 0] = y * 10.0
    return X, y


def test_lbfgs_with_a_far_too_long_first_step_still_descends():
    """review6: lbfgs gave up after the unit step and three quadratic interpolations
    even along the gradient (no pairs), where Armijo halves on down to 1e-10: a float
    learning_rate far too long left the model at its start (and its stall warning
    spoke of halvings it never tried). Along the gradient it now searches as Armijo."""
    X, y = _too_long_for_lbfgs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = GD(solver="lbfgs", learning_rate=30.0, C=np.inf, max_iter=50).fit(X, y)
        back = GD(solver="backtracking", learning_rate=30.0, C=np.inf, max_iter=50).fit(X, y)
    assert back.loss_curve_[-1] < 0.5 * back.loss_curve_[0]  # shorter steps do descend
    assert model.loss_curve_[-1] < 0.5 * model.loss_curve_[0]
