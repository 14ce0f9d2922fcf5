"""bb's whitened steps: after 10 iterations the spectral steps take the metric H⁻¹ of the
curvature of J at that iterate (the Hessian for two classes; the mean of its class blocks
for K), where H is far from a multiple of the identity (issue #16; benchmarks/README.md,
"Whitened coordinates")."""

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import StratifiedKFold

import gdlogreg._solver as _solver
from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV, _batch
from gdlogreg._objective import Objective
from gdlogreg._problem import make_problem
from gdlogreg._steps import bb


def _collinear(n=3000, K=2, seed=0, dtype=np.float64):
    """Overlapping classes (ρ near ½ at the optimum) on raw, nearly collinear features of
    very different scales: standardized descent crawls along their differences."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n, 4))
    X = np.column_stack([
        base[:, 0] * 1e3 + 5e3,
        base[:, 0] * 1e3 + 5e3 + 10.0 * rng.standard_normal(n),  # ~ a copy of the first
        base[:, 1],
        base[:, 1] + base[:, 2] * 0.05,
        base[:, 3] * 1e-2,
        rng.standard_normal(n),
    ]).astype(dtype)
    W = rng.standard_normal((4, K)) * 0.8
    Z = base @ W
    if K == 2:
        y = (rng.random(n) < 1.0 / (1.0 + np.exp(-Z[:, 0]))).astype(int)
    else:
        P = np.exp(Z - Z.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        y = (P.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    return X, y


def _J(est, X, y):
    from gdlogreg._cli import objective

    return objective(est, X, y)


@pytest.fixture
def no_whitening(monkeypatch):
    """bb as it was: never whitened."""
    def off():
        monkeypatch.setattr(bb, "WHITEN_RHO", np.inf)
        monkeypatch.setattr(_batch, "WHITEN_RHO", np.inf)
    return off


@pytest.mark.parametrize("K", [2, 3])
def test_whitened_steps_take_far_fewer_iterations_to_the_same_optimum(K, no_whitening):
    X, y = _collinear(K=K)
    fast = GradientDescentLogisticRegression().fit(X, y)
    no_whitening()
    slow = GradientDescentLogisticRegression(max_iter=5000).fit(X, y)
    assert fast.converged_ and slow.converged_
    # 31 against 83 iterations (binary), 32 against 135 (3 classes)
    assert fast.n_iter_[0] * 2 <= slow.n_iter_[0], (fast.n_iter_, slow.n_iter_)
    J_fast, J_slow = _J(fast, X, y), _J(slow, X, y)
    assert abs(J_fast - J_slow) <= 1e-6 * J_slow


@pytest.mark.parametrize("scaled", [False, True])
def test_where_the_classes_nearly_separate_the_curvature_metric_still_wins(scaled, no_whitening):
    """breast cancer: most rows are classified with confidence after 20 iterations
    (ρ ≈ 0.1), where Böhning's bound is far from the Hessian; the curvature there is not:
    28 iterations against 482 (raw), 25 against 49 (standardized), the same optimum."""
    X, y = load_breast_cancer(return_X_y=True)
    if scaled:
        X = (X - X.mean(0)) / X.std(0)
    a = GradientDescentLogisticRegression().fit(X, y)
    no_whitening()
    b = GradientDescentLogisticRegression().fit(X, y)
    assert a.converged_ and b.converged_
    assert a.n_iter_[0] * 3 <= b.n_iter_[0] * 2, (a.n_iter_, b.n_iter_)
    J_a, J_b = _J(a, X, y), _J(b, X, y)
    assert abs(J_a - J_b) <= 1e-6 * J_b


def _hessian(obj, X, coef, s=None, cls=None):
    """The metric's H by hand, in standardized coordinates: Aᵀ diag(s κ) A + l2 [D² 0; 0 0],
    A = [(X - μ) D, 1], κ = Σₖ pₖ(1 - pₖ)/K (σ(1 - σ) for two classes); s normalised.
    ``cls``: class c's own diagonal block of the softmax Hessian, κ = p_c(1 - p_c)."""
    std = obj.std
    A = np.column_stack([(X - std.mean) * std.D, np.ones(len(X))])
    Z = A @ coef
    if Z.shape[1] == 1:
        p = 1.0 / (1.0 + np.exp(-Z[:, 0]))
        kappa = p * (1.0 - p)
    else:
        P = np.exp(Z - Z.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        kappa = (1.0 - (P * P).sum(axis=1)) / Z.shape[1] if cls is None else (
            P[:, cls] * (1.0 - P[:, cls]))
    s = np.ones(len(X)) if s is None else s
    H = (A * (kappa * s / s.sum())[:, None]).T @ A
    d = X.shape[1]
    H[np.arange(d), np.arange(d)] += obj.penalty.l2 * std.D**2
    return H


def test_the_metric_at_a_point_is_the_inverse_of_the_curvature_there():
    """Two classes: the Hessian of J at the point."""
    X, y = _collinear(n=500, K=2)
    obj = _objective(X, y)
    rng = np.random.default_rng(1)
    coef = rng.standard_normal(obj.coef_shape) * 0.3  # standardized coordinates
    P = obj.whitening(obj.T.to_base(coef))
    np.testing.assert_allclose(P @ _hessian(obj, X, coef), np.eye(len(P)), atol=1e-8)
    # and at a point where most rows are classified with confidence, H is not the bound
    far = coef * 30.0
    P_far = obj.whitening(obj.T.to_base(far))
    np.testing.assert_allclose(P_far @ _hessian(obj, X, far), np.eye(len(P)), atol=1e-7)
    assert not np.allclose(P_far, obj.whitening(), rtol=0.1)


def _softmax_hessian_times(obj, X, coef, V):
    """H V by hand for J's Hessian H over the K class columns, in standardized
    coordinates: Aᵀ R + l2 [D² 0; 0 0] V, Rᵢ = sᵢ (diag(pᵢ) - pᵢpᵢᵀ) (A V)ᵢ, s = 1/n."""
    std = obj.std
    A = np.column_stack([(X - std.mean) * std.D, np.ones(len(X))])
    Z = A @ coef
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    U = A @ V
    R = (P * U - P * (P * U).sum(axis=1, keepdims=True)) / len(X)
    HV = A.T @ R
    d = X.shape[1]
    HV[:d] += (obj.penalty.l2 * std.D**2)[:, None] * V[:d]
    return HV


@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_K_classes_metric_is_the_inverse_of_the_hessian_over_all_classes(scale):
    """K classes (few coordinates): the Hessian over all K class columns, its blocks
    coupled (ClassMetric), off the classes' common shifts (which the softmax ignores)."""
    X, y = _collinear(n=500, K=3)
    obj = _objective(X, y)
    rng = np.random.default_rng(1)
    coef = rng.standard_normal(obj.coef_shape) * 0.3 * scale
    P = obj.whitening(obj.T.to_base(coef))
    assert type(P).__name__ == "ClassMetric"
    for _ in range(3):
        V = rng.standard_normal(obj.coef_shape)
        V -= V.mean(axis=1, keepdims=True)  # off the shifts common to the classes
        np.testing.assert_allclose(P @ _softmax_hessian_times(obj, X, coef, V), V, atol=1e-7)
    # a shift of the weights common to the classes: only the penalty curves it, and the
    # metric's step there is 1/(l2·D² + c), c a curvature of the loss's scale (not 1/l2·D²)
    V = np.zeros(obj.coef_shape)
    V[0] = 1.0
    PHV = P @ _softmax_hessian_times(obj, X, coef, V)
    ratio = PHV[0, 0]
    np.testing.assert_allclose(PHV, ratio * V, atol=1e-9)
    assert 0.0 < ratio < 1.0
    # the mean of the class blocks is what the classes share where the take costs more
    E = np.eye(obj.coef_shape[0])[:, :3]
    assert not np.allclose(P @ E, np.linalg.solve(_hessian(obj, X, coef), E), rtol=0.1)


def _objective(X, y, **kw):
    params = dict(C=1.0, l1_ratio=0.0, fit_intercept=True) | kw
    problem = make_problem(X, np.unique(y, return_inverse=True)[1], None, len(np.unique(y)),
                           **params)
    return Objective(problem, problem.standardization)


def test_the_metric_is_the_inverse_of_the_bound_and_only_where_it_applies():
    X, y = _collinear(n=400)
    obj = _objective(X, y)
    P = obj.whitening()
    p = obj.coef_shape[0]
    H = obj.curvature_matvec(np.eye(p))  # the bound, column by column
    # the constant-free columns: P H = I (no column here is constant)
    np.testing.assert_allclose(P @ H, np.eye(p), atol=1e-8)
    assert np.all(np.linalg.eigvalsh(P) > 0)
    # an L1 part (its prox needs a diagonal map): no whitened steps; no penalty takes
    # them as C = 1e4 does (review 85: C = inf took 1.6 to 20 times the iterations)
    assert _objective(X, y, l1_ratio=0.5).whitening() is None
    assert _objective(X, y, C=np.inf).whitening() is not None


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_with_more_coordinates_than_a_quarter_of_the_rows_the_metric_is_factored_in_them(
        K, fit_intercept):
    """Wide data: H⁻¹ by Woodbury's identity in the rows (LowRankMetric), the same metric
    as the p × p inverse; at a point, and with a held (constant) column."""
    from gdlogreg._objective import LOW_RANK_ROWS, LowRankMetric

    rng = np.random.default_rng(2)
    n, d = 40, 60
    X = rng.standard_normal((n, d)) * np.logspace(-1, 2, d) + 3.0
    if fit_intercept:
        X[:, 5] = 7.0  # a constant column: held, the plain metric there
    y = rng.integers(0, K, n)
    obj = _objective(X, y, fit_intercept=fit_intercept)
    P = obj.whitening()
    assert isinstance(P, LowRankMetric)
    p = obj.coef_shape[0]
    H = obj.curvature_matvec(np.eye(p))  # the bound, column by column
    keep = np.ones(p, dtype=bool)
    if fit_intercept:
        keep[5] = False
    PH = P @ H
    np.testing.assert_allclose(PH[np.ix_(keep, keep)], np.eye(keep.sum()), atol=1e-6)
    E = np.eye(p)
    np.testing.assert_array_equal((P @ E)[~keep], E[~keep])  # held: the identity
    coef = rng.standard_normal(obj.coef_shape) * 0.3
    P = obj.whitening(obj.T.to_base(coef))
    full = coef if fit_intercept else np.vstack([coef, np.zeros((1, coef.shape[1]))])
    if K == 2:
        H = _hessian(obj, X, full)[:p, :p]  # without an intercept: its row and column left out
        np.testing.assert_allclose((P @ H)[np.ix_(keep, keep)], np.eye(keep.sum()), atol=1e-6)
    else:  # each class's own block, off the shifts common to the classes
        _check_class_blocks(obj, X, full, P, keep)
    # sparse X storing all its entries (dense in all but its format): the same metric;
    # so does a sparse X of few entries (the small copy); sparse X of more entries storing
    # fewer than half of them is never densified for it
    P_csr = _objective(sp.csr_matrix(X), y, fit_intercept=fit_intercept).whitening()
    assert isinstance(P_csr, LowRankMetric)
    np.testing.assert_allclose(P_csr @ E, obj.whitening() @ E, rtol=1e-7, atol=1e-10)  # moments
    sparse = X * (rng.random(X.shape) < 0.3)
    P_small = _objective(sp.csr_matrix(sparse), y, fit_intercept=fit_intercept).whitening()
    assert isinstance(P_small, LowRankMetric)
    wide = np.hstack([X] * 30) * (rng.random((n, 30 * d)) < 0.3)  # 72,000 entries
    assert _objective(sp.csr_matrix(wide), y, fit_intercept=fit_intercept).whitening() is None
    # more rows than LOW_RANK_ROWS: none
    n_big = LOW_RANK_ROWS + 10  # and still fewer than 4 p: the p × p metric, paid for
    big = rng.standard_normal((n_big, n_big // 3))
    obj_big = _objective(big, rng.integers(0, K, n_big), fit_intercept=fit_intercept)
    P_big = obj_big.whitening()
    p_big = obj_big.coef_shape[0]
    from gdlogreg._objective import FACTORED_FROM, FactoredMetric

    if p_big >= FACTORED_FROM:  # H's Cholesky factor (one column: J's Hessian, retaken)
        assert isinstance(P_big, FactoredMetric) and P_big.L.shape == (p_big, p_big)
        assert P_big.exact == (K == 2) and P_big.decrement
    else:
        assert isinstance(P_big, np.ndarray) and P_big.shape == (p_big, p_big)
    gap = obj_big.whitening_gap()  # RENT times its take's iterations: the first take then
    assert gap > 10 and obj_big.whitening_start(10) == gap
    # more coordinates than MAX_WHITENED (and more rows than them): the wide metric, for
    # one column once its take is paid (retakes its price apart), K classes' blocks only
    # after their price (tests/test_wide_sparse_metric.py)
    from gdlogreg._objective import FactoredMetric

    wide = rng.standard_normal((n_big, 600))
    obj_wide = _objective(wide, rng.integers(0, K, n_big), fit_intercept=fit_intercept)
    if K == 2:
        assert isinstance(obj_wide.whitening(), FactoredMetric)
        assert obj_wide.whitening_gap() == obj_wide._wide_price() > 0
    else:
        assert obj_wide.whitening() is None and obj_wide.whitening_gap() == 0


def _check_class_blocks(obj, X, full, P, keep, s=None):
    """P q = (I - Π) B⁻¹ (I - Π) q + Π diag(shift) Π q (Π: the projection on the shifts
    common to the classes, B the classes' diagonal blocks, the identity on held
    coordinates), shift = 1/(l2·D² + c), c the blocks' mean diagonal: by hand."""
    p, k = obj.coef_shape
    blocks = [_hessian(obj, X, full, s, cls=c)[:p, :p] for c in range(k)]
    lam = np.zeros(p)
    lam[: X.shape[1]] = obj.penalty.l2 * obj.std.D**2
    c = np.mean([np.trace(B) for B in blocks]) / p  # B's diagonal: the penalty's l2·D² in it
    shift = np.where(keep, 1.0 / (lam + c), 1.0)
    q = np.random.default_rng(5).standard_normal((p, k))
    m = q.mean(axis=1, keepdims=True)
    v = q - m
    for c_, B in enumerate(blocks):
        v[keep, c_] = np.linalg.solve(B[np.ix_(keep, keep)], v[keep, c_])
    v += m * shift[:, None] - v.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(P @ q, v, rtol=1e-6, atol=1e-9 * np.abs(v).max())


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_the_low_rank_metric_is_retaken_from_its_rows_gram(K, fit_intercept):
    """A retake (``previous``) shares the rows' part (A' and its Gram, n²·p) and costs n²:
    the same metric as a take from scratch, H⁻¹ at the new point; weights of 0 and 2."""
    from gdlogreg._objective import LowRankMetric

    rng = np.random.default_rng(5)
    n, d = 50, 90
    X = rng.standard_normal((n, d)) * np.logspace(-1, 2, d) + 3.0
    if fit_intercept:
        X[:, 7] = -2.0  # held: the identity there
    y = rng.integers(0, K, n)
    s = rng.choice([0.0, 1.0, 2.0], n, p=[0.1, 0.6, 0.3])
    problem = make_problem(X, y, s, K, C=0.5, l1_ratio=0.0, fit_intercept=fit_intercept)
    obj = Objective(problem, problem.standardization)
    first = obj.whitening(obj.T.to_base(rng.standard_normal(obj.coef_shape) * 0.2))
    coef = rng.standard_normal(obj.coef_shape) * 0.5
    base = obj.T.to_base(coef)
    again = obj.whitening(base, previous=first)
    fresh = obj.whitening(base)
    assert isinstance(again, LowRankMetric) and again.A is first.A and again.G is first.G
    assert fresh.A is not first.A
    Q = rng.standard_normal((obj.coef_shape[0], 3))
    np.testing.assert_allclose(again @ Q, fresh @ Q, rtol=1e-6, atol=1e-12)  # REUSE_GRAM
    full = coef if fit_intercept else np.vstack([coef, np.zeros((1, coef.shape[1]))])
    keep = np.ones(obj.coef_shape[0], dtype=bool)
    if fit_intercept:
        keep[7] = False
    rows = s > 0
    if K == 3:  # each class's own block (weights of 0 and 2 in them)
        _check_class_blocks(obj, X[rows], full, again, keep, s[rows])
        return
    H = _hessian(obj, X[rows], full, s[rows])[: len(keep), : len(keep)]
    np.testing.assert_allclose((again @ H)[np.ix_(keep, keep)], np.eye(keep.sum()), atol=1e-6)


def test_a_constant_column_keeps_the_plain_metric():
    X, y = _collinear(n=400)
    X = np.column_stack([X, np.full(len(X), 7.0)])
    P = _objective(X, y).whitening()
    c = X.shape[1] - 1
    assert P[c, c] == 1.0 and np.count_nonzero(P[c]) == 1 and np.count_nonzero(P[:, c]) == 1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_no_whitened_steps_with_a_float_learning_rate_or_an_l1_part(no_whitening):
    X, y = _collinear(n=800)
    fits = []
    for switch in (True, False):
        if not switch:
            no_whitening()
        fits.append([
            GradientDescentLogisticRegression(solver="bb", learning_rate=0.01, max_iter=60,
                                              tol=0).fit(X / 1e3, y).coef_,
            GradientDescentLogisticRegression(l1_ratio=0.5, max_iter=60, tol=0).fit(X, y).coef_,
        ])
    for a, b in zip(*fits, strict=True):
        np.testing.assert_array_equal(a, b)


def test_float32_stays_float32_and_reaches_the_float64_optimum(no_whitening):
    X, y = _collinear(dtype=np.float32)
    X64 = X.astype(np.float64)
    ref = GradientDescentLogisticRegression().fit(X64, y)
    est = GradientDescentLogisticRegression().fit(X, y)
    assert est.coef_.dtype == np.float32 and est.converged_
    J, J_ref = _J(est, X64, y), _J(ref, X64, y)
    assert abs(J - J_ref) <= 1e-6 * J_ref
    # plain float32 steps crawl here: 641 iterations (993 with numpy 1.23's OpenBLAS)
    # against 33 (64) whitened
    no_whitening()
    plain = GradientDescentLogisticRegression(max_iter=5000).fit(X, y)
    assert est.n_iter_[0] * 5 <= plain.n_iter_[0], (est.n_iter_, plain.n_iter_)


def test_a_weight_of_two_is_a_repeated_row():
    X, y = _collinear(n=600)
    w = np.ones(len(y))
    w[::3] = 2.0
    a = GradientDescentLogisticRegression().fit(X, y, sample_weight=w)
    rep = np.repeat(np.arange(len(y)), w.astype(int))
    b = GradientDescentLogisticRegression().fit(X[rep], y[rep])
    assert a.n_iter_[0] == b.n_iter_[0]
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-7)


@pytest.mark.slow
@pytest.mark.parametrize("K", [2, 3])
def test_each_column_of_the_search_keeps_its_single_fits_whitened_path(K, no_whitening):
    X, y = _collinear(n=1500, K=K)
    Cs = [0.01, 1.0, 100.0]
    search = GradientDescentLogisticRegressionCV(Cs=Cs).fit(X, y)
    folds = list(StratifiedKFold(5).split(X, y))
    for c, C in enumerate(Cs):
        for f, (train, _) in enumerate(folds):
            single = GradientDescentLogisticRegression(C=C).fit(X[train], y[train])
            curve = search.loss_curves_[c * len(folds) + f]
            assert len(curve) == len(single.loss_curve_), (C, f)
            np.testing.assert_allclose(curve, single.loss_curve_, rtol=1e-9)
    # and whitened it was: without, the search takes longer
    no_whitening()
    plain = GradientDescentLogisticRegressionCV(Cs=Cs).fit(X, y)
    assert sum(map(len, search.loss_curves_)) * 2 < sum(map(len, plain.loss_curves_))
    assert search.best_index_ == plain.best_index_


@pytest.mark.parametrize("K", [2, 3, 10])
@pytest.mark.parametrize("seed", [3, 5])
def test_a_metric_near_the_identity_costs_no_iterations(K, seed, no_whitening):
    """Gaussian features, overlapping classes: H scaled to a unit diagonal has a
    condition number near 1 (the standardization's metric). The metric is taken there
    all the same (a condition test once kept the plain steps: 445 × 9 then took 17
    iterations for 11), and costs none: its steps are Newton's near the optimum (two
    classes: 6 to 8 iterations against 8 to 9; ten: 11 against 17 to 18), to the same
    optimum."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((4000, 8))
    if K == 2:
        y = (X @ rng.standard_normal(8) * 0.5 + rng.standard_normal(4000) > 0).astype(int)
    else:
        y = np.argmax(X @ rng.standard_normal((8, K)) * 0.5 + rng.gumbel(size=(4000, K)),
                      axis=1)
    H = np.linalg.inv(_objective(X, y).whitening())
    scale = 1.0 / np.sqrt(np.diag(H))
    ev = np.linalg.eigvalsh(H * np.outer(scale, scale))
    assert ev[-1] < 3.0 * ev[0]  # near the identity: the case the test once refused
    a = GradientDescentLogisticRegression().fit(X, y)
    no_whitening()
    b = GradientDescentLogisticRegression().fit(X, y)
    assert a.converged_ and b.converged_
    assert a.n_iter_[0] <= b.n_iter_[0]
    assert abs(a.loss_curve_[-1] - b.loss_curve_[-1]) <= 1e-6 * b.loss_curve_[-1]


@pytest.mark.parametrize("weighted", [False, True])
def test_the_sparse_curvature_gram_is_the_dense_one(weighted):
    """CSR X: the Gram of the centred rows by sparse products, never densified, is the
    dense kernel's, with the row weights s and with s·ρ at a raw prediction Z."""
    import scipy.sparse as sp

    from gdlogreg._backends._array import NumpyBackend
    from gdlogreg._loss import CurvatureShare

    rng = np.random.default_rng(5)
    X = rng.standard_normal((700, 9)) * [1, 2, 3, 4, 5, 6, 7, 8, 1e3]
    X[rng.random(X.shape) < 0.6] = 0.0
    t = np.where(rng.random(700) < 0.5, 1, -1).astype(np.int8)
    s = rng.uniform(0.1, 2.0, 700) if weighted else np.ones(700)
    s = s / s.sum() if weighted else 1.0 / 700
    mu, D = X.mean(axis=0), 1.0 / X.std(axis=0)
    Z = rng.standard_normal((700, 1)) * 3.0
    dense, sparse = NumpyBackend(X, t, s), NumpyBackend(sp.csr_matrix(X), t, s)
    np.testing.assert_allclose(sparse.centred_gram(mu, D), dense.centred_gram(mu, D),
                               rtol=1e-10, atol=1e-12)
    rows = CurvatureShare(2)
    a, b = sparse.centred_gram(mu, D, rows, Z), dense.centred_gram(mu, D, rows, Z)
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    # the last row: Σ w a and Σ w, w = s·ρ
    e = np.exp(-np.abs(Z[:, 0]))
    w = s * 4.0 * e / (1.0 + e) ** 2
    np.testing.assert_allclose(b[-1, -1], w.sum(), rtol=1e-12)
    np.testing.assert_allclose(b[-1, :-1], w @ ((X - mu) * D), rtol=1e-10, atol=1e-14)


def test_in_a_grid_of_l1_ratios_each_column_keeps_its_single_fits_path():
    """The pure L2 columns of a batch with L1 columns take their whitened steps as their
    single fits do (they took the prox step's direction with the metric in BB's products
    only: 198 iterations where the single fit took 22 at C = 1); the L1 columns theirs."""
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    Cs, l1_ratios, cv = [0.1, 1.0, 10.0], [0.0, 0.5], StratifiedKFold(3)
    search = GradientDescentLogisticRegressionCV(
        Cs=Cs, l1_ratios=l1_ratios, cv=cv, tol=1e-8).fit(X, y)
    folds = list(cv.split(X, y))
    curves = iter(search.loss_curves_)  # candidate-major, in cv_results_'s order
    for params in search.cv_results_["params"]:
        for train, _ in folds:
            curve = next(curves)
            single = GradientDescentLogisticRegression(**params, tol=1e-8).fit(
                X[train], y[train])
            l1, C = params["l1_ratio"], params["C"]
            assert len(curve) == len(single.loss_curve_), (l1, C, len(curve))
            np.testing.assert_allclose(curve, single.loss_curve_, rtol=1e-9)


def _wide(n=200, d=1000, seed=4):
    from sklearn.datasets import make_classification

    X, y = make_classification(n, d, n_informative=20, random_state=seed)
    return X * np.logspace(-2, 3, d), y  # raw units from 0.01 to 1e3


def test_wide_raw_data_converges_with_the_low_rank_metric(no_whitening):
    """200 rows, 1000 raw features: plain spectral steps ran to max_iter 1.4 × J* above it;
    with the metric factored in the rows, 48 iterations."""
    X, y = _wide()
    fit = GradientDescentLogisticRegression().fit(X, y)
    assert fit.converged_ and fit.n_iter_[0] < 200, fit.n_iter_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tight = GradientDescentLogisticRegression(tol=1e-10, max_iter=5000).fit(X, y)
    J, J_star = fit.loss_curve_[-1], tight.loss_curve_[-1]
    assert (J - J_star) / J_star <= fit.tol
    no_whitening()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = GradientDescentLogisticRegression().fit(X, y)
    assert plain.n_iter_[0] > 3 * fit.n_iter_[0], (plain.n_iter_, fit.n_iter_)


@pytest.mark.parametrize("K", [2, 3])
def test_a_search_on_wide_data_keeps_each_columns_single_fit_path(K):
    X, y = _wide(n=90, d=300)
    if K == 3:
        y = np.random.default_rng(0).integers(0, 3, len(y)) * (y + 1) % 3
    cv, Cs = StratifiedKFold(3), [0.1, 10.0]
    search = GradientDescentLogisticRegressionCV(Cs=Cs, cv=cv).fit(X, y)
    for c, C in enumerate(Cs):
        for f, (train, _) in enumerate(cv.split(X, y)):
            single = GradientDescentLogisticRegression(C=C).fit(X[train], y[train])
            curve = search.loss_curves_[c * 3 + f]
            if K == 2:  # to rounding: the low-rank retake centres its Gram at each take's
                # weights, which carry the batch's rounding (1.05e-9 on numpy 1.23; 1.06e-8
                # with a retake every iteration, its cost paced)
                assert len(curve) == len(single.loss_curve_), (C, f)
                np.testing.assert_allclose(curve, single.loss_curve_, rtol=1e-7)
            else:  # K classes: the batch's products with its columns' slices round otherwise
                # from about iteration 20 on (so do the p x p metric's: review 23)
                assert search.stop_reasons_[c * 3 + f] == "converged" and single.converged_
                np.testing.assert_allclose(curve[-1], single.loss_curve_[-1], rtol=1e-5)


def _curvature_error(P, H):
    """max |λ(P H) - 1| over the eigenvalues of P H, through H's Jacobi scaling (its
    diagonal spans decades): 0 for P = H⁻¹."""
    s = 1.0 / np.sqrt(np.diag(H))
    PH = (P / s[:, None] / s[None, :]) @ (H * s[:, None] * s[None, :])
    return np.abs(np.linalg.eigvals(PH) - 1.0).max()


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_the_floor_under_the_metric_is_the_rows_share_not_the_penalty_s(fit_intercept):
    """Late in a separable fit the rows' curvature is spent (w ~ 1e-7) while the penalty
    still curves a feature of tiny units by up to c (l2·D², D ≤ √(c/l2)): a floor taken
    from H's whole mean diagonal swamped the curvature of a feature of huge units (λ down
    to 1e-14), the metric 2e-3 off there (raw pd_speech: 1,125 iterations for 353). Both
    paths: the rows' factors (wide) and the p × p inverse (tall)."""
    from gdlogreg._objective import LowRankMetric, _inverse

    rng = np.random.default_rng(3)
    n, p = 8, 40
    A = rng.standard_normal((n, p))
    lam = np.logspace(-14, np.log10(0.25), p)
    w = rng.uniform(0.5e-7, 2e-7, n)
    A1 = np.column_stack([A, np.ones(n)]) if fit_intercept else A
    H = (A1 * w[:, None]).T @ A1
    H[np.arange(p), np.arange(p)] += lam
    q = len(H)
    metric = LowRankMetric(A.copy(), lam, np.arange(p), fit_intercept, np.float64).at(w)
    assert _curvature_error(metric @ np.eye(q), H) < 1e-5  # 2.4e-3 with H's whole floor
    keep, pen = np.ones(q, dtype=bool), np.concatenate([lam, [0.0] * fit_intercept])
    assert _curvature_error(_inverse(H.copy(), keep, np.float64, pen), H) < 1e-5
    # the floor from H's whole diagonal (a penalty of 0 read as the rows')
    assert _curvature_error(_inverse(H.copy(), keep, np.float64, 0.0 * pen), H) > 1e-4


@pytest.mark.parametrize("K", [2, 3])
def test_two_classes_retake_a_low_rank_metric_as_often_as_its_cost_allows(K, monkeypatch):
    """A LowRankMetric's retake costs n² and a Cholesky of n rows (its Gram kept): two
    classes retake it every ``every`` iterations, the iterations that cost what it does
    (raw pd_speech: 203 iterations for 353), and each column of a search where its single
    fit does; K classes (the mean of H's class blocks) keep the doubling schedule."""
    from gdlogreg._objective import LowRankMetric

    rng = np.random.default_rng(4)
    n, d = 60, 400
    X = rng.standard_normal((n, d)) * np.logspace(-2, 2, d)
    y = rng.integers(0, K, n)
    assert isinstance(_objective(X, y).whitening(), LowRankMetric)
    single_takes, batch_takes = [], []
    whiten, batch_whiten = bb.BarzilaiBorwein._whiten, _batch.BatchBB._whiten

    def spy(self, objective, point):
        single_takes.append(self._k)
        whiten(self, objective, point)
        assert self._P is None or self._P.every == 1  # 60 rows, 400 columns: cheap

    def batch_spy(self, objective, point, groups):
        batch_takes.append((self._k, tuple(groups)))
        batch_whiten(self, objective, point, groups)

    monkeypatch.setattr(bb.BarzilaiBorwein, "_whiten", spy)
    monkeypatch.setattr(_batch.BatchBB, "_whiten", batch_spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # converged or not: the schedule is the point
        fit = GradientDescentLogisticRegression(C=100.0, max_iter=60).fit(X[:-3], y[:-3])
    last = fit.n_iter_[0] - 1
    if K == 2:
        assert single_takes == list(range(10, last + 1))  # every iteration from the 10th
    else:
        assert single_takes == [k for k in (10, 30, 50) if k <= last]
    folds = [(np.arange(n - 3), np.arange(n - 3, n))]  # one fold: the single fit's rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        GradientDescentLogisticRegressionCV(Cs=[100.0], cv=folds, max_iter=60,
                                            refit=False).fit(X, y)
    assert [k for k, _ in batch_takes] == single_takes


def test_a_retake_keeps_the_rows_gram_while_its_floor_is_at_most_ten_times_its_own():
    """The floor follows the rows' curvature, which falls as a separable fit goes on: a
    retake keeps the floor (and the rows' Gram, n²·p, where the floor is Λ's larger part)
    while it is at most 10 times the new one (FLOOR_SHARE), never below it; in float32 never."""
    from gdlogreg._objective import LowRankMetric

    rng = np.random.default_rng(6)
    n, p = 30, 120
    A, lam = rng.standard_normal((n, p)), np.full(p, 1e-16)  # the floor (~1e-13) decides Λ
    w = rng.uniform(0.05, 0.25, n)
    first = LowRankMetric(A.copy(), lam, np.arange(p), True, np.float64).at(w)
    lower = first.at(0.2 * w)  # its floor 5 times lower: the old one kept
    assert lower.G is first.G and lower.floor == first.floor
    much_lower = first.at(0.05 * w)  # 20 times lower: a new floor, a new Gram
    assert much_lower.G is not first.G and much_lower.floor < first.floor / 10.0
    higher = first.at(2.0 * w)  # higher: the old one would be below it
    assert higher.G is not first.G and higher.floor > first.floor
    single = LowRankMetric(A.copy(), lam, np.arange(p), True, np.dtype(np.float32)).at(w)
    assert single.at(0.9 * w).floor < single.floor  # float32: the floor is each take's


def test_wide_data_a_weight_of_two_is_a_repeated_row():
    """The factored metric's retakes are paced by the rows counted as the whitening rules
    count them: a weight of 2 gives the path of a repeated row (every = 2 both ways here,
    where the 100 distinct rows alone would give 1)."""
    rng = np.random.default_rng(8)
    n, d = 100, 600
    X = rng.standard_normal((n, d)) * np.logspace(-2, 2, d)
    y = (X[:, -5:].sum(axis=1) > 0).astype(int)
    w = np.ones(n)
    w[::2] = 2.0
    rep = np.repeat(np.arange(n), w.astype(int))
    obj = _objective(X[rep], y[rep])
    assert obj.whitening().every == 2
    a = GradientDescentLogisticRegression(C=10.0).fit(X, y, sample_weight=w)
    b = GradientDescentLogisticRegression(C=10.0).fit(X[rep], y[rep])
    assert a.n_iter_[0] == b.n_iter_[0] and a.n_iter_[0] > 20
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-7)


def _wide_raw(n=300, d=1000, K=2):
    from sklearn.datasets import make_classification

    X, y = make_classification(n, d, n_informative=20, n_classes=K, random_state=0)
    return X * np.logspace(-2, 2, d), y


def test_more_rows_than_the_few_take_the_factored_metric_once_the_iterations_paid_for_it():
    """300 rows of 1000 raw features (1e-2 to 1e2): with more rows than LOW_RANK_FEW and
    fewer than a quarter of the coordinates there was no metric, and the plain steps ran to
    max_iter 4e-3 above J*. The factored metric's first take waits until the iterations
    have cost what it does (rent or buy: the Gram and C's Cholesky, at BLAS3_RATE times the
    flop rate of an iteration's products): here at 13, for 500 rows of 500 at 27 (at 27 and
    70 while the take's flops were counted at the products' rate). The fit converges; the
    search's columns wait as their single fits do (500 × 500: the same path; an early take
    on raw units can amplify the batch's other rounding of its products, 1e-14 at the take,
    into another path: 300 × 1000 with its take at 10, 63 iterations for 57)."""
    from gdlogreg._objective import BLAS3_RATE, ITERATION_FLOPS

    X, y = _wide_raw()
    obj = _objective(X, y)
    start = obj.whitening_start(bb.WHITEN_FIRST)
    n, p = len(X), obj.coef_shape[0]
    take = (n * n * p / 2 + n**3 / 3) / BLAS3_RATE
    assert start == max(bb.WHITEN_FIRST, int(np.ceil(take / (4 * n * p + ITERATION_FLOPS))))
    assert start == 13
    assert _objective(*_wide_raw(n=500, d=500)).whitening_start(bb.WHITEN_FIRST) == 27
    assert _objective(X[:250], y[:250]).whitening_start(bb.WHITEN_FIRST) == bb.WHITEN_FIRST
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # converged: no ConvergenceWarning
        fit = GradientDescentLogisticRegression().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tight = GradientDescentLogisticRegression(tol=1e-12, max_iter=20_000).fit(X, y)
    J, J_star = _J(fit, X, y), _J(tight, X, y)
    assert fit.n_iter_[0] < 200 and (J - J_star) / J_star <= 1e-6, (fit.n_iter_, J, J_star)
    X, y = _wide_raw(n=500, d=500)
    folds = [(np.arange(len(y) - 5), np.arange(len(y) - 5, len(y)))]
    single = GradientDescentLogisticRegression().fit(X[:-5], y[:-5])
    search = GradientDescentLogisticRegressionCV(Cs=[1.0], cv=folds, refit=False).fit(X, y)
    assert len(search.loss_curves_[0]) == len(single.loss_curve_)
    np.testing.assert_allclose(search.loss_curves_[0], single.loss_curve_, rtol=1e-7)


def test_k_classes_take_the_factored_metric_when_the_take_counted_in_full_is_paid():
    """For K classes the metric is the mean of the Hessian's class blocks, not the Hessian:
    taken at the sooner start of one column (its matrix-matrix flops at BLAS3_RATE) it cost
    iterations (600 × 900 raw, 3 classes: 215 for 162). Their first take still waits for
    the Gram and the Cholesky in full against 2npK an iteration, later than two classes'."""
    from gdlogreg._objective import ITERATION_FLOPS

    X, y = _wide_raw(n=600, d=900, K=3)
    obj = _objective(X, y)
    n, (p, k) = len(X), obj.coef_shape
    assert k == 3
    full = int(np.ceil((n * n * p / 2 + n**3 / 3) / (2 * n * p * k + ITERATION_FLOPS)))
    assert obj.whitening_start(bb.WHITEN_FIRST) == full
    binary = _objective(X, (y == 0).astype(int))
    assert bb.WHITEN_FIRST <= binary.whitening_start(bb.WHITEN_FIRST) < full


def test_a_search_counts_its_columns_metrics_in_its_memory_budget(monkeypatch):
    """Each column of a search holds its own metric (factored: an n × p copy of the rows and
    two n × n arrays, 2.2 MB here against 12 kB of the batch's other arrays): the memory
    budget counts it, so a small budget runs the columns in several batches, each column
    to the optimum it reaches in one batch (the path to rounding: a batch of one column
    rounds its products otherwise, 1e-8 after the metric's take on raw units)."""
    from gdlogreg import _search
    from gdlogreg._objective import metric_bytes

    X, y = _wide_raw(n=300, d=310)
    # the rows, their Gram and C's factor, and the vectors beside them (review 53)
    assert metric_bytes(300, 311) == 8 * (300 * 311 + 2 * 300 * 300 + 2 * 311 + 300 + 1
                                          + 4 * 311 + 300)
    assert metric_bytes(4000, 20) == 16 * 20 * 20 and metric_bytes(2000, 900) == 0
    calls = []
    descend = _search.GradientDescentLogisticRegressionCV._descend

    def spy(self, *args, **kwargs):
        calls.append(len(args[3]))  # the groups of this batch
        return descend(self, *args, **kwargs)

    monkeypatch.setattr(_search.GradientDescentLogisticRegressionCV, "_descend", spy)
    kw = dict(Cs=[0.1, 1.0], cv=StratifiedKFold(2), refit=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = GradientDescentLogisticRegressionCV(**kw).fit(X, y)
        assert calls == [4]
        small = GradientDescentLogisticRegressionCV(memory_budget=120_000, **kw).fit(X, y)
    assert calls == [4, 1, 1, 1, 1]  # 5 × 300 × 8 bytes a column alone would fit 10
    assert list(one.stop_reasons_) == list(small.stop_reasons_) == ["converged"] * 4
    for a, b in zip(one.loss_curves_, small.loss_curves_, strict=True):
        np.testing.assert_allclose(a[-1], b[-1], rtol=1e-6)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_the_class_blocks_by_products_are_the_kernels(fit_intercept):
    """CSR X (no Gram kernel) takes the class blocks' H by products with X: the dense
    kernel's, to rounding, with and without an intercept, with sample weights."""
    X, y = _collinear(n=300, K=3)
    X = X * np.logspace(-1, 1, X.shape[1]) + 2.0
    sw = np.linspace(0.5, 2.0, len(y))
    coef = np.random.default_rng(0).standard_normal((X.shape[1] + fit_intercept, 3))
    bounds = []
    for data in (X, sp.csr_matrix(X)):
        problem = make_problem(data, y, sw, 3, C=0.5, l1_ratio=0.0, fit_intercept=fit_intercept)
        obj = Objective(problem, problem.standardization)
        z = obj.backend.linear(obj.T.to_base(coef), fit_intercept)
        bounds.append(obj._class_bound(np.ones(obj.coef_shape[0], bool), z)[0])
    scale = np.abs(bounds[0]).max()
    np.testing.assert_allclose(bounds[1], bounds[0], rtol=1e-10, atol=1e-12 * scale)


def _class_block_hessians(obj, X, coef, s=None):
    """Each class's diagonal block of J's Hessian by hand, in standardized coordinates:
    Aᵀ diag(s pₖ(1 - pₖ)) A + l2 [D² 0; 0 0], A = [(X - μ) D, 1], s normalised."""
    std = obj.std
    A = np.column_stack([(X - std.mean) * std.D, np.ones(len(X))])
    Z = A @ coef
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    s = np.full(len(X), 1.0 / len(X)) if s is None else s / s.sum()
    lam = np.r_[obj.penalty.l2 * std.D**2, 0.0]
    return [A.T @ (A * (s * P[:, k] * (1 - P[:, k]))[:, None]) + np.diag(lam)
            for k in range(Z.shape[1])], lam


def test_many_classes_take_their_own_diagonal_blocks(monkeypatch):
    """Where the whole pK × pK Hessian costs too much, each class's diagonal block is
    inverted alone, applied off the classes' common shifts; along them a step
    1/(l2·D² + c), c the blocks' mean diagonal."""
    X, y = _collinear(n=2000, K=6)
    obj = _objective(X, y)
    p, k = obj.coef_shape
    monkeypatch.setattr(Objective, "_class_metric_pays",
                        lambda self, spent=0, blocks=False: blocks)
    coef = np.random.default_rng(2).standard_normal((p, k)) * 0.3
    P = obj.whitening(obj.T.to_base(coef))
    assert type(P).__name__ == "ClassMetric" and not P.exact
    M = np.column_stack([np.reshape(P @ np.reshape(e, (p, k), order="F"), -1, order="F")
                         for e in np.eye(p * k)])
    blocks, lam = _class_block_hessians(obj, X, coef)
    c = np.mean([np.trace(H) for H in blocks]) / p
    Pi = np.kron(np.ones((k, k)) / k, np.eye(p))
    B = np.zeros((p * k, p * k))
    for j, H in enumerate(blocks):
        B[j * p : (j + 1) * p, j * p : (j + 1) * p] = np.linalg.inv(H)
    Q = np.eye(p * k) - Pi
    expected = Q @ B @ Q + Pi @ np.diag(np.tile(1.0 / (lam + c), k)) @ Pi
    np.testing.assert_allclose(M, expected, atol=1e-9 * np.abs(expected).max())
    np.testing.assert_allclose(M, M.T, atol=1e-12 * np.abs(M).max())


def test_ten_classes_of_digits_take_the_blocks_and_halve_the_iterations(monkeypatch):
    """Digits (10 classes, 65 coordinates: the whole Hessian costs 80 iterations' worth)
    take the classes' diagonal blocks: 33 iterations where the mean block took 81, the
    same J to tol (LogisticRegression: 32)."""
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    blocks = GradientDescentLogisticRegression().fit(X, y)
    from gdlogreg import _objective

    monkeypatch.setattr(_objective, "CLASS_TAKE", 0)
    mean = GradientDescentLogisticRegression().fit(X, y)
    assert blocks.converged_ and mean.converged_
    assert blocks.n_iter_[0] < 0.6 * mean.n_iter_[0], (blocks.n_iter_, mean.n_iter_)
    assert abs(blocks.loss_curve_[-1] - mean.loss_curve_[-1]) <= 1e-6 * mean.loss_curve_[-1]


def test_the_blocks_keep_weights_as_repeated_rows(monkeypatch):
    """Integer sample weights and repeated rows: the same path on the blocks' metric."""
    monkeypatch.setattr(Objective, "_class_metric_pays",
                        lambda self, spent=0, blocks=False: blocks)
    X, y = _collinear(n=900, K=6)
    w = np.random.default_rng(3).integers(0, 3, len(y))
    a = GradientDescentLogisticRegression(C=10.0).fit(X, y, sample_weight=w)
    b = GradientDescentLogisticRegression(C=10.0).fit(X.repeat(w, 0), y.repeat(w))
    assert a.n_iter_ == b.n_iter_
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-9)


def _middle(n=600, d=400, K=10, seed=0):
    """Raw softmax data with between n/4 and n coordinates (the p × p metric's middle)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) @ (np.eye(d) + 0.3 * rng.standard_normal((d, d)) / d**0.5)
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    X = X * rng.lognormal(0, 1.5, d) + rng.normal(0, 2, d)
    Z = Xs @ rng.standard_normal((d, K)) * (2.5 / d**0.5)
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    return X, (P.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)


def test_between_the_two_metrics_a_crawling_fit_gets_the_dense_one_paid_for(monkeypatch):
    """600 rows, 400 raw coordinates, 10 classes: more than a quarter of the rows and fewer
    than them, more than LOW_RANK_FEW rows, so neither metric applied, and the plain steps
    ran to max_iter 3e-4 above J* (C = 100). The p × p metric is taken there once the
    iterations have cost RENT times a take, and each later take as long after the last."""
    X, y = _middle()
    obj = _objective(X, y, C=100.0)
    gap = obj.whitening_gap()
    assert obj._middle_applies() and gap > bb.WHITEN_FIRST
    takes = []
    real = bb.BarzilaiBorwein._whiten
    monkeypatch.setattr(bb.BarzilaiBorwein, "_whiten",
                        lambda self, o, point: takes.append(self._k) or real(self, o, point))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # converged: no ConvergenceWarning
        model = GradientDescentLogisticRegression(C=100.0).fit(X, y)
    assert model.n_iter_[0] < 400
    assert takes and takes[0] >= gap and np.all(np.diff(takes) >= gap)


def test_between_the_two_metrics_a_weight_of_two_is_a_repeated_row():
    """The middle's spacing counts rows as the whitening rules do: a weight of 2 is a
    repeated row, the same path (scikit-learn's sample-weight equivalence)."""
    X, y = _middle(n=300, d=200, K=3, seed=1)
    w = np.ones(len(y))
    w[:40] = 2.0
    Xr, yr = np.vstack([X, X[:40]]), np.concatenate([y, y[:40]])
    assert _objective(X, y).whitening_gap() == _objective(Xr, yr).whitening_gap() > 0
    a = GradientDescentLogisticRegression(C=10.0).fit(X, y, sample_weight=w)
    b = GradientDescentLogisticRegression(C=10.0).fit(Xr, yr)
    assert a.n_iter_[0] == b.n_iter_[0]
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-9)


def test_between_the_two_metrics_the_search_follows_its_single_fits():
    """BatchBB spaces each group's takes as its single fit does (its ``_gap``)."""
    X, y = _middle(n=400, d=200, K=3, seed=2)
    folds = list(StratifiedKFold(3).split(X, y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = GradientDescentLogisticRegressionCV(Cs=[1.0, 100.0], cv=folds).fit(X, y)
    for f, (train, _) in enumerate(folds):
        for c, C in enumerate([1.0, 100.0]):
            single = GradientDescentLogisticRegression(C=C).fit(X[train], y[train])
            curve = search.loss_curves_[c * len(folds) + f]
            assert len(curve) == len(single.loss_curve_)
            np.testing.assert_allclose(curve, single.loss_curve_, rtol=1e-9)


def test_a_class_of_no_curvature_anywhere_falls_back_to_the_blocks_mean():
    """Wide data, 3 classes, one whose probability underflows to 0 on every row (its
    intercept 1e3 below): its block has Σ w = 0 and no intercept elimination; the metric
    is the blocks' mean then, not none (review 53)."""
    from gdlogreg._objective import LowRankMetric

    rng = np.random.default_rng(7)
    X = rng.standard_normal((40, 60))
    y = rng.integers(0, 3, 40)
    obj = _objective(X, y)
    coef = np.zeros(obj.coef_shape)
    coef[-1, 2] = -1e3
    base = obj.T.to_base(coef)
    P = obj.whitening(base)
    assert isinstance(P, LowRankMetric) and P.shift is None  # the mean, not the blocks
    coef[-1, 2] = -1.0  # the blocks where every class has some curvature
    assert obj.whitening(obj.T.to_base(coef)).shift is not None


@pytest.mark.parametrize("search", [False, True])
def test_lbfgs_keeps_the_blocks_mean_in_the_factored_metric_of_k_classes(search):
    """L-BFGS's H₀ on the factored metric's per-class blocks: at C = 1e9 on 100 raw rows of
    200 features and 3 classes, 2000 iterations unconverged where the blocks' mean took 199
    (tissue: 1891 for 100); bb keeps them (147 for 192). The search's L-BFGS columns too.
    (Near C = inf L-BFGS's path here is rounding's: numpy 1.23 runs to max_iter on the mean
    too, so the iterations are not pinned.)"""
    X, y = _middle(n=100, d=200, K=3, seed=0)
    taken = []
    real = Objective._low_rank_metric

    def spy(self, *a, **kw):
        P = real(self, *a, **kw)
        taken.append(getattr(P, "shift", None) is not None)
        return P

    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        mp.setattr(Objective, "_low_rank_metric", spy)
        warnings.simplefilter("ignore")
        if search:
            GradientDescentLogisticRegressionCV(Cs=[1e9], cv=3, solver="lbfgs").fit(X, y)
        else:
            GradientDescentLogisticRegression(C=1e9, solver="lbfgs").fit(X, y)
        assert taken and not any(taken)
        taken.clear()
        GradientDescentLogisticRegression(C=1e9).fit(X, y)  # bb: the blocks
        assert any(taken)


def _skewed_classes(seed, n=200, p=5, K=4):
    """Raw features of scales e^±2 and K classes of very different sizes (softmax labels)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * np.exp(rng.uniform(-2, 2, p))
    Z = X @ rng.standard_normal((p, K)) * 3 / np.sqrt(p)
    Z += np.log(rng.dirichlet(np.ones(K) * 0.3) + 1e-3)
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    return X, (P.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)


def test_the_first_step_in_a_new_metric_lowers_j(monkeypatch):
    """A metric's first step (from t = 1) is searched against J where it was taken, not
    against the non-monotone window of the steps before it: with that window J rose from
    0.35 to 0.54 at the take of iteration 10 here (and from 0.14 to 1.8 relative on
    nycflights13's 16 carriers, then 80 iterations of steps near 1e-4)."""
    X, y = _skewed_classes(58)
    takes, real = [], bb.BarzilaiBorwein._whiten

    def spy(self, objective, point):
        before = self._P
        real(self, objective, point)
        if self._P is not before:
            takes.append(self._k)

    monkeypatch.setattr(bb.BarzilaiBorwein, "_whiten", spy)
    est = GradientDescentLogisticRegression(C=10.0).fit(X, y)
    J = est.loss_curve_
    assert takes
    for k in takes:
        assert k + 1 >= len(J) or J[k + 1] <= J[k], (k, J[k], J[k + 1])
    # the search's columns restart their windows as the single fits do
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    cv = GradientDescentLogisticRegressionCV(Cs=[10.0], cv=folds).fit(X, y)
    for i, (train, _) in enumerate(folds):
        single = GradientDescentLogisticRegression(C=10.0).fit(X[train], y[train])
        assert len(cv.loss_curves_[i]) == len(single.loss_curve_)
        np.testing.assert_allclose(cv.loss_curves_[i], single.loss_curve_, rtol=1e-9)


def _iris_J(model, X, y, C):
    Z = X @ model.coef_.T + model.intercept_
    loss = np.logaddexp.reduce(Z, axis=1) - Z[np.arange(len(y)), y]
    return loss.mean() + 0.5 * np.sum(model.coef_**2) / (C * len(y))


def test_a_plateau_stop_is_refused_by_the_newton_decrement(verdicts, monkeypatch):
    """Raw iris at C = 1e6: the gradient tests pass on a plateau 2.8e-5 above J*; the
    Newton decrement in a metric taken again there refuses the stop, and the fit ends
    within tol/10 of J* (without the confirmation: above tol)."""
    monkeypatch.setattr(_solver, "FALL_SHARE_FLOAT64", math.inf)  # the decrement alone (review 190)
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    ref = LogisticRegression(C=1e6, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    Jstar = _iris_J(ref, X, y, 1e6)
    model = GradientDescentLogisticRegression(C=1e6).fit(X, y)
    assert model.converged_ and verdicts and not all(verdicts) and verdicts[-1]
    assert (_iris_J(model, X, y, 1e6) - Jstar) / Jstar < 0.1 * model.tol
    # no confirmation: the plateau's stop (nor the Newton step of conjugate gradients
    # asked where no metric confirms, which sees the plateau too)
    monkeypatch.setattr(bb.BarzilaiBorwein, "confirms", lambda *a, **k: None)
    monkeypatch.setattr(_solver.Monitor, "_diagonal_falls", lambda *a, **k: False)
    early = GradientDescentLogisticRegression(C=1e6).fit(X, y)
    assert early.n_iter_[0] < model.n_iter_[0]
    assert (_iris_J(early, X, y, 1e6) - Jstar) / Jstar > model.tol


def test_the_search_confirms_its_columns_stops_as_their_single_fits():
    """The batch's columns ask the Newton decrement as their single fits do: the same
    iterations (raw iris at C = 1e5, where a fold's stop is refused once)."""
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    search = GradientDescentLogisticRegressionCV(Cs=[1e5], cv=folds).fit(X, y)
    for f, (train, _) in enumerate(folds):
        single = GradientDescentLogisticRegression(C=1e5).fit(X[train], y[train])
        assert len(search.loss_curves_[f]) == len(single.loss_curve_), f
        np.testing.assert_allclose(search.loss_curves_[f], single.loss_curve_, rtol=1e-6)


def test_float32_fits_are_not_asked_the_newton_decrement(monkeypatch):
    """In float32 the gradient's rounding, weighed by the metric, would read as distance
    to J*: the gradient tests decide alone there."""
    monkeypatch.setattr(_solver, "FALL_SHARE_FLOAT64", math.inf)  # the decrement alone (review 190)
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    asked = []
    monkeypatch.setattr(bb.BarzilaiBorwein, "confirms",
                        lambda self, *a: asked.append(a) or True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # float32 runs to max_iter at C = 1e6 here
        GradientDescentLogisticRegression(C=1e6).fit(X.astype(np.float32), y)
    assert not asked
    GradientDescentLogisticRegression(C=1e6).fit(X, y)
    assert asked


def test_a_metric_no_step_lowers_j_along_is_dropped_in_single_fits_and_the_search(monkeypatch):
    """A metric 1e30 times too long (as a far warm start's, whose rows have no curvature
    left): no λ down to 1e-10 lowers J along it. The fit dropped it and goes on in plain
    steps (it stopped "stalled" at the take before), converging to the optimum; the
    search's columns take the same path."""
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    real = Objective.whitening

    def too_long(self, *args, **kwargs):
        P = real(self, *args, **kwargs)
        return None if P is None else P * 1e30

    monkeypatch.setattr(Objective, "whitening", too_long)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    search = GradientDescentLogisticRegressionCV(Cs=[1.0], cv=folds).fit(X, y)
    monkeypatch.setattr(Objective, "whitening", real)
    for f, (train, _) in enumerate(folds):
        ref = GradientDescentLogisticRegression(tol=1e-10).fit(X[train], y[train])
        monkeypatch.setattr(Objective, "whitening", too_long)
        single = GradientDescentLogisticRegression().fit(X[train], y[train])
        monkeypatch.setattr(Objective, "whitening", real)
        assert single.stop_reason_ == "converged" and search.stop_reasons_[f] == "converged"
        assert single.loss_curve_[-1] <= ref.loss_curve_[-1] * (1 + 1e-5)
        assert len(search.loss_curves_[f]) == len(single.loss_curve_)
        np.testing.assert_allclose(search.loss_curves_[f], single.loss_curve_, rtol=1e-9)


def _fallen_steps(monkeypatch):
    """[(iteration, step, iterations since the last take, took)] of every bb update."""
    rows, update, whiten = [], bb.BarzilaiBorwein.update, bb.BarzilaiBorwein._whiten
    took = []

    def spy_update(self, objective, point):
        took.clear()
        held, step, since = self._P is not None, self.step, self._k - self._taken
        out = update(self, objective, point)
        rows.append((self._k, held, step, since, bool(took)))
        return out

    def spy_whiten(self, objective, point):
        took.append(True)
        return whiten(self, objective, point)

    monkeypatch.setattr(bb.BarzilaiBorwein, "update", spy_update)
    monkeypatch.setattr(bb.BarzilaiBorwein, "_whiten", spy_whiten)
    return rows


def test_a_step_fallen_to_a_quarter_in_the_metric_retakes_it(monkeypatch):
    # Nearly separable rows: those certain where H was taken add no curvature to it and
    # curve J once the steps move them; the spectral step in the metric falls below 1/4.
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=300, n_features=80, n_informative=40, class_sep=1.5,
                               flip_y=0.01, random_state=5)
    rows = _fallen_steps(monkeypatch)
    est = GradientDescentLogisticRegression(C=100.0).fit(X, y)
    assert est.converged_
    fallen = [r for r in rows if r[1] and r[2] <= 1.0 / bb.STALE and r[3] >= bb.STALE_GAP]
    assert fallen, "the steps never fell to a quarter in the metric: the test sees nothing"
    assert fallen[0][4]  # the first fall retakes it (later ones back off)
    n_new = est.n_iter_[0]
    # without the fall's retake (the steps' growth to STALE alone), more iterations
    stale = bb.stale_metric
    monkeypatch.setattr(bb, "stale_metric", lambda *a: stale(*a[:6], 2))
    n_old = GradientDescentLogisticRegression(C=100.0).fit(X, y).n_iter_[0]
    assert n_new < n_old
    assert stale(True, 0.25, 5, True)
    assert not stale(True, 0.25, 4, True)
    assert not stale(True, 0.3, 9, True)
    assert not stale(True, 0.1, 9, True, columns=3)  # K classes: growth only
    # after a fall's take, the next waits twice as long (review 141)
    assert not stale(True, 0.2, 9, True, falls=1) and stale(True, 0.2, 10, True, falls=1)
    assert stale(True, 4.0, 5, True, falls=3)  # (not a growth's)
    assert stale(True, 4.0, 9, True, columns=3)


def _nearly_separable_classes(seed, k=10, p=60, n=1200):
    """~480 rows of positive weight (60 % of the rows weigh 0), k classes of p correlated
    features that nearly separate them (review 141)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.5 * rng.standard_normal((n, 1))
    Z = X @ rng.standard_normal((p, k)) * 2 / np.sqrt(p)
    y = np.argmax(Z + rng.gumbel(size=Z.shape), 1)
    s = np.where(rng.random(n) < 0.6, 0.0, rng.uniform(0.5, 2, n))
    return X, y, s


def test_whole_class_hessian_reaches_past_one_columns_limit():
    """K·p up to the wide metric's MAX_WIDE_WHITENED and twice the rows: its application
    (two triangular solves) costs at most an iteration's products."""
    from gdlogreg import _objective

    assert _objective.whole_class_metric(610, 480)
    assert _objective.whole_class_metric(_objective.MAX_WIDE_WHITENED, 1024)
    assert not _objective.whole_class_metric(_objective.MAX_WIDE_WHITENED + 1, 10**6)
    assert not _objective.whole_class_metric(610, 300)
    # sparse X builds it by products with X: one column's limit there (review 142)
    assert not _objective.whole_class_metric(610, 480, sparse=True)
    assert _objective.whole_class_metric(_objective.MAX_WHITENED, 10, sparse=True)
    # the search's memory budget counts it where it may be held
    assert _objective.metric_bytes(1200, 61, 10) >= 16 * 610**2


@pytest.mark.parametrize("seed", [0, 6, 9])
def test_nearly_separable_ten_classes_buy_their_whole_hessian(seed):
    """10 classes × 61 coordinates, above MAX_WHITENED: the class blocks alone (their
    coupling, -Σ s pₖpₗ, left out, which nearly separated rows make most of H) ran seed 0
    to max_iter 1.1e-4 above J*, and stopped seeds 6 and 9 'converged' 1.5e-6 and 4.3e-6
    above J* (the blocks' ½ gᵀP g read λ² = 1.8e-7 as 3.5e-10). Once the iterations have
    paid for it the whole Hessian is taken: converged, within the promise."""
    from sklearn.linear_model import LogisticRegression

    X, y, s = _nearly_separable_classes(seed)
    C = 1e4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = GradientDescentLogisticRegression(C=C).fit(X, y, sample_weight=s)
    assert model.converged_
    live = s > 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-14, max_iter=1000).fit(
            X[live], y[live], sample_weight=s[live])
    from scipy.special import logsumexp

    def J(coef, intercept):
        Z = X[live] @ coef.T + intercept
        ll = logsumexp(Z, axis=1) - Z[np.arange(live.sum()), y[live]]
        return (s[live] @ ll + np.sum(coef**2) / (2 * C)) / s[live].sum()

    Jm, Jr = J(model.coef_, model.intercept_), J(ref.coef_, ref.intercept_)
    assert (Jm - min(Jm, Jr)) / min(Jm, Jr) <= 1e-6
