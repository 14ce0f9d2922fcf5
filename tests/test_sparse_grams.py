"""The Gram of CSR row blocks (``_add_block_grams``): by BLAS on the block made dense where
that pays (``_dense_pays``), else by sparse products; the same sums either way."""

import numpy as np
import pytest
import scipy.sparse as sp

from gdlogreg._backends._array import DENSE_BLOCK_ENTRIES, _add_block_grams, _dense_pays


def _pairs(B):
    return np.diff(B.indptr).astype(np.int64) ** 2


def _reference(B, w, k):
    A = B.toarray()
    W = np.full((B.shape[0], k), w) if np.ndim(w) == 0 else w
    S = np.stack([A.T @ (A * W[:, [j]]) for j in range(k)])
    c = np.stack([(A * W[:, [j]]).sum(axis=0) for j in range(k)])
    return S, c


@pytest.mark.parametrize("d, density, dense", [
    (300, 0.10, True),    # 30 stored a row: 900 pairs >= d
    (300, 0.03, False),   # 9 a row: 81 pairs < d
    (1000, 0.05, True),   # 50 a row: 2,500 pairs >= d
    (10, 0.3, True),      # a quarter or more: dense whatever the pairs
    (100, 0.05, False),
])
def test_dense_pays_where_pairs_reach_rows_times_d(d, density, dense):
    B = sp.random(200, d, density=density, format="csr", random_state=0)
    assert _dense_pays(B, _pairs(B)) is dense


def test_dense_pays_not_for_blocks_past_the_entry_cap():
    rows = DENSE_BLOCK_ENTRIES // 100 + 1
    B = sp.random(rows, 100, density=0.2, format="csr", random_state=0)
    assert 4 * B.nnz < rows * 100 and _pairs(B).sum() >= rows * 100
    assert not _dense_pays(B, _pairs(B))


@pytest.mark.parametrize("d, k, density, scalar", [
    (287, 1, 0.22, False), (287, 1, 0.22, True), (50, 1, 0.3, False), (50, 1, 0.3, True),
    (100, 6, 0.2, False), (30, 3, 0.5, False), (100, 1, 0.02, False), (100, 1, 0.02, True),
    (300, 4, 0.01, False),
])
def test_block_grams_equal_the_dense_sums(d, k, density, scalar):
    rng = np.random.default_rng(1)
    B = sp.random(300, d, density=density, format="csr", random_state=2) * 3.0
    w = 0.37 if scalar else rng.random((300, k))
    if not scalar:
        w[::7] = 0.0  # rows of weight 0 (a held-out fold's)
    S, c = np.zeros((k, d, d)), np.zeros((k, d))
    _add_block_grams(B, w, S, c)
    S0, c0 = _reference(B, w, k)
    np.testing.assert_allclose(S, S0, rtol=0, atol=1e-13 * np.abs(S0).max())
    np.testing.assert_allclose(c, c0, rtol=0, atol=1e-13 * np.abs(c0).max())


def test_dense_block_rows_of_weight_zero_add_nothing_even_when_huge():
    B = sp.csr_matrix(np.array([[1e300, 0.0, 2.0, 1.0], [1.0, 2.0, 3.0, 4.0]]))
    w = np.array([[0.0], [0.5]])
    assert _dense_pays(B, _pairs(B))
    S, c = np.zeros((1, 4, 4)), np.zeros((1, 4))
    _add_block_grams(B, w, S, c)
    x = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(S[0], 0.5 * np.outer(x, x))
    np.testing.assert_allclose(c[0], 0.5 * x)


def test_dense_block_sums_duplicate_entries():
    """A CSR block holding an entry twice (not canonical): its sum, as the sparse products
    and ``toarray`` read it."""
    B = sp.csr_matrix((np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([0, 0, 1, 2, 1]),
                       np.array([0, 3, 5])), shape=(2, 3))
    assert not B.has_canonical_format and _dense_pays(B, _pairs(B))
    w = np.array([[1.0], [2.0]])
    S, c = np.zeros((1, 3, 3)), np.zeros((1, 3))
    _add_block_grams(B, w, S, c)
    S0, c0 = _reference(B, w, 1)
    np.testing.assert_allclose(S, S0)
    np.testing.assert_allclose(c, c0)


def test_sparse_grams_blocks_of_dense_rows_give_the_one_block_sums():
    """CSR X whose rows go dense takes its Grams in blocks of up to 2^19 entries; the sums
    are those of blocks of 16,384 stored entries to rounding."""
    from gdlogreg._backends._array import NumpyBackend

    rng = np.random.default_rng(3)
    X = sp.random(3000, 200, density=0.3, format="csr", random_state=4)
    be = NumpyBackend(X, np.zeros(3000, dtype=np.int8), 1.0 / 3000)
    w = rng.random((3000, 1)) / 3000
    mu, D = np.asarray(X.mean(axis=0)).ravel(), np.full(200, 2.0)
    G = be._sparse_grams(mu, D, lambda i, k: w[i : i + k])
    A = (X.toarray() - mu) * D
    ref = A.T @ (A * w)
    np.testing.assert_allclose(G[0, :200, :200], ref, rtol=1e-10, atol=1e-12 * np.abs(ref).max())
    np.testing.assert_allclose(G[0, 200, 200], w.sum())


@pytest.mark.parametrize("k", [3, 5])
def test_csr_class_gram_of_rows_that_go_dense_is_the_dense_one(k):
    """The whole class Hessian's Gram (``class_gram``, not the blocks) of CSR X whose rows
    go dense: its row blocks made dense, centred and scaled as dense X's, the same sums;
    rows of weight 0 holding 1e300 add nothing. Sparser CSR X keeps the products (None)."""
    from gdlogreg._backends._array import NumpyBackend
    from gdlogreg._loss import SoftmaxCurvature

    rng = np.random.default_rng(5)
    n, d = 400, 12
    X = sp.random(n, d, density=0.5, format="csr", random_state=6)
    X.data[X.indices == 3] *= 1e-3  # columns of other scales
    s = rng.random(n)
    s[::9] = 0.0
    rows_zero = np.flatnonzero(s == 0)[:3]
    X = X.tolil()
    X[rows_zero, 0] = 1e300  # weight-0 rows holding huge values
    X = X.tocsr()
    s /= s.sum()
    targets = rng.integers(0, k, n)
    Z = rng.standard_normal((n, k))
    mu, D = rng.standard_normal(d) * 0.1, rng.uniform(0.5, 2.0, d)
    sparse = NumpyBackend(X, targets, s).class_gram(mu, D, Z, SoftmaxCurvature(k))
    dense = NumpyBackend(X.toarray(), targets, s).class_gram(mu, D, Z, SoftmaxCurvature(k))
    assert sparse is not None and np.all(np.isfinite(sparse))
    np.testing.assert_allclose(sparse, dense, rtol=1e-12, atol=1e-14 * np.abs(dense).max())
    thin = sp.random(n, 200, density=0.01, format="csr", random_state=7)
    assert NumpyBackend(thin, targets, s).class_gram(
        np.zeros(200), np.ones(200), Z, SoftmaxCurvature(k)) is None


def test_takes_read_only_the_rows_of_positive_weight(monkeypatch):
    # A search's fold is a 0/1 mask on the weights: its held-out rows add nothing to the
    # Gram of a take, and its products skip them (a third of them at 3 folds).
    from gdlogreg import GradientDescentLogisticRegression, _loss
    from gdlogreg._backends._array import _live_rows

    w = np.array([[0.5], [0.0], [2.0]])
    A, z = np.arange(6.0).reshape(3, 2), np.arange(3.0)
    kept = _live_rows(w, A, z, w)
    assert [a.shape[0] for a in kept] == [2, 2, 2] and np.array_equal(kept[1], [0.0, 2.0])
    assert _live_rows(1.0, A) == (A,) and _live_rows(np.ones((3, 1)), A)[0] is A
    assert _live_rows(np.zeros((3, 1)), A)[0].shape == (0, 2)  # a block of held-out rows

    rng = np.random.default_rng(3)  # 3 classes on nearly collinear columns: the class metric
    n = 900
    B = rng.standard_normal((n, 4))
    X = np.column_stack([B[:, 0], B[:, 0] + 0.05 * rng.standard_normal(n), B[:, 1],
                         B[:, 1] + 0.1 * B[:, 2], B[:, 3], rng.standard_normal(n)])
    P = np.exp(B @ rng.standard_normal((4, 3)) * 2)
    y = ((P / P.sum(axis=1, keepdims=True)).cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    s = np.where(rng.random(n) < 0.3, 0.0, 1.0)
    seen = []
    part = _loss.SoftmaxCurvature.gram_part

    def spy(self, A, z, w, xp, out=None):
        seen.append(np.all(np.asarray(w) > 0) and len(A) > 0)
        return part(self, A, z, w, xp, out=out)

    monkeypatch.setattr(_loss.SoftmaxCurvature, "gram_part", spy)
    fit = GradientDescentLogisticRegression(C=100.0).fit(X, y, sample_weight=s)
    assert seen and all(seen)
    ref = GradientDescentLogisticRegression(C=100.0).fit(X[s > 0], y[s > 0])
    np.testing.assert_allclose(fit.coef_, ref.coef_, rtol=1e-5, atol=1e-7)
