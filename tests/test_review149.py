"""Review 149: a search for stops "converged" above J* on hard synthetic data.

Sweep (scratch, not in the suite): ten designs (raw columns of scales 1e-8..1e13, years of
GDP beside one-hot regions, duplicated and one-hot+intercept columns, correlation
1 - 1e-8, nearly separable classes, a class of 1-3 rows, 1 positive in 1e4, wide data,
many classes of three rows, columns 1e8 + noise), the five solvers with
``learning_rate="auto"``, float64 and float32, 2-10 classes, C in {1e-2, 1, 1e4, 1e8},
l1_ratio in {0, 0.5, 1}, no / zero / 1e-6..1e6 sample weights, fit_intercept True/False.
J* the least of ours at tol=1e-12, LogisticRegression(newton-cholesky, lbfgs) at
tol=1e-12 and an independent float64 Newton in SVD-whitened coordinates, on the float64
copy of the fitted values.

Found (strict xfails below):

* fit_intercept=False with two columns sharing a huge offset (1e8 + N(0, 1),
  1e8 + 1e3 N(0, 1)), the label depending on their deviations: without an intercept every
  column is scaled by its root mean square, not centred, so the two are collinear to
  ~1e-10 in the standardized coordinates and the signal lies along their difference, a
  direction the rows curve ~1e-10 times less than the others. The gradient tests pass
  and the gradient's own decrement (its Rayleigh quotient, blind to that direction)
  confirms: float64 L2 "lbfgs" (no metric taken: verdict None), "nesterov",
  "backtracking", "gd" stop 4e-2 to 4e-1 above J* on 60 rows; "bb" too with 3 classes on
  200 rows (7.9e-2, no metric verdict); with an L1 part every solver, "bb" included
  (1.7e-1 to 1.8e-1); in float32 every solver (1.7e-1, by the gradient decrement, the
  rounding floor or ``stalled``). ``dual_gap_`` reads all of J at each stop. With
  fit_intercept=True (the columns centred) the same data converge within 1e-9.
* float32, ten classes of three rows on raw columns (scales 1e-2..1e4) with sample
  weights spanning 1e-6..1e6, C = 1: nearly separable, J* = 2.8e-4; "bb" stops at 315
  iterations 8.1e-3 above J*, "lbfgs" at 558 3.5e-3 above (float32: no metric decrement
  is asked; the fall test and the gradient's decrement let it through).
"""

import warnings

import numpy as np
import pytest
from scipy.special import log_expit, logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg._penalty import ElasticNet


@pytest.fixture(autouse=True)
def _no_convergence_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _J(coef, intercept, X, y, classes, C, rho=0.0, s=None):
    """The library's J (user guide): mean weighted log-loss + penalty / (C sum s), float64."""
    X = np.asarray(X, dtype=np.float64)
    coef = np.asarray(coef, dtype=np.float64)
    b = np.asarray(intercept, dtype=np.float64)
    yi = np.searchsorted(classes, y)
    s = np.ones(len(y)) if s is None else np.asarray(s, dtype=np.float64)
    if len(classes) == 2:
        z = X @ coef[0] + b[0]
        L = -log_expit((2.0 * yi - 1.0) * z)
    else:
        Z = X @ coef.T + b
        L = logsumexp(Z, axis=1) - Z[np.arange(len(yi)), yi]
    m = s.sum()
    pen = ((1 - rho) / 2 * np.sum(coef**2) + rho * np.sum(np.abs(coef))) / (C * m)
    return float(s @ L / m + pen)


def _Jm(model, X, y, C, rho=0.0, s=None):
    return _J(model.coef_, model.intercept_, X, y, model.classes_, C, rho, s)


def _tight(X64, y, C, rho=0.0, s=None, fit_intercept=True):
    """The least J of ours at tol=1e-12 and (L2) LogisticRegression(newton-cholesky)."""
    refs = [_Jm(GD(C=C, l1_ratio=rho, fit_intercept=fit_intercept, tol=1e-12,
                   max_iter=20000).fit(X64, y, sample_weight=s), X64, y, C, rho, s)]
    if rho == 0.0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its ill-conditioned solves warn (LinAlgWarning)
            lr = LogisticRegression(C=C, solver="newton-cholesky", fit_intercept=fit_intercept,
                                    tol=1e-12, max_iter=1000).fit(X64, y, sample_weight=s)
        refs.append(_Jm(lr, X64, y, C, 0.0, s))
    return min(refs)


def _assert_within_promise(model, X, y, J_star, C, rho=0.0, s=None):
    rel = (_Jm(model, X, y, C, rho, s) - J_star) / J_star
    limit = 1e-6 if np.asarray(X).dtype == np.float64 else 1e-5
    assert not model.converged_ or rel <= limit, (
        f"converged_ with J {rel:.2e} above J* ({model.stop_reason_}, "
        f"{model.n_iter_[0]} iterations, dual_gap_/J "
        f"{model.dual_gap_ / model.loss_curve_[-1]:.2e})")


# ------------------------------------------------------- offset columns, no intercept
def _offset(seed=0, n=60, k=2):
    """Columns 1e8 + N(0, 1), 1e8 + 1e3 N(0, 1), N(0, 1), N(0, 1); labels from the
    deviations."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, 4))
    X = Z.copy()
    X[:, 0] += 1e8
    X[:, 1] = Z[:, 1] * 1e3 + 1e8
    y = np.argmax(Z @ rng.normal(size=(4, k)) + rng.gumbel(size=(n, k)), axis=1)
    return X, y


def _offset_J_star(X64, y, C, rho):
    """The least of :func:`_tight` without an intercept and the point built from an
    intercept fit on the second column less its offset and the two others: the intercept
    carried by the first column (b / 1e8, less the second's weight), a feasible point."""
    Xc = np.column_stack([X64[:, 1] - 1e8, X64[:, 2], X64[:, 3]])
    r = GD(C=C, l1_ratio=rho, tol=1e-12, max_iter=20000).fit(Xc, y)
    W = np.column_stack([r.intercept_ / 1e8 - r.coef_[:, 0], r.coef_])
    built = _J(W, np.zeros(len(r.intercept_)), X64, y, r.classes_, C, rho)
    return min(built, _tight(X64, y, C, rho, fit_intercept=False))


# Fixed: where the rule holds no metric at a gradient test's stop (lbfgs before its first
# take, the plain rules always, bb of K classes before its first), J's Hessian taken there
# decides (gdlogreg._steps.bb.StopTakes). lbfgs then converges within the promise; the
# plain rules cannot descend the valley and end at max_iter, unconverged, as they should.
@pytest.mark.parametrize("solver", ["lbfgs", "nesterov", "backtracking", "gd"])
def test_offset_columns_without_intercept_l2_float64(solver):
    X, y = _offset()
    m = GD(C=1.0, fit_intercept=False, solver=solver).fit(X, y)
    assert m.converged_ == (solver == "lbfgs")
    _assert_within_promise(m, X, y, _offset_J_star(X, y, 1.0, 0.0), 1.0)


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
def test_offset_columns_without_intercept_three_classes(solver):
    X, y = _offset(n=200, k=3)
    m = GD(C=1.0, fit_intercept=False, solver=solver).fit(X, y)
    assert m.converged_
    _assert_within_promise(m, X, y, _offset_J_star(X, y, 1.0, 0.0), 1.0)


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["bb", "lbfgs", "gd"])
@pytest.mark.parametrize("k", [2, 3])
def test_offset_columns_search_columns_stop_as_their_single_fits(solver, k):
    """The search's columns take J's Hessian at their stops as their single fits do: the
    same iterations and verdicts, fold by fold."""
    from sklearn.model_selection import StratifiedKFold

    from gdlogreg import GradientDescentLogisticRegressionCV as GDCV

    X, y = _offset(n=60 if k == 2 else 200, k=k)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    search = GDCV(Cs=[1.0], cv=folds, solver=solver, fit_intercept=False, max_iter=300,
                  use_legacy_attributes=False).fit(X, y)
    single = [GD(C=1.0, solver=solver, fit_intercept=False, max_iter=300).fit(X[tr], y[tr])
              for tr, _ in folds]
    np.testing.assert_array_equal(np.ravel(search.n_iter_), [m.n_iter_[0] for m in single])
    assert all(m.converged_ == (solver != "gd") for m in single)


# Fixed (was a strict xfail, 1.7e-1 to 1.8e-1 above J*): with an L1 part the stop's take is
# J's Hessian on the weights' support (Objective.support_decrement): it refuses. The fit ran
# to max_iter, unconverged; the support's Newton steps (bb.newton_point) now descend the
# valley, and it converges within the promise (76 and 268 iterations).
@pytest.mark.parametrize("rho", [0.5, 1.0])
def test_offset_columns_without_intercept_l1_default_solver(rho):
    X, y = _offset()
    m = GD(C=1.0, l1_ratio=rho, fit_intercept=False).fit(X, y)
    assert m.converged_ and m.n_iter_[0] < 1000
    _assert_within_promise(m, X, y, _offset_J_star(X, y, 1.0, rho), 1.0, rho)


@pytest.mark.xfail(strict=True, reason="review 149: float32, fit_intercept=False offset "
                   "columns: converged_ 1.7e-1 above J* (default solver)")
def test_offset_columns_without_intercept_float32_default_solver():
    X, y = _offset()
    X32 = X.astype(np.float32)
    X64 = X32.astype(np.float64)
    m = GD(C=1.0, fit_intercept=False).fit(X32, y)
    _assert_within_promise(m, X64, y, _offset_J_star(X64, y, 1.0, 0.0), 1.0)


def test_offset_columns_without_intercept_l2_float64_bb_binary_holds():
    X, y = _offset()
    m = GD(C=1.0, fit_intercept=False).fit(X, y)
    assert m.converged_
    _assert_within_promise(m, X, y, _offset_J_star(X, y, 1.0, 0.0), 1.0)


@pytest.mark.parametrize("solver", ["bb", "lbfgs", "nesterov", "backtracking", "gd"])
def test_offset_columns_with_intercept_hold(solver):
    X, y = _offset()
    m = GD(C=1.0, solver=solver).fit(X, y)
    assert m.converged_ or solver == "gd"  # gd's constant steps crawl here to max_iter
    _assert_within_promise(m, X, y, _tight(X, y, 1.0), 1.0)


# ------------------------------------------- float32, ten classes of three rows, weights
def _many_classes():
    rng = np.random.default_rng(761)
    Z = rng.normal(size=(30, 5))
    y = np.repeat(np.arange(10), 3)
    Z = Z + 0.8 * rng.normal(size=(10, 5))[y]
    X = Z * np.array([1, 1e2, 1e4, 1e-2, 1])
    s = 10 ** rng.uniform(-6, 6, size=30)
    return X, y, s


@pytest.mark.parametrize("solver", [
    # was a strict xfail, "converged" 8.1e-3 above J*, until float32 stops asked J's
    # decrement from the float64 gradient (review 200; tests/test_float32_exact_decrement.py)
    "bb",
    # 3.5e-3 above J* until the softmax's shifted form kept its confident rows' last
    # bits (tests/test_shifted_softmax.py)
    "lbfgs",
])
def test_float32_ten_classes_of_three_rows_spanning_weights(solver):
    X, y, s = _many_classes()
    X32 = X.astype(np.float32)
    X64 = X32.astype(np.float64)
    m = GD(C=1.0, solver=solver).fit(X32, y, sample_weight=s)
    _assert_within_promise(m, X64, y, _tight(X64, y, 1.0, s=s), 1.0, s=s)


def test_float64_ten_classes_of_three_rows_spanning_weights_holds():
    X, y, s = _many_classes()
    m = GD(C=1.0).fit(X, y, sample_weight=s)
    assert m.converged_
    _assert_within_promise(m, X, y, _tight(X, y, 1.0, s=s), 1.0, s=s)


# ------------------------------------------------------------------- designs that held
@pytest.mark.parametrize("solver", ["bb", "lbfgs", "nesterov", "backtracking", "gd"])
def test_columns_of_scales_1e_minus8_to_1e13_with_zero_weights_hold(solver):
    rng = np.random.default_rng(89)
    Z = rng.normal(size=(200, 8))
    X = Z * 10 ** np.linspace(-8, 13, 8)
    y = np.argmax(Z @ rng.normal(size=(8, 5)) + rng.gumbel(size=(200, 5)), axis=1)
    s = rng.uniform(0.5, 2, size=200)
    s[rng.random(200) < 0.2] = 0.0
    m = GD(C=1.0, solver=solver).fit(X, y, sample_weight=s)
    assert m.converged_
    _assert_within_promise(m, X, y, _tight(X, y, 1.0, s=s), 1.0, s=s)


# ------------------------------------------------ the takes' schedule (StopTakes)
class _Priced:
    """An objective of one price (an L2 penalty: priced once a fit)."""

    penalty = ElasticNet(1.0, 0.0)

    def __init__(self, price):
        self.price = price

    def stop_take_price(self, support=True, point=None):
        return self.price


def _takes(price, stops, ratio=4.0):
    """The iterations J's Hessian is taken at by StopTakes (every take refused at λ²/target
    ``ratio``) and the verdicts, over ``stops``: (iteration, the gradient's optimality)."""
    from gdlogreg._steps import bb

    takes = []

    def refuse(objective, point, target, spent, price):
        if not price <= spent:
            return None
        takes.append(spent)
        return ratio

    st = bb.StopTakes()
    orig, bb.taken_ratio = bb.taken_ratio, refuse
    try:
        verdicts = [st.verdict(_Priced(price), None, 1.0, k, opt) for k, opt in stops]
    finally:
        bb.taken_ratio = orig
    return takes, verdicts


def test_stop_takes_not_before_their_price():
    """No take before the iterations run have cost its price: the gradient tests decide."""
    takes, verdicts = _takes(40.0, [(k, 1.0) for k in range(30, 40)])
    assert takes == [] and verdicts == [None] * 10


def test_stop_takes_after_a_refusal_wait_for_the_predicted_fall_and_the_rent():
    """After a refusal at λ² = 4 targets, a take waits for the gradient to halve (λ²
    predicted to fall as its square) and for the takes, this one counted, to cost at most
    the iterations run; or, whatever the prediction, three prices; every stop in between
    is refused without a take."""
    # early in the fit the rent holds the takes back (price 2.5: the 2nd at 5, the 3rd at 7.5)
    takes, verdicts = _takes(2.5, [(3, 1.0), (4, 0.5), (5, 0.45), (6, 0.2), (8, 0.2)])
    assert takes == [3, 5, 8] and verdicts == [False] * 5
    # late in the fit the prediction alone (the gradient not halved yet, then halved)
    takes, verdicts = _takes(2.5, [(100, 1.0), (101, 0.6), (102, 0.5), (103, 0.3),
                                   (104, 0.25)])
    assert takes == [100, 102, 104] and verdicts == [False] * 5
    # a gradient that does not fall: a take three prices (8 iterations) after the refusal
    takes, _ = _takes(2.5, [(k, 1.0) for k in range(100, 120)])
    assert takes == [100, 108, 116]


def test_stop_takes_stand_where_lambda_squared_is_within_the_target():
    takes, verdicts = _takes(0.5, [(1, 1.0)], ratio=0.9)
    assert takes == [1] and verdicts == [True]
