"""Review 63: do the tests catch a wrong kernel? A mutation review of the data backends.

Eighty small, plausible mutations of gdlogreg/_backends (_array.py's row blocks, linear
and rlinear for dense, CSR and CSC X, loss_pass's plan and moves, the block steps, the
block gradients, combine, the Grams, row_weights, the raw, two-pass and sparse moments,
_runs and _kernel_indptr; _threads.py's bounds, thread limit, BLAS hold and map_parts;
_dask.py's chunk kernels), one at a time, against tests/test_threads.py,
test_dense_moments.py, test_objective.py, test_constant_columns.py, test_whitened_steps.py,
test_hostile.py, test_dask.py, test_array_api.py and reviews 5, 9, 10, 43, 57, 58 (then
the search, estimator and reviews 3, 6, 7, 11, 31, 40, 42 for the survivors). The
survivors are pinned here, each against a second computation of the same quantity
(another backend's kernel, the dense moments, the in-memory pass):

- the array-API class Gram (whitened multinomial steps) weighing every block of rows by
  the first block's weights;
- the centred Gram's Σ w a with equal weights missing its √w (seen where μ is not the
  mean: a held constant column);
- the sparse moments' second pass without the deviation -μ of the zeros not stored;
- the kernels' indptr copied where X's own already has the indices' type;
- ``bounds`` putting the remainder in the last part (parts not "as equal as can be");
- Dask's scale counting rows of weight 0, its moments' slices taking the chunk's first
  weights, its shift row from the first chunk (all zeros where that chunk weighs 0), its
  reduction tree dropping a lone last key (17 chunks), and a pass without the gradient
  returning its loss in float32.

Equivalent (not pinned): map_parts' thread count not capped at the items (the extra
threads find no part; _map caps it already).
"""

import numpy as np
import pytest
import scipy.sparse as sp

from gdlogreg._backends import _threads
from gdlogreg._backends._array import DenseArrayBackend, NumpyBackend
from gdlogreg._loss import SoftmaxCurvature


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


@pytest.mark.parametrize("blocks", [False, True])
def test_weighted_class_gram_weighs_each_block_by_its_own_rows(blocks):
    """13,000 weighted rows of 40 features and 3 classes: each in-memory backend sums the
    class Gram over its own blocks of rows (NumpyBackend's 4,262 or 12,787 rows, the
    array-API one's 532 or 1,598); each block's rows must carry their own weights (a
    mutant of the array-API kernel took the first rows' weights for every block)."""
    rng = np.random.default_rng(0)
    n, d, K = 13000, 40, 3
    X = rng.normal(size=(n, d)) + 1.0
    sw = rng.uniform(0.1, 3.0, n)
    s = sw / sw.sum()
    Z = np.asfortranarray(rng.normal(size=(n, K)))
    mean, scale = X.T @ s, 1.0 / X.std(axis=0)
    rows = SoftmaxCurvature(K, blocks=blocks)
    got = NumpyBackend(X, None, s).class_gram(mean, scale, Z, rows)
    ref = DenseArrayBackend(X, None, s).class_gram(mean, scale, Z, rows)
    assert _rel(got, ref) < 1e-12


@pytest.mark.parametrize("weighted", [False, True])
def test_centred_gram_about_any_centre_matches_the_array_api_kernel(weighted):
    """Σ w âᵢ âᵢᵀ about a centre that is not the mean (a held constant column's μ is 0):
    the last row Σ w a needs every √w (a mutant dropped it for equal weights, where it
    cancels only about the weighted mean)."""
    rng = np.random.default_rng(1)
    n, d = 3000, 5
    X = rng.normal(size=(n, d)) + 2.0
    s = rng.uniform(0.1, 3.0, n) if weighted else None
    s = 1.0 / n if s is None else s / s.sum()
    centre, scale = np.zeros(d), 1.0 / X.std(axis=0)
    got = NumpyBackend(X, None, s).centred_gram(centre, scale)
    ref = DenseArrayBackend(X, None, s).centred_gram(centre, scale)
    assert _rel(got, ref) < 1e-12
    np.testing.assert_allclose(got[d, :d], s * np.sum(X * scale, axis=0) if not weighted
                               else (s @ X) * scale, rtol=1e-12)


def test_sparse_moments_count_the_unstored_zeros_of_an_offset_column():
    """A CSR column at 1,000 (a spread of 1e-3) on every row but five of small weight,
    which hold zeros not stored: the variance is summed again about the mean, and those
    zeros' deviation -μ must enter the mean's correction (without it the mean moved by
    their weight times μ, 1e-7 of it)."""
    rng = np.random.default_rng(0)
    n = 400
    X = rng.normal(size=(n, 3))
    X[:, 1] = 1e3 + 1e-3 * rng.normal(size=n)
    X[:5, 1] = 0.0
    sw = rng.uniform(0.5, 2.0, n)
    sw[:5] = 1e-5
    s = sw / sw.sum()
    scale, mean, var = NumpyBackend(sp.csr_matrix(X), None, s).moments()
    ref_mean = s @ X
    np.testing.assert_allclose(mean * scale, ref_mean, rtol=1e-12)
    np.testing.assert_allclose(var * scale**2, s @ (X - ref_mean) ** 2, rtol=1e-6)


@pytest.mark.parametrize("index", [np.int32, np.int64])
def test_kernel_indptr_is_xs_own_where_the_index_types_agree(index):
    """No (n + 1) copy of indptr, and no cast that would make scipy's kernels convert
    all of X.indices at every block, where indptr already has the indices' type."""
    X = sp.random(50, 8, density=0.3, format="csr", random_state=0)
    X.indptr, X.indices = X.indptr.astype(index), X.indices.astype(index)
    backend = NumpyBackend(X, None, 1.0 / 50)
    assert backend._indptr is X.indptr
    wide = X.copy()
    wide.indptr, wide.indices = X.indptr.astype(np.int64), X.indices.astype(np.int32)
    assert NumpyBackend(wide, None, 1.0 / 50)._indptr.dtype == np.int32


@pytest.mark.parametrize("n, parts", [(10, 4), (7, 3), (65537, 8), (3, 5)])
def test_bounds_cut_parts_as_equal_as_can_be(n, parts):
    cut = _threads.bounds(n, parts)
    sizes = np.diff(cut)
    assert cut[0] == 0 and cut[-1] == n and len(sizes) == parts
    assert sizes.max() - sizes.min() <= 1


def _dask_backend(X, s, chunks):
    da = pytest.importorskip("dask.array")
    from gdlogreg._backends._dask import DaskBackend
    from gdlogreg._loss import make_loss

    n = X.shape[0]
    y = da.from_array(np.arange(n) % 2, chunks=chunks)
    sd = da.from_array(s, chunks=chunks)
    return DaskBackend(da.from_array(X, chunks=(chunks, -1)), make_loss(2, np), y, sd)


def _assert_dask_moments(X, s, chunks, rtol):
    scale, mean, var = _dask_backend(X, s, chunks).moments()
    ref_scale, ref_mean, ref_var = NumpyBackend(X, None, s).moments()
    np.testing.assert_allclose(mean * scale, ref_mean * ref_scale, rtol=rtol)
    np.testing.assert_allclose(var * scale**2, ref_var * ref_scale**2, rtol=rtol)


def test_dask_moments_leave_out_a_huge_value_on_a_row_of_weight_0():
    """A held-out row of 1e300 must not set the column's scale: every other value would
    then square to 0 and the column's variance vanish."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    X[7, 1] = 1e300
    s = rng.uniform(0.5, 2.0, 300)
    s[7] = 0.0
    _assert_dask_moments(X, s / s.sum(), 100, 1e-10)


def test_dask_moments_weigh_each_slice_of_a_long_chunk_by_its_rows():
    """A chunk of 10,000 rows is summed in slices of 4,096: each slice takes its own
    rows' weights."""
    rng = np.random.default_rng(0)
    n = 10000
    X = rng.normal(size=(n, 3)) + np.linspace(0.0, 3.0, n)[:, None]
    s = rng.uniform(0.1, 3.0, n)
    _assert_dask_moments(X, s / s.sum(), n, 1e-10)


def test_dask_moments_shift_by_a_row_of_weight_where_the_first_chunk_has_none():
    """An offset column (1e8 + 1e-5·N(0, 1)) and a first chunk of weight 0: shifted by a
    row of positive weight, the scaled column keeps its spread's digits (shifted by that
    chunk's zeros, 1e-3 of the variance was lost)."""
    rng = np.random.default_rng(0)
    n = 400
    X = rng.normal(size=(n, 2))
    X[:, 1] = 1e8 + 1e-5 * rng.normal(size=n)
    s = rng.uniform(0.5, 2.0, n)
    s[:100] = 0.0
    _assert_dask_moments(X, s / s.sum(), 100, 1e-8)


def test_dask_passes_over_seventeen_chunks_sum_every_chunk_in_float64():
    """17 chunks: the reduction tree's first level has a lone 17th key, which must be
    summed; and a pass without the gradient returns the loss in float64 (a float32 one
    rounds the line search's trial values at 1e-8)."""
    from gdlogreg._loss import make_loss

    rng = np.random.default_rng(0)
    n = 340
    X = rng.normal(size=(n, 3))
    X[300:] += 5.0  # the last chunk's rows move the moments
    s = rng.uniform(0.5, 2.0, n)
    s /= s.sum()
    _assert_dask_moments(X, s, 20, 1e-10)
    backend = _dask_backend(X, s, 20)
    assert backend.X.numblocks[0] == 17
    coef = np.array([[0.3], [-0.2], [0.1], [0.05]])
    loss = make_loss(2, np)
    ref = NumpyBackend(X, loss.encode(np.arange(n) % 2, np), s)
    Z = ref.linear(coef, True)
    for gradient in (False, True):
        value = backend.loss_pass(loss, backend.linear(coef, True), gradient=gradient)[0]
        ref_value = ref.loss_pass(loss, Z.copy(order="F"), gradient=gradient)[0]
        assert abs(value - ref_value) <= 1e-13 * abs(ref_value)
