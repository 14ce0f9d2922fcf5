"""Review 57: do the tests catch a wrong formula? A mutation review of the core.

Eighty-three small, plausible mutations of the core (the losses, the penalty, the problem's
weights and standardization, the objective's gradient, dual point, flat gap and curvature
share, the solver's stopping tests, Armijo's and BB's steps, the numpy backend's passes and
moments, the search's fold weights and scoring), one at a time, against the test files of
the modules they touch. The survivors that change what a fit computes, certifies or costs
are pinned here, against a computation from scratch (scipy's expit and softmax) or the
documented rule:

- the cheap bound of the gap's loss share, τ · Σ s KL(q‖p), with the intercept's term
  (ȳ - q)·b of the wrong sign fell below the exact share (0.27 for 0.43): a "certified"
  gap that certifies nothing;
- the rows' curvature share ρ of K classes without its division by 1 - 1/K, or over
  K + 1 classes: 2/3 (3/4) at the zero start, where it is 1;
- ``flat_noise`` without its factor m (K columns); ``stalled`` with min for max (any
  falling curve "stalled"); ``curvature_factor`` without its square root; the certified
  test's target ten times looser; the divergence rule without its + 1; the exact loss
  share taken where the cheap bound decides (an O(n) pass a fit); float32 X's row
  weights left in float64 where the raw weights were beyond float32's range.

Equivalent or cost-only survivors (not pinned): q renormalised in the K-class dual mix
(Σ q = 1 already), the softmax's fallback threshold in float64 (precision in a band of
margins 354-709 only), the gap's check schedule (when the gap is taken, not its value).
"""

import numpy as np
import pytest
from scipy.special import expit, softmax

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg import _solver as solver
from gdlogreg._objective import Objective, Point
from gdlogreg._problem import make_problem


def _objective_at(K, seed=0, n=200, d=5, intercept=1.5):
    """A weighted K-class problem, standardized coordinates, and the Point at a base
    [W; b] far from the optimum with a large intercept (the dual point's τ and q, and
    the intercept's term of the bound, all matter there)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) + 0.5
    y = rng.integers(0, K, n)
    sw = rng.uniform(0.2, 3.0, n)
    problem = make_problem(X, y, sw, K, C=1.0, l1_ratio=0.0, fit_intercept=True)
    objective = Objective(problem, problem.standardization)
    m = 1 if K == 2 else K
    base = np.vstack([rng.normal(scale=0.3, size=(d, m)),
                      intercept * np.arange(1, m + 1)[None, :]])
    point = objective.evaluate(problem.standardization.from_base(base))
    return objective, point, X @ base[:-1] + base[-1], sw / sw.sum()


def _probabilities(z):
    """Each row's class probabilities from scratch: (n, 2) for one binary column."""
    if z.shape[1] == 1:
        p1 = expit(z[:, 0])
        return np.column_stack([1.0 - p1, p1])
    return softmax(z, axis=1)


@pytest.mark.parametrize("K", [2, 3])
def test_cheap_loss_bound_is_tau_times_the_kl_of_q(K):
    """DualPoint.loss_bound at an L2 point (θ = 1) is τ · Σ s KL(q‖p), by convexity an
    upper bound of the exact share Σ s KL(p''‖p) (``dual_divergence``). With the
    intercept's term (ȳ - q)·b of the wrong sign it was 0.27 where the share is 0.43."""
    objective, point, z, s = _objective_at(K)
    dual = objective.dual_point(point, objective.dual_constants())
    P = _probabilities(z)
    q = np.asarray(dual.q, dtype=np.float64)
    q = np.array([1.0 - q[0], q[0]]) if K == 2 else q  # binary: q is class 1's
    logs = np.log(np.where(q > 0, q, 1.0)[None, :] / P)
    kl = np.sum(np.where(q > 0, q * logs, 0.0), axis=1)
    want = float(np.max(dual.tau)) * float(s @ kl)
    assert want > 0.1  # far from the optimum: a bound worth testing
    assert dual.loss_bound == pytest.approx(want, rel=1e-9)
    assert dual.loss_bound >= objective.dual_divergence(point, dual)


@pytest.mark.parametrize("K", [2, 3, 4])
def test_curvature_share_from_scratch(K):
    """ρ = Σ s (1 - Σₖ pₖ²)/(1 - 1/K) (4 p(1 - p) for two classes): 1 at the zero
    start, and at a point away from it as computed from scratch. Without the division
    by 1 - 1/K, or over K + 1 classes, ρ(0) was 2/3 (3/4) for K = 3."""
    objective, point, z, s = _objective_at(K, seed=K)
    zero = objective.evaluate(objective.zeros())
    assert objective.curvature_share(zero) == pytest.approx(1.0, rel=1e-12)
    P = _probabilities(z)
    rho = (1.0 - np.sum(P * P, axis=1)) / (1.0 - 1.0 / K)
    want = float(s @ rho)
    assert 0.05 < want < 0.95
    assert objective.curvature_share(point) == pytest.approx(want, rel=1e-9)


def test_flat_noise_is_the_flat_gap_of_a_gradient_at_its_floor():
    """Objective.flat_noise(level) is, as its docstring says, the flat gap of a
    standardized gradient whose every entry is ``level``: ½ m level² Σ 1/(l2 D²), m the
    columns (K for K classes). Without the factor m it was a third of that for K = 3, and
    the tight test's waiver (a flat gap within its rounding noise) fired less."""
    objective, point, _, _ = _objective_at(3)
    level = 1e-7
    flat = Point(point.coef, point.J, np.full_like(point.grad, level))
    assert objective.flat_noise(level) == pytest.approx(objective.flat_gap(flat), rel=1e-12)


def test_stalled_only_where_the_last_values_are_within_rounding_of_the_lowest():
    """stalled: the last STALL_ITERS values all within 64 ε |J| of the lowest. A curve
    still falling by 1e-6 an iteration has not stalled (with min for max over the last
    values it had: the lowest is among them); one flat to its last bit has."""
    n = solver.STALL_ITERS + 5
    falling = [1.0 - 1e-6 * k for k in range(n)]
    assert not solver.stalled(falling, np.float64)
    flat = falling[:5] + [falling[4] - 1e-6] * solver.STALL_ITERS
    assert solver.stalled(flat, np.float64)
    assert not solver.stalled(flat[:solver.STALL_ITERS], np.float64)  # too short to tell


@pytest.mark.parametrize("share", [0.25, 1e-4])
def test_curvature_factor_is_the_square_root_of_the_documented_ratio(share):
    """The gradient tests' bound times √min(1, ρ / (RHO_TOL · tol)) (the module's
    stopping rule): at ρ a quarter of RHO_TOL · tol, a half (without the root: a quarter,
    a test four times tighter than documented, more iterations on separable data)."""
    tol = 1e-5
    rho = share * solver.RHO_TOL * tol
    assert solver.curvature_factor(rho, tol) == pytest.approx(np.sqrt(share), rel=1e-12)
    assert solver.curvature_factor(10 * solver.RHO_TOL * tol, tol) == 1.0


@pytest.mark.parametrize("solver_name", ["nesterov", "backtracking"])
def test_the_certified_test_stops_at_a_gap_of_tol_over_ten(monkeypatch, solver_name):
    """The estimator's docstring: the fit stops once ``dual_gap_`` is at most tol / 10
    times J. With the gradient tests held off, the certified test alone stops the wine
    fit, whose gap falls slowly enough under these rules to stop within a few per cent
    of the target (0.0965 and 0.0985 of tol · J): with the target ten times looser the
    gap at the stop was above it."""
    from sklearn.datasets import load_wine

    monkeypatch.setattr(solver.Monitor, "_gradient_passes", lambda self, *args: False)
    X, y = load_wine(return_X_y=True)
    tol = 1e-4
    model = GradientDescentLogisticRegression(tol=tol, solver=solver_name, max_iter=2000)
    model.fit(X, y)
    J = model.loss_curve_[-1]
    assert model.n_iter_[0] < 2000
    assert 0.01 * tol * J < model.dual_gap_ <= 0.1 * tol * J


def test_divergence_is_ten_times_the_start_plus_one():
    """J above DIVERGENCE_FACTOR · (J(0) + 1) is a divergence, J below it is not: at the
    zero start (J(0) = log 2) a J of 7 is a step that overshot, not a blow-up (the test
    without its + 1 called it one, and a fit of a small J(0), a warm start, would be called
    diverged at its first rise)."""
    objective, _, _, _ = _objective_at(2)
    zero = objective.evaluate(objective.zeros())
    monitor = solver.Monitor(objective, 1e-5, 100)
    assert not monitor(0, zero, 1.0)
    limit = solver.DIVERGENCE_FACTOR * (zero.J + 1.0)
    assert not monitor(1, Point(zero.coef, 0.99 * limit, zero.grad), 1.0)
    assert not monitor.diverged
    assert monitor(2, Point(zero.coef, 1.01 * limit, zero.grad), 1.0)
    assert monitor.diverged and monitor.reason == "diverged"


def test_no_exact_loss_share_where_the_cheap_bound_decides(monkeypatch):
    """The exact loss share (``dual_divergence``, an O(n) pass) only where the cheap bound
    cannot decide: never for the bound of the returned model (an infinite target), nor
    where the cheap gap meets its target. The wine fits that the gradient tests stop take
    none; with ``or`` for ``and`` in that test each took two."""
    from sklearn.datasets import load_wine

    from gdlogreg import _objective

    calls, original = [], _objective.Objective.dual_divergence

    def counted(self, point, dual):
        calls.append(1)
        return original(self, point, dual)

    monkeypatch.setattr(_objective.Objective, "dual_divergence", counted)
    X, y = load_wine(return_X_y=True)
    for solver_name in ("bb", "nesterov"):
        model = GradientDescentLogisticRegression(tol=1e-4, solver=solver_name).fit(X, y)
        assert model.dual_gap_ > 0.1 * 1e-4 * model.loss_curve_[-1]  # the gradient stopped it
    assert calls == []


def test_weights_beyond_float32_are_rounded_to_float32_x_once_normalised():
    """Weights that float32 cannot hold (1e-50 next to 1) are normalised in float64 and
    then rounded to X's float32 (``weight_dtype``'s promise): without that cast the
    backend's row weights stayed float64 and every pass upcast its temporaries."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)).astype(np.float32)
    y = rng.integers(0, 2, 60)
    sw = rng.uniform(0.5, 2.0, 60)
    sw[:5] = 1e-50
    problem = make_problem(X, y, sw, 2, C=1.0, l1_ratio=0.0, fit_intercept=True)
    assert problem.backend.s.dtype == np.float32
    assert float(problem.backend.s.sum()) == pytest.approx(1.0, rel=1e-6)


def test_default_search_score_of_a_zero_decision_is_the_scorers():
    """The search's own accuracy (scoring=None) takes a decision of exactly 0 as the first
    class, as LinearClassifierMixin's predict does (z > 0): rows of zeros without an
    intercept. With z >= 0 its scores differed from scoring="accuracy"'s."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=80) > 0).astype(int)
    X[::4] = 0.0
    y[::4] = 1  # the zero rows belong to the second class: predicted as the first
    kw = {"Cs": [0.1, 1.0], "cv": 4, "fit_intercept": False}
    own = GradientDescentLogisticRegressionCV(**kw).fit(X, y)
    scorer = GradientDescentLogisticRegressionCV(scoring="accuracy", **kw).fit(X, y)
    np.testing.assert_array_equal(own.scores_[1], scorer.scores_[1])


def test_float32_l1_norm_beyond_float32_is_summed_in_float64():
    """‖W‖₁ of float32 weights whose float32 sum overflows is summed again in float64: a
    large finite penalty, not inf (a warm start there would be thrown away as overflowed)."""
    from gdlogreg._penalty import ElasticNet

    W = np.full((100, 1), 1e37, dtype=np.float32)
    with np.errstate(over="ignore"):  # as in a fit (_penalty's docstring)
        value = ElasticNet(0.0, 1.0).value(W, np)
    assert np.isfinite(value) and value == pytest.approx(100 * float(np.float32(1e37)))
