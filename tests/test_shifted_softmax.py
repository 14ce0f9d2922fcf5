"""The softmax's form shifted by each row's maximum keeps a confident row's last bits.

A block where some row is misclassified by a margin past the unshifted form's range
(354 in float64, 44 in float32) is shifted by each row's maximum. Before, that form took
log Σe for every row of the block, which rounds a confident row's loss log1p(o), o below
ε, to 0 and its residual p_y - 1 to 0: one far-off row of tiny weight made the fit's
J, its gradient and its certified gap wrong (an outside audit, 2026-12-05).
"""

import warnings

import numpy as np
import pytest

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._loss import MultinomialLogLoss


def _accurate_rows(Z, y):
    """Each row's log-loss in long double: log1p(Σ_{k≠y} e^{z_k - z_y}) with the shift."""
    Z = np.asarray(Z, np.longdouble)
    n = len(y)
    D = Z - Z[np.arange(n), y][:, None]
    D[np.arange(n), y] = -np.inf
    top = D.max(axis=1)
    with np.errstate(under="ignore"):
        small = np.log1p(np.exp(np.minimum(D, 0.0)).sum(axis=1))
        big = top + np.log(np.exp(-np.maximum(top, 0.0)) + np.exp(D - top[:, None]).sum(axis=1))
    return np.where(top > 0.0, big, small)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
def test_a_confident_row_beside_a_far_one(dtype, order):
    margin = 30.0 if dtype == np.float32 else 38.0
    far = 100.0 if dtype == np.float32 else 400.0
    z = np.array([[margin, -margin / 2, -margin / 2], [0.0, far, 0.0], [1.0, 0.5, -2.0]],
                 dtype=dtype, order=order)
    y = np.array([0, 0, 2])
    s = np.array([1.0, 1e-30, 0.5], dtype=dtype)
    loss = MultinomialLogLoss(3, np)
    t = loss.encode(y, np)
    with np.errstate(over="ignore"):  # the unshifted form's try (a fit's passes ignore it)
        value, R = loss.terms(z.copy(order=order), t, s, np, residual=True)
    rows = _accurate_rows(z, y)
    assert value == pytest.approx(float(np.sum(s * rows)), rel=4 * float(np.finfo(dtype).eps))
    # the confident row alone, in the unshifted form: the same loss and residual
    alone, R1 = loss.terms(z[:1].copy(), t[:1], s[:1], np, residual=True)
    assert float(alone) > 0.0
    np.testing.assert_allclose(R[0], R1[0], rtol=4 * np.finfo(dtype).eps)
    assert R[0, 0] < 0.0  # p_y - 1 = -o/(1 + o), not 0
    # every row's residual sums to 0 over the classes, and the far row's is its weight
    np.testing.assert_allclose(R[1], s[1] * np.array([0.0, 1.0, 0.0]) - s[1] * np.array(
        [1.0, 0.0, 0.0]), atol=float(s[1]) * 1e-6)


def test_the_far_rows_own_class_at_the_maximum_or_not():
    """Rows whose own class holds the maximum and rows whose does not, in one block: each
    row's loss as the long-double reference's."""
    rng = np.random.default_rng(0)
    Z = rng.normal(scale=20.0, size=(200, 5))
    Z[0, 1] = 800.0  # past the unshifted range: the block is shifted
    y = rng.integers(0, 5, 200)
    y[1:50] = Z[1:50].argmax(axis=1)  # confident rows
    loss = MultinomialLogLoss(5, np)
    t = loss.encode(y, np)
    s = np.zeros(200)
    for i in range(200):
        s[:] = 0.0
        s[i] = 1.0
        with np.errstate(over="ignore"):
            value, _ = loss.terms(Z.copy(), t, s, np, residual=False)
        ref = float(_accurate_rows(Z[i : i + 1], y[i : i + 1])[0])
        assert value == pytest.approx(ref, rel=1e-14, abs=0.0), i


def test_a_float32_fit_reports_its_own_J():
    """Three separated blobs and one far mislabelled row of weight 1e-9, C = 1e12 in
    float32: the J the fit reports is the model's (it was 0.4 of it), and its gap is
    certified."""
    rng = np.random.RandomState(0)
    X = np.vstack([c + rng.randn(30, 2) for c in ([0, 0], [10, 0], [0, 10])]
                  + [[[20.0, 20.0]]]).astype(np.float32)
    y = np.r_[np.repeat([0, 1, 2], 30), 0]
    sw = np.r_[np.ones(90), 1e-9]
    C = 1e12
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model = GradientDescentLogisticRegression(C=C).fit(X, y, sample_weight=sw)
    W = np.asarray(model.coef_, np.longdouble)
    Z = np.asarray(X, np.longdouble) @ W.T + np.asarray(model.intercept_, np.longdouble)
    J = float((sw @ _accurate_rows(Z, y) + 0.5 * np.sum(W**2) / C) / sw.sum())
    assert model.loss_curve_[-1] == pytest.approx(J, rel=1e-3)
    assert J <= model.loss_curve_[-1] + model.dual_gap_ * 2 + 1e-6 * J


def test_an_own_class_at_plus_inf_has_loss_and_residual_zero():
    """z_y = +inf (a warm start of 1e200 coefficients): the shifted form's gap is nan there;
    the row's loss is 0 and so is its residual (it was nan, and a fit stopped as diverged
    where it had restarted from zero; review 161)."""
    loss = MultinomialLogLoss(3, np)
    z = np.array([[np.inf, 1.0, 0.0], [0.0, 500.0, 0.0], [0.2, 0.1, -0.3]])
    t = loss.encode(np.array([0, 0, 2]), np)
    with np.errstate(over="ignore", invalid="ignore"):
        value, R = loss.terms(z.copy(), t, np.ones(3), np, residual=True)
    assert np.isfinite(value) and np.all(np.isfinite(R))
    np.testing.assert_array_equal(R[0], 0.0)
