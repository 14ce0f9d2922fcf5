"""The certified stopping rule: the duality gap bounds J - J*, and the fit stops on it."""

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import log_expit, log_softmax, xlogy
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._objective import Objective
from gdlogreg._problem import Identity, make_problem

PENALTIES = {"l2": 0.0, "elasticnet": 0.5, "l1": 1.0}
C = 0.5


def _data(n_classes, seed=0):
    X, y = make_classification(200, 8, n_informative=5, n_classes=n_classes, random_state=seed)
    X[:, 0] += 3.0  # an offset: the intercept and the weights are coupled
    return X, y


def _weights(weighted):
    return np.random.default_rng(0).integers(0, 3, 200).astype(float) if weighted else None


def _J(X, y, coef, intercept, sw, l1_ratio):
    """J = Σ s L + ½ l2 ‖W‖² + l1 ‖W‖₁ (Σ s = 1, the penalty over C Σw), in float64."""
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    W = np.asarray(coef, dtype=np.float64)
    b = np.asarray(intercept, dtype=np.float64)
    w = np.ones(len(y)) if sw is None else sw
    s = w / w.sum()
    if W.shape[0] == 1:
        z = X @ W[0] + b[0]
        L = -np.where(y == 1, log_expit(z), log_expit(-z))
    else:
        L = -log_softmax(X @ W.T + b, axis=1)[np.arange(len(y)), y]
    scale = C * w.sum()
    return s @ L + (1 - l1_ratio) / (2 * scale) * np.sum(W**2) + l1_ratio / scale * np.abs(W).sum()


_STAR = {}


def _J_star(X, y, sw, l1_ratio, fit_intercept):
    """The best J known: LogisticRegression's tight fit (Newton for L2), or a very tight fit."""
    key = (len(np.unique(y)), sw is not None, l1_ratio, fit_intercept)
    if key not in _STAR:
        if l1_ratio == 0.0:
            lr = LogisticRegression(
                C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000,
                fit_intercept=fit_intercept,
            ).fit(X, y, sample_weight=sw)
            candidates = [_J(X, y, lr.coef_, lr.intercept_, sw, l1_ratio)]
        else:
            candidates = []
        ours = GradientDescentLogisticRegression(
            C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-14, max_iter=20_000
        ).fit(X, y, sample_weight=sw)
        candidates.append(_J(X, y, ours.coef_, ours.intercept_, sw, l1_ratio))
        _STAR[key] = min(candidates)
    return _STAR[key]


def _fit(X, y, sw, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GradientDescentLogisticRegression(C=C, **params).fit(X, y, sample_weight=sw)


@pytest.mark.parametrize("fmt", ["dense", "csr", "float32"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("n_classes", [2, 3])
def test_gap_bounds_the_true_gap(n_classes, penalty, fit_intercept, weighted, fmt):
    X, y = _data(n_classes)
    sw, l1_ratio = _weights(weighted), PENALTIES[penalty]
    Xf = {"dense": X, "csr": sp.csr_matrix(X), "float32": X.astype(np.float32)}[fmt]
    J_star = _J_star(X, y, sw, l1_ratio, fit_intercept)
    slack = 1e-6 if fmt == "float32" else 1e-12  # J of a float32 model, rounded
    for max_iter in [0, 2, 10, 40, 1000]:  # 1000: converged, most often by a gradient test
        model = _fit(Xf, y, sw, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                     max_iter=max_iter)
        J = _J(X, y, model.coef_, model.intercept_, sw, l1_ratio)
        assert 0.0 <= model.dual_gap_ < math.inf
        assert model.dual_gap_ >= (J - J_star) * (1 - slack) - slack * J, max_iter


@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_gap_is_J_minus_the_dual_at_a_feasible_dual_point(n_classes, penalty, fit_intercept):
    """An independent computation of the dual at the dual point the objective builds.

    D(α) = -Σ s L*(α) - P*(-Xᵀ(s ⊙ α)) for α = p'' - y, L* the negative
    entropy of p'' (Fenchel conjugate of the log-loss); the point must be
    feasible: Σ s α = 0 with an intercept, ‖Xᵀ(s ⊙ α)‖_∞ <= l1 for pure L1.
    """
    X, y = _data(n_classes, seed=1)
    sw, l1_ratio = _weights(True), PENALTIES[penalty]
    model = _fit(X, y, sw, l1_ratio=l1_ratio, fit_intercept=fit_intercept, max_iter=6)
    W, b = model.coef_.T, model.intercept_
    problem = make_problem(X, y, sw, n_classes, C=C, l1_ratio=l1_ratio,
                           fit_intercept=fit_intercept)
    obj = Objective(problem, Identity(fit_intercept))
    coef = np.vstack([W, b[None, :]]) if fit_intercept else W.copy()
    point = obj.evaluate(coef)
    dual = obj.dual_point(point, obj.dual_constants())
    share = obj.dual_divergence(point, dual)
    s = sw / sw.sum()
    Z = X @ W + b
    if n_classes == 2:
        p = np.exp(log_expit(Z[:, 0]))[:, None]
        Y = (y == 1).astype(float)[:, None]
    else:
        p = np.exp(log_softmax(Z, axis=1))
        Y = np.eye(n_classes)[y]
    theta, tau, q = dual.theta, dual.tau, dual.q
    p2 = theta * ((1 - tau) * p + tau * q) + (1 - theta) * Y
    alpha = p2 - Y
    neg_entropy = xlogy(p2, p2) + (xlogy(1 - p2, 1 - p2) if n_classes == 2 else 0.0)
    V = X.T @ (s[:, None] * alpha)
    l2, l1 = obj.penalty.l2, obj.penalty.l1
    if fit_intercept:
        np.testing.assert_allclose(s @ alpha, 0.0, atol=1e-12)
    if l2 == 0.0:
        assert np.abs(V).max() <= l1 * (1 + 1e-12)
        conj = 0.0
    else:
        conj = 0.5 * np.sum(np.maximum(np.abs(V) - l1, 0.0) ** 2) / l2
    D = -np.sum(s @ neg_entropy) - conj
    gap = dual.penalty_share + share
    assert gap == pytest.approx(point.J - D, rel=1e-9, abs=1e-13)
    assert dual.penalty_share + dual.loss_bound >= gap * (1 - 1e-12)


@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("n_classes", [2, 3])
def test_reported_gap_is_no_looser_than_the_returned_models_own_bound(n_classes, penalty):
    """A fit that stops by a gradient test reports the smaller of J - (the best lower
    bound found earlier) and the cheap bound of the returned model's dual point: not
    a gap checked dozens of iterations before, which falls as the gradient squared."""
    X, y = _data(n_classes, seed=2)
    sw, l1_ratio = _weights(True), PENALTIES[penalty]
    model = _fit(X, y, sw, l1_ratio=l1_ratio)
    assert model.converged_
    problem = make_problem(X, y, sw, n_classes, C=C, l1_ratio=l1_ratio, fit_intercept=True)
    obj = Objective(problem, Identity(True))
    point = obj.evaluate(np.vstack([model.coef_.T, model.intercept_[None, :]]))
    dual = obj.dual_point(point, obj.dual_constants())
    assert model.dual_gap_ <= (dual.penalty_share + dual.loss_bound) * (1 + 1e-9) + 1e-15


@pytest.mark.parametrize("n_classes", [2, 3])
def test_pure_l2_without_intercept_gap_is_half_squared_gradient_over_l2(n_classes):
    X, y = _data(n_classes)
    model = _fit(X, y, None, fit_intercept=False, max_iter=5)
    problem = make_problem(X, y, None, n_classes, C=C, l1_ratio=0.0, fit_intercept=False)
    obj = Objective(problem, Identity(False))
    point = obj.evaluate(np.ascontiguousarray(model.coef_.T))
    dual = obj.dual_point(point, obj.dual_constants())
    assert dual.loss_bound == 0.0 and dual.distance == 0.0
    g = np.asarray(point.grad)
    assert dual.penalty_share == pytest.approx(0.5 * np.sum(g**2) / obj.penalty.l2, rel=1e-10)
    # at most J: J* >= 0
    expected = min(dual.penalty_share, model.loss_curve_[-1])
    assert model.dual_gap_ == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("n_classes", [2, 3])
def test_fit_stops_once_the_relative_bound_is_below_tol(monkeypatch, n_classes, penalty):
    """With the gradient tests off and the gap computed at every iterate, the fit
    stops at the first iterate where dual_gap_ <= GAP_SHARE · tol · J."""
    from gdlogreg import _solver

    monkeypatch.setattr(_solver.Monitor, "_gradient_passes", lambda self, *a: False)
    monkeypatch.setattr(_solver, "FIRST_CHECK", math.inf)
    monkeypatch.setattr(_solver, "CHECK_MARGIN", math.inf)
    X, y = _data(n_classes)
    tol, l1_ratio = 1e-4, PENALTIES[penalty]
    model = _fit(X, y, None, l1_ratio=l1_ratio, tol=tol, max_iter=2000)
    assert model.converged_ and model.stop_reason_ == "converged"
    share = _solver.GAP_SHARE
    assert model.dual_gap_ <= share * tol * model.loss_curve_[-1]
    before = _fit(X, y, None, l1_ratio=l1_ratio, tol=tol, max_iter=model.n_iter_[0] - 1)
    assert before.dual_gap_ > share * tol * before.loss_curve_[-1]


def test_default_fit_stops_no_later_than_the_gradient_tests(monkeypatch):
    from gdlogreg import _solver

    X, y = _data(3)
    both = _fit(X, y, None, l1_ratio=1.0)
    monkeypatch.setattr(_solver.Monitor, "_gap_passes", lambda self, *a: False)
    gradient = _fit(X, y, None, l1_ratio=1.0)
    assert both.converged_ and gradient.converged_
    assert both.n_iter_[0] <= gradient.n_iter_[0]
    assert both.dual_gap_ <= 1e-6 * both.loss_curve_[-1] or both.n_iter_ == gradient.n_iter_


def test_no_penalty_converges_by_the_gradient_test():
    X, y = _data(2)
    X = X + np.random.default_rng(0).normal(scale=3.0, size=X.shape)  # not separable
    model = GradientDescentLogisticRegression(C=np.inf).fit(X, y)
    assert model.converged_ and model.stop_reason_ == "converged"
    assert math.isnan(model.dual_gap_)


def test_weight_two_is_the_row_twice():
    X, y = _data(3)
    sw = np.ones(len(y))
    sw[:50] = 2.0
    Xr, yr = np.vstack([X, X[:50]]), np.concatenate([y, y[:50]])
    for max_iter in [3, 1000]:
        a = _fit(X, y, sw, l1_ratio=0.5, max_iter=max_iter)
        b = _fit(Xr, yr, None, l1_ratio=0.5, max_iter=max_iter)
        assert a.n_iter_ == b.n_iter_
        assert a.dual_gap_ == pytest.approx(b.dual_gap_, rel=1e-6)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_constants_from_the_start_gradient_match_a_pass(n_classes):
    X, y = _data(n_classes)
    problem = make_problem(X, y, _weights(True), n_classes, C=C, l1_ratio=0.5,
                           fit_intercept=True)
    obj = Objective(problem, problem.standardization)
    zero = obj.evaluate(obj.zeros())
    for a, b in zip(obj.dual_constants(zero.grad), obj.dual_constants(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_every_backend_reports_the_same_gap(n_classes, l1_ratio):
    """dual_gap_ on Dask and on an array-API device (its loss pass maps the dual's rows)."""
    from sklearn import config_context

    X, y = _data(n_classes)
    sw = _weights(True)
    ref = _fit(X, y, sw, l1_ratio=l1_ratio, max_iter=4)
    da = pytest.importorskip("dask.array")
    lazy = _fit(da.from_array(X, chunks=(64, 8)), da.from_array(y, chunks=64),
                da.from_array(sw, chunks=64), l1_ratio=l1_ratio, max_iter=4)
    assert lazy.dual_gap_ == pytest.approx(ref.dual_gap_, rel=1e-9)
    xp = pytest.importorskip("array_api_strict")
    device = xp.Device("device1")
    with config_context(array_api_dispatch=True):
        strict = _fit(xp.asarray(X, device=device), xp.asarray(y, device=device),
                      xp.asarray(sw, device=device), l1_ratio=l1_ratio, max_iter=4)
    assert strict.dual_gap_ == pytest.approx(ref.dual_gap_, rel=1e-9)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dual_pass_in_slices_sums_what_one_slice_sums(monkeypatch, n_classes, dtype):
    """The dual pass takes a numpy block in slices (to hold little memory): the same
    sum, slices of 7 entries (3 binary rows, 2 of 3 classes; the last one short) or
    one slice."""
    from gdlogreg._loss import DualDivergence

    X, y = _data(n_classes, seed=2)
    problem = make_problem(X.astype(dtype), y, _weights(True), n_classes, C=0.5, l1_ratio=0.0,
                           fit_intercept=True)
    obj = Objective(problem, Identity(True))
    coef = np.random.default_rng(3).standard_normal(obj.coef_shape).astype(dtype)
    point = obj.evaluate(coef)
    dual = obj.dual_point(point, obj.dual_constants())
    whole = obj.dual_divergence(point, dual)
    monkeypatch.setattr(DualDivergence, "SLICE", 7)
    sliced = obj.dual_divergence(point, dual)
    assert whole > 0.0
    assert sliced == pytest.approx(whole, rel=1e-12)


@pytest.mark.parametrize("C", [1e300, 1e12])
def test_gap_of_a_vanishing_penalty_is_at_most_J(C):
    """With l2 near 0 the bound ‖g‖²/(2 l2) is astronomic (1e295 before); J* >= 0
    caps it at J, a bound that is still true."""
    X, y = _data(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = GradientDescentLogisticRegression(C=C, max_iter=100).fit(X, y)
    J = model.loss_curve_[-1]
    assert 0.0 <= model.dual_gap_ <= J


@pytest.mark.parametrize("n_classes", [2, 10])
def test_dual_pass_temporaries_are_those_of_a_slice_not_of_the_block(n_classes):
    """The dual pass over a block of 65,536 entries (the backends' largest) holds its
    dozen temporaries for one slice at a time: its peak memory is a few slices' worth
    (under 1 MB), not a dozen copies of the block (5 MB): an unconverged fit's gap
    must not set its peak of memory."""
    import tracemalloc

    from gdlogreg._loss import DualDivergence

    rng = np.random.default_rng(0)
    m = 1 if n_classes == 2 else n_classes
    n = 65536 // m
    z = np.asfortranarray(rng.standard_normal((n, m)) * 3)
    if n_classes == 2:
        t = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
        loss = DualDivergence(np.full((1, 1), 0.7), np.full((1, 1), 0.2), np.zeros((1, 1)),
                              multinomial=False)
    else:
        t = rng.integers(0, n_classes, n).astype(np.int8)
        loss = DualDivergence(np.full((1, m), 0.7), np.full((1, m), 0.2),
                              np.full((1, m), 1.0 / m), multinomial=True,
                              classes=np.arange(n_classes).reshape(1, -1))
    s = rng.random(n) / n
    tracemalloc.start()
    try:
        value, _ = loss.terms(z, t, s, np)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.isfinite(value) and value > 0.0
    assert peak <= 2**20, peak


def _kl_reference(z, t, s, theta, tau, q, n_classes):
    """Σ s KL(p''‖p) in long double, term by term as a log(a/b) - a + b."""
    ld = np.longdouble
    z = z.astype(ld)
    if n_classes == 2:
        log_p = np.stack([-np.logaddexp(ld(0), -z[:, 0]), -np.logaddexp(ld(0), z[:, 0])], 1)
        Y = np.stack([t == -1, t == 1], 1).astype(ld)  # class 1, class 0 (signs 1 - 2y)
        q = np.array([[q[0, 0], 1.0 - q[0, 0]]], dtype=ld)
        theta, tau = ld(theta[0, 0]), ld(tau[0, 0])
    else:
        top = z.max(axis=1, keepdims=True)
        log_p = z - top - np.log(np.exp(z - top).sum(axis=1, keepdims=True))
        Y = (t[:, None] == np.arange(n_classes)).astype(ld)
        theta, tau, q = theta.astype(ld), tau.astype(ld), q.astype(ld)
    P = np.exp(log_p)
    A = theta * ((1 - tau) * P + tau * q) + (1 - theta) * Y
    log_a = np.log(np.where(A > 0, A, 1))
    terms = np.where(A > 0, A * (log_a - log_p), 0) - A + P
    return float((s.astype(ld)[:, None] * terms).sum())


def _share_and_reference(loss, z, t, s, theta, tau, q, n_classes):
    """The dual pass's Σ s KL at one θ and τ for every column (warnings as errors), and
    :func:`_kl_reference`'s."""
    m = 1 if n_classes == 2 else n_classes
    theta, tau = np.full((1, m), theta), np.full((1, m), tau)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, _ = loss.dual_rows(theta, tau, q).terms(z, t, s, np)
    return value, _kl_reference(z, t, s, theta, tau, q, n_classes)


@pytest.mark.skipif(np.finfo(np.longdouble).eps > 1e-17, reason="no extended precision")
@pytest.mark.parametrize("n_classes", [2, 5])
@pytest.mark.parametrize("scale", [0.5, 40.0, 900.0])  # 900: p underflows to 0 in float64
@pytest.mark.parametrize(("theta", "tau", "q"), [
    (1.0, 1e-4, "random"),  # near the optimum of an L2 fit: p'' close to p
    (1.0, 1.0, "first"),  # p'' = q: a = 0 in every class but the first
    (0.6, 0.3, "random"),  # an L1 fit's scaled dual point
])
def test_dual_divergence_matches_a_long_double_reference(n_classes, scale, theta, tau, q):
    """The loss's share of the gap, Σ s KL(p''‖p), to 1e-9 of a long-double sum of
    a log(a/b) - a + b, where p'' is close to p (log1p(δ/b)), where p underflows
    and where p'' is 0 (log a - log b, 0 log 0), finite and warning-free."""
    from gdlogreg._loss import BinaryLogLoss, MultinomialLogLoss

    rng = np.random.default_rng(7)
    n, m = 300, 1 if n_classes == 2 else n_classes
    z = np.asfortranarray(rng.standard_normal((n, m)) * scale)
    if n_classes == 2:
        t = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
        loss = BinaryLogLoss()
    else:
        t = rng.integers(0, n_classes, n).astype(np.int8)
        loss = MultinomialLogLoss(n_classes, np)
    qv = rng.random((1, m)) if q == "random" else np.eye(1, m)
    qv = qv / qv.sum() if n_classes > 2 else qv
    s = rng.random(n)
    s /= s.sum()
    value, expected = _share_and_reference(loss, z, t, s, theta, tau, qv, n_classes)
    assert math.isfinite(value)
    assert value == pytest.approx(expected, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("lost", [-math.inf, math.nan])
def test_an_exact_pass_that_lost_its_numbers_certifies_nothing(monkeypatch, lost):
    """A KL share of -inf or nan (numbers lost in the pass) must leave the cheap bound
    standing, not read as a zero gap: clipped to 0, a -inf share once certified a
    model 0.03 above J* (review8) and would stop a fit there."""
    from gdlogreg._loss import DualDivergence

    X, y = _data(2)
    # pure L1: the dual point is the residual scaled by θ < 1, whose KL share is most
    # of the gap (with L2 it is the model's own residual, KL about 0)
    reference = _fit(X, y, None, l1_ratio=1.0, max_iter=3, tol=0.0)
    monkeypatch.setattr(DualDivergence, "terms", lambda self, *a, **k: (lost, None))
    model = _fit(X, y, None, l1_ratio=1.0, max_iter=3, tol=0.0)
    J = _J(X, y, model.coef_, model.intercept_, None, 1.0)
    J_star = _J_star(X, y, None, 1.0, True)
    assert J - J_star > 1e-6  # three iterations from zero: far from J*
    assert model.dual_gap_ >= J - J_star
    assert model.dual_gap_ >= reference.dual_gap_  # the exact share can only tighten it
