"""CSC X's Grams by blocks of rows, as CSR X's.

The metric takes of sparse X need blocks of rows: CSR X slices them, CSC X took its
Hessian by p products with X instead (a take of K classes' blocks at 132 iterations'
price on the routes below, where CSR X's cost 13), and where the iterations could not pay
that, no take: the same problem as CSC X ran 282 iterations where CSR X ran 107, and
flights' carriers (100,000 × 114, 16 classes) 752 iterations and 83 s where CSR X ran
120 and 5 s. CSC X of sorted row indices now gives its blocks of rows as CSR
(``_backends._array._sparse_rows``: each column's run of the block's rows by binary
search, a chunk of runs at a time), and takes what CSR X takes.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from test_review174 import _routes, _unsorted_csc

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._backends import _array


def _random_csc(rng, n, d, density, dtype, int64=False, duplicates=False):
    A = sp.random(n, d, density=density, random_state=int(rng.integers(1 << 30)),
                  format="coo", dtype=dtype)
    rows, cols, data = A.row, A.col, A.data
    if duplicates and A.nnz:  # some entries stored twice (summed by every product)
        pick = rng.integers(0, A.nnz, max(1, A.nnz // 5))
        rows, cols = np.r_[rows, rows[pick]], np.r_[cols, cols[pick]]
        data = np.r_[data, rng.normal(size=len(pick)).astype(dtype)]
    # a CSC of sorted row indices, duplicates kept: ordered by (column, row) by hand
    order = np.lexsort((rows, cols))
    indptr = np.r_[0, np.cumsum(np.bincount(cols, minlength=d))]
    X = sp.csc_matrix((data[order], rows[order], indptr), shape=(n, d))
    if int64:
        X.indices, X.indptr = X.indices.astype(np.int64), X.indptr.astype(np.int64)
    assert X.has_sorted_indices
    return X


@pytest.mark.parametrize("seed", range(40))
def test_rows_of_csc_are_the_rows_of_csr(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    monkeypatch.setattr(_array, "CSC_CHUNK", int(rng.choice([1, 7, 50, 1 << 18])))
    n, d = int(rng.integers(1, 80)), int(rng.integers(1, 30))
    X = _random_csc(rng, n, d, rng.uniform(0.0, 1.0), rng.choice([np.float32, np.float64]),
                    int64=seed % 3 == 0, duplicates=seed % 4 == 0)
    before = (X.data.copy(), X.indices.copy(), X.indptr.copy())
    # duplicates summed in float64, as here, from X's arrays (scipy 1.9's astype sums them
    # in X's dtype, in place)
    dense = np.zeros(X.shape)
    cols = np.repeat(np.arange(d), np.diff(X.indptr))
    np.add.at(dense, (X.indices, cols), X.data.astype(np.float64))
    lo = int(rng.integers(0, n + 1))
    hi = int(rng.integers(lo, n + 1))
    B = _array._sparse_rows(X, lo, hi)
    assert B.format == "csr" and B.dtype == np.float64 and B.has_sorted_indices
    np.testing.assert_array_equal(B.toarray(), dense[lo:hi])
    step = int(rng.integers(1, n + 2))
    got, want = list(_array._csr_blocks(X, step)), list(_array._csr_blocks(X.tocsr(), step))
    assert [i for i, _ in got] == [i for i, _ in want] == list(range(0, n, step))
    # (float32 duplicates: summed in float32 by scipy 1.9's astype on CSR X's blocks)
    rtol = 1e-6 if X.dtype == np.float32 else 0.0
    for (_, a), (_, b) in zip(got, want, strict=True):
        assert a.format == "csr" and a.shape == b.shape
        np.testing.assert_allclose(a.toarray(), b.toarray(), rtol=rtol, atol=0)
    for new, old in zip((X.data, X.indices, X.indptr), before, strict=True):  # X never written
        np.testing.assert_array_equal(new, old)


def _chunks(monkeypatch, X, step):
    """``_csr_blocks(X, step)``'s blocks, and the entries of each chunk it cut."""
    seen, rows = [], _array._sparse_rows

    def spy(X, lo, hi):
        out = rows(X, lo, hi)
        seen.append(out.nnz)
        return out

    monkeypatch.setattr(_array, "_sparse_rows", spy)
    return list(_array._csr_blocks(X, step)), seen


def test_the_chunks_of_csc_rows_stay_small(monkeypatch):
    """No chunk of CSC rows holds much more than CSC_CHUNK entries (one run more at most):
    X is never copied whole."""
    rng = np.random.default_rng(0)
    X = _random_csc(rng, 5000, 40, 0.05, np.float64)
    monkeypatch.setattr(_array, "CSC_CHUNK", 1000)
    monkeypatch.setattr(_array, "CSC_SHARE", 10**9)
    blocks, seen = _chunks(monkeypatch, X, 10)
    assert sum(b.nnz for _, b in blocks) == X.nnz
    assert len(seen) > 5 and max(seen) <= 1000 + 10 * 40


def test_rows_that_crowd_the_entries_do_not_make_one_chunk_of_x(monkeypatch):
    """Review 184: a few rows holding most entries (here 5 % of the rows, 98 % of them)
    made one chunk of most of X where chunks were cut by the mean row; they are counted
    row by row, a chunk at most a CSC_SHARE-th of X (or one run of rows)."""
    rng = np.random.default_rng(0)
    top = sp.csr_matrix(rng.normal(size=(100, 200)))
    rest = sp.random(1900, 200, density=0.001, format="csr", random_state=1)
    X = sp.vstack([top, rest]).tocsc()
    X.sort_indices()
    monkeypatch.setattr(_array, "CSC_CHUNK", 1000)
    blocks, seen = _chunks(monkeypatch, X, 4)
    assert sum(b.nnz for _, b in blocks) == X.nnz
    share = max(_array.CSC_CHUNK, X.nnz // _array.CSC_SHARE)
    assert max(seen) <= max(share, 4 * 200) < X.nnz // 4


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
def test_csc_x_fits_the_path_of_csr_x(monkeypatch, solver):
    """The routes of K = 16 classes as CSC X: CSR X's iterations and model (before: 282
    and 258 iterations against 107 and 73, lbfgs 3.3e-5 above CSR X's J), and no
    Hessian by products with X."""
    from gdlogreg._objective import Objective

    X, y = _routes(5)
    csr = GradientDescentLogisticRegression(C=100.0, solver=solver).fit(sp.csr_matrix(X), y)

    def refuse(*args, **kwargs):
        raise AssertionError("CSC X took its Hessian by products with X")

    monkeypatch.setattr(Objective, "_class_columns", refuse)
    csc = GradientDescentLogisticRegression(C=100.0, solver=solver).fit(sp.csc_matrix(X), y)
    assert csc.n_iter_[0] == csr.n_iter_[0]
    assert csc.converged_
    np.testing.assert_allclose(csc.loss_curve_[-1], csr.loss_curve_[-1], rtol=1e-12)
    np.testing.assert_allclose(csc.coef_, csr.coef_, rtol=0, atol=1e-8)


def test_csc_x_of_unsorted_rows_still_fits_by_products():
    """CSC X whose row indices are not sorted cannot be cut by binary search: its takes
    are the products with X, and the fit stands within the promise; X is not touched."""
    X, y = _routes(5, n=1500)
    U = _unsorted_csc(X)
    before = (U.data.copy(), U.indices.copy(), U.indptr.copy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = GradientDescentLogisticRegression(C=10.0).fit(U, y)
    ref = GradientDescentLogisticRegression(C=10.0, tol=1e-12, max_iter=20_000).fit(X, y)
    assert model.converged_
    J, J_star = model.loss_curve_[-1], ref.loss_curve_[-1]
    assert (J - J_star) / J_star <= 1e-6
    for new, old in zip((U.data, U.indices, U.indptr), before, strict=True):
        np.testing.assert_array_equal(new, old)
    assert not U.has_sorted_indices


def test_wide_csc_x_takes_the_wide_metric_of_csr_x():
    """One-hot CSC X of 642 coordinates, between MAX_WHITENED and MAX_WIDE_WHITENED: the
    factored p × p metric that CSR X takes, where CSC X took none."""
    from test_wide_sparse_metric import _base, _objective, _one_hot

    from gdlogreg._objective import FactoredMetric

    X, y = _one_hot()
    metrics = []
    for A in (X, X.tocsc()):
        obj = _objective(A, y)
        base, z = _base(obj)
        metrics.append(obj.whitening(base, z, spent=10**9, diagonal=True))
    assert all(isinstance(P, FactoredMetric) for P in metrics)
    np.testing.assert_allclose(metrics[1].L, metrics[0].L, rtol=1e-10, atol=1e-12)
