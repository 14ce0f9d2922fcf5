"""Review 11: the dense moments' raw sums Σ w x, Σ w x² (NumpyBackend._raw_sums)."""

import numpy as np
from test_dense_moments import _long_double_moments, _moments, _spy  # shared


def test_raw_sums_of_long_columns_of_few_values_keep_their_accuracy():
    """A column of two values (a binary feature c | c + δ) under the spread bound, one
    column of 2^18 rows: a BLAS sum of 65,536 equal-ish squares drifts one way, and
    var = Σ w x² / Σ w - mean² multiplies that drift by 1 + mean²/var (up to 65): a
    variance 4.5e-12 from a long-double one, a mean 3e-13 of a sd, in blocks of
    65,536 rows; within 1e-12 and 1e-13 of a sd in blocks of at most 2,048."""
    rng = np.random.default_rng(1)
    n = 1 << 18
    worst_var, worst_mean = 0.0, 0.0
    for _ in range(24):
        c, p, ratio = rng.uniform(0.05, 5), rng.uniform(0.3, 0.7), rng.uniform(20, 63.9)
        delta = c / (np.sqrt(ratio * p * (1 - p)) - p)  # (c + p δ)² = ratio · p (1-p) δ²
        X = np.where(rng.random(n) < p, c + delta, c)[:, None]
        scale, mean, var = _moments(X, 1.0 / n)
        assert scale[0] == 1.0
        ref_mean, ref_var = _long_double_moments(X, 1.0 / n)
        worst_var = max(worst_var, float(abs(var[0] - ref_var[0]) / ref_var[0]))
        worst_mean = max(worst_mean, float(abs(mean[0] - ref_mean[0]) / np.sqrt(ref_var[0])))
    assert worst_var < 1e-12, worst_var
    assert worst_mean < 1e-13, worst_mean


def test_columns_mostly_far_from_zero_are_read_once_about_a_first_block_mean(monkeypatch):
    """Where most columns are offset (ages, prices: mean² > 64 var), the raw sums are
    taken about the columns' mean over a first block, and X is read once: summing those
    columns again took 158 ms (a copy of them on every block), then 72 ms (all of X
    again), against 53 ms for the two-pass sums, on 200,000 x 100 + 1000; 32 ms now.
    The moments are the two-pass sums' to 1e-14."""
    seen = _spy(monkeypatch)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3_000, 6)) + 1e3
    X[:, 1] -= 1e3  # one column near 0
    _, mean, var = _moments(X, 1.0 / 3_000)
    assert seen == []
    ref_mean, ref_var = _long_double_moments(X, 1.0 / 3_000)
    np.testing.assert_allclose(var, ref_var.astype(np.float64), rtol=1e-14)
    # a relative 1e-15, or 1e-15 of a standard deviation (1) for the column near 0
    np.testing.assert_allclose(mean, ref_mean.astype(np.float64), rtol=1e-15, atol=1e-15)


def test_a_column_whose_first_block_is_far_from_the_rest_is_summed_again(monkeypatch):
    """The first block's mean is no shift for a column whose first block (2,048 rows)
    sits at 1e6 and the other 99 % at 0 (sorted data): the sums about it lose
    log2(1 + 99) bits, over the bound, and that column alone is summed again by the
    two-pass sums; weighted, float64 and float32."""
    from gdlogreg._backends._array import RAW_ROWS

    rng = np.random.default_rng(2)
    n = 100 * RAW_ROWS
    X = rng.standard_normal((n, 6)) + 1e3
    X[:, 3] = rng.standard_normal(n)
    X[:RAW_ROWS, 3] += 1e6
    for dtype in (np.float64, np.float32):
        for s in (1.0 / n, rng.exponential(size=n)):
            if not isinstance(s, float):
                s = s / s.sum()
            seen = _spy(monkeypatch)
            Xd = X.astype(dtype)
            _, mean, var = _moments(Xd, s)
            assert seen == [[3]]
            ref_mean, ref_var = _long_double_moments(Xd, s)
            tol = 1e-13 if dtype == np.float64 else 2e-7
            np.testing.assert_allclose(var, ref_var.astype(np.float64), rtol=tol)
            np.testing.assert_allclose(mean, ref_mean.astype(np.float64), rtol=tol)
