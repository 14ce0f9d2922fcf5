"""Review of the one-read dense moments (review9): a column's shift, taken from X's
first rows, must not round the rows that carry the weight.

The blocks are shifted by the mid-range of X's first rows where a column's offset
there is large. Rows of zero weight at the start, at another offset than the
weighted rows, set that shift; the weighted rows, far from it, were then rounded
at the shift's scale (x - 1e12 keeps x to 1e-4): a weighted variance 15 times too
large, and a fit that weighting a row by 0 no longer made equal to dropping it.
"""

import warnings

import numpy as np
import pytest

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._backends._array import NumpyBackend


def _moments(X, s):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return NumpyBackend(X, np.ones(X.shape[0], np.int8), s).moments()


def _far_first_rows(dtype, offset, sd, n=2000, k=500, seed=0):
    """k leading rows at ``offset`` (spread 1e-6 of it), the rest N(5 sd, sd²)."""
    rng = np.random.default_rng(seed)
    x = sd * rng.standard_normal(n) + 5 * sd
    x[:k] = offset * (1 + 1e-6 * rng.standard_normal(k))
    X = np.column_stack([x, rng.standard_normal(n)]).astype(dtype)
    return X, k


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("offset, sd", [(1e12, 1e-4), (1e8, 1e-8), (1e15, 1.0)])
def test_zero_weight_rows_at_the_start_do_not_round_the_weighted_rows(dtype, offset, sd,
                                                                     blocks):
    """Weight 0 == the row dropped: the moments of X with k leading rows of zero
    weight are those of X[k:], and a long-double reference's (in one row block, in
    several, on three threads)."""
    X, k = _far_first_rows(dtype, offset, sd)
    n = X.shape[0]
    s = np.r_[np.zeros(k), np.full(n - k, 1.0 / (n - k))].astype(dtype)
    scale, mean, var = _moments(X, s)
    scale_k, mean_k, var_k = _moments(np.ascontiguousarray(X[k:]), 1.0 / (n - k))
    Xl = X[k:].astype(np.longdouble)
    ref_mean = Xl.mean(axis=0)
    ref_var = ((Xl - ref_mean) ** 2).mean(axis=0)
    got_mean = mean.astype(np.float64) * scale
    got_var = var.astype(np.float64) * scale.astype(np.float64) ** 2
    np.testing.assert_allclose(got_mean, ref_mean.astype(np.float64), rtol=1e-6)
    np.testing.assert_allclose(got_var, ref_var.astype(np.float64), rtol=1e-5)
    np.testing.assert_allclose(got_var, var_k.astype(np.float64) * scale_k.astype(np.float64) ** 2,
                               rtol=1e-5)


def test_a_fit_with_zero_weight_far_rows_is_the_fit_without_them():
    """float32 X: the fit that weights the k leading rows by 0 is the fit on the
    others (it was 3e-3 off in the small feature's weight, and took more iterations)."""
    rng = np.random.default_rng(0)
    n, k = 2000, 500
    Z = rng.standard_normal((n, 2))
    y = (Z @ [1.0, 1.0] + 0.3 * rng.standard_normal(n) > 0).astype(int)
    X = np.column_stack([Z[:, 0], 1e-4 * Z[:, 1]]).astype(np.float32)
    X[:k, 1] = 1e12 * (1 + 1e-6 * rng.standard_normal(k))
    sw = np.r_[np.zeros(k), np.ones(n - k)]
    a = GradientDescentLogisticRegression(tol=1e-8, max_iter=3000).fit(X, y, sample_weight=sw)
    b = GradientDescentLogisticRegression(tol=1e-8, max_iter=3000).fit(X[k:], y[k:])
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-5)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_shifted_column_is_still_summed_in_one_read(dtype, monkeypatch):
    """The offset the shift is for (every row near it), beside a column that is not
    shifted: no second pass over X (since review11 the one read is the raw sums about a
    first block's mean: the two-pass sums are not called at all)."""
    rng = np.random.default_rng(1)
    X = (rng.standard_normal((3000, 3)) + [1e6, 1e6, 0.0]).astype(dtype)
    calls = []
    original = NumpyBackend._dense_sums

    def counted(self, *args, **kwargs):
        calls.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(NumpyBackend, "_dense_sums", counted)
    scale, mean, var = _moments(X, 1.0 / 3000)
    assert len(calls) == 0
    Xl = X.astype(np.longdouble)
    np.testing.assert_allclose(var.astype(np.float64), Xl.var(axis=0).astype(np.float64),
                               rtol=1e-6 if dtype == np.float32 else 1e-12)
