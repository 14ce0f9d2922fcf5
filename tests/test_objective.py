"""The fast numpy objectives against the generic one, term by term.

:class:`~gdlogreg._binary.BinaryObjective` and
:class:`~gdlogreg._multinomial.MultinomialObjective` compute J in chunks,
in place and in other layouts; :class:`~gdlogreg._objective.LogisticObjective`
is the plain formula. They must agree on every quantity the solver uses,
including at raw predictions so large that exp overflows.
"""

import gc
import warnings
import weakref

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from gdlogreg import _binary
from gdlogreg._binary import BinaryObjective
from gdlogreg._multinomial import MultinomialObjective
from gdlogreg._objective import LogisticObjective, make_objective


def _data(n, d, n_classes, fmt, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.3)
    y = rng.integers(0, n_classes, n)
    X = X.astype(dtype)
    if fmt != "dense":
        X = getattr(sp, f"{fmt}_matrix")(X)
    return X, y


def _rtol(dtype):
    return 2e-5 if dtype == np.float32 else 1e-11


@pytest.fixture
def small_chunks(monkeypatch):
    # Several chunks, the last one partial, on a small data set.
    monkeypatch.setattr(_binary, "CHUNK", 37)


# Line searches: (λ, in_place) of each trial, the last one accepted. An
# in-place trial moves z and turns X @ d into the residual; a later trial
# must undo that.
LINE_SEARCHES = [
    ((1.0, False), (0.25, False)),
    ((1.0, True), (0.25, False)),
    ((1.0, True),),
    ((0.5, True), (0.25, True)),
]


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("trials", LINE_SEARCHES)
def test_binary_objective_matches_the_formula(small_chunks, fmt, dtype, weighted, trials):
    X, y = _data(200, 7, 2, fmt, dtype)
    rng = np.random.default_rng(1)
    sw = rng.random(200) * 3 if weighted else None
    kw = dict(C=0.7, l1_ratio=0.0, fit_intercept=True)
    fast = BinaryObjective(X, y == 1, sw, **kw)
    ref = LogisticObjective(X, y.astype(dtype), sw, 2, **kw)
    coef = rng.standard_normal((1, 8)).astype(dtype)
    d = rng.standard_normal((1, 8)).astype(dtype)
    rtol = _rtol(dtype)

    z = fast.raw_prediction(coef)
    np.testing.assert_allclose(z, ref.raw_prediction(coef), rtol=rtol, atol=rtol)
    loss, r = fast.loss_residual(z)
    loss_ref, r_ref = ref.loss_residual(z)
    assert loss == pytest.approx(loss_ref, rel=rtol)
    assert fast.loss(z) == pytest.approx(loss_ref, rel=rtol)
    np.testing.assert_allclose(r, r_ref, rtol=rtol, atol=rtol * np.abs(r_ref).max())
    np.testing.assert_allclose(fast.residual(z), r_ref, rtol=rtol, atol=rtol * np.abs(r_ref).max())
    assert r.dtype == dtype
    np.testing.assert_allclose(
        fast.gradient(r, coef), ref.gradient(r_ref, coef), rtol=10 * rtol, atol=10 * rtol
    )
    # Constant-step descent: the residual over z, whose memory the next z reuses.
    z_spent = fast.raw_prediction(coef)
    J_fast, grad_fast = fast.value_gradient(z_spent, coef)
    assert J_fast == pytest.approx(loss_ref + ref.penalty(coef), rel=rtol)
    np.testing.assert_allclose(
        grad_fast, ref.gradient(r_ref, coef), rtol=10 * rtol, atol=10 * rtol
    )
    z_next = fast.raw_prediction(coef + d)
    assert np.shares_memory(z_next, z_spent)
    np.testing.assert_allclose(z_next, ref.raw_prediction(coef + d), rtol=rtol, atol=rtol)
    # a residual written after r does not stand in for r's own X.T @ r
    fast.loss_residual(z_next)
    np.testing.assert_allclose(
        fast.gradient(r, coef), ref.gradient(r_ref, coef), rtol=10 * rtol, atol=10 * rtol
    )

    # A line search; z moves in place.
    Xd = fast.direction_product(d, at=coef)
    Xd_ref = ref.raw_prediction(d)
    np.testing.assert_allclose(Xd, Xd_ref, rtol=rtol, atol=rtol)
    z_start = z.copy()
    for lam, in_place in trials:
        assert fast.trial_loss(z, Xd, lam, in_place=in_place) == pytest.approx(
            ref.loss(z_start + lam * Xd_ref), rel=10 * rtol
        )
    lam = trials[-1][0]
    z_ref = ref.raw_prediction(coef + lam * d)
    z_new, r_new = fast.advance(z, Xd, lam)
    np.testing.assert_allclose(z_new, z_ref, rtol=10 * rtol, atol=10 * rtol)
    _, r_ref = ref.loss_residual(z_ref)
    np.testing.assert_allclose(r_new, r_ref, rtol=10 * rtol, atol=10 * rtol * np.abs(r_ref).max())
    grad_ref = ref.gradient(r_ref, coef + lam * d)
    # CSR sums X.T @ r while it writes r: the same gradient, and again from r
    for _ in range(2):
        np.testing.assert_allclose(
            fast.gradient(r_new, coef + lam * d), grad_ref, rtol=100 * rtol, atol=100 * rtol
        )


@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_refused_in_place_trial_restores_z_exactly(fmt):
    """A far too long first trial, refused, then a tiny step: z as if never moved.

    Moving z to z + X d and back would leave the rounding of z + X d in z,
    here 1e5 times z's own; z is formed again from the parameters instead.
    """
    X, y = _data(2000, 5, 2, fmt, np.float32, seed=4)
    rng = np.random.default_rng(0)
    fast = BinaryObjective(X, y == 1, None, C=1.0, l1_ratio=0.0, fit_intercept=True)
    coef = rng.standard_normal((1, 6)).astype(np.float32)
    d = (1e6 * rng.standard_normal((1, 6))).astype(np.float32)
    z = fast.raw_prediction(coef)
    Xd = fast.direction_product(d, at=coef)
    fast.trial_loss(z, Xd, 1.0, in_place=True)  # refused
    lam = 2.0**-20
    fast.trial_loss(z, Xd, lam)
    z, _ = fast.advance(z, Xd, lam)
    exact = (X @ (coef[0, :5].astype(float) + lam * d[0, :5]) + coef[0, 5] + lam * d[0, 5])
    np.testing.assert_allclose(z, exact, rtol=0, atol=1e-5 * np.abs(exact).max())


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_csr_residual_is_not_kept_alive_after_its_gradient(fit_intercept):
    """The record of X.T @ r summed during a residual pass lets r go once used.

    Holding on to it cost one more vector of length n for the whole fit.
    """
    X, y = _data(300, 6, 2, "csr", np.float64)
    fast = BinaryObjective(X, y == 1, None, C=1.0, l1_ratio=0.0, fit_intercept=fit_intercept)
    coef = np.full((1, 7 if fit_intercept else 6), 0.1)
    _, r = fast.loss_residual(fast.raw_prediction(coef))
    fast.gradient(r, coef)
    alive = weakref.ref(r)
    del r
    gc.collect()
    assert alive() is None


def test_in_place_trial_left_pending_is_undone_by_the_next_direction():
    X, y = _data(200, 5, 2, "csr", np.float64)
    fast = BinaryObjective(X, y == 1, None, C=1.0, l1_ratio=0.0, fit_intercept=True)
    rng = np.random.default_rng(5)
    coef, d = rng.standard_normal((2, 1, 6))
    z = fast.raw_prediction(coef)
    expected = z.copy()
    Xd = fast.direction_product(d, at=coef)
    fast.trial_loss(z, Xd, 1.0, in_place=True)  # z moved, X @ d spent
    with pytest.raises(ValueError, match="move=True"):
        fast._pass(z, Xd, 0.5, r_out=np.empty_like(z))
    fast.direction_product(-d, at=coef)  # a new direction: the trial is undone
    np.testing.assert_allclose(z, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("in_place", [False, True])
def test_binary_objective_at_huge_raw_predictions(small_chunks, dtype, in_place):
    """|z| far beyond exp's range: the loss is exact and nothing is nan."""
    big = 1e300 if dtype == np.float64 else 1e30
    n = 100
    X = np.ones((n, 1), dtype=dtype)
    y = np.arange(n) % 2 == 0
    fast = BinaryObjective(X, y, None, C=1.0, l1_ratio=0.0, fit_intercept=False)
    z = np.tile(np.array([big, -big, 800.0, -800.0, 0.0], dtype=dtype), n // 5)
    # L = log(1 + e^z) - y z: the wrongly classified rows cost |z|
    ref = np.where(y, np.logaddexp(0, z.astype(float)) - z, np.logaddexp(0, z.astype(float)))
    loss, r = fast.loss_residual(z)
    assert np.isfinite(loss) and np.all(np.isfinite(r))
    assert loss == pytest.approx(ref.mean(), rel=1e-6)
    np.testing.assert_allclose(fast.residual(z), r, atol=1e-12)
    # the same point as a trial step from z = 0 along Xd = z, and moved to
    zero = np.zeros(n, dtype=dtype)
    Xd = fast.direction_product(np.ones((1, 1), dtype=dtype))
    Xd[:] = z  # as if X @ d were z
    loss = fast.trial_loss(zero, Xd, 1.0, in_place=in_place)
    assert loss == pytest.approx(ref.mean(), rel=1e-6)
    moved, r_moved = fast.advance(zero, Xd, 1.0)
    np.testing.assert_array_equal(moved, z)
    np.testing.assert_allclose(r_moved, r, atol=1e-12)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("weighted", [False, True])
def test_multinomial_objective_matches_the_formula(fmt, weighted):
    X, y = _data(150, 6, 4, fmt, np.float64)
    rng = np.random.default_rng(2)
    sw = rng.random(150) * 2 if weighted else None
    kw = dict(C=0.5, l1_ratio=0.0, fit_intercept=True)
    fast = MultinomialObjective(X, y, sw, 4, **kw)
    ref = LogisticObjective(X, y, sw, 4, **kw)
    coef = rng.standard_normal((4, 7))
    d = rng.standard_normal((4, 7))
    # class-major (K, n) against row-major (n, K)
    Z = fast.raw_prediction(coef)
    np.testing.assert_allclose(Z.T, ref.raw_prediction(coef), rtol=1e-12, atol=1e-12)
    loss, R = fast.loss_residual(Z)
    loss_ref, R_ref = ref.loss_residual(Z.T)
    assert loss == pytest.approx(loss_ref, rel=1e-12)
    np.testing.assert_allclose(R.T, R_ref, atol=1e-15)
    np.testing.assert_allclose(fast.gradient(R, coef), ref.gradient(R_ref, coef), atol=1e-13)
    Xd = fast.direction_product(d)
    assert fast.trial_loss(Z, Xd, 0.5) == pytest.approx(
        ref.loss(ref.raw_prediction(coef + 0.5 * d)), rel=1e-12
    )
    Z_new, R_new = fast.advance(Z, Xd, 0.5)
    np.testing.assert_allclose(Z_new.T, ref.raw_prediction(coef + 0.5 * d), atol=1e-12)
    np.testing.assert_allclose(R_new.T, ref.loss_residual(Z_new.T)[1], atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("margin", [10.0, 40.0, 60.0, 86.0, 300.0, 705.0, 1e3, 1e30])
def test_multinomial_loss_and_residual_for_rows_misclassified_by_far(dtype, margin):
    # Rows are shifted by the score of their own class; where a wrong class is
    # so far ahead that s / Σ exp(z_k - z_y) would lose precision (past
    # exp(44), exp(354) in float64) or exp overflows, by their maximum. Row 0
    # has a small weight (its residual is the first to lose digits), row 1 a
    # zero weight (0·inf must not reach the loss, nor warn).
    X, y = _data(40, 3, 3, "dense", dtype)
    sw = np.ones(40)
    sw[0], sw[1] = 1e-3, 0.0
    kw = dict(C=1.0, l1_ratio=0.0, fit_intercept=True)
    fast = MultinomialObjective(X, y, sw, 3, **kw)
    ref = LogisticObjective(X.astype(np.float64), y, sw, 3, **kw)
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((3, 40))
    Z[(y[0] + 1) % 3, 0] = margin
    Z[(y[1] + 1) % 3, 1] = margin
    Z = Z.astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, R = fast.loss_residual(Z)
    loss_ref, R_ref = ref.loss_residual(Z.T.astype(np.float64))
    assert loss == pytest.approx(loss_ref, rel=1e-6 if dtype == np.float32 else 1e-12)
    # the residual per unit of weight: softmax(z) - onehot(y)
    s = sw / sw.sum()
    kept = s > 0
    np.testing.assert_allclose(
        R.T[kept] / s[kept, None],
        R_ref[kept] / s[kept, None],
        atol=2e-6 if dtype == np.float32 else 1e-13,
    )
    assert np.all(R[:, ~kept] == 0)


def test_make_objective_picks_the_backend():
    X, y = _data(30, 3, 3, "dense", np.float64)
    kw = dict(C=1.0, l1_ratio=0.0, fit_intercept=True)
    assert isinstance(make_objective(X, y == 1, None, 2, **kw), BinaryObjective)
    assert isinstance(make_objective(sp.csr_matrix(X), y, None, 3, **kw), MultinomialObjective)


def test_equal_weights_are_one_number():
    """No weight vector of length n is kept when all weights are equal."""
    X, y = _data(1000, 3, 2, "csr", np.float64)
    fast = BinaryObjective(X, y == 1, None, C=1.0, l1_ratio=0.0, fit_intercept=True)
    assert fast.sw is None and fast._sign.dtype == np.int8
    weighted = BinaryObjective(X, y == 1, np.full(1000, 3.0), C=1.0, l1_ratio=0.0,
                               fit_intercept=True)
    z = np.linspace(-3, 3, 1000)
    assert fast.loss(z) == pytest.approx(weighted.loss(z), rel=1e-13)
    assert fast.sw_sum * 3 == pytest.approx(weighted.sw_sum)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_penalty_gap_is_the_gap_along_a_flat_direction(n_classes):
    """Along a direction where only the penalty curves J, penalty_gap is exact.

    With a column repeated at twice the scale, moving weight δ·(2, -1)
    between the two copies leaves X w unchanged: J - J* is then the
    penalty's ½ l2_reg δ² ‖v‖² alone, and the gradient there is l2_reg δ v.
    """
    rng = np.random.default_rng(3)
    X = rng.standard_normal((300, 4))
    X = np.column_stack([X, 0.5 * X[:, 0]])
    y = rng.integers(0, n_classes, 300)
    obj = make_objective(X, y, None, n_classes, C=0.3, l1_ratio=0.0, fit_intercept=True)
    std = obj.standardized()
    ref = LogisticRegression(C=0.3, tol=1e-12, max_iter=10_000).fit(X, y)
    w = ref.coef_ if n_classes > 2 else ref.coef_[:1]
    best = np.column_stack([w, ref.intercept_[: w.shape[0]]])

    def J(coef):
        return obj.loss(obj.raw_prediction(coef)) + obj.penalty(coef)

    v = np.zeros_like(best)
    v[:, 0], v[:, 4] = 1.0, -2.0  # X v = 0
    for delta in (0.5, 2.0):
        coef = best + delta * v
        z = obj.raw_prediction(coef)
        grad = obj.gradient(obj.residual(z), coef)
        bound = std.penalty_gap(std.grad_from_base(grad))
        assert bound == pytest.approx(J(coef) - J(best), rel=1e-6)
        assert bound == pytest.approx(0.5 * obj.l2_reg * delta**2 * np.sum(v * v), rel=1e-6)
    # not defined without an L2 penalty: the test is then off
    l1 = make_objective(X, y, None, n_classes, C=0.3, l1_ratio=0.5, fit_intercept=True)
    assert l1.standardized().penalty_gap(grad) == np.inf
