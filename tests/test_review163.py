"""Review 163: float32 X with a column whose mean is far above its spread. z = X·w + b
keeps few digits there (X·w cancels against the intercept), and the J, gradient and gap
the fit measures are those of the rounded z: a fit stopped "converged" with a dual_gap_
of 0 while 3.9e-5 above J*. Such a stop now warns, and dual_gap_ is NaN: no certificate,
unless J's Newton decrement from the returned model's gradient made in float64 certifies
that model (stop 84; tests/test_exported_certified.py): such a stop is then within the
promise, tol/10 of J*."""

import warnings

import numpy as np
import pytest
from scipy.special import log_expit
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from gdlogreg import GradientDescentLogisticRegression


def _data(offset, seed=1, n=500):
    rng = np.random.default_rng(seed)
    Xn = rng.standard_normal((n, 4))
    y = (Xn @ np.array([1.0, -2.0, 0.5, 1.0]) + rng.standard_normal(n) > 0).astype(int)
    return (Xn + np.array([offset, 0.0, 0.0, 0.0])).astype(np.float32), y


# The oldest supported stack (numpy 1.23, scipy 1.9, its OpenBLAS 0.3.18-0.3.20) rounds
# float32 and multi-threaded products otherwise: paths that end by a hair there differ.
OLDEST_STACK = np.lib.NumpyVersion(np.__version__) < "1.25.0"


def _J(X, y, w, b, C):
    z = X @ w + b
    loss = np.mean(np.where(y == 1, -log_expit(z), -log_expit(-z)))
    return loss + (w @ w) / (2 * C * len(y))


def _above(X, y, est):
    """(J - J*) / J* of ``est`` on the float32 values of X, as posed in float64."""
    X64 = X.astype(np.float64)
    Xc = X64 - X64.mean(axis=0)  # the same J* (the intercept absorbs the shift)
    ref = LogisticRegression(C=100.0, tol=1e-14, max_iter=100_000).fit(Xc, y)
    J_star = _J(Xc, y, ref.coef_[0], ref.intercept_[0], 100.0)
    J = _J(X64, y, est.coef_[0].astype(np.float64), float(est.intercept_[0]), 100.0)
    return (J - J_star) / J_star


def _fit_recording(X, y):
    """The fit at C = 100 and whether it warned that column 0 leaves its stop uncertified
    (or, where rounding kept it from stopping, that it did not converge)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = GradientDescentLogisticRegression(C=100.0).fit(X, y)
    warned = any(issubclass(w.category, ConvergenceWarning) and "Column 0 of X" in str(w.message)
                 for w in caught)
    return est, warned


@pytest.mark.parametrize("seed", [1, 2])
def test_an_uncertified_float32_stop_warns_and_claims_no_gap(seed):
    """A converged_ stop on such X claims no gap, wherever its rounding lands it, and warns
    unless the returned model's own decrement certifies it, within the promise then.

    2026-12-06: this test also asked each seed's model to sit above tol's accuracy; with
    OpenBLAS's Haswell kernels (AMD EPYC, at review 163's commit as now) seed 2 lands 4.5e-8
    above J*, by luck, as on the oldest stack. That claim is now the next test's, over
    seeds, not a seed's rounding."""
    X, y = _data(1e5, seed)
    est, warned = _fit_recording(X, y)
    assert est.converged_ and np.isnan(est.dual_gap_)
    assert warned or _above(X, y, est) <= est.tol / 10
    assert np.all(np.isfinite(est.coef_)) and np.all(np.isfinite(est.intercept_))


def test_the_uncertified_stops_warning_is_not_idle():
    """The warning is not idle: most such stops (seeds 1 to 6) end above the accuracy tol
    asks for (Haswell kernels: 2.8e-5, 4.5e-8, 3.8e-6, 2.4e-5, 1.3e-6 and 8.6e-6 of J*),
    seed 1 among them on every machine the project ran. Each of those warns and names the
    column: the stop's own warning, or, where the rounding keeps a fit from stopping
    (OpenBLAS's SkylakeX kernels: seed 5 at max_iter, 1.9e-5 above J*), max_iter's."""
    if OLDEST_STACK:  # (its rounding lands otherwise; seed 2 4.5e-8 above J* there too)
        pytest.skip("the oldest stack's float32 paths end elsewhere")
    above = {}
    for seed in range(1, 7):
        X, y = _data(1e5, seed)
        est, warned = _fit_recording(X, y)
        assert np.isnan(est.dual_gap_)
        above[seed] = _above(X, y, est) > est.tol / 10
        assert warned or not above[seed], seed  # silent only where certified, and truly
    assert above[1] and sum(above.values()) >= 4, above


@pytest.mark.parametrize("offset, dtype", [(1e3, np.float32), (1e5, np.float64)])
def test_offsets_the_dtype_holds_stay_certified(offset, dtype):
    X, y = _data(offset)
    X = X.astype(dtype) if dtype is np.float32 else (X.astype(np.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = GradientDescentLogisticRegression(C=100.0).fit(X, y)
    assert est.converged_ and np.isfinite(est.dual_gap_)


def test_a_column_of_modest_ratio_but_large_weight_warns_too():
    """Review 172: the warning also asked the column's mean to be 1.7e4 times its spread;
    at 3.2e3, with the label in the column and a large weight, z's term ε|μ w| was 1.3e-2
    logits and the fit stopped 1.4e-5 above J* unwarned."""
    X, y = load_iris(return_X_y=True)
    rng = np.random.default_rng(1)
    t = (y - y.mean()) / y.std()
    col = 1e5 + 10.0 * (rng.normal(0.0, 1.0, len(y)) + 3.0 * t)
    X32 = np.hstack([X, col[:, None]]).astype(np.float32)
    with pytest.warns(ConvergenceWarning, match="dual_gap_ is NaN.*Column 4 of X"):
        est = GradientDescentLogisticRegression(C=100.0).fit(X32, y)
    assert np.isnan(est.dual_gap_)


def test_an_unconverged_stop_of_such_x_claims_no_gap_either():
    """Review 187: where such a fit runs to max_iter (seed 12 with the Haswell kernels) its
    dual_gap_ was the rounded z's, 0.0 while 2.1e-6 above J*; it is NaN as at a converged
    stop. Over seeds: every fit that warns of the column claims no gap."""
    for seed in (1, 2, 12):
        X, y = _data(1e5, seed)
        est, warned = _fit_recording(X, y)
        assert np.isnan(est.dual_gap_), (seed, est.stop_reason_, est.dual_gap_)
        assert warned or est.converged_ and _above(X, y, est) <= est.tol / 10, seed
