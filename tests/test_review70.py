"""Review 70: CSR X's class blocks from K sparse Grams (f91fa18), tried and priced.

Tried: the K blocks of ``NumpyBackend.class_gram`` for CSR X against dense X's at the same
Z (duplicate, unsorted and explicit-zero entries, int64 indices, empty rows, columns never
stored, rows of weight 0 holding ±1e300, 3 to 50 classes: within 1e-14 of each entry's
scale); fits of 3 to 50 classes against the dense output (J within 5e-9) and against the
class blocks off (``CLASS_TAKE = 0``); float32 CSR (never takes them), CSC X (the whole
Hessian by products), L1 and elastic net (no metric), the search on CSR (its groups take
them, its scores the dense search's). Memory: the K sparse Grams' peak (tracemalloc) 30 MB
against dense X's 28 MB for 20 blocks of 301 coordinates.

Fixed: the take of CSR X's blocks was priced by its sparse Grams alone, its K dense p × p
factors, inverses and centring left out: at 482 coordinates (one-hot of 480 levels) 50
classes took the blocks at iteration 10, a take measured at 389 iterations' time, the fit
9 times the one without them at C = 1 (1.1 s against 0.12 s), 6 times at C = 10, and
20 classes 3.4 to 3.7 times.

Open (xfail, not strict: the oldest stack's rounding converges it): sample weights of 1e12
and 1e-12 on CSR X of 6 classes; the blocks, now taken at iteration 10 (at 50 before
f91fa18), leave the fit at max_iter (1000 iterations, a ConvergenceWarning) where dense X
converges in 253 and the blocks off in 288.
"""

import numpy as np
import pytest
import scipy.sparse as sp

import gdlogreg._objective as objective_module
from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg._backends._array import NumpyBackend
from gdlogreg._cli import objective
from gdlogreg._loss import SoftmaxCurvature


def _one_hot(n, k, levels, seed, nums=3):
    """One-hot columns of ``levels`` levels each and ``nums`` normal ones, y of k classes."""
    rng = np.random.default_rng(seed)
    cols = []
    for count in levels:
        M = np.zeros((n, count))
        M[np.arange(n), rng.integers(0, count, n)] = 1.0
        cols.append(M)
    X = np.hstack([*cols, rng.normal(size=(n, nums))])
    y = np.argmax(X @ (rng.normal(size=(X.shape[1], k)) * 1.5) + rng.gumbel(size=(n, k)), axis=1)
    return X, y


def _counting(monkeypatch):
    """The class blocks' takes of the fits that follow, counted."""
    taken = []
    blocks = objective_module.Objective._class_blocks
    monkeypatch.setattr(objective_module.Objective, "_class_blocks",
                        lambda self, keep, Z: taken.append(1) or blocks(self, keep, Z))
    return taken


@pytest.mark.slow
@pytest.mark.parametrize("k", [20, 50])
def test_wide_csr_takes_no_class_blocks_whose_dense_factors_cost_the_fit(monkeypatch, k):
    """One-hot of 480 levels as CSR (482 coordinates), 20 and 50 classes: the K blocks'
    p × p factors and inverses (2p³ each) cost 164 and 389 iterations' time, a fit of 64
    or 77 iterations without them; priced by the sparse Grams alone (7 and 10 iterations)
    they were taken at iteration 10 and the fit took 3.4 and 6 times as long. Now the
    fit is the one with the class blocks off."""
    rng = np.random.default_rng(5)
    n, L = 4000, 480
    X = np.zeros((n, L + 1))
    X[np.arange(n), rng.integers(0, L, n)] = 1.0
    X[:, L] = rng.normal(size=n)
    y = np.argmax(X @ (rng.normal(size=(L + 1, k)) * 1.5) + rng.gumbel(size=(n, k)), axis=1)
    Xs = sp.csr_matrix(X)
    monkeypatch.setattr(objective_module, "CLASS_TAKE", 0)
    off = GradientDescentLogisticRegression(C=10.0).fit(Xs, y)
    monkeypatch.undo()
    taken = _counting(monkeypatch)
    fit = GradientDescentLogisticRegression(C=10.0).fit(Xs, y)
    assert not taken
    assert fit.converged_ and fit.n_iter_[0] == off.n_iter_[0]
    np.testing.assert_array_equal(fit.coef_, off.coef_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.xfail(strict=False, reason="open: CSR X's class blocks taken at iteration 10 "
                   "under weights of 1e12 and 1e-12 leave the gradient test failing at J* "
                   "(opt 4.5e-12 under the bound 2.7e-11, the curvature factor's test not); "
                   "not strict: on the oldest stack (numpy 1.23, scipy 1.9) the path's "
                   "rounding differs and the fit converges")
def test_huge_and_tiny_weights_on_csr_converge_with_the_class_blocks():
    """Weights of 1e12 on 20 rows and 1e-12 on 20, 6 classes of two one-hot columns of 60
    levels and 3 numbers, C = 10: dense X converges in 253 iterations, CSR X with the class
    blocks off in 288 and before f91fa18 (first take at 50) in 239; with the blocks from
    the sparse Grams (first take at 10, equal to dense X's to 1e-14) it sits at J* from
    iteration 200 and stops at max_iter."""
    X, y = _one_hot(3000, 6, (60, 60), seed=2)
    rng = np.random.default_rng(3)
    rng.uniform(size=len(y))
    w = rng.uniform(0.5, 2.0, len(y))
    w[:20], w[20:40] = 1e12, 1e-12
    dense = GradientDescentLogisticRegression(C=10.0).fit(X, y, sample_weight=w)
    fit = GradientDescentLogisticRegression(C=10.0).fit(sp.csr_matrix(X), y, sample_weight=w)
    assert dense.converged_
    assert fit.converged_ and fit.n_iter_[0] <= 2 * dense.n_iter_[0]


def _odd(csr, kind):
    """The same matrix as CSR with duplicate, unsorted or int64-indexed entries."""
    if kind == "duplicates":  # each entry stored twice, a quarter and three quarters
        coo = csr.tocoo()
        rows = np.concatenate([coo.row, coo.row])
        order = np.argsort(rows, kind="stable")
        data = np.concatenate([0.25 * coo.data, 0.75 * coo.data])[order]
        cols = np.concatenate([coo.col, coo.col])[order]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=csr.shape[0]))])
        out = sp.csr_matrix((data, cols, indptr), shape=csr.shape)
        assert not out.has_canonical_format
        return out
    out = csr.copy()
    if kind == "unsorted":
        for i in range(out.shape[0]):
            a, b = out.indptr[i], out.indptr[i + 1]
            out.indices[a:b], out.data[a:b] = out.indices[a:b][::-1], out.data[a:b][::-1]
        out.has_sorted_indices = False
    else:
        out.indices, out.indptr = out.indices.astype(np.int64), out.indptr.astype(np.int64)
    return out


@pytest.mark.parametrize("kind", ["duplicates", "unsorted", "int64"])
@pytest.mark.parametrize("k", [3, 50])
def test_odd_csr_class_blocks_are_the_dense_ones(kind, k):
    """The K blocks of CSR X stored oddly (explicit zeros, empty rows, a column never
    stored, rows of weight 0 holding ±1e300 too) are dense X's at the same Z, each entry
    within 1e-10 of its row's and column's scale."""
    rng = np.random.default_rng(k)
    n, d = 400, 25
    dense = rng.normal(size=(n, d)) * (rng.random((n, d)) < 0.2)
    dense[10:20], dense[:, 5] = 0.0, 0.0
    s = rng.uniform(0.5, 2.0, n)
    s[:6] = 0.0
    dense[:6, 3], dense[:6, 4] = 1e300, -1e300
    s /= s.sum()
    csr = sp.csr_matrix(dense)
    csr.data[::7] = 0.0  # explicit zeros
    dense = csr.toarray()
    Z = np.asfortranarray(rng.normal(size=(n, k)))
    mean, scale = rng.normal(size=d) * 0.1, rng.uniform(0.5, 2.0, d)
    rows, t = SoftmaxCurvature(k, blocks=True), rng.integers(0, k, n)
    G = NumpyBackend(dense, t, s).class_gram(mean, scale, Z, rows)
    Gs = NumpyBackend(_odd(csr, kind), t, s).class_gram(mean, scale, Z, rows)
    root = np.sqrt(np.einsum("kii->ki", G))
    assert np.all(np.abs(Gs - G) <= 1e-10 * root[:, :, None] * root[:, None, :] + 1e-300)


def test_float32_csr_takes_the_class_blocks_and_csc_takes_them_by_products(monkeypatch):
    """float32 CSR takes the class metric too (it was float64's until review 101), its
    model the float64 one's to float32's accuracy; CSC X of unsorted row indices has no
    sparse Grams (``class_gram`` None) and takes the blocks from the whole Hessian by
    products, the model the dense output's (J within 1e-6). (CSC X of sorted row indices
    takes CSR X's, its rows cut as CSR: tests/test_csc_rows.py.)"""
    from test_review174 import _unsorted_csc

    X, y = _one_hot(3000, 6, (60, 60), seed=2)
    taken = _counting(monkeypatch)
    fit32 = GradientDescentLogisticRegression(C=100.0).fit(
        sp.csr_matrix(X, dtype=np.float32), y)
    assert taken and fit32.converged_
    ref64 = GradientDescentLogisticRegression(C=100.0).fit(X, y)
    J32, J64 = objective(fit32, X, y), objective(ref64, X, y)
    assert abs(J32 - J64) <= 1e-5 * J64
    taken.clear()
    columns = objective_module.Objective._class_columns
    by_products = []
    monkeypatch.setattr(objective_module.Objective, "_class_columns",
                        lambda self, Z: by_products.append(1) or columns(self, Z))
    fit = GradientDescentLogisticRegression(C=100.0).fit(_unsorted_csc(X), y)
    ref = GradientDescentLogisticRegression(C=100.0).fit(X, y)
    assert taken and by_products and fit.converged_
    J = [objective(m, X, y) for m in (ref, fit)]
    assert abs(J[0] - J[1]) <= 1e-6 * J[0]


def test_search_on_csr_takes_the_class_blocks_and_scores_as_dense(monkeypatch):
    """GradientDescentLogisticRegressionCV on CSR X of 5 classes: its groups' objectives
    take the blocks from the sparse Grams, and the search's scores and choice are the
    dense search's."""
    X, y = _one_hot(3000, 5, (60, 60), seed=4)
    dense = GradientDescentLogisticRegressionCV(Cs=[0.1, 10.0, 1000.0], cv=3).fit(X, y)
    taken = _counting(monkeypatch)
    fit = GradientDescentLogisticRegressionCV(Cs=[0.1, 10.0, 1000.0], cv=3).fit(
        sp.csr_matrix(X), y)
    assert taken
    np.testing.assert_array_equal(fit.C_, dense.C_)
    np.testing.assert_allclose(fit.cv_results_["mean_test_score"],
                               dense.cv_results_["mean_test_score"], atol=1e-3)
