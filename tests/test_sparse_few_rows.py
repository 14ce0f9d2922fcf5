"""Sparse X of few rows: the factored metric where X stores at least half of its entries
(dense in all but its format), H's diagonal where it stores fewer (never densified).
Before, neither was taken: CSR X of dense values crawled where the same dense array
converged at once (a 2 × 5 set in the units of 1e6: 1000 iterations against 35)."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from test_diagonal_metric import _metrics_taken  # shared

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._backends._array import NumpyBackend
from gdlogreg._objective import DiagonalMetric, LowRankMetric


def _fit(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning, nothing leaked
        return GradientDescentLogisticRegression(**params).fit(X, y)


def _J(model, X, y, C):
    z = np.asarray(X @ model.coef_[0]).ravel() + model.intercept_[0]
    t = np.where(y == model.classes_[1], 1.0, -1.0)
    return np.mean(np.logaddexp(0.0, -t * z)) + 0.5 * model.coef_[0] @ model.coef_[0] / (
        C * len(y))


def test_the_backend_gives_rows_of_dense_and_dense_enough_sparse_x_only():
    rng = np.random.default_rng(0)
    dense = rng.standard_normal((20, 10))
    half = dense.copy()
    half[:, :5] = 0.0  # 100 of 200 entries stored: exactly half
    sparser = dense.copy()
    sparser[:, :6] = 0.0
    y = np.zeros(20, dtype=np.intp)
    assert NumpyBackend(dense, y, 0.05).gives_rows
    for fmt in ("csr", "csc"):
        assert NumpyBackend(sp.csr_matrix(dense).asformat(fmt), y, 0.05).gives_rows
        assert NumpyBackend(sp.csr_matrix(half).asformat(fmt), y, 0.05).gives_rows
        be = NumpyBackend(sp.csr_matrix(sparser).asformat(fmt), y, 0.05)
        assert not be.gives_rows
        assert be.centred_rows(np.zeros(10), np.ones(10)) is None
    # the rows of dense-enough sparse X are those of the dense array, weight-0 rows left out
    s = np.full(20, 1.0 / 18)
    s[[3, 7]] = 0.0
    mean, scale = rng.standard_normal(10), rng.random(10) + 0.5
    A = NumpyBackend(sp.csr_matrix(half), y, s).centred_rows(mean, scale)
    B = NumpyBackend(half, y, s).centred_rows(mean, scale)
    np.testing.assert_array_equal(A, B)
    assert A.shape == (18, 10)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_dense_values_in_a_sparse_format_converge_as_the_dense_array(fmt, monkeypatch):
    # the fuzz audit's set: two rows in the units of 1e6, nearly separated at C = 1
    X = np.array([[3154126.9282306214, 2517808.331088127, 5682847.594283875,
                   9511533.212847201, 4918898.943678011],
                  [5948338.74168234, -6306023.432388466, 6700116.370563293,
                   -5426789.067546205, 3927074.2056895304]])
    y = np.array([0, 1])
    taken = _metrics_taken(monkeypatch)
    dense = _fit(X, y)
    fit = _fit(sp.csr_matrix(X).asformat(fmt), y)
    assert fit.converged_ and dense.converged_
    assert any(isinstance(P, LowRankMetric) for P in taken)
    assert fit.n_iter_[0] <= 2 * dense.n_iter_[0], (fit.n_iter_, dense.n_iter_)
    assert _J(fit, X, y, 1.0) == pytest.approx(_J(dense, X, y, 1.0), rel=1e-9)


def _zipf(n, d, seed):
    """Text-like CSR X of 20 stored entries a row (1 % of d = 2,000), unit rows."""
    rng = np.random.default_rng(seed)
    p = 1.0 / (np.arange(d) + 10.0)
    cols = rng.choice(d, size=n * 20, p=p / p.sum())
    X = sp.csr_matrix((rng.exponential(1.0, n * 20), (np.repeat(np.arange(n), 20), cols)),
                      shape=(n, d))
    X = sp.diags(1.0 / np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())) @ X
    z = X @ (3.0 * rng.standard_normal(d))
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(z - np.median(z))))).astype(int)
    return X.tocsr(), y


def test_sparse_text_of_few_rows_takes_the_diagonal_at_a_weak_penalty(monkeypatch):
    """100 rows of 2,000 columns at C = 1e4: no H⁻¹ applies, and the diagonal metric
    takes 66 iterations where the plain steps took 244 (when written), to a lower J."""
    X, y = _zipf(100, 2000, seed=100)
    taken = _metrics_taken(monkeypatch)
    fit = _fit(X, y, C=1e4)
    assert any(isinstance(P, DiagonalMetric) for P in taken)
    assert not any(isinstance(P, LowRankMetric) for P in taken)
    assert fit.converged_ and fit.n_iter_[0] <= 120, fit.n_iter_
    tight = _fit(X, y, C=1e4, tol=1e-10, max_iter=20_000)
    J_star = _J(tight, X, y, 1e4)
    assert _J(fit, X, y, 1e4) - J_star <= 1e-6 * J_star


def test_the_share_stored_counts_rows_by_their_weights():
    """Rows of weight 0 count for nothing and a weight of 2 as a repeated row: the fit
    takes the metric of the fit without those rows, or with the row repeated (the
    sample-weight equivalence scikit-learn checks)."""
    rng = np.random.default_rng(3)
    n, d = 40, 30
    X = rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.4)  # 40 % stored
    y = rng.integers(0, 2, n)
    dense_rows = rng.standard_normal((30, d))  # all stored: 61 % of the whole
    Xe, ye = np.vstack([X, dense_rows]), np.r_[y, rng.integers(0, 2, 30)]
    we = np.r_[np.ones(n), np.zeros(30)]
    assert 2 * np.count_nonzero(Xe) > Xe.size
    ref = NumpyBackend(sp.csr_matrix(X), y, 1.0 / n)
    for fmt in ("csr", "csc"):
        be = NumpyBackend(sp.csr_matrix(Xe).asformat(fmt), ye, we / we.sum())
        assert be.gives_rows == ref.gives_rows is False
    a = _fit(sp.csr_matrix(X), y, C=100.0, tol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b = GradientDescentLogisticRegression(C=100.0, tol=1e-10).fit(
            sp.csr_matrix(Xe), ye, sample_weight=we)
    assert a.n_iter_[0] == b.n_iter_[0]
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-7, atol=1e-9)
    # a weight of 2 on the sparse rows against those rows repeated
    w2 = np.r_[np.full(n, 2.0), np.ones(30)]
    Xr = np.vstack([X, X, dense_rows])
    share = NumpyBackend(sp.csr_matrix(Xe), ye, w2 / w2.sum()).gives_rows
    assert share == NumpyBackend(sp.csr_matrix(Xr), np.r_[y, ye], 1.0 / len(Xr)).gives_rows
