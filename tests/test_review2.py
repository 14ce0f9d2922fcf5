"""Outside review of the core speed changes since b4b2fd9 (fused trials that skip
``X.T @ R``, Points that carry their original coordinates, the dual point's
shortcuts): each must give the results of the plain computation up to rounding.
"""

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.linear_model import LogisticRegression

from gdlogreg import GradientDescentLogisticRegression, _solver
from gdlogreg._loss import BinaryLogLoss
from gdlogreg._objective import Objective
from gdlogreg._penalty import ElasticNet
from gdlogreg._problem import Identity, make_problem


def _data(n, d, n_classes, fmt, dtype, seed=0, weighted=False):
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.4) * 3.0 + 0.5).astype(dtype)
    y = rng.integers(0, n_classes, n)
    sw = rng.random(n) * 3.0 if weighted else None
    if fmt != "dense":
        X = getattr(sp, f"{fmt}_matrix")(X)
    return X, y, sw


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("standardized", [False, True])
def test_refused_trials_leave_the_ray_as_new(blocks, fmt, n_classes, dtype, standardized):
    """Refused fused trials (one that spends D, then one more), a backtracking
    trial and ray.point: the same Z, D, J, gradient and base as fresh evaluations.
    D is made by the first trial and kept where a trial is kept apart."""
    X, y, sw = _data(150, 5, n_classes, fmt, dtype, weighted=True)
    problem = make_problem(X, y, sw, n_classes, C=0.3, l1_ratio=0.0, fit_intercept=True)
    obj = Objective(problem, problem.standardization if standardized else Identity(True))
    be, T = obj.backend, obj.T
    m = 1 if n_classes == 2 else n_classes
    rng = np.random.default_rng(5)
    coef = rng.standard_normal((6, m)).astype(dtype)
    d = rng.standard_normal((6, m)).astype(dtype)
    Z0, D0 = be.linear(T.to_base(coef), True), be.linear(T.to_base(d), True)
    ray = obj.along(obj.evaluate(coef), d)
    in_place = be.moves_in_place(obj.loss, m)
    for t in (1e3, 1.0):
        assert ray.trial(t, lambda J: False, likely=True)[0] is None
        np.testing.assert_array_equal(ray.Z, Z0)
        if in_place:
            assert ray.D is None  # X @ d is made by the first trial that needs it
        else:
            np.testing.assert_array_equal(ray.D, D0)
    rtol = 2e-5 if dtype == np.float32 else 1e-12
    assert ray(0.5) == pytest.approx(obj.evaluate(coef + 0.5 * d).J, rel=rtol)
    np.testing.assert_array_equal(ray.D, D0)
    assert ray.trial(1e3, lambda J: False, likely=True)[0] is None  # with D made: both as new
    np.testing.assert_array_equal(ray.Z, Z0)
    np.testing.assert_array_equal(ray.D, D0)
    new = ray.point(0.25)
    fresh = obj.evaluate(coef + np.asarray(0.25, dtype) * d)
    assert new.J == pytest.approx(fresh.J, rel=rtol)
    assert new.grad.dtype == dtype and new.z.dtype == dtype and new.base.dtype == dtype
    np.testing.assert_allclose(new.grad, fresh.grad, rtol=100 * rtol, atol=100 * rtol)
    np.testing.assert_allclose(new.z, fresh.z, rtol=10 * rtol, atol=10 * rtol)
    np.testing.assert_allclose(new.base, fresh.base, rtol=10 * rtol, atol=10 * rtol)


def _by_blocks(fmt, m, blocks):
    """Whether a pass with its gradient makes its products block by block (and so
    its gradient whatever ``keep`` says): dense X over several blocks, CSR X with
    one column."""
    return (fmt == "csr" and m == 1) or (fmt == "dense" and blocks != "one")


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("keep", [True, False])
def test_spends_direction_says_what_a_moved_pass_overwrites(blocks, fmt, n_classes, keep):
    """D's memory is written over by a moved pass with a gradient exactly where
    spends_direction says so, whatever ``keep`` decides; Z holds U exactly where
    moves_in_place says so, else Z is as it was."""
    X, y, sw = _data(150, 5, n_classes, fmt, np.float64, weighted=True)
    problem = make_problem(X, y, sw, n_classes, C=0.3, l1_ratio=0.0, fit_intercept=True)
    be, loss = problem.backend, problem.loss
    m = 1 if n_classes == 2 else n_classes
    rng = np.random.default_rng(10)
    Z = be.linear(rng.standard_normal((6, m)), True)
    D = be.linear(rng.standard_normal((6, m)), True)
    Z0, D0 = Z.copy(), D.copy()
    value, U, G = be.loss_pass(loss, Z, D, 0.5, gradient=True, move=True,
                               keep=lambda v: keep)
    assert (U is Z) == be.moves_in_place(loss, m)
    np.testing.assert_allclose(U, D0 * 0.5 + Z0, rtol=1e-15)
    if U is not Z:
        np.testing.assert_array_equal(Z, Z0)
    assert (G is not None) == (keep or _by_blocks(fmt, m, blocks))
    assert (not np.array_equal(D, D0)) == be.spends_direction(loss, m)
    ref, _, G_ref = be.loss_pass(loss, Z0, D0, 0.5, gradient=True)
    assert value == pytest.approx(ref, rel=1e-14)
    if G is not None:
        np.testing.assert_allclose(G, G_ref, rtol=1e-12, atol=1e-15)


def test_refused_trial_on_array_api_strict_moves_nothing():
    xp = pytest.importorskip("array_api_strict")
    X, y, _ = _data(120, 4, 3, "dense", np.float64)
    Xs = xp.asarray(X)
    with sklearn.config_context(array_api_dispatch=True):
        problem = make_problem(Xs, y, None, 3, C=0.3, l1_ratio=0.5, fit_intercept=True)
    assert problem.xp is not np
    obj = Objective(problem, problem.standardization)
    ref = Objective(make_problem(X, y, None, 3, C=0.3, l1_ratio=0.5, fit_intercept=True),
                    Identity(True))
    rng = np.random.default_rng(6)
    coef, d = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    ray = obj.along(obj.evaluate(xp.asarray(coef)), xp.asarray(d))
    with np.errstate(over="ignore"):  # as the estimator runs the solver
        assert ray.trial(1e3, lambda J: False, likely=True)[0] is None
    assert ray.trial(1.0, lambda J: False, likely=True)[0] is None
    new = ray.trial(0.5, lambda J: True, likely=True)[0]
    fresh = obj.evaluate(xp.asarray(coef + 0.5 * d))
    assert new.J == pytest.approx(fresh.J, rel=1e-12)
    np.testing.assert_allclose(np.asarray(new.grad), np.asarray(fresh.grad), rtol=1e-9, atol=1e-12)
    # base: the original coordinates, where the numpy objective's J is the same
    assert ref.evaluate(np.asarray(new.base)).J == pytest.approx(new.J, rel=1e-12)


# ----------------------------------------------------------- Point.base
@pytest.fixture
def base_spy(monkeypatch):
    """Every iterate the Monitor sees: max |base - T(coef)| / max |T(coef)|."""
    drift = []
    call = _solver.Monitor.__call__

    def spy(self, k, point, step):
        if point.base is not None:
            assert point.base.dtype == point.coef.dtype  # float32 stays float32
            ref = np.asarray(self.objective.T.to_base(point.coef))
            top = max(float(np.max(np.abs(ref))), 1e-300)
            drift.append(float(np.max(np.abs(np.asarray(point.base) - ref))) / top)
        return call(self, k, point, step)

    monkeypatch.setattr(_solver.Monitor, "__call__", spy)
    return drift


def _fresh_J(model, X, y, sw, C, l1_ratio, fit_intercept=True):
    classes = np.unique(y)
    problem = make_problem(X, np.searchsorted(classes, y), sw, len(classes), C=C,
                           l1_ratio=l1_ratio, fit_intercept=fit_intercept)
    W = model.coef_.T
    coef = np.vstack([W, model.intercept_[None]]) if fit_intercept else W
    return Objective(problem, Identity(fit_intercept)).evaluate(coef.astype(X.dtype)).J


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["bb", "gd", "nesterov", "lbfgs"])
@pytest.mark.parametrize("case", ["l2", "l1", "enet-noint", "float-lr", "f32-multi", "warm"])
def test_points_carry_their_original_coordinates(base_spy, solver, case):
    """Long fits: every iterate's base is T(coef) up to rounding, and the last J is a
    fresh evaluation's."""
    n_classes = 3 if case == "f32-multi" else 2
    dtype = np.float32 if case == "f32-multi" else np.float64
    X, y, sw = _data(300, 6, n_classes, "dense", dtype, seed=3, weighted=True)
    X[:, 1] = X[:, 0] + 0.01 * X[:, 1]  # nearly collinear: a long fit
    X[:, 2] *= 30.0
    l1_ratio = {"l1": 1.0, "enet-noint": 0.5}.get(case, 0.0)
    fit_intercept = case != "enet-noint"
    lr = 0.05 if case == "float-lr" else "auto"
    if solver == "lbfgs" and l1_ratio > 0:
        pytest.skip("lbfgs is L2 only")
    model = GradientDescentLogisticRegression(
        solver=solver, C=10.0, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
        learning_rate=lr, tol=1e-9, max_iter=3000,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter
        model.fit(X, y, sample_weight=sw)
        if case == "warm":  # from the last fit's weights, at another C
            del base_spy[:]
            model.set_params(warm_start=True, C=3.0).fit(X, y, sample_weight=sw)
    # iterates seen (a warm fit is short: lbfgs's, and bb's in whitened steps at once)
    assert len(base_spy) > (2 if case == "warm" else 5)
    assert max(base_spy) < (2e-5 if dtype == np.float32 else 1e-11)
    J = _fresh_J(model, X, y, sw, model.C, l1_ratio, fit_intercept)
    assert model.loss_curve_[-1] == pytest.approx(J, rel=2e-6 if dtype == np.float32 else 1e-12)


# ----------------------------------------------------------- penalty
def _textbook_gap(pen, W, V):
    """Σ P(w) + w v + P*(-v), P = ½ l2 w² + l1 |w|, P*(u) = ½ (|u| - l1)₊² / l2."""
    P = 0.5 * pen.l2 * W * W + pen.l1 * np.abs(W)
    if pen.l2 == 0.0:
        assert np.all(np.abs(V) <= pen.l1 * (1 + 1e-12))
        Ps = 0.0
    else:
        Ps = 0.5 * np.maximum(np.abs(V) - pen.l1, 0.0) ** 2 / pen.l2
    return float(np.sum(P + W * V + Ps))


@pytest.mark.parametrize("l2, l1", [(0.7, 0.0), (1e-3, 0.0), (0.4, 0.3), (0.0, 0.5)])
def test_dual_gap_is_the_textbook_sum(l2, l1):
    rng = np.random.default_rng(7)
    pen = ElasticNet(l2, l1)
    W, V = rng.standard_normal((9, 3)), rng.standard_normal((9, 3))
    if l2 == 0.0:
        V *= pen.dual_scale(V, lambda top: top)  # where P* is finite
    gap = pen.dual_gap(W, V)
    assert gap >= 0.0
    assert gap == pytest.approx(_textbook_gap(pen, W, V), rel=1e-12, abs=1e-14)


def test_dual_scale_per_problem():
    rng = np.random.default_rng(8)
    V = rng.standard_normal((7, 3)) * np.array([0.1, 2.0, 5.0])
    top = np.max(np.abs(V), axis=0)
    # pure L1, a column per problem
    np.testing.assert_array_equal(ElasticNet(0.0, 1.0).dual_scale(V, lambda a: a),
                                  np.minimum(1.0, 1.0 / top))
    # pure L1, one multinomial problem: its largest |v| over all classes
    theta = ElasticNet(0.0, 1.0).dual_scale(V, lambda a: np.full_like(a, np.max(a)))
    np.testing.assert_array_equal(theta, np.full(3, 1.0 / top.max()))
    # an L2 part: θ = 1
    np.testing.assert_array_equal(ElasticNet(0.1, 1.0).dual_scale(V, lambda a: a), np.ones(3))
    np.testing.assert_array_equal(ElasticNet(0.0, 1.0).dual_scale(np.zeros((7, 2)), lambda a: a),
                                  np.ones(2))


# ----------------------------------------------------------- binary dual mix
def test_binary_dual_mix_edges():
    ybar = np.array([0.3, 0.3, 0.3, 0.0, 1.0, 0.5, 0.3])
    gb = np.array([0.2, -0.1, 0.0, 0.0, 0.0, -0.5, 0.7])
    tau, q = BinaryLogLoss.dual_mix(ybar, gb)
    assert np.all((tau >= 0.0) & (tau <= 1.0))
    assert set(np.unique(q)) <= {0.0, 1.0}
    # the over-predicted class's excess over its mean prediction
    np.testing.assert_allclose(tau[:2], [0.2 / 0.5, 0.1 / 0.8])
    np.testing.assert_array_equal(tau[2:4], 0.0)  # gb = 0: the model's mean is right
    # den <= 0 (one class has no weight, or rounding): the safe τ = 1
    assert tau[4] == 1.0 and tau[5] == 0.5
    assert tau[6] == pytest.approx(0.7)
    assert BinaryLogLoss.neg_entropy(q) == 0.0


# ----------------------------------------------------------- a true bound
@pytest.mark.parametrize("case", ["weighted", "sparse", "multiclass", "l1", "enet-multi"])
def test_dual_gap_bounds_the_distance_to_the_optimum(case):
    n_classes = 3 if case in ("multiclass", "enet-multi") else 2
    X, y, sw = _data(400, 8, n_classes, "csr" if case == "sparse" else "dense", np.float64,
                     seed=11, weighted=case in ("weighted", "l1", "enet-multi"))
    l1_ratio = {"l1": 1.0, "enet-multi": 0.5}.get(case, 0.0)
    C = 0.1
    model = GradientDescentLogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-3, max_iter=40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y, sample_weight=sw)
    if l1_ratio == 0.0:
        ref = LogisticRegression(C=C, tol=1e-12, max_iter=10000)
    else:
        ref = LogisticRegression(C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-12, max_iter=20000)
        if "penalty" in LogisticRegression().get_params():
            ref.set_params(penalty="elasticnet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(X, y, sample_weight=sw)
    J_star = min(_fresh_J(ref, X, y, sw, C, l1_ratio), model.loss_curve_[-1])
    J = model.loss_curve_[-1]
    assert math.isfinite(model.dual_gap_)
    assert model.dual_gap_ >= J - J_star - 1e-12 * J


def test_refused_trial_on_dask_moves_nothing():
    da = pytest.importorskip("dask.array")
    X, y, sw = _data(200, 4, 3, "dense", np.float64, weighted=True)
    kw = dict(C=0.3, l1_ratio=0.0, fit_intercept=True)
    problem = make_problem(da.from_array(X, chunks=64), y, da.from_array(sw, chunks=64), 3, **kw)
    obj = Objective(problem, problem.standardization)
    ref = Objective(make_problem(X, y, sw, 3, **kw), Identity(True))
    rng = np.random.default_rng(9)
    coef, d = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    ray = obj.along(obj.evaluate(coef), d)
    with np.errstate(over="ignore"):
        assert ray.trial(1e3, lambda J: False, likely=True)[0] is None
    assert ray.trial(1.0, lambda J: False, likely=True)[0] is None
    new = ray.trial(0.5, lambda J: True, likely=True)[0]
    fresh = obj.evaluate(coef + 0.5 * d)
    assert new.J == pytest.approx(fresh.J, rel=1e-12)
    np.testing.assert_allclose(np.asarray(new.grad), np.asarray(fresh.grad), rtol=1e-9, atol=1e-12)
    assert ref.evaluate(np.asarray(new.base)).J == pytest.approx(new.J, rel=1e-12)


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("keep", [True, False])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_a_pass_moved_by_coefficients_is_the_pass_moved_by_their_product(
        blocks, fmt, n_classes, keep, fit_intercept):
    """loss_pass(Z, V=v, move=True) (dense X over several blocks, CSR with one
    column: X v added to Z block by block in the pass) = loss_pass(Z, D=X v,
    t=1): the same U in Z to the bit (the move summed apart, then added, as
    Z + D), loss and G."""
    X, y, sw = _data(150, 5, n_classes, fmt, np.float64, weighted=True)
    problem = make_problem(X, y, sw, n_classes, C=0.3, l1_ratio=0.0, fit_intercept=fit_intercept)
    be, loss = problem.backend, problem.loss
    m = 1 if n_classes == 2 else n_classes
    rng = np.random.default_rng(11)
    p = 5 + fit_intercept
    Z, V = be.linear(rng.standard_normal((p, m)), fit_intercept), rng.standard_normal((p, m))
    Z0 = Z.copy()
    value, U, G = be.loss_pass(loss, Z, gradient=True, fit_intercept=fit_intercept, move=True,
                               keep=lambda v: keep, V=V)
    assert (U is Z) == be.moves_in_place(loss, m)
    D = be.linear(V, fit_intercept)
    np.testing.assert_array_equal(U, Z0 + D)  # the same rounding as Z + D, exactly
    if U is not Z:  # kept apart
        np.testing.assert_array_equal(Z, Z0)
    ref, _, G_ref = be.loss_pass(loss, Z0, D, 1.0, gradient=True, fit_intercept=fit_intercept)
    assert value == pytest.approx(ref, rel=1e-13)
    assert (G is not None) == (keep or _by_blocks(fmt, m, blocks))
    if G is not None:
        np.testing.assert_allclose(G, G_ref, rtol=1e-12, atol=1e-15)
