"""J's Hessian taken at a stop where the rule holds no metric (gdlogreg._steps.bb.StopTakes),
with an L1 part on the weights' support (Objective.support_decrement), and the shift common
to the classes that lowers the L1 term (gdlogreg._objective.best_shift, Monitor.jump)."""

import warnings

import numpy as np
import pytest
from scipy.special import log_expit, logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV
from gdlogreg._objective import best_shift


@pytest.fixture(autouse=True)
def _no_convergence_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _J(m, X, y, C, rho):
    """The library's J (user guide), float64."""
    yi = np.searchsorted(m.classes_, y)
    W = np.asarray(m.coef_, np.float64)
    if len(m.classes_) == 2:
        z = X @ W[0] + m.intercept_[0]
        L = -log_expit((2.0 * yi - 1.0) * z)
    else:
        Z = X @ W.T + m.intercept_
        L = logsumexp(Z, axis=1) - Z[np.arange(len(yi)), yi]
    pen = (1 - rho) / 2 * np.sum(W**2) + rho * np.sum(np.abs(W))
    return float(L.mean() + pen / (C * len(y)))


@pytest.mark.parametrize("l2", [0.0, 0.3, 5.0])
@pytest.mark.parametrize("k", [2, 3, 6])
def test_best_shift_is_the_least_penalty_over_the_common_shifts(l2, k):
    """Against a fine grid of shifts: the gap is the penalty's largest fall (never less
    than the grid finds, within its spacing), and c attains it."""
    rng = np.random.default_rng(k)
    W, D, l1 = rng.normal(size=(4, k)), rng.uniform(0.5, 2.0, 4), 0.7
    cs = np.linspace(-5.0, 5.0, 100_001)

    def P(j, v):
        return l1 * D[j] * np.abs(v).sum(-1) + 0.5 * l2 * D[j] ** 2 * (v * v).sum(-1)

    gap, c = best_shift(W, D, l1, l2)
    grid = sum(P(j, W[j]) - P(j, W[j][None, :] + cs[:, None]).min() for j in range(4))
    assert grid - 1e-12 <= gap <= grid + 1e-3
    assert np.isclose(sum(P(j, W[j]) - P(j, W[j] + c[j]) for j in range(4)), gap)


def test_best_shift_of_centred_weights_is_nothing():
    """The weights of an L2 fit from zero sum to 0 over the classes: nothing to gain there;
    with the median at 0, neither for pure L1."""
    W = np.array([[1.0, -1.0, 0.0], [0.5, 0.0, -0.5]])
    assert best_shift(W, np.ones(2), 0.0, 1.0)[0] == pytest.approx(0.0, abs=1e-15)
    assert best_shift(W, np.ones(2), 1.0, 0.0)[0] == pytest.approx(0.0, abs=1e-15)


def _three_classes(seed=3, n=2500):
    """Three classes of a weak signal on eight normal columns: at C=100 under pure L1 the
    default solver stopped 'converged' after 13 iterations 3.7e-6 above J*, every class's
    weight of each column not 0 and their shift common to the classes not the L1 term's
    least (the gradient tests cannot see a fall of l1 = 1/(C n) per unit)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 8))
    y = np.argmax(0.3 * X @ rng.normal(size=(8, 3)) + rng.gumbel(size=(n, 3)), axis=1)
    return X, y


@pytest.mark.parametrize("solver", ["bb", "backtracking", "gd"])
def test_three_classes_under_l1_converged_is_within_the_promise(solver):
    """The stop is 'converged' only where J is within the promise of J*: the stop's take
    refuses it, and the classes' weights are shifted to the L1 term's least (Monitor.jump);
    the default solver then stops after 16 iterations 1e-10 above J*."""
    X, y = _three_classes()
    m = GD(C=100.0, l1_ratio=1.0, solver=solver).fit(X, y)
    ref = GD(C=100.0, l1_ratio=1.0, tol=1e-13, max_iter=20000).fit(X, y)
    J, J_star = _J(m, X, y, 100.0, 1.0), _J(ref, X, y, 100.0, 1.0)
    assert (J - J_star) / J_star > -1e-9
    assert not m.converged_ or (J - J_star) / J_star <= 1e-6
    if solver == "bb":
        assert m.converged_ and m.n_iter_[0] < 100
        W = np.asarray(m.coef_)
        assert best_shift(W.T, np.ones(W.shape[1]), 1.0, 0.0)[0] <= 1e-6 * np.abs(W).sum()


def test_one_hot_levels_beside_the_intercept_do_not_refuse_a_good_l1_stop():
    """A full set of one-hot levels sums to the intercept's column: on the weights'
    support the loss is flat along that sum (an exact null direction, read as the L1
    term's, not as a huge distance), and a stop at J* stands."""
    rng = np.random.default_rng(3)
    n = 2000
    level = rng.integers(0, 4, size=n)
    X = np.column_stack([np.eye(4)[level], rng.normal(size=(n, 3))])
    y = (X[:, 4] + 0.5 * level + rng.logistic(size=n) > 1.0).astype(int)
    m = GD(C=1000.0, l1_ratio=1.0).fit(X, y)
    ref = GD(C=1000.0, l1_ratio=1.0, tol=1e-13, max_iter=20000).fit(X, y)
    assert m.converged_ and m.n_iter_[0] < 300
    J, J_star = _J(m, X, y, 1000.0, 1.0), _J(ref, X, y, 1000.0, 1.0)
    assert (J - J_star) / J_star <= 1e-6


@pytest.mark.parametrize("solver", ["bb", "gd"])
def test_search_columns_under_l1_score_as_their_single_fits(solver):
    """The search's columns take the stop's Hessian and shift their classes' weights as
    their single fits do: the fold scores agree."""
    X, y = _three_classes()
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    search = GDCV(Cs=[100.0], l1_ratios=[1.0], cv=folds, solver=solver,
                  use_legacy_attributes=False).fit(X, y)
    single = [GD(C=100.0, l1_ratio=1.0, solver=solver).fit(X[tr], y[tr]).score(X[te], y[te])
              for tr, te in folds]
    np.testing.assert_allclose(np.ravel(search.cv_results_["split0_test_score"]), single[0],
                               atol=1e-6)
    for f in range(3):
        np.testing.assert_allclose(search.cv_results_[f"split{f}_test_score"], single[f],
                                   atol=1e-6)


def test_the_classes_shift_is_asked_where_no_take_is_paid(monkeypatch):
    """The shift common to the classes costs O(p·K): it refuses a stop (and moves the
    weights there) even where the Hessian's take is not paid; without any take the
    three-class fit above still ends within the promise."""
    from gdlogreg._objective import Objective

    X, y = _three_classes()
    ref = GD(C=100.0, l1_ratio=1.0, tol=1e-13, max_iter=20000).fit(X, y)
    monkeypatch.setattr(Objective, "stop_take_price", lambda self, *args, **kw: np.inf)
    m = GD(C=100.0, l1_ratio=1.0).fit(X, y)
    J, J_star = _J(m, X, y, 100.0, 1.0), _J(ref, X, y, 100.0, 1.0)
    assert m.converged_ and (J - J_star) / J_star <= 1e-6
