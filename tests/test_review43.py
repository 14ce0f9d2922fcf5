"""Review 43: today's hot paths against hostile input. No defect was found; these pin
what was checked: CSR X that is not canonical (unsorted indices, duplicates, explicit
zeros, int64 and mixed index arrays, slices) fits, scores and searches as the same data
dense does, on scipy's multi-vector kernels and on their fallbacks."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV, _compat
from gdlogreg._backends import _array


def _data(n=301, d=12, K=4):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d))
    X[rng.random((n, d)) < 0.6] = 0.0
    X[:, 3] = 0.0  # an empty column
    X[[5, 17]] = 0.0  # empty rows
    return X, rng.integers(0, K, n)


def _unsorted(X):
    U = X.copy()
    for i in range(U.shape[0]):
        a, b = U.indptr[i], U.indptr[i + 1]
        U.indices[a:b], U.data[a:b] = U.indices[a:b][::-1].copy(), U.data[a:b][::-1].copy()
    U.has_sorted_indices = False
    return U


def _duplicates(X):
    """Each stored entry as two: a quarter and three quarters of it (summed: X)."""
    n, coo = X.shape[0], X.tocoo()
    rows = np.concatenate([coo.row, coo.row])
    order = np.argsort(rows, kind="stable")
    D = sp.csr_matrix(X.shape)
    D.data = np.concatenate([coo.data * 0.25, coo.data * 0.75])[order]
    D.indices = np.concatenate([coo.col, coo.col])[order].astype(np.int32)
    D.indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=n))].astype(np.int32)
    D.has_canonical_format = False
    return D


def _int64(X, indices=True, indptr=True):
    X = X.copy()
    if indices:
        X.indices = X.indices.astype(np.int64)
    if indptr:
        X.indptr = X.indptr.astype(np.int64)
    return X


def _zeros(X):
    X = X.copy()
    X.data[::3] = 0.0
    return X


VARIANTS = {
    "unsorted": (_unsorted, slice(None)),
    "duplicates": (_duplicates, slice(None)),
    "explicit_zeros": (_zeros, slice(None)),
    "int64": (_int64, slice(None)),
    "int64_indices": (lambda X: _int64(X, indptr=False), slice(None)),
    "int64_indptr": (lambda X: _int64(X, indices=False), slice(None)),
    "csr_array": (sp.csr_array, slice(None)),
    "every_second_row": (lambda X: X[::2], slice(None, None, 2)),
    "row_slice": (lambda X: X[10:290], slice(10, 290)),
}


@pytest.mark.parametrize("solver", ["gd", "nesterov"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_non_canonical_csr_fits_as_the_dense_data(variant, solver):
    X, y = _data()
    make, rows = VARIANTS[variant]
    Xs = make(sp.csr_matrix(X))
    Xd, y = Xs.toarray(), y[rows]
    kw = dict(solver=solver, max_iter=200, tol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = GradientDescentLogisticRegression(**kw).fit(Xs, y)
        b = GradientDescentLogisticRegression(**kw).fit(Xd, y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=1e-13)
    np.testing.assert_allclose(a.decision_function(Xs), b.decision_function(Xd), atol=1e-12)


def test_the_kernels_fallbacks_give_the_kernels_fit(monkeypatch):
    """Over several row blocks (n not a multiple of one), unsorted int64 CSR."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20_011, 9))
    X[rng.random(X.shape) < 0.6] = 0.0
    y = rng.integers(0, 4, len(X))
    Xs = _unsorted(_int64(sp.csr_matrix(X)))
    kw = dict(max_iter=30, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = GradientDescentLogisticRegression(**kw).fit(X, y).coef_
        kernels = GradientDescentLogisticRegression(**kw).fit(Xs, y).coef_
        monkeypatch.setattr(_array, "csr_matvecs", _compat._csr_matvecs_fallback)
        monkeypatch.setattr(_array, "csc_matvecs", _compat._csc_matvecs_fallback)
        fallback = GradientDescentLogisticRegression(**kw).fit(Xs, y).coef_
    np.testing.assert_allclose(kernels, dense, rtol=0, atol=1e-14)
    np.testing.assert_allclose(fallback, kernels, rtol=0, atol=1e-14)


@pytest.mark.parametrize("K", [2, 3])
def test_a_search_on_int64_csr_is_the_dense_search(K):
    X, _ = _data(n=400, d=7)
    y = np.random.default_rng(2).integers(0, K, len(X))
    Xs = _int64(sp.csr_matrix(X), indptr=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = GradientDescentLogisticRegressionCV(Cs=4, cv=3, max_iter=50).fit(Xs, y)
        b = GradientDescentLogisticRegressionCV(Cs=4, cv=3, max_iter=50).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=1e-13)
