"""The bulk's check (:func:`gdlogreg._problem.bulk_moments`) from each candidate column's
non-zeros (the backend's ``column_samples``, ``column_zeros``).

It read each candidate column over all n rows and sorted them twice: on one-hot or
count columns (thousands of rare ids or words, each a candidate) that was most of a
fit's time (movielens at C = 1e6: 9 s of 10). The columns' values are now gathered from
their non-zeros, the rows where a column is 0 as one value of their weight, and a column
whose zeros hold more than half the weight is skipped (its median and MAD are 0). The
moments found must be those of the whole columns, whatever X's layout and weights.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from gdlogreg._problem import BULK_MADS, BULK_RATIO, bulk_moments, make_problem


def _whole_column_bulk(x, s, spread):
    """The bulk of one whole column (every row, its weight s), written out as the
    definition reads: the rows within BULK_MADS weighted MADs of the weighted median."""
    keep = s > 0
    x, s = x[keep], s[keep]

    def median(v):
        order = np.argsort(v, kind="stable")
        cw = np.cumsum(s[order])
        return v[order][min(np.searchsorted(cw, 0.5 * cw[-1]), len(v) - 1)]

    med = median(x)
    mad = median(np.abs(x - med))
    if not mad > 0:
        return None
    near = np.abs(x - med) <= BULK_MADS * mad
    w = s[near] / s[near].sum()
    mean = np.sum(w * x[near])
    sd = np.sqrt(np.sum(w * (x[near] - mean) ** 2))
    return (mean, sd) if sd > 0 and spread >= BULK_RATIO * sd else None


def _columns(rng, n):
    """Columns of every kind the check meets: sentinel codes among a bulk (some found,
    some not), rare one-hot ids, counts, mostly one non-zero value, negatives, constant."""
    cols = []
    for value in (-5e12, 7e9, -99999999.0, 50.0):
        x = np.round(rng.normal(size=n) * 3.0)
        x[rng.choice(n, 2, replace=False)] = value
        cols.append(x)
    for k in (1, 2, 3, n // 3, n - 1):  # ids on k rows
        x = np.zeros(n)
        x[rng.choice(n, k, replace=False)] = 1.0
        cols.append(x)
    x = np.zeros(n)
    x[rng.choice(n, n // 2 + 3, replace=False)] = rng.normal(size=n // 2 + 3)
    x[0] = 1e8  # non-zeros on just over half the rows, one far
    cols.append(x)
    x = np.full(n, 2.0)
    x[:3] = (-4e11, 0.0, 0.0)  # one value on most rows (MAD 0)
    cols.append(x)
    counts = rng.poisson(0.05, size=n).astype(float)
    counts[5] = 4e6
    cols.append(counts)
    cols.append(np.full(n, 3.0))
    return np.column_stack(cols)


def _expected(X, s):
    """{j: (mean, sd)} of the whole columns, as bulk_moments asks them (the spread over
    every row, at the normalised weights s)."""
    s = s / s.sum()
    mean = s @ X
    spread = np.sqrt(s @ (X - mean) ** 2)
    out = {}
    for j in range(X.shape[1]):
        bulk = _whole_column_bulk(X[:, j], s, spread[j])
        if bulk is not None:
            out[j] = bulk
    return out


def _layouts(X, rng):
    """X dense, as CSR and CSC, and as CSR and CSC with duplicates and unsorted indices
    (its entries split in two parts summed, and pairs ±v stored where X is 0)."""
    yield X
    yield sp.csr_matrix(X)
    yield sp.csc_matrix(X)
    coo = sp.coo_matrix(X)
    part = rng.uniform(0.2, 0.8, size=coo.nnz) * coo.data
    zr, zc = np.nonzero(X == 0)
    pick = rng.choice(len(zr), len(zr) // 5, replace=False)
    zr, zc, v = zr[pick], zc[pick], rng.normal(size=len(pick))
    data = np.r_[part, coo.data - part, v, -v]
    rows, cols = np.r_[coo.row, coo.row, zr, zr], np.r_[coo.col, coo.col, zc, zc]
    for major, minor, fmt in ((rows, cols, sp.csr_matrix), (cols, rows, sp.csc_matrix)):
        order = np.lexsort((rng.uniform(size=len(data)), major))  # minor unsorted
        indptr = np.r_[0, np.cumsum(np.bincount(major, minlength=X.shape[fmt is sp.csc_matrix]))]
        dup = fmt((data[order], minor[order], indptr), shape=X.shape)  # (stored as given)
        assert dup.nnz == len(data)
        yield dup


@pytest.mark.parametrize("weights", ["none", "positive", "some zero"])
def test_bulk_from_non_zeros_matches_whole_columns(weights):
    rng = np.random.default_rng(3)
    n = 400
    X = _columns(rng, n)
    s = {"none": np.ones(n), "positive": rng.uniform(0.1, 3.0, size=n),
         "some zero": rng.uniform(0.1, 3.0, size=n) * (rng.uniform(size=n) > 0.2)}[weights]
    s[:2] = np.maximum(s[:2], 0.5)  # (the sentinels' rows weigh)
    expected = _expected(X, s)
    assert len(expected) >= 3  # (sentinels found: the check has something to find)
    y = (rng.uniform(size=n) < 0.5).astype(int)
    sw = None if weights == "none" else s
    for A in _layouts(X, rng):
        data = None if not sp.issparse(A) else A.data.copy()
        got = bulk_moments(make_problem(A, y, sw, 2, C=1.0, l1_ratio=0.0, fit_intercept=True))
        assert sorted(got) == sorted(expected), type(A)
        for j, (mean, sd) in expected.items():
            assert got[j][0] == pytest.approx(mean, rel=1e-9, abs=1e-9 * sd)
            assert got[j][1] == pytest.approx(sd, rel=1e-9)
        if data is not None:  # the caller's X left as it is
            np.testing.assert_array_equal(A.data, data)


def test_column_samples_gather_zeros_and_zeros_bound_from_below():
    rng = np.random.default_rng(5)
    n = 300
    X = _columns(rng, n)
    s = rng.uniform(0.1, 2.0, size=n) * (rng.uniform(size=n) > 0.1)
    y = (rng.uniform(size=n) < 0.5).astype(int)
    cols = np.arange(X.shape[1])
    for A in _layouts(X, rng):
        be = make_problem(A, y, s, 2, C=1.0, l1_ratio=0.0, fit_intercept=True).backend
        w_rows = be.s if not isinstance(be.s, float) else np.full(n, be.s)
        zeros = be.column_zeros(cols)
        for j, (x, w) in zip(cols, be.column_samples(cols), strict=True):
            true_zero = w_rows[X[:, j] == 0].sum()
            assert np.sum(w) == pytest.approx(w_rows.sum(), rel=1e-12)
            assert np.all(w > 0) and np.count_nonzero(x == 0) <= 1
            assert len(x) <= np.count_nonzero(X[:, j]) + 1  # the non-zeros, one 0
            assert zeros[j] <= true_zero * (1 + 1e-12) + 1e-15
            got = np.sort(x[x != 0])
            np.testing.assert_allclose(got, np.sort(X[w_rows > 0, j][X[w_rows > 0, j] != 0]),
                                       rtol=1e-12)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_repeated_entries_fit_the_model_of_their_sums(fmt):
    # A far value stored as two parts read, in the columns' ranges, as a range a third
    # narrower: the column was not a candidate, no bulk was found, and the fit stopped
    # at another model than the canonical matrix's (15 % apart on a weight).
    from gdlogreg import GradientDescentLogisticRegression as GD

    rng = np.random.default_rng(3)
    n = 400
    X = _columns(rng, n)
    y = (X[:, 2] / 7e6 + rng.normal(size=n) < 0).astype(int)
    layouts = list(_layouts(X, rng))
    canonical = layouts[1 if fmt == "csr" else 2]
    repeated = layouts[3 if fmt == "csr" else 4]
    assert not repeated.has_canonical_format and repeated.format == fmt
    data = repeated.data.copy()
    a, b = GD().fit(canonical, y), GD().fit(repeated, y)
    # (two converged fits, their sums rounded apart: J alike, the weights near)
    assert abs(b.loss_curve_[-1] - a.loss_curve_[-1]) <= 2e-6 * a.loss_curve_[-1]
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-3, atol=1e-3 * np.abs(a.coef_).max())
    np.testing.assert_array_equal(repeated.data, data)


@pytest.mark.parametrize("seed", [3, 5, 13])
def test_a_column_half_zeros_is_read_alike_dense_and_sparse(seed):
    # Exactly half its rows 0: the skip of columns whose zeros hold more than half the
    # weight compared sums that dense and sparse X round apart, and one read the bulk
    # where the other skipped the column (review 215).
    rng = np.random.default_rng(seed)
    n = 2 * int(rng.integers(4, 60))
    x = np.round(rng.normal(size=n) * 50)
    x[x == 0] = 1
    x[rng.choice(n, n // 2, replace=False)] = 0
    x[np.flatnonzero(x)[0]] = 7e9
    X = np.c_[x, rng.normal(size=n)]
    y = (rng.uniform(size=n) < 0.5).astype(int)
    y[:2] = [0, 1]
    sw = None if seed % 2 == 0 else np.full(n, 3.0)
    found = [bulk_moments(make_problem(A, y, sw, 2, C=1.0, l1_ratio=0.0, fit_intercept=True))
             for A in (X, sp.csr_matrix(X), sp.csc_matrix(X))]
    assert found[0] == found[1] == found[2]
