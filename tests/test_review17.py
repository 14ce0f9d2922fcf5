"""review17: a second outside review of bb's whitened steps (hostile numerics)."""

import numpy as np
from test_whitened_steps import _J, _collinear  # shared

from gdlogreg import GradientDescentLogisticRegression, _batch
from gdlogreg._steps import bb


def _off(monkeypatch):
    monkeypatch.setattr(bb, "WHITEN_RHO", np.inf)
    monkeypatch.setattr(_batch, "WHITEN_RHO", np.inf)


def test_float32_with_a_nearly_singular_bound_converges_where_plain_steps_do(monkeypatch):
    """float32, a column the sum of two others, C = 1e10: H scaled to a unit diagonal had
    a condition number of 1.5e13 (its floor 1e-13 of the mean diagonal), and H⁻¹ blew
    the float32 gradient's rounding up along the null direction: 1000 iterations, not
    converged, J 5e-3 above the plain steps' (which converge in 1903). A floor of
    10 eps(float32) converges in 26, no worse."""
    X, y = _collinear(n=2000)
    X = np.column_stack([X, X[:, 2] + X[:, 3]]).astype(np.float32)
    fast = GradientDescentLogisticRegression(C=1e10).fit(X, y)
    assert fast.converged_ and fast.n_iter_[0] < 100, fast.n_iter_
    _off(monkeypatch)
    plain = GradientDescentLogisticRegression(C=1e10, max_iter=3000).fit(X, y)
    assert plain.converged_
    Jw, Jp = _J(fast, X, y), _J(plain, X, y)
    assert Jw <= Jp + 1e-6 * Jp, (Jw, Jp)
