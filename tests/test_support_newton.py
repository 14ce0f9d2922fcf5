"""The proximal Newton steps of bb with an L1 part (gdlogreg._steps.bb.newton_point,
Objective.support_newton): where they apply, what they move, and that the search's columns
take them as their single fits do."""

import warnings

import numpy as np
import pytest
from scipy.special import log_expit
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV
from gdlogreg._steps import bb


@pytest.fixture(autouse=True)
def _no_convergence_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture
def steps(monkeypatch):
    """Every support Newton step tried: (J before, the Point kept or None), in order."""
    seen = []
    original = bb.newton_point

    def record(objective, point):
        J = point.J
        new, kept = original(objective, point)
        seen.append((J, new))
        return new, kept

    monkeypatch.setattr(bb, "newton_point", record)
    return seen


@pytest.fixture
def without_steps(monkeypatch):
    """A context where no support Newton step is taken (the rule as before them)."""
    def off():
        monkeypatch.setattr(bb, "newton_wait", lambda objective: np.inf)
    return off


def _cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _J(m, X, y, C, rho, sample_weight=None):
    """The library's J for two classes (user guide), float64."""
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    yi = np.searchsorted(m.classes_, y)
    w = np.asarray(m.coef_, np.float64)[0]
    L = -log_expit((2.0 * yi - 1.0) * (X @ w + m.intercept_[0]))
    pen = (1 - rho) / 2 * np.sum(w**2) + rho * np.sum(np.abs(w))
    return float((s @ L + pen / C) / s.sum())


def _collinear(seed=0, n=400):
    """Two classes; columns 4 and 5 copies of 0 and 1 (one scaled by -2), and three one-hot
    levels beside the intercept: flat directions of the loss on the support."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, 4))
    levels = np.eye(3)[rng.integers(0, 3, n)]
    X = np.column_stack([Z, Z[:, 0], -2.0 * Z[:, 1], levels])
    y = (Z @ [1.5, -1.0, 0.5, 0.0] + levels @ [0.3, -0.2, 0.0] + rng.logistic(size=n) > 0)
    return X, y.astype(int)


@pytest.mark.parametrize(("C", "rho"), [(1.0, 0.5), (10.0, 0.5), (100.0, 0.5)])
def test_the_steps_cut_the_iterations_to_the_same_optimum(rho, C, without_steps):
    """Standardized breast cancer, an elastic net: the steps end the fit in at most two
    thirds of the iterations the proximal steps alone take (31 against 68, 79 against 200,
    177 against 586), within the promise of J*."""
    X, y = _cancer()
    new = GD(C=C, l1_ratio=rho).fit(X, y)
    J_star = _J(GD(C=C, l1_ratio=rho, tol=1e-12, max_iter=20000).fit(X, y), X, y, C, rho)
    without_steps()
    before = GD(C=C, l1_ratio=rho).fit(X, y)
    assert new.converged_
    assert new.n_iter_[0] <= 2 * before.n_iter_[0] / 3, (new.n_iter_, before.n_iter_)
    J = _J(new, X, y, C, rho)
    assert (J - J_star) / J_star <= new.tol
    assert np.isclose(J, new.loss_curve_[-1], rtol=1e-12)


def test_a_step_is_kept_only_where_j_falls(steps):
    """Every kept step lowers J; the fit's J is the model's, recomputed here."""
    X, y = _cancer()
    m = GD(C=10.0, l1_ratio=1.0).fit(X, y)
    kept = [(J, new) for J, new in steps if new is not None]
    assert kept, "no support Newton step was taken"
    assert all(new.J < J for J, new in kept)
    assert np.isclose(_J(m, X, y, 10.0, 1.0), m.loss_curve_[-1], rtol=1e-12)


def test_the_flat_directions_stay_finite_and_the_fit_converges(steps, without_steps):
    """Copies of columns and one-hot levels beside the intercept: the loss is flat along
    directions of the support, where H⁻¹ would read the L1 term's slope as a huge step.
    Each step stays of the weights' size, and the fit converges within the promise in
    fewer iterations than without the steps."""
    X, y = _collinear()
    m = GD(C=1.0, l1_ratio=1.0).fit(X, y)
    assert m.converged_
    assert steps and all(new is None or np.all(np.isfinite(np.asarray(new.coef)))
                         for _, new in steps)
    scale = 1.0 + np.abs(m.coef_).max()
    assert all(np.abs(np.asarray(new.coef)).max() < 10.0 * scale
               for _, new in steps if new is not None)
    J_star = _J(GD(C=1.0, l1_ratio=1.0, tol=1e-12, max_iter=50000).fit(X, y), X, y, 1.0, 1.0)
    assert (_J(m, X, y, 1.0, 1.0) - J_star) / J_star <= m.tol
    without_steps()
    assert 10 * m.n_iter_[0] < GD(C=1.0, l1_ratio=1.0).fit(X, y).n_iter_[0]  # (13 and 310)


def test_weights_leave_enter_and_change_sign_in_the_step(monkeypatch):
    """The step goes to the least point of J's model with its L1 term (proximal Newton's,
    :func:`gdlogreg._dense.l1_model_point`): weights land on 0 and leave the support,
    weights at 0 enter it, and weights change sign, as the model asks; a projected step
    on the support (before) did only the first."""
    X, y = _cancer()
    seen = []
    original = bb.newton_point

    def record(objective, point):
        d, _ = objective.support_newton(point)
        if d is not None:
            seen.append((np.array(point.coef)[:-1, 0], np.array(d)[:-1, 0]))
        return original(objective, point)

    monkeypatch.setattr(bb, "newton_point", record)
    GD(C=10.0, l1_ratio=1.0).fit(X, y)
    assert seen
    ends = [(w, w + dw) for w, dw in seen]
    assert sum(int(np.sum((w != 0.0) & (e == 0.0))) for w, e in ends) > 0  # leave
    assert sum(int(np.sum((w == 0.0) & (e != 0.0))) for w, e in ends) > 0  # enter
    assert sum(int(np.sum(w * e < 0.0)) for w, e in ends) > 0  # change sign


def _l1_reference(X, y, C):
    """J* of pure L1 on two classes by L-BFGS-B on w = a - b, a, b >= 0 (smooth and exact
    for L1), independent of the library's solvers."""
    from scipy.optimize import minimize
    from scipy.special import expit

    n, p = X.shape
    sgn = 2.0 * y - 1.0

    def f(v):
        a, b, c = v[:p], v[p:2 * p], v[-1]
        z = sgn * (X @ (a - b) + c)
        r = -sgn * expit(-z) / n
        g = X.T @ r
        value = float(np.mean(-log_expit(z)) + (a.sum() + b.sum()) / (C * n))
        return value, np.concatenate([g + 1 / (C * n), -g + 1 / (C * n), [r.sum()]])

    out = minimize(f, np.zeros(2 * p + 1), jac=True, method="L-BFGS-B",
                   bounds=[(0.0, None)] * (2 * p) + [(None, None)],
                   options={"maxiter": 100000, "maxfun": 200000, "ftol": 1e-16, "gtol": 1e-13})
    return float(out.fun)


@pytest.mark.parametrize("C", [10.0, 100.0])
def test_nearly_separated_pure_l1_converges_to_j_star(C):
    """Standardized breast cancer, pure L1: the projected steps on the support crawled here
    (C = 10 ran to max_iter 1.2e-6 above J*, C = 100 6.6e-3 above). The model's own least
    (weights entering and changing sign) converges within the promise in at most 200
    iterations. J* from an independent solver (:func:`_l1_reference`) or from this fit,
    whichever is lower."""
    X, y = _cancer()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        m = GD(C=C, l1_ratio=1.0).fit(X, y)
    assert m.converged_ and m.n_iter_[0] <= 200
    J = _J(m, X, y, C, 1.0)
    J_star = min(_l1_reference(X, y, C), J)
    assert (J - J_star) / J_star <= 2e-6


def test_between_the_two_metrics_the_steps_apply_at_their_price(steps, without_steps):
    """More coordinates than a quarter of the rows but no more than the rows (no dense
    metric: bb.newton_wait prices the step by Objective.newton_take_price): 240 rows, 90
    columns of scales 0.1 to 100, pure L1. The steps are taken, and the fit converges in
    at most half the iterations of the proximal steps alone (101 against 255), to a J no
    higher."""
    rng = np.random.default_rng(0)
    scales = np.logspace(-1, 2, 90)
    X = rng.normal(size=(240, 90)) * scales + rng.normal(size=(240, 1))
    w = rng.normal(size=90) * (rng.random(90) < 0.1) / scales * 3
    y = (X @ w + rng.logistic(size=240) > 0).astype(int)
    m = GD(C=100.0, l1_ratio=1.0).fit(X, y)
    assert m.converged_ and steps
    without_steps()
    before = GD(C=100.0, l1_ratio=1.0).fit(X, y)
    assert 2 * m.n_iter_[0] <= before.n_iter_[0], (m.n_iter_, before.n_iter_)
    J, J0 = _J(m, X, y, 100.0, 1.0), _J(before, X, y, 100.0, 1.0)
    assert J <= J0 * (1 + 1e-9)


@pytest.mark.slow
def test_the_search_columns_take_the_steps_of_their_single_fits():
    """Each (C, l1_ratio, fold) column of the search takes its single fit's Newton steps:
    the same iterations, and the same coefficients where the fit converged (pure L1 at C =
    100 runs to max_iter, nearly separated, where the products' rounding carries the
    batch's path apart)."""
    X, y = _cancer()
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    Cs, rhos = [0.1, 1.0, 100.0], [1.0, 0.5]
    search = GDCV(Cs=Cs, l1_ratios=rhos, cv=folds, refit=False).fit(X, y)
    paths = np.asarray(next(iter(search.coefs_paths_.values())))  # (folds, Cs, rhos, p + 1)
    for f, (tr, _) in enumerate(folds):
        for i, C in enumerate(Cs):
            for j, rho in enumerate(rhos):
                m = GD(C=C, l1_ratio=rho).fit(X[tr], y[tr])
                assert search.n_iter_[0, f, i, j] == m.n_iter_[0], (f, C, rho)
                w = np.concatenate([m.coef_.ravel(), m.intercept_])
                if m.converged_:
                    np.testing.assert_allclose(paths[f, i, j], w, rtol=1e-8, atol=1e-9)


def test_a_weight_of_two_is_the_row_twice():
    """The steps' Hessian and their test are weighted: a weight of 2 and the repeated row
    give the same path."""
    X, y = _cancer()
    sw = np.random.default_rng(0).integers(1, 3, len(y)).astype(float)
    a = GD(C=1.0, l1_ratio=1.0).fit(X, y, sample_weight=sw)
    reps = sw.astype(int)
    b = GD(C=1.0, l1_ratio=1.0).fit(np.repeat(X, reps, axis=0), np.repeat(y, reps))
    assert a.n_iter_[0] == b.n_iter_[0]
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", ["l2", "three classes", "gd", "backtracking",
                                  "float learning rate"])
def test_no_steps_where_they_do_not_apply(case, steps):
    """Only bb of two classes with an L1 part takes them: no L1 part, K classes (measured,
    not adopted), the other rules and a float learning rate do not."""
    X, y = _cancer()
    kw = {"C": 1.0, "l1_ratio": 1.0, "max_iter": 200}
    if case == "l2":
        kw["l1_ratio"] = 0.0
    elif case == "three classes":
        X, y = load_wine(return_X_y=True)
        X = StandardScaler().fit_transform(X)
    elif case in ("gd", "backtracking"):
        kw["solver"] = case
    elif case == "float learning rate":
        kw["learning_rate"] = 0.1
    GD(**kw).fit(X, y)
    assert steps == []


def test_float32_x_takes_them_too(steps):
    """float32 X takes them as float64 X does (stop 82: its prox steps crawled without)."""
    X, y = _cancer()
    model = GD(C=1.0, l1_ratio=1.0, max_iter=200).fit(X.astype(np.float32), y)
    assert steps and model.converged_


def test_dask_x_takes_the_steps_of_numpy_x(steps):
    """Dask X takes them too, its Hessian on the support the chunks' Grams added in one
    pass (review 159: before, no steps there, and 6 to 13 times the passes)."""
    da = pytest.importorskip("dask.array")
    X, y = _cancer()
    ref = GD(C=1.0, l1_ratio=0.5).fit(X, y)
    n_steps = len(steps)
    m = GD(C=1.0, l1_ratio=0.5).fit(da.from_array(X, chunks=200), da.from_array(y, chunks=200))
    assert n_steps > 0 and len(steps) == 2 * n_steps
    assert m.n_iter_[0] == ref.n_iter_[0]
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-9, atol=1e-12)


def test_array_api_x_takes_the_steps_of_numpy_x(steps):
    """float64 is float64 in any namespace: array-API X takes the same steps as numpy X
    (the same iterations and model)."""
    xp = pytest.importorskip("array_api_strict")
    from sklearn import config_context

    X, y = _cancer()
    ref = GD(C=1.0, l1_ratio=0.5).fit(X, y)
    n_steps = len(steps)
    with config_context(array_api_dispatch=True):
        try:
            m = GD(C=1.0, l1_ratio=0.5).fit(xp.asarray(X), xp.asarray(y))
        except (ImportError, RuntimeError) as exc:  # no dispatch on this stack
            pytest.skip(str(exc))
    assert n_steps > 0 and len(steps) == 2 * n_steps
    assert int(np.asarray(m.n_iter_)[0]) == ref.n_iter_[0]
    np.testing.assert_allclose(np.asarray(m.coef_), ref.coef_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("scale", ["huge", "tiny", "mixed", "copies", "separable"])
@pytest.mark.parametrize("weights", [None, "spread"])
def test_hostile_scales_leave_no_warning_and_a_finite_model(scale, weights):
    """The steps' Gram, eigenvalues and Cholesky factor on columns at 1e150 or 1e-300, of
    mixed scales, copied, or separating the classes, under weights from 1e-12 to 1e12: no
    leaked RuntimeWarning, a finite model whose J is the loss curve's."""
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(200, 5))
    y = (Z[:, 0] + rng.logistic(size=200) > 0).astype(int)
    X = {"huge": Z * 1e150, "tiny": Z * 1e-300,
         "mixed": Z * np.array([1e-200, 1.0, 1e100, 1e-5, 1e5]),
         "copies": np.column_stack([Z, Z[:, 0], -Z[:, 0]]),
         "separable": np.column_stack([np.where(y == 1, 5.0, -5.0), Z[:, 1:]])}[scale]
    sw = None if weights is None else np.logspace(-12, 12, 200)
    for C, rho in [(1.0, 1.0), (1e6, 0.5)]:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            m = GD(C=C, l1_ratio=rho).fit(X, y, sample_weight=sw)
        assert np.isfinite(m.coef_).all() and np.isfinite(m.intercept_).all()
        assert np.isfinite(m.loss_curve_[-1])
