"""Without a penalty, an iterate that classifies every row is scaled to the separated stop.

Along its own ray J(λw, λb) falls to 0 as λ grows; J there is O(n) from λz. The fit asks
on a schedule (iteration 1, then k + max(3, k // 8)) whether J at λ = 2^16 passes the
separated test and, where it does, bisects in log λ towards the least λ that passes, takes
the step w, b := λw, λb and stops "separated" (gdlogreg._solver.scale_to_stop).
"""

import math
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV, _solver
from gdlogreg._solver import SCALE_BISECTIONS, SCALE_POWERS, scale_to_stop


def _fit(X, y, sample_weight=None, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GradientDescentLogisticRegression(C=np.inf, **params).fit(X, y, sample_weight)


def test_scale_to_stop_asks_the_top_then_bisects():
    """J(λ) = exp(-λ) passes J <= 1e-3 from λ = ln 1000 = 6.91: found at Λ = 2^16 and
    narrowed to within 2^(16/256) above 6.91 by bisections in log λ; a J that rises on the
    ray ((λ - 3)², past its minimum at 3) and one that passes only past Λ (100/λ) are
    refused by the one pass at Λ. Entries are independent."""
    calls = []

    def values(lam):
        calls.append(lam.copy())
        return np.array([math.exp(-lam[0]), (lam[1] - 3.0) ** 2, 100.0 / lam[2]])

    lam, J = scale_to_stop(values, lambda J: J <= 1e-3, [1.0, 4.0, 100.0])
    least = math.log(1000.0)
    assert least <= lam[0] <= least * 2 ** (SCALE_POWERS / 2**SCALE_BISECTIONS)
    assert J[0] == pytest.approx(math.exp(-lam[0])) and J[0] <= 1e-3
    assert lam[1] == 0.0 and lam[2] == 0.0 and (J[1:] == [4.0, 100.0]).all()
    assert len(calls) == 1 + SCALE_BISECTIONS and (calls[0] == 2.0**SCALE_POWERS).all()
    calls.clear()
    lam, _ = scale_to_stop(values, lambda J: J < 0.0, [1.0, 4.0, 100.0])
    assert (lam == 0.0).all() and len(calls) == 1  # none passes at Λ: one pass


def test_a_separating_iterate_is_scaled_and_the_fit_stops_separated():
    """Breast cancer at C = inf: 39 iterations (52 without the scaling), the last one w,
    b := λ·(w, b) of the 38th iterate; same predictions, J within tol of 0 as the stop asks
    and no iterate before it."""
    X, y = load_breast_cancer(return_X_y=True)
    est = _fit(X, y, keep_path=True)
    assert est.stop_reason_ == "separated" and not est.converged_
    assert est.n_iter_[0] == 39 and len(est.loss_curve_) == 40
    w0, w1 = est.coef_path_[-2].ravel(), est.coef_path_[-1].ravel()
    lam = (w1 @ w0) / (w0 @ w0)
    assert 2.0 < lam <= 2.0**SCALE_POWERS
    np.testing.assert_allclose(w1, lam * w0, rtol=1e-12)
    np.testing.assert_allclose(est.intercept_path_[-1], lam * est.intercept_path_[-2],
                               rtol=1e-12)
    J = np.asarray(est.loss_curve_)
    target = min(est.tol / 10 * J[0], 0.5 * math.log(2) / len(y))
    assert J[-1] <= target and (J[:-1] > target).all()
    z = X @ est.coef_.ravel() + est.intercept_[0]
    assert ((z > 0) == (y == 1)).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        off = GradientDescentLogisticRegression(C=np.inf)
        mp = pytest.MonkeyPatch()
        mp.setattr(_solver, "SCALE_POWERS", 0)
        try:
            off.fit(X, y)
        finally:
            mp.undo()
    # (50 before the p × p metric's take at ⌈p/8⌉: benchmarks/README.md)
    assert off.n_iter_[0] == 52 and off.stop_reason_ == "separated"


@pytest.mark.parametrize("solver", ["bb", "lbfgs", "nesterov", "gd"])
def test_every_solver_scales_on_wine(solver):
    """Wine's classes a hyperplane separates: every solver stops "separated", its last
    step the scaling (gd reached max_iter without it: its iterates classify every row
    long before J is small)."""
    X, y = load_wine(return_X_y=True)
    est = _fit(X, y, solver=solver, keep_path=True)
    assert est.stop_reason_ == "separated" and est.n_iter_[0] < 200, est.n_iter_
    assert (est.predict(X) == y).all()
    lam = np.linalg.norm(est.coef_path_[-1]) / np.linalg.norm(est.coef_path_[-2])
    assert lam > 1.5


def test_no_scaling_where_a_row_is_misclassified():
    """Iris (setosa apart, the other two overlapping) at C = inf converges as before: no λ
    passes, the tries end at the ray's minimum, the model is no scaled one."""
    X, y = load_iris(return_X_y=True)
    est = _fit(X, y, keep_path=True)
    assert est.stop_reason_ == "converged"
    mp = pytest.MonkeyPatch()
    mp.setattr(_solver, "SCALE_POWERS", 0)
    try:
        off = _fit(X, y)
    finally:
        mp.undo()
    np.testing.assert_array_equal(est.coef_, off.coef_)
    assert est.n_iter_[0] == off.n_iter_[0]


def test_a_penalised_fit_never_scales(monkeypatch):
    """With a penalty the minimum exists: scale_to_stop is never asked."""
    monkeypatch.setattr(_solver, "scale_to_stop", lambda *a: pytest.fail("asked"))
    X, y = load_wine(return_X_y=True)
    GradientDescentLogisticRegression(C=1e6).fit(X, y)


def test_weight_two_is_a_repeated_row_with_the_scaling():
    """Weighting a row by 2 and repeating it give the same path, the scaled step too: the
    schedule counts iterations and the test's least weight is the same."""
    X, y = load_wine(return_X_y=True)
    sw = np.ones(len(y))
    sw[:5] = 2.0
    a = _fit(X, y, sample_weight=sw)
    b = _fit(np.vstack([X, X[:5]]), np.concatenate([y, y[:5]]))
    assert a.n_iter_[0] == b.n_iter_[0] and a.stop_reason_ == b.stop_reason_ == "separated"
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-9)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-7)


def test_float32_stays_float32_when_scaled():
    X, y = load_breast_cancer(return_X_y=True)
    est = _fit(X.astype(np.float32), y)
    assert est.stop_reason_ == "separated" and est.coef_.dtype == np.float32
    assert np.isfinite(est.coef_).all() and (est.predict(X.astype(np.float32)) == y).all()


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
@pytest.mark.parametrize("load", [load_breast_cancer, load_wine])
def test_the_search_scales_its_columns_as_their_single_fits(load, solver):
    """GradientDescentLogisticRegressionCV at C = inf: each (C, fold) column is scaled at
    its single fit's iteration by the same λ: its loss curve and fold scores (log-loss,
    where the scale shows) are GridSearchCV's over the single fits."""
    X, y = load(return_X_y=True)
    cv = StratifiedKFold(5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = GradientDescentLogisticRegressionCV(
            Cs=[1.0, np.inf], cv=cv, solver=solver, scoring="neg_log_loss").fit(X, y)
        grid = GridSearchCV(GradientDescentLogisticRegression(solver=solver),
                            {"C": [1.0, np.inf]}, cv=cv, scoring="neg_log_loss").fit(X, y)
        for g, (train, _) in enumerate(cv.split(X, y)):
            single = _fit(X[train], y[train], solver=solver)
            curve = search.loss_curves_[5 + g]
            assert len(curve) == len(single.loss_curve_)
            np.testing.assert_allclose(curve, single.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"],
                               grid.cv_results_["mean_test_score"], rtol=1e-6)


@pytest.mark.parametrize("K", [2, 4])
def test_the_stable_form_is_the_loss_and_does_not_overflow(K):
    """_loss.Stable: the loss's terms in the form that cannot overflow at once, equal to
    the fast form's to rounding where that is finite, finite at λ = 2^16 where the fast
    form overflows (and is taken again), a row of weight 0 left out."""
    from gdlogreg._loss import GroupedLoss, Stable, make_loss

    rng = np.random.default_rng(0)
    n, m = 50, 1 if K == 2 else K
    loss = make_loss(K, np)
    y = rng.integers(0, K, n)
    t = loss.encode(y, np)
    s = np.full(n, 1.0 / n)
    z = rng.standard_normal((n, m))
    fast, stable = loss.terms(z, t, s, np), Stable(loss).terms(z, t, s, np)
    np.testing.assert_allclose(stable[0], fast[0], rtol=1e-13)
    np.testing.assert_allclose(stable[1], fast[1], rtol=1e-12, atol=1e-16)
    big = z * 2.0**16
    value = Stable(loss).terms(big, t, s, np, residual=False)[0]
    with np.errstate(all="ignore"):  # (the backends' errstate: the fast form overflows)
        assert np.isfinite(value) and value == pytest.approx(
            loss.terms(big, t, s, np, False)[0])
        s0 = s.copy()
        s0[0] = 0.0
        huge = big.copy()
        huge[0] = np.inf  # a row of weight 0 whose z overflowed
        assert np.isfinite(Stable(loss).terms(huge, t, s0, np, residual=False)[0])
    grouped = GroupedLoss(loss, 2, m)
    values, _ = Stable(grouped).terms(np.hstack([z, big]), t, np.column_stack([s, s]), np,
                                      residual=False)
    np.testing.assert_allclose(values, [stable[0], value], rtol=1e-13)


def test_tol_0_never_scales(monkeypatch):
    """tol=0 asks for no stopping test: every update is a gradient step (the tutorial's
    lecture runs exactly max_iter of them), in a single fit and in the search's columns."""
    import gdlogreg._batch as batch

    def fail(*args, **kwargs):
        pytest.fail("scale_to_stop asked at tol=0")

    monkeypatch.setattr(_solver, "scale_to_stop", fail)
    monkeypatch.setattr(batch, "scale_to_stop", fail)
    X, y = load_wine(return_X_y=True)
    est = _fit(X, y, tol=0.0, max_iter=60)
    assert est.n_iter_[0] == 60 or est.stop_reason_ == "separated"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        GradientDescentLogisticRegressionCV(Cs=[np.inf], cv=3, tol=0.0, max_iter=30).fit(X, y)
