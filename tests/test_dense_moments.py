"""The dense moments: X's own columns where nothing can overflow or underflow,
each column divided by its largest |x| only where something could."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_review3 import hostile_weights  # shared

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._backends._array import NumpyBackend


def _moments(X, s):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning leaks
        return NumpyBackend(X, np.ones(X.shape[0], np.int8), s).moments()


def _reference(Xd, sv):
    """Weighted mean and variance of float64 columns scaled by their largest |x|."""
    m = np.max(np.abs(Xd), axis=0)
    m = np.where(m > 0, m, 1.0)
    mean = sv @ (Xd / m)
    return m, mean, sv @ (Xd / m - mean) ** 2


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    seed=st.integers(0, 2**32 - 1),
    dtype=st.sampled_from([np.float32, np.float64]),
    weights=st.sampled_from(["equal", "random", "zeros"]),
)
def test_dense_moments_match_scaled_float64_moments_on_hostile_columns(seed, dtype, weights):
    """Whatever the columns' magnitudes (huge, tiny, symmetric about 0, constant,
    empty), scale·mean and scale²·var equal the float64 moments of the columns;
    the unscaled path (scale 1) is taken only where it is exact."""
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(1, 300)), int(rng.integers(1, 9))
    Xd = rng.standard_normal((n, d))
    info = np.finfo(dtype)
    big = info.max / 4 / n**0.5
    low = np.sqrt(info.tiny) / 8  # squares subnormal in dtype
    for j in range(d):
        kind = rng.integers(7)
        if kind == 0:
            Xd[:, j] = 0.0  # an empty column
        elif kind == 1:
            Xd[:, j] = rng.choice([1.0, 3.0, 1e20 if dtype == np.float64 else 1e10])  # constant
        elif kind == 2:  # symmetric (a mean of 0 with equal weights), squares underflow
            Xd[:, j] = 1e-6 * np.sqrt(info.tiny) * np.where(np.arange(n) % 2, 1.0, -1.0)
        else:
            Xd[:, j] *= [1.0, 1e-3, big, low][kind - 3]
    X = Xd.astype(dtype)
    Xd = X.astype(np.float64)
    s, sv = hostile_weights(rng, n, weights, dtype)
    before = X.copy()
    scale, mean, var = _moments(X, s)
    np.testing.assert_array_equal(X, before)
    assert [a.dtype for a in (scale, mean, var)] == [np.dtype(dtype)] * 3
    assert all(np.isfinite(a).all() for a in (scale, mean, var))
    m, ref_mean, ref_var = _reference(Xd, sv)
    ratio = m / scale.astype(np.float64)
    tol = 4 * n * info.eps  # two sums of n terms, each rounded
    np.testing.assert_allclose(mean / ratio, ref_mean, rtol=tol, atol=tol)
    np.testing.assert_allclose(var / ratio**2, ref_var, rtol=4 * tol, atol=4 * tol)


def test_ordinary_columns_are_not_scaled():
    """Columns of ordinary units, constant ones and empty ones: scale 1, one pass
    less over X; the same moments as the scaled path."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 6)) * [1.0, 1e3, 1e-3, 1.0, 1.0, 1.0]
    X[:, 3], X[:, 4], X[:, 5] = 0.0, 1.0, 2e5
    scale, mean, var = _moments(X, 1.0 / 500)
    np.testing.assert_array_equal(scale, np.ones(6))
    m, ref_mean, ref_var = _reference(X, np.full(500, 1.0 / 500))
    np.testing.assert_allclose(mean, m * ref_mean, rtol=1e-13, atol=0)
    # the reference's constant columns have a variance of rounding (x/m - mean ≠ 0)
    np.testing.assert_allclose(var, m**2 * ref_var, rtol=1e-12, atol=1e-12 * m.max() ** 2)


@pytest.mark.parametrize("value", [1e-200, 1e-160, 5e-324])
def test_a_symmetric_tiny_column_is_not_taken_for_zeros(value):
    """±value alternating: its mean is exactly 0 and its squares underflow to 0, as
    an empty column's; it is scaled to unit variance, and its weight moves."""
    X = np.zeros((8, 2))
    X[:, 0] = value * np.where(np.arange(8) % 2, 1.0, -1.0)
    X[:, 1] = np.arange(8.0)
    scale, mean, var = _moments(X, 1.0 / 8)
    assert scale[0] == value and mean[0] == 0.0 and var[0] == 1.0
    if value < 1e-300:  # a column of subnormals: D is held to 1/tiny (see test_hostile)
        return
    y = np.array([0, 1, 1, 0, 1, 1, 0, 0])
    model = GradientDescentLogisticRegression(C=np.inf, max_iter=50).fit(X, y)
    assert np.isfinite(model.coef_).all() and model.coef_[0, 0] != 0.0


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("offset", [1e6, 1e12])
def test_moments_of_columns_far_from_zero_over_many_blocks(weighted, offset):
    """Blocks' means near a large offset round at the offset's scale, and combined they
    gave a variance 1e-11 off (1e6 + N(0, 1)); each block shifted by one of its rows,
    it is within a few ε of a long-double two-pass one, and the mean within a few ε
    of the spread (the block's mean, ref + mean', rounds at the row's scale; what
    centring needs is the mean to within the column's spread)."""
    rng = np.random.default_rng(3)
    n = 50_000  # many cache blocks and, on 2 cores or more, several row blocks
    X = np.column_stack([offset + rng.standard_normal(n), rng.standard_normal(n),
                         np.full(n, 3.0)])
    w = rng.random(n) if weighted else np.ones(n)
    s = w / w.sum() if weighted else 1.0 / n
    scale, mean, var = _moments(X, s)
    Xl = X.astype(np.longdouble) / scale.astype(np.longdouble)
    wl = w.astype(np.longdouble) / w.astype(np.longdouble).sum()
    Xl0 = Xl - Xl[0]  # exact in long double: the reference's sums hold no offset either
    ref_mean = wl @ Xl0 + Xl[0]
    ref_var = wl @ (Xl0 - wl @ Xl0) ** 2
    sd = np.sqrt(ref_var.astype(np.float64))
    assert np.all(np.abs(mean - ref_mean.astype(np.float64)) <= 8 * np.finfo(float).eps * sd
                  + 1e-15 * np.abs(mean))
    np.testing.assert_allclose(var[:2], ref_var[:2].astype(np.float64), rtol=1e-13)
    assert var[2] <= 1e-36 * 9.0 and abs(mean[2] - 3.0) <= 3 * 2.3e-16  # constant


def _long_double_moments(X, s):
    L = X.astype(np.longdouble)
    w = np.full(X.shape[0], 1.0, np.longdouble) if isinstance(s, float) else s.astype(
        np.longdouble)
    W = w.sum()
    mean = (w @ L) / W
    return mean, (w @ (L - mean) ** 2) / W


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_raw_sums_hold_their_accuracy_on_either_side_of_the_spread_bound(weighted, seed):
    """Columns whose mean² is 0 to 1e12 times their variance, across the bound at which
    the raw sums Σ w x, Σ w x² hand a column to the two-pass sums: every variance within
    1e-12 of a long-double one (the raw sums alone give 1e-4 at a ratio of 1e12), every
    mean within 1e-13 of a standard deviation (plus ε of itself)."""
    from gdlogreg._backends._array import RAW_SPREAD

    rng = np.random.default_rng(seed)
    n = 40_000
    ratios = np.array([0.0, 1.0, 16.0, RAW_SPREAD * 0.99, RAW_SPREAD * 1.01, 1e3, 1e8, 1e12])
    sd = 10.0 ** rng.uniform(-3, 3, size=ratios.size)
    X = sd * np.sqrt(ratios) + sd * rng.standard_normal((n, ratios.size))
    s = 1.0 / n
    if weighted:
        s = rng.exponential(size=n)
        s[rng.random(n) < 0.2] = 0.0
        s /= s.sum()
    scale, mean, var = _moments(X, s)
    np.testing.assert_array_equal(scale, 1.0)
    ref_mean, ref_var = _long_double_moments(X, s)
    rel = np.abs(var - ref_var) / ref_var
    assert float(rel.max()) < 1e-12, rel
    err = np.abs(mean - ref_mean) / np.sqrt(ref_var)
    assert np.all(err < 1e-13 + 1e-15 * np.abs(ref_mean) / np.sqrt(ref_var)), err


def _spy(monkeypatch):
    """The columns each call of the two-pass sums is given (None: all), as a list."""
    seen = []
    original = NumpyBackend._dense_sums

    def spy(self, scale, cols=None):
        seen.append(None if cols is None else cols.tolist())
        return original(self, scale, cols)

    monkeypatch.setattr(NumpyBackend, "_dense_sums", spy)
    return seen


def test_only_columns_far_from_zero_against_their_spread_are_summed_twice(monkeypatch):
    """The raw sums read X once; the two-pass sums see only the columns whose mean is
    large against their spread (an offset, a constant), not the whole of X; and where
    over a quarter of the columns are such, none: the sums are taken about a first
    block's mean (a constant column's variance still 0)."""
    seen = _spy(monkeypatch)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5_000, 6))
    _moments(X, 1.0 / 5_000)
    assert seen == []
    X[:, 2] += 1e3  # an offset of 1,000 standard deviations
    _, mean, var = _moments(X, 1.0 / 5_000)
    assert seen == [[2]]
    ref_mean, ref_var = _long_double_moments(X, 1.0 / 5_000)
    np.testing.assert_allclose(var[2], float(ref_var[2]), rtol=1e-14)
    X[:, 4] = 7.0  # a constant: two columns of six, over a quarter
    seen.clear()
    _, mean, var = _moments(X, 1.0 / 5_000)
    assert seen == []
    assert var[4] == 0.0 and mean[4] == 7.0
    np.testing.assert_allclose(var[2], float(ref_var[2]), rtol=1e-14)
