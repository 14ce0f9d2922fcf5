"""The diagonal metric of bb's steps where neither H⁻¹ applies (sparse X of many columns, dense
X too wide for the p × p metric and too tall for the factored one): diag(H)⁻¹ at the
rows' curvature (``Objective._diagonal_metric``, the backends' ``centred_diagonal``)."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import gdlogreg._objective as objective_module
from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg._backends._array import DenseArrayBackend, NumpyBackend
from gdlogreg._cli import objective
from gdlogreg._loss import CurvatureShare
from gdlogreg._objective import DiagonalMetric, Objective


def _one_hot(n, levels, k, seed, effect=5.0):
    """CSR X: two numbers and one-hot columns of Zipf-frequent levels whose effects are
    large (rare levels classify their rows alone at large C), y of k classes."""
    rng = np.random.default_rng(seed)
    blocks, logits = [], np.zeros((n, k))
    for count in levels:
        p = 1.0 / np.arange(1, count + 1) ** 1.1
        codes = rng.choice(count, n, p=p / p.sum())
        blocks.append(sp.csr_matrix((np.ones(n), (np.arange(n), codes)), shape=(n, count)))
        logits += rng.normal(0.0, effect, (count, k))[codes]
    num = rng.normal(size=(n, 2))
    logits += num @ rng.normal(size=(2, k))
    y = np.argmax(logits + rng.gumbel(size=(n, k)), axis=1)
    return sp.hstack([sp.csr_matrix(num), *blocks]).tocsr(), y


def _fit(X, y, diagonal=True, **params):
    """The default fit, or with the diagonal metric off (its condition never met)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if diagonal:
            return GradientDescentLogisticRegression(**params).fit(X, y)
        keep = objective_module.MIN_CONDITION
        objective_module.MIN_CONDITION = np.inf
        try:
            return GradientDescentLogisticRegression(**params).fit(X, y)
        finally:
            objective_module.MIN_CONDITION = keep


def _duplicated(X):
    """CSR X with each stored entry stored twice (a quarter, then three quarters), each
    row's indices unsorted."""
    X = sp.csr_matrix(X)
    counts = np.diff(X.indptr)
    indptr = np.concatenate([[0], np.cumsum(2 * counts)])
    idx, dat = np.empty(2 * X.nnz, X.indices.dtype), np.empty(2 * X.nnz)
    for i, c in enumerate(counts):
        seg, k = slice(X.indptr[i], X.indptr[i + 1]), indptr[i]
        idx[k : k + c], idx[k + c : k + 2 * c] = X.indices[seg][::-1], X.indices[seg]
        dat[k : k + c], dat[k + c : k + 2 * c] = 0.25 * X.data[seg][::-1], 0.75 * X.data[seg]
    Y = sp.csr_matrix((dat, idx, indptr), shape=X.shape)
    Y.has_canonical_format = False
    return Y


def _diagonal_of_gram(be, mean, scale, rows, Z):
    G = be.centred_gram(mean, scale, rows, Z)
    return np.diag(G).copy()


@pytest.mark.parametrize("kind", ["dense", "csr", "csc", "csr odd"])
def test_the_kernel_is_the_diagonal_of_the_centred_gram(kind):
    """``centred_diagonal`` equals the diagonal of ``centred_gram`` (the metric's H before
    its scale and penalty) at the rows' curvature weights, for weights with zeros whose
    rows hold 1e200 (their squares overflow), and for CSR with duplicate and unsorted
    entries (each stored twice, a quarter and three quarters: the sum squared)."""
    rng = np.random.default_rng(0)
    n, d = 700, 40
    dense = rng.standard_normal((n, d)) * np.exp(rng.uniform(-2, 2, d))
    dense[rng.random((n, d)) < 0.7] = 0.0
    s = rng.uniform(0.5, 2.0, n)
    s[:5] = 0.0
    dense[:5] = 1e200
    s /= s.sum()
    X = {"dense": dense, "csr": sp.csr_matrix(dense), "csc": sp.csc_matrix(dense)}.get(kind)
    if X is None:
        X = _duplicated(dense)
        assert X.nnz == 2 * np.count_nonzero(dense)
    be = NumpyBackend(X, rng.integers(0, 2, n).astype(np.int8), s)
    Z = rng.standard_normal((n, 1))
    mean, scale = rng.standard_normal(d) * 0.1, 1.0 / (1.0 + rng.random(d))
    got = be.centred_diagonal(mean, scale, CurvatureShare(2), Z)
    ref_be = NumpyBackend(dense[5:], be.targets[5:], s[5:])  # the rows of weight 0 left out
    want = _diagonal_of_gram(ref_be, mean, scale, CurvatureShare(2), Z[5:])
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14 * want.max())


def test_the_array_api_kernel_agrees_with_numpy():
    rng = np.random.default_rng(1)
    n, d = 300, 12
    X = rng.standard_normal((n, d)) + 3.0
    s = np.full(n, 1.0 / n)
    t = rng.integers(0, 2, n).astype(np.int8)
    Z = rng.standard_normal((n, 1))
    mean, scale = X.mean(axis=0), 1.0 / X.std(axis=0)
    got = DenseArrayBackend(X, t, s).centred_diagonal(mean, scale, CurvatureShare(2), Z)
    want = NumpyBackend(X, t, s).centred_diagonal(mean, scale, CurvatureShare(2), Z)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(got, np.diag(NumpyBackend(X, t, s).centred_gram(
        mean, scale, CurvatureShare(2), Z)), rtol=1e-12)


def _metrics_taken(monkeypatch):
    """The metrics bb took in a fit (None where whitening gave none)."""
    taken = []
    whitening = Objective.whitening

    def spy(self, *args, **kwargs):
        P = whitening(self, *args, **kwargs)
        taken.append(P)
        return P

    monkeypatch.setattr(Objective, "whitening", spy)
    return taken


@pytest.mark.parametrize("k", [2, 4])
def test_one_hot_levels_that_classify_their_rows_take_fewer_iterations(k, monkeypatch):
    """Sparse one-hot data of 802 columns at C = 100: no p × p metric applies, the rare
    levels' columns lose their curvature as their rows are classified, and the diagonal
    metric takes far fewer iterations (130 -> 85 binary, 216 -> 122 for 4 classes when
    written) to the same J."""
    X, y = _one_hot(3000, (400, 400), k, seed=1)
    plain = _fit(X, y, diagonal=False, C=100.0)
    taken = _metrics_taken(monkeypatch)
    fit = _fit(X, y, C=100.0)
    assert any(isinstance(P, DiagonalMetric) for P in taken)
    assert fit.converged_ and plain.converged_
    assert fit.n_iter_[0] <= 0.75 * plain.n_iter_[0], (fit.n_iter_, plain.n_iter_)
    tight = _fit(X, y, C=100.0, tol=1e-10, max_iter=20_000)
    J_star = objective(tight, X, y)
    assert objective(fit, X, y) - J_star <= 1e-6 * J_star


def test_it_is_neither_retaken_as_stale_nor_asked_to_confirm_a_stop(monkeypatch):
    """Its steps need not be near 1 (not J's Hessian), so bb does not retake it where they
    grow, and ½ gᵀP g estimates nothing: the takes are the schedule's (10, 30, 50, 90, ...),
    none from the Newton decrement's confirmation; a retake within a factor DIAGONAL_MOVE of
    the metric held keeps it (the same object: bb's steps go on)."""
    X, y = _one_hot(3000, (400, 400), 2, seed=1)
    taken = _metrics_taken(monkeypatch)
    fit = _fit(X, y, C=100.0)
    n = fit.n_iter_[0]
    scheduled = [10] + [10 + 20 * 2**j for j in range(8) if 10 + 20 * 2**j <= n]
    assert len(taken) == len(scheduled), (len(taken), scheduled)
    diagonal = [P for P in taken if isinstance(P, DiagonalMetric)]
    assert diagonal and all(np.all(np.isfinite(np.asarray(P.inv))) for P in diagonal)
    kept = [b is a for a, b in zip(diagonal, diagonal[1:], strict=False)]
    moved = [np.max(np.maximum(b.host / a.host, a.host / b.host))
             for a, b in zip(diagonal, diagonal[1:], strict=False)]
    assert all(k == (m <= objective_module.DIAGONAL_MOVE) for k, m in zip(kept, moved,
                                                                           strict=True))


def test_uniform_curvature_and_l1_keep_the_plain_steps_float32_takes_it(monkeypatch):
    """Where H's diagonal is within MIN_CONDITION of a multiple of the identity (dense
    Gaussian columns) the steps stay plain; with an L1 part no diagonal metric is taken; in
    float32 it is (and the fit converges within float32's tol of J*). (Dense X of 600
    columns takes the wide p × p metric now: set aside here, to see the diagonal's rule.)"""
    monkeypatch.setattr(objective_module, "MAX_WIDE_WHITENED", objective_module.MAX_WHITENED)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 600))
    y = (X[:, :10].sum(axis=1) + rng.standard_normal(3000) > 0).astype(int)
    taken = _metrics_taken(monkeypatch)
    _fit(X, y)
    assert taken and not any(P is not None for P in taken)
    Xs, ys = _one_hot(3000, (400, 400), 2, seed=1)
    taken.clear()
    fit32 = _fit(Xs.astype(np.float32), ys, C=100.0)
    assert any(isinstance(P, DiagonalMetric) for P in taken)
    assert fit32.converged_ and fit32.coef_.dtype == np.float32
    tight = _fit(Xs, ys, C=100.0, tol=1e-10, max_iter=20_000)
    J_star = objective(tight, Xs, ys)
    assert objective(fit32, Xs, ys) - J_star <= fit32.tol * J_star
    taken.clear()
    _fit(Xs, ys, C=100.0, l1_ratio=0.5)
    assert not any(P is not None for P in taken)


def test_held_columns_keep_the_plain_metric():
    """A constant column and the levels never seen (held: copies of the intercept, or
    nothing) get 1, the others diag(H)⁻¹."""
    X, y = _one_hot(3000, (400, 400), 2, seed=1)
    X = sp.hstack([X, sp.csr_matrix(np.full((3000, 1), 2.0))]).tocsr()
    fit = _fit(X, y, C=100.0)
    est = GradientDescentLogisticRegression(C=100.0)
    problem = est._make_problem(X, y, None, 2)
    obj = Objective(problem, problem.standardization)
    base = np.vstack([fit.coef_.T, fit.intercept_[None, :]])
    P = obj.whitening(base, None, diagonal=True)
    assert isinstance(P, DiagonalMetric)
    inv = np.asarray(P.inv)[:, 0]
    held = np.flatnonzero(np.asarray(problem.standardization.held))
    assert X.shape[1] - 1 in held and len(held) > 1
    assert np.all(inv[held] == 1.0) and np.all(inv > 0)
    kept = np.setdiff1d(np.arange(len(inv)), held)
    assert inv[kept].max() / inv[kept].min() >= 10


def test_weight_two_is_a_repeated_row_and_the_search_follows_the_single_fits():
    """The diagonal is weighted by s·ρ: a row weighted 2 and the row repeated give the same
    path; the batched search's columns follow their single fits' paths."""
    X, y = _one_hot(1500, (300, 300), 3, seed=2)
    rng = np.random.default_rng(0)
    twice = rng.random(1500) < 0.2
    Xr = sp.vstack([X, X[twice]]).tocsr()
    yr = np.concatenate([y, y[twice]])
    w = np.where(twice, 2.0, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = GradientDescentLogisticRegression(C=100.0).fit(X, y, sample_weight=w)
        b = GradientDescentLogisticRegression(C=100.0).fit(Xr, yr)
    assert a.n_iter_[0] == b.n_iter_[0]
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-9)
    from sklearn.model_selection import StratifiedKFold

    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = GradientDescentLogisticRegressionCV(Cs=[1.0, 100.0], cv=cv).fit(X, y)
    for fold, (train, _) in enumerate(cv.split(X, y)):
        single = _fit(X[train], y[train], C=100.0)
        assert search.n_iter_[0, fold, 1] == single.n_iter_[0]


@pytest.mark.slow
def test_dask_takes_it_in_one_pass_and_follows_the_numpy_path(monkeypatch):
    """Dask X's kernel (one pass over the chunks) gives numpy's path: the same iterations
    and model on the dense one-hot set of 802 columns. (Dense numpy X of that many columns
    takes the wide p × p metric, which Dask X, of no Gram in one read, does not: set aside
    here.)"""
    da = pytest.importorskip("dask.array")
    monkeypatch.setattr(objective_module, "MAX_WIDE_WHITENED", objective_module.MAX_WHITENED)
    X, y = _one_hot(3000, (400, 400), 2, seed=1)
    Xd = X.toarray()
    ref = _fit(Xd, y, C=100.0)
    fit = _fit(da.from_array(Xd, chunks=(700, -1)), da.from_array(y, chunks=700), C=100.0)
    plain = _fit(Xd, y, diagonal=False, C=100.0)
    assert fit.n_iter_[0] == ref.n_iter_[0] < plain.n_iter_[0]
    np.testing.assert_allclose(np.asarray(fit.coef_), ref.coef_, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_the_kernel_by_products_is_the_exact_kernel(fmt):
    """The sparse kernel by two products with the weights (one iteration's cost) gives the
    exact kernel's diagonal (entries centred before they are squared): on random sparse
    columns, an empty one, a constant one stored whole, one of offset 1e8 against a spread
    of 1 (both would cancel: taken again dense), with rows of weight 0; and CSR of
    duplicate entries, each block's summed in its copy first (stop 89; before, None: the
    exact kernel)."""
    rng = np.random.default_rng(3)
    n, d = 2000, 30
    dense = rng.standard_normal((n, d)) * np.exp(rng.uniform(-3, 3, d))
    dense[rng.random((n, d)) < 0.8] = 0.0
    dense[:, 0] = 0.0
    dense[:, 1] = 2.0
    dense[:, 2] = 1e8 + rng.standard_normal(n)
    s = rng.uniform(0.5, 2.0, n)
    s[:7] = 0.0
    X = sp.csr_matrix(dense) if fmt == "csr" else sp.csc_matrix(dense)
    be = NumpyBackend(X, rng.integers(0, 2, n).astype(np.int8), s / s.sum())
    rows, Z = CurvatureShare(2), rng.standard_normal((n, 1))
    w = be._gram_weights(0, n, rows, Z)
    np.testing.assert_array_equal(be._sparse_weights(rows, Z), w.ravel())
    mean = np.average(dense, axis=0, weights=s)
    scale = 1.0 / np.maximum(np.sqrt(np.average((dense - mean) ** 2, axis=0, weights=s)), 1e-3)
    before = X.data.copy()
    fast = be._sparse_diagonal_by_products(mean, scale, rows, Z)
    exact = be._sparse_diagonal(mean, scale, w)
    assert fast is not None
    np.testing.assert_array_equal(X.data, before)  # its blocks' copies squared, not X
    np.testing.assert_allclose(fast, exact, rtol=1e-9, atol=1e-15 * exact.max())
    assert fast[0] == 0.0 and fast[1] <= 1e-12 * fast.max() and fast[2] > 0.0
    if fmt == "csr":
        odd = NumpyBackend(_duplicated(dense), be.targets, s / s.sum())
        np.testing.assert_allclose(odd._sparse_diagonal_by_products(mean, scale, rows, Z),
                                   exact, rtol=1e-9, atol=1e-15 * exact.max())
        want = be.centred_diagonal(mean, scale, None, None)
        np.testing.assert_allclose(odd.centred_diagonal(mean, scale, None, None), want,
                                   rtol=1e-9, atol=1e-12 * want.max())


def test_a_sparse_take_holds_blocks_not_arrays_of_all_rows():
    """The CSR kernel's temporaries are its blocks' (squares and weights of a 64th of X's
    entries): the rows' curvature weights of all rows at once took the benchmark's CSR fit
    to 0.20 of X at its peak (0.090 now, with the take's own raw prediction)."""
    import tracemalloc

    rng = np.random.default_rng(0)
    n, d, per_row = 60_000, 2_000, 20
    cols = rng.integers(0, d, n * per_row)
    X = sp.csr_matrix((rng.random(n * per_row), (np.repeat(np.arange(n), per_row), cols)),
                      shape=(n, d))
    be = NumpyBackend(X, rng.integers(0, 2, n).astype(np.int8), 1.0 / n)
    Z = rng.standard_normal((n, 1))
    mean, scale = np.asarray(X.mean(axis=0)).ravel(), np.ones(d)
    be.centred_diagonal(mean, scale, CurvatureShare(2), Z)  # warm-up
    tracemalloc.start()
    try:
        be.centred_diagonal(mean, scale, CurvatureShare(2), Z)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    # 0.060 of X here on scipy 1.17, 0.064 on 1.9 (its products' own temporaries); the
    # curvature weights of all rows at once alone: 0.13
    assert peak < 0.1 * size, (peak, size)


@pytest.mark.parametrize("offset", [False, True])
def test_k_classes_diagonals_of_csr_in_one_read(offset):
    """K classes' diagonals of sparse X in the same two products (a column of weights
    each), where a read a class cost K (review 179): each class's column is its own
    read's, and dense X's, for CSR X and CSC X (its rows cut as CSR); a column that would
    cancel (offset 1e8 against a spread of 1) sends them back to those reads."""
    from gdlogreg._loss import ClassCurvatures

    rng = np.random.default_rng(4)
    n, d, k = 1500, 25, 4
    dense = rng.standard_normal((n, d)) * np.exp(rng.uniform(-2, 2, d))
    dense[rng.random((n, d)) < 0.7] = 0.0
    if offset:
        dense[:, 3] = 1e8 + rng.standard_normal(n)
    s = rng.uniform(0.5, 2.0, n)
    s[:6] = 0.0
    s /= s.sum()
    t = rng.integers(0, k, n).astype(np.int8)
    Z = rng.standard_normal((n, k))
    mean = np.average(dense, axis=0, weights=s)
    scale = 1.0 / np.maximum(np.sqrt(np.average((dense - mean) ** 2, axis=0, weights=s)), 1e-3)
    csr = NumpyBackend(sp.csr_matrix(dense), t, s)
    got = csr.centred_diagonal(mean, scale, ClassCurvatures(k), Z)
    each = np.stack([csr.centred_diagonal(mean, scale, ClassCurvatures(k, c), Z)
                     for c in range(k)], axis=1)
    want = NumpyBackend(dense, t, s).centred_diagonal(mean, scale, ClassCurvatures(k), Z)
    csc = NumpyBackend(sp.csc_matrix(dense), t, s).centred_diagonal(
        mean, scale, ClassCurvatures(k), Z)
    if offset:
        assert got is None and csc is None
        return
    assert got.shape == (d + 1, k)
    np.testing.assert_allclose(csc, got, rtol=1e-12)  # (its blocks of rows cut otherwise)
    np.testing.assert_array_equal(got[:d], each[:d])  # (Σ w last: summed as a matrix)
    np.testing.assert_allclose(got[d], each[d], rtol=1e-14)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-14 * want.max())


@pytest.mark.slow
def test_dask_reads_k_classes_diagonals_in_one_pass(monkeypatch):
    """Dask X's K classes' diagonals in one pass over the chunks (a round trip each, where
    a pass a class cost K): numpy's, and the routes of 16 classes (tests/test_review174.py)
    follow numpy's path with 3 diagonal passes where they made 42."""
    da = pytest.importorskip("dask.array")
    from test_review174 import _routes

    from gdlogreg._backends import _dask
    from gdlogreg._loss import ClassCurvatures, make_loss

    rng = np.random.default_rng(5)
    n, d, k = 1200, 12, 5
    X = rng.standard_normal((n, d)) * np.exp(rng.uniform(-2, 2, d))
    t = rng.integers(0, k, n)
    s = rng.uniform(0.5, 2.0, n)
    s[:4] = 0.0
    Z = rng.standard_normal((n, k))
    mean, scale = rng.standard_normal(d), 1.0 / (1.0 + rng.random(d))
    be = _dask.DaskBackend(da.from_array(X, chunks=(300, -1)), make_loss(k, np),
                           da.from_array(t, chunks=300), da.from_array(s / s.sum(), chunks=300))
    coef = rng.standard_normal((d + 1, k))
    Z = be.linear(coef, True)
    got = be.centred_diagonal(mean, scale, ClassCurvatures(k), Z)
    want = NumpyBackend(X, make_loss(k, np).encode(t, np), s / s.sum()).centred_diagonal(
        mean, scale, ClassCurvatures(k), X @ coef[:d] + coef[d])
    assert got.shape == (d + 1, k)
    np.testing.assert_allclose(got, want, rtol=1e-12)

    passes, run = [], _dask.DaskBackend._map_reduce

    def spy(self, func, *args, **kwargs):
        passes.append(func.__name__)
        return run(self, func, *args, **kwargs)

    monkeypatch.setattr(_dask.DaskBackend, "_map_reduce", spy)
    X, y = _routes(5)
    ref = GradientDescentLogisticRegression(C=100.0).fit(X, y)
    fit = GradientDescentLogisticRegression(C=100.0).fit(
        da.from_array(X, chunks=(1000, -1)), da.from_array(y, chunks=1000))
    assert fit.n_iter_[0] == ref.n_iter_[0]
    np.testing.assert_allclose(np.asarray(fit.coef_), ref.coef_, rtol=1e-6, atol=1e-9)
    assert passes.count("_diagonal_block") <= 3, passes.count("_diagonal_block")


@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("layout", ["unsorted", "repeated"])
def test_csr_not_canonical_is_taken_by_products(classes, layout, monkeypatch):
    """CSR of unsorted indices (CountVectorizer's ``max_features``/``min_df`` leave them) or
    of repeated entries: the products' kernel sums each block's repeats in its copy (the
    gathers took a quarter of a TF-IDF fit), the same diagonal as the canonical X's."""
    from gdlogreg._backends import _array
    from gdlogreg._loss import ClassCurvatures

    rng = np.random.default_rng(2)
    n, d = 500, 30
    dense = rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.3)
    s = rng.uniform(0.5, 2.0, n)
    s /= s.sum()
    if layout == "repeated":
        X = _duplicated(dense)
    else:
        perm = rng.permutation(d)
        X = sp.csr_matrix(dense[:, perm])[:, np.argsort(perm)]  # (column indexing: unsorted)
        assert not X.has_sorted_indices
    rows = CurvatureShare(2) if classes == 2 else ClassCurvatures(classes)
    Z = rng.standard_normal((n, 1 if classes == 2 else classes))
    mean, scale = rng.standard_normal(d) * 0.1, 1.0 / (1.0 + rng.random(d))
    gathers = []
    monkeypatch.setattr(_array.NumpyBackend, "_sparse_diagonal",
                        lambda *a, **k: gathers.append(1))
    targets = rng.integers(0, classes, n).astype(np.int8)
    got = NumpyBackend(X, targets, s).centred_diagonal(mean, scale, rows, Z)
    assert not gathers
    data = X.data.copy()
    want = NumpyBackend(sp.csr_matrix(dense), targets, s).centred_diagonal(mean, scale, rows, Z)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14 * np.max(want))
    np.testing.assert_array_equal(X.data, data)  # (the caller's X as it was)



@pytest.mark.parametrize("weighted", [False, True])
def test_class_curvatures_hold_two_arrays_of_z(weighted):
    """ClassCurvatures.terms (the K-class Newton step's row weights, at every conjugate
    gradient product) holds two arrays of z's size at a time on numpy, where three were
    (review 216: a K-class Newton step on CSR of 20 entries a row held 1.8 X), and gives
    the generic formula's numbers bitwise."""
    import tracemalloc

    from gdlogreg._loss import ClassCurvatures, _scale_rows, weighted_sum

    rng = np.random.default_rng(0)
    n, K = 100_000, 10
    z = np.asfortranarray(rng.standard_normal((n, K)) * 4)
    s = rng.random(n) if weighted else 1.0 / n
    tracemalloc.start()
    try:
        total, W = ClassCurvatures(K).terms(z, None, s, np, True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= 2.2 * z.nbytes
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p = p / p.sum(axis=1, keepdims=True)
    c = p * (1.0 - p)
    assert total == weighted_sum(s, c, np)
    np.testing.assert_array_equal(W, _scale_rows(s, c))
