"""The solve of J's quadratic model with an L1 part (gdlogreg._dense.l1_model_point):
proximal Newton's step, by feature-sign search, against an independent solver of the same
model; and what a cut-short solve, J's rounding and extreme input give."""

import numpy as np
import pytest
from scipy.optimize import minimize

from gdlogreg._dense import l1_model_point


def _model(g, H, lam1, w, u):
    d = u - w
    return float(g @ d + 0.5 * d @ H @ d + lam1 @ (np.abs(u) - np.abs(w)))


def _reference(g, H, lam1, w):
    """The model's least by L-BFGS-B on u = a - b, a, b >= 0 (smooth and exact for L1)."""
    p = len(w)

    def f(z):
        u = z[:p] - z[p:]
        d = u - w
        grad = g + H @ d
        value = g @ d + 0.5 * d @ H @ d + lam1 @ (z[:p] + z[p:]) - lam1 @ np.abs(w)
        return value, np.concatenate([grad + lam1, -grad + lam1])

    z0 = np.concatenate([np.maximum(w, 0.0), np.maximum(-w, 0.0)])
    out = minimize(f, z0, jac=True, method="L-BFGS-B", bounds=[(0.0, None)] * (2 * p),
                   options={"maxiter": 50000, "ftol": 1e-15, "gtol": 1e-13})
    return float(out.fun)


def _case(seed, kind):
    """A model as J's at a point: H = XᵀX/n (+ the L2 part), g in the loss's range (its
    gradient has no part along the loss's flat directions), the last coordinate an
    intercept (no L1 weight), about half the weights at 0."""
    rng = np.random.default_rng(seed)
    p = int(rng.integers(3, 25))
    X = rng.normal(size=(p + int(rng.integers(0, 30)), p))
    if kind == "collinear":  # a copy of a sum of columns: a flat direction of the loss
        X[:, 2] = X[:, 0] - 0.5 * X[:, 1]
    if kind == "wide":  # fewer rows than coordinates: H singular
        X = X[: p // 2]
    X[:, -1] = 1.0
    n = len(X)
    lam2 = np.zeros(p)
    if kind == "elastic net":
        lam2[:-1] = rng.uniform(0.001, 0.1)
    H = X.T @ X / n + np.diag(lam2)
    w = rng.normal(size=p) * (rng.random(p) < 0.5)
    g = X.T @ rng.normal(size=n) / n + lam2 * w
    lam1 = np.full(p, rng.uniform(0.01, 0.5))
    lam1[-1] = 0.0
    return g, H, lam1, lam2, w


@pytest.mark.parametrize("kind", ["pure L1", "elastic net", "collinear", "wide"])
@pytest.mark.parametrize("seed", range(15))
def test_the_solve_reaches_the_model_least(kind, seed):
    """Feature-sign search ends at the model's least (weights entering, leaving and
    changing sign on the way; the loss flat along a copy of columns or with fewer rows
    than coordinates), to the reference solver's value, and says its fall."""
    g, H, lam1, lam2, w = _case(seed, kind)
    out = l1_model_point(g, H, lam1, lam2, w)
    ref = _reference(g, H, lam1, w)
    assert out is not None
    u, fall = out
    value = _model(g, H, lam1, w, u)
    assert np.isclose(-fall, value, rtol=1e-9, atol=1e-14)
    assert value <= ref + 1e-10 * max(1.0, abs(ref)), (value, ref)


def test_the_least_is_the_model_optimality():
    """At the end, every weight not at 0 has the model's slope -lam1·sign, and every one at
    0 a slope within its L1 weight (the model's subgradient holds 0)."""
    g, H, lam1, lam2, w = _case(3, "elastic net")
    u, _ = l1_model_point(g, H, lam1, lam2, w)
    slope = g + H @ (u - w)
    on = u != 0.0
    np.testing.assert_allclose(slope[on] + lam1[on] * np.sign(u[on]), 0.0, atol=1e-12)
    assert np.all(np.abs(slope[~on]) <= lam1[~on] * (1.0 + 1e-8))
    assert 0 < np.count_nonzero(u[:-1]) < len(u) - 1  # (some weights at 0, some not)


def test_a_solve_cut_short_still_lowers_the_model():
    """Past its flops after the first step, the solve returns that step's point: a fall of
    the model (so a descent direction of J), less than the whole solve's."""
    g, H, lam1, lam2, w = _case(5, "pure L1")
    whole = l1_model_point(g, H, lam1, lam2, w)
    short = l1_model_point(g, H, lam1, lam2, w, flops=1.0)
    assert short is not None and 0.0 < short[1] < whole[1]
    assert np.isclose(-short[1], _model(g, H, lam1, w, short[0]), rtol=1e-9)


def test_a_fall_within_j_rounding_is_none():
    """A model that falls by no more than J's rounding gives no step."""
    g, H, lam1, lam2, w = _case(7, "elastic net")
    fall = l1_model_point(g, H, lam1, lam2, w)[1]
    assert l1_model_point(g, H, lam1, lam2, w, rounding=2.0 * fall) is None


def test_at_the_least_already_no_step():
    """From the model's least, no step (the fall is 0)."""
    g, H, lam1, lam2, w = _case(9, "pure L1")
    u, _ = l1_model_point(g, H, lam1, lam2, w)
    g2 = g + H @ (u - w)
    assert l1_model_point(g2, H, lam1, lam2, u, rounding=1e-15) is None


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_hessian_not_finite_gives_none(bad):
    g, H, lam1, lam2, w = _case(11, "pure L1")
    H[0, 0] = bad
    assert l1_model_point(g, H, lam1, lam2, w) is None


def test_a_flat_direction_moves_to_its_kink():
    """Pure L1, a column and its copy at twice the scale: the loss is flat along the moves
    that keep w₀ + 2 w₁, where the L1 term is least with w₀ at 0 (the kink; the copy of
    larger scale carries the weight at half the cost). The solve takes the flat move
    there, to J's least."""
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(50, 3))
    X = np.column_stack([Z[:, 0], 2.0 * Z[:, 0], Z[:, 1:], np.ones(50)])
    H = X.T @ X / 50
    w = np.array([0.8, 0.3, -0.3, 0.2, 0.1])  # w₀ + 2 w₁ = 1.4
    best = np.array([0.0, 0.7, -0.3, 0.2, 0.1])  # the same X w, the least L1 term
    g = np.zeros(5)  # (the loss is least at w: only the L1 term moves it)
    lam1 = np.array([0.01, 0.01, 0.01, 0.01, 0.0])
    u, fall = l1_model_point(g, H, lam1, np.zeros(5), w)
    assert np.all(np.isfinite(u)) and fall > 0.0
    assert np.isclose(-fall, _model(g, H, lam1, w, u), rtol=1e-9)
    assert _model(g, H, lam1, w, u) <= _reference(g, H, lam1, w) + 1e-12
    assert _model(g, H, lam1, w, u) <= _model(g, H, lam1, w, best) + 1e-12
