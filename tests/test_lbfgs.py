"""solver="lbfgs": L-BFGS directions on the ray reach the same minimiser in fewer iterations."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression


def _data():
    rng = np.random.default_rng(0)
    yield "breast_cancer raw", *load_breast_cancer(return_X_y=True)  # ill-conditioned
    X, y = load_digits(return_X_y=True)
    yield "digits", StandardScaler().fit_transform(X), y
    yield "iris float32", load_iris().data.astype(np.float32), load_iris().target
    X = sp.random(3000, 200, density=0.05, format="csr", random_state=0)
    yield "csr", X, (X @ rng.standard_normal(200) > 0).astype(int)


@pytest.mark.parametrize("name, X, y", list(_data()), ids=lambda v: v if isinstance(v, str) else "")
def test_same_minimiser_as_bb(name, X, y, monkeypatch):
    tol = 1e-6 if X.dtype == np.float32 else 1e-9
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        bb = GradientDescentLogisticRegression(tol=tol, max_iter=5000).fit(X, y)
        lb = GradientDescentLogisticRegression(solver="lbfgs", tol=tol, max_iter=5000).fit(X, y)
    assert lb.converged_
    rel = 1e-5 if X.dtype == np.float32 else 1e-10
    assert abs(lb.loss_curve_[-1] - bb.loss_curve_[-1]) <= rel * bb.loss_curve_[-1]
    assert lb.coef_.dtype == X.dtype
    if name == "breast_cancer raw":  # ill-conditioned: the pairs pay against plain bb
        from gdlogreg._steps import bb as bb_rule
        from gdlogreg._steps import lbfgs as lbfgs_rule

        monkeypatch.setattr(bb_rule, "WHITEN_RHO", np.inf)
        monkeypatch.setattr(lbfgs_rule, "WHITEN_FIRST", lbfgs_rule.NEVER)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            plain = GradientDescentLogisticRegression(tol=tol, max_iter=5000).fit(X, y)
            plain_lb = GradientDescentLogisticRegression(
                solver="lbfgs", tol=tol, max_iter=5000).fit(X, y)
        assert plain_lb.n_iter_[0] < 0.7 * plain.n_iter_[0]
        # H₀ from bb's metric (the curvature after 10 iterations) pays for L-BFGS too
        assert lb.n_iter_[0] < 0.3 * plain_lb.n_iter_[0], (lb.n_iter_, plain_lb.n_iter_)


def test_sample_weights_and_warm_start():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    sw = np.random.default_rng(1).uniform(0.1, 3.0, len(y))
    ref = GradientDescentLogisticRegression(tol=1e-10).fit(X, y, sample_weight=sw)
    model = GradientDescentLogisticRegression(solver="lbfgs", tol=1e-10, warm_start=True)
    model.fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-4, atol=1e-6)  # collinear columns
    cold = int(model.n_iter_[0])
    model.fit(X, y, sample_weight=sw)  # from the optimum: little left to do
    assert model.n_iter_[0] < cold / 3


def test_l1_is_refused_with_the_rules_that_take_it():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="solver='lbfgs' handles the L2 penalty only"):
        GradientDescentLogisticRegression(solver="lbfgs", l1_ratio=0.5).fit(X, y)


def test_no_penalty_and_a_float_learning_rate():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # separable classes at C=inf
        model = GradientDescentLogisticRegression(solver="lbfgs", C=np.inf, max_iter=50)
        model.fit(X, y)
    assert np.all(np.isfinite(model.coef_))
    fixed = GradientDescentLogisticRegression(solver="lbfgs", learning_rate=0.5, tol=1e-9)
    auto = GradientDescentLogisticRegression(solver="lbfgs", tol=1e-9)
    np.testing.assert_allclose(fixed.fit(X, y).coef_, auto.fit(X, y).coef_, rtol=1e-5, atol=1e-7)


def test_separable_raw_data_converges():
    """Was slow: with every row classified by a wide margin the curvature left falls with J,
    and L-BFGS's pairs from H₀ = γ I followed it slowly (2,000 × 20 raw: 1000 iterations,
    max_iter, 1e-5 above J*). H₀ = γ P, bb's metric retaken on its schedule: 51."""
    rng = np.random.default_rng(0)
    n, d = 2000, 20
    y = rng.integers(0, 2, n)
    X = rng.standard_normal((n, d)) * np.logspace(0, 4, d)  # raw units, 1 to 1e4
    X[:, 3] += np.where(y == 1, 1.0, -1.0) * (1e4 + 10 * rng.random(n))  # a wide margin
    fit = GradientDescentLogisticRegression(solver="lbfgs").fit(X, y)
    assert fit.converged_ and fit.n_iter_[0] < 200, fit.n_iter_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        tight = GradientDescentLogisticRegression(tol=1e-13, max_iter=20000).fit(X, y)
    J, J_star = fit.loss_curve_[-1], tight.loss_curve_[-1]
    assert (J - J_star) / J_star <= fit.tol


def test_a_metric_whose_steps_are_cut_is_dropped():
    """A P whose quasi-Newton steps are cut below SHORT MISFIT times in a row does not fit
    J's curvature (raw wide data: features from 1e-6 to 1e6): it is dropped, its pairs with
    it, and taken again RETAKE iterations on; a step that is not cut starts the count again."""
    from gdlogreg._steps import lbfgs as lbfgs_rule

    rule = lbfgs_rule.LBFGS("auto")
    rule._P, rule._misfit, rule._at, rule._pairs = np.eye(3), 0, 10, [("s", "y", 1.0)]
    for t in [0.05] * (lbfgs_rule.MISFIT - 1) + [1.0] + [0.05] * (lbfgs_rule.MISFIT - 1):
        rule._fit(t)
    assert rule._P is not None and rule._misfit == lbfgs_rule.MISFIT - 1
    rule._fit(0.05)
    assert rule._P is None and not rule._pairs and rule._at == lbfgs_rule.RETAKE
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 300)) * np.logspace(-6, 6, 300)[rng.permutation(300)]
    y = rng.integers(0, 2, 100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = GradientDescentLogisticRegression(solver="lbfgs", max_iter=30).fit(X, y)
    assert fit.n_iter_[0] == 30 and np.isfinite(fit.loss_curve_).all()


def test_a_metric_whose_directions_are_refused_in_a_row_is_set_aside():
    """MISFIT directions in a row refused by the search (t = None) set the metric aside
    (stale: it fit before) whatever the retries between them; a step found along it starts
    the count again, and cut steps keep their own count (one refusal, then cut steps and a
    step that is not cut, as on Ecdat/Kakadu raw, keeps it)."""
    from gdlogreg._steps import lbfgs as lbfgs_rule

    M = lbfgs_rule.MISFIT
    rule = lbfgs_rule.LBFGS("auto")
    rule._P, rule._at, rule._pairs = np.eye(3), 10, [("s", "y", 1.0)]
    rule._fits = M  # it fit: set aside, not dropped
    for t in [None] + [0.05] * (M - 1) + [0.5] + [None] * (M - 1) + [1.0] + [None] * (M - 1):
        rule._fit(t)
    assert rule._P is not None and rule._refused == M - 1 and rule._misfit == 0
    rule._fit(None)
    assert rule._P is None and not rule._pairs and rule._at == 10 and rule._aside == 1


def test_the_interpolated_trial_is_kept_above_a_tenth():
    """After a refused trial the quadratic's minimiser, but at least t/10 (a J(t) far above
    J0 put it at 1e-9·t) and t/4 where J(t) is not finite; arrays as floats."""
    from gdlogreg._steps._base import interpolated

    # J(t) = 0.15 from J0 = 9e-4 along a slope of -9e-4 (the metric's step at C = inf):
    # the quadratic's minimiser is 2.7e-3
    assert interpolated(9e-4, -9e-4, 1.0, 0.15) == pytest.approx(0.1)
    assert interpolated(1.0, -1.0, 1.0, 1.5) == pytest.approx(1.0 / 3.0)  # inside: kept
    assert interpolated(1.0, -1.0, 0.5, np.inf) == 0.125
    got = interpolated(np.array([9e-4, 1.0, 1.0]), np.array([-9e-4, -1.0, -1.0]),
                       np.array([1.0, 1.0, 0.5]), np.array([0.15, 1.5, np.inf]))
    np.testing.assert_array_equal(got, [interpolated(9e-4, -9e-4, 1.0, 0.15),
                                        interpolated(1.0, -1.0, 1.0, 1.5), 0.125])


def test_digits_raw_at_a_large_C_converges():
    """Raw digits (pixel counts 0-16) at C = 1e4: the metric's unit steps were refused and
    cut to 1e-9 by the quadratic, 1000 iterations unconverged; now converged in about 200,
    at bb's J."""
    X, y = load_digits(return_X_y=True)
    est = GradientDescentLogisticRegression(solver="lbfgs", C=1e4).fit(X, y)
    bb = GradientDescentLogisticRegression(C=1e4, tol=1e-8, max_iter=5000).fit(X, y)
    assert est.stop_reason_ == "converged" and est.n_iter_[0] < 400
    assert est.loss_curve_[-1] == pytest.approx(bb.loss_curve_[-1], rel=1e-5)


@pytest.mark.parametrize("offset", [100.0, 1e4])
def test_a_far_warm_start_retries_its_metrics_first_direction_along_the_gradient(
        offset, monkeypatch):
    """A warm start whose intercepts are far off (iris, 100·(1, 2, 3) and more): the
    metric taken there at once sees no rows' curvature, and its first direction, with no
    pair yet, found no decrease: the fit stopped 'stalled' at iteration 0 with J 300 times
    J*. That direction is retried along the gradient, as the pairs' are. (Such a start,
    whose J is above the all-zero model's, now starts there: kept here, as one whose J
    is below would.)"""
    from gdlogreg._steps.lbfgs import LBFGS

    monkeypatch.setattr(LBFGS, "zero_if_worse", False)
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    cold = GradientDescentLogisticRegression(solver="lbfgs").fit(X, y)
    model = GradientDescentLogisticRegression(solver="lbfgs", warm_start=True).fit(X, y)
    model.intercept_ = model.intercept_ + offset * np.arange(1.0, 4.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y)
    assert model.converged_ and model.n_iter_[0] > 0
    J, J_cold = model.loss_curve_[-1], cold.loss_curve_[-1]
    assert abs(J - J_cold) <= 2e-6 * J_cold
    np.testing.assert_allclose(model.predict_proba(X), cold.predict_proba(X), atol=1e-4)
