"""The support's Hessian from the Gram of its columns alone (stop 86).

J's Hessian on the weights' support S confirms an L1 stop (review 189). Beyond 2,048
coordinates it came from H's columns on S by products with X, |S| of them each way,
priced at 2.5 iterations a column, so that a support of a few hundred columns was never
paid and wide L1 fits stood "converged" above J* (review 206 left 14 of 120 such fits up
to 2.7e-5 above). The backends now take the centred Gram of a set of columns in one read
of X (``centred_gram(..., cols=)``: dense, CSR, CSC of sorted rows, array API, Dask), and
the objective takes S's H from it (``Objective._bound_on_support``).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from test_review174 import _unsorted_csc

from conftest import backend_of_kind
from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import _dense, _objective
from gdlogreg._backends import make_backend
from gdlogreg._backends._array import _add_block_grams
from gdlogreg._loss import CurvatureShare


def _host(a):
    return np.from_dlpack(a)


_backend = backend_of_kind  # (conftest)


@pytest.mark.parametrize("kind", ["dense", "fortran", "float32", "csr", "csc", "dask",
                                  "array_api_strict"])
@pytest.mark.parametrize("weights", ["equal", "zeros"])
@pytest.mark.parametrize("curvature", [False, True])
def test_gram_of_columns_is_the_gram_s_part(kind, weights, curvature):
    rng = np.random.default_rng(3)
    n, d = 130, 40
    X = rng.standard_normal((n, d)) * rng.uniform(0.1, 5, d) + rng.uniform(-3, 3, d)
    X[rng.random((n, d)) < 0.7] = 0.0  # sparse X stores 30 % of the entries
    s = 1.0 / n
    if weights == "zeros":
        s = rng.uniform(0.0, 2.0, n)
        s[rng.random(n) < 0.3] = 0.0
        s /= s.sum()
    be, ctx = _backend(X, s, kind)
    try:
        mu, D = rng.standard_normal(d) * 0.1, rng.uniform(0.5, 2.0, d)
        cols = np.sort(rng.choice(d, 17, replace=False))
        at = ()
        if curvature:
            coef = rng.standard_normal((d + 1, 1))
            at = (CurvatureShare(2), be.linear(be.asarray(coef), True))
        G = be.centred_gram(mu, D, *at)
        part = be.centred_gram(mu, D, *at, cols=cols)
    finally:
        if ctx is not None:
            ctx.__exit__(None, None, None)
    keep = np.append(cols, d)
    assert part.shape == (len(keep), len(keep))
    np.testing.assert_allclose(part, G[np.ix_(keep, keep)], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("n_weights", [1, 3])
@pytest.mark.parametrize("density", [0.003, 0.02, 0.6])
def test_block_grams_add_what_np_add_at_adds(n_weights, density):
    """The sparse products' entries added by a plain fancy add (a product's entries are
    unique) or, dense to a quarter, as one dense array: the same sums, bit for bit."""
    rng = np.random.default_rng(0)
    d = 900  # (K columns of fewer go to _pair_grams: another sum)
    B = sp.random(200, d, density=density, random_state=1, format="csr")
    B = sp.csr_matrix((B.data, B.indices, B.indptr), shape=B.shape)  # unsorted is fine
    w = rng.uniform(0.1, 2.0, (200, n_weights)) if n_weights > 1 else 0.37
    S, c = np.full((n_weights, d, d), 0.25), np.zeros((n_weights, d))
    want = S.copy()
    _add_block_grams(B, w, S, c)
    for j in range(n_weights):
        Bw = B * w if np.ndim(w) == 0 else B.multiply(w[:, j : j + 1]).tocsr()
        P = (B.T @ Bw).tocoo()
        np.add.at(want[j], (P.row, P.col), P.data)
    if density < 0.5:  # (dense blocks go to BLAS: another sum, checked to rounding)
        np.testing.assert_array_equal(S, want)
    else:
        np.testing.assert_allclose(S, want, rtol=1e-13)


def _wide(seed, n, d, density, dense=False):
    r = np.random.RandomState(seed)
    X = sp.random(n, d, density=density, random_state=seed, format="csr")
    X.data[:] = r.poisson(2, X.nnz) + 1.0
    y = (X @ r.randn(d) + 0.3 * r.randn(n) > 0).astype(int)
    return (X.toarray() if dense else X), y


@pytest.mark.parametrize("kind", ["csr", "dense", "csc"])
def test_support_hessian_from_columns_is_h_on_the_support(monkeypatch, kind):
    """The support's H from its columns' Gram equals H's columns by products (the route it
    replaces) wherever a wide L1 fit asks for it."""
    X, y = _wide(0, 400, 3000, 0.01, dense=kind == "dense")
    if kind == "csc":
        X = X.tocsc()
    seen, route = [], _objective.Objective._bound_on_support

    def spy(self, keep, rows, Z):
        H = route(self, keep, rows, Z)
        seen.append((H, self._bound_columns(np.flatnonzero(keep), rows, Z)[keep]))
        return H

    monkeypatch.setattr(_objective.Objective, "_bound_on_support", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        GD(C=1e4, l1_ratio=1.0, max_iter=1200).fit(X * 3.0, y)
    assert seen  # (asked: its price is paid)
    for H, by_columns in seen:
        assert H.shape == by_columns.shape and H.shape[0] > 100
        np.testing.assert_allclose(H, by_columns, rtol=1e-11, atol=1e-12 * np.abs(H).max())


def test_support_columns_price_is_far_below_a_column_s_products(monkeypatch):
    """A support of a few hundred columns of a wide CSR costs a few dozen iterations (the
    products' route priced it at 2.5 iterations a column: never paid)."""
    X, y = _wide(0, 400, 3000, 0.01)
    seen, real = [], _objective.Objective._support_take_price

    def spy(self, point=None):
        price = real(self, point)
        if point is not None:
            seen.append((price, self._support_size(point)))
        return price

    monkeypatch.setattr(_objective.Objective, "_support_take_price", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        GD(C=1e4, l1_ratio=1.0, max_iter=1200).fit(X, y)
    price, s = seen[-1]
    assert s > 100
    assert price < 2.5 * s / 10  # (the products' price, 2.5 iterations a column)


def _eigen_flat(M):
    e, V = np.linalg.eigh(M)
    return V[:, e <= _dense.FLAT * max(float(e[-1]), 0.0)]


@pytest.mark.parametrize("case", ["curved", "copy", "one_hot", "wide", "valley", "zero"])
def test_flat_basis_screen_skips_the_eigenvalues_only_where_none_is_flat(case):
    """A pivoted Cholesky factor screens the support's H for the loss's flat directions
    before the eigenvalues (10 |S|³ flops a refusal): where it passes, the eigenvalues
    find none; where they find some, it does not pass."""
    rng = np.random.default_rng(7)
    n, d = 200, 30
    A = rng.standard_normal((n, d))
    if case == "copy":  # a column the sum of two others
        A[:, 5] = A[:, 1] + A[:, 2]
    elif case == "one_hot":  # a full set of levels beside the intercept (a column of 1s)
        A[:, :4] = np.eye(4)[rng.integers(0, 4, n)]
        A[:, 4] = 1.0
    elif case == "wide":  # more coordinates than rows
        A = A[:20]
    elif case == "valley":  # collinear but for 1e-10: a valley, not flat
        A[:, 5] = A[:, 1] + 1e-10 * rng.standard_normal(n)
    elif case == "zero":
        A[:, 3] = 0.0
    rho = rng.uniform(0.05, 0.25, len(A))
    M = (A * rho[:, None]).T @ A
    lam2 = np.full(d, 1e-3) if case == "curved" else np.zeros(d)
    H = M + np.diag(lam2)
    want = _eigen_flat(H - np.diag(lam2))
    got = _dense._flat_basis(H, lam2)
    assert got.shape[1] == want.shape[1]
    assert _dense._surely_curved(M) == (case in ("curved",))
    if want.shape[1]:  # the same span
        np.testing.assert_allclose(got @ got.T, want @ want.T, atol=1e-8)


def _wide_classes(seed=1, k=3):
    r = np.random.RandomState(seed)
    n, d = r.randint(200, 600), r.randint(2200, 4000)
    X = sp.random(n, d, density=0.01, random_state=seed, format="csr")
    X.data[:] = r.poisson(2, X.nnz) + 1.0
    y = np.argmax(X @ r.randn(d, k) + 0.3 * r.randn(n, k), axis=1)
    return X, y


def _J_classes(X, y, model, C):
    W, b = model.coef_.astype(np.float64).T, model.intercept_.astype(np.float64)
    Z = X @ W + b
    Z -= Z.max(axis=1, keepdims=True)
    loss = (np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(len(y)), y]).mean()
    return loss + np.abs(W).sum() / (C * len(y))


def test_class_support_hessian_is_the_whole_hessian_on_the_support(monkeypatch):
    """K classes of sparse X: H on the support from K(K + 1)/2 Grams of its columns equals
    the whole Hessian's part on it (by products with X, the route of the class metric)."""
    X, y = _wide_classes()
    seen, route = [], _objective.Objective._class_bound_on_support

    def spy(self, S, Z, shifts):
        H, lam = route(self, S, Z, shifts)
        whole, _, lam_whole = self._class_bound(np.ones(S.shape[0], dtype=bool), Z, shifts)
        keep = S.ravel(order="F")
        seen.append((H, _dense._kept(whole, keep), lam, lam_whole[keep], shifts))
        return H, lam

    monkeypatch.setattr(_objective.Objective, "_class_bound_on_support", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        GD(C=100.0, l1_ratio=1.0, max_iter=700).fit(X, y)
    assert seen
    for H, whole, lam, lam_whole, shifts in seen[:3]:
        assert H.shape == whole.shape and H.shape[0] > 100
        np.testing.assert_array_equal(lam, lam_whole)
        scale = np.abs(whole).max()
        if shifts:  # (its curvature c·Π along the shifts: c from H on S, not every H)
            continue
        np.testing.assert_allclose(H, whole, rtol=1e-10, atol=1e-12 * scale)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_wide_sparse_classes_l1_is_not_called_converged_above_the_promise(dtype):
    """Three classes of a 237 × 2,435 CSR, pure L1 at C = 1e4: the gradient tests alone
    stopped "converged" 4.1e-6 (float64) and 1.6e-6 (float32) above J* (abe5ad6)."""
    X, y = _wide_classes()
    C = 1e4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = GD(C=C, l1_ratio=1.0, tol=0.0, max_iter=6000).fit(X, y)
        model = GD(C=C, l1_ratio=1.0).fit(X.astype(dtype), y)
    J_star = min(_J_classes(X, y, ref, C), _J_classes(X, y, model, C))
    gap = (_J_classes(X, y, model, C) - J_star) / J_star
    assert model.converged_ or model.stop_reason_ == "max_iter"
    if model.converged_:
        assert gap <= 1e-6


@pytest.mark.parametrize("kind", ["dense", "csr", "dask", "array_api_strict"])
def test_class_pair_curvature_weighs_the_gram_by_pa_pb(kind):
    """The Gram of the softmax Hessian's block (a, b) on a set of columns: the rows
    weighted by s·pₐ·p_b (ClassPairCurvature) or s·pₐ(1 - pₐ) (ClassCurvatures)."""
    from gdlogreg._loss import ClassCurvatures, ClassPairCurvature, make_loss

    rng = np.random.default_rng(11)
    n, d, k = 90, 12, 3
    X = rng.standard_normal((n, d))
    s = rng.uniform(0.0, 2.0, n)
    s[::7] = 0.0
    s /= s.sum()
    coef = rng.standard_normal((d + 1, k))
    t = rng.integers(0, k, n)
    if kind == "dask":
        da = pytest.importorskip("dask.array")
        be, ctx = make_backend(da.from_array(X, chunks=(40, -1)), make_loss(k, np), t,
                               da.from_array(s, chunks=(40,))), None
    elif kind == "array_api_strict":
        pytest.importorskip("scipy", minversion="1.14")
        from sklearn import config_context

        xp = pytest.importorskip(kind)
        ctx = config_context(array_api_dispatch=True)
        ctx.__enter__()
        be = make_backend(xp.asarray(X), make_loss(k, xp), t, xp.asarray(s))
    else:
        data = X if kind == "dense" else sp.csr_matrix(X)
        be, ctx = make_backend(data, make_loss(k, np), t, s), None
    mu, D = rng.standard_normal(d) * 0.1, rng.uniform(0.5, 2.0, d)
    cols = np.array([1, 4, 5, 9])
    try:
        Z = be.linear(be.asarray(coef), True)
        got = {(a, b): be.centred_gram(mu, D, ClassCurvatures(k, a) if a == b else
                                       ClassPairCurvature(k, a, b), Z, cols=cols)
               for a in range(k) for b in range(a, k)}
    finally:
        if ctx is not None:
            ctx.__exit__(None, None, None)
    Zh = X @ coef[:d] + coef[d]
    P = np.exp(Zh - Zh.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    A = np.hstack([(X[:, cols] - mu[cols]) * D[cols], np.ones((n, 1))])
    for (a, b), G in got.items():
        w = s * P[:, a] * ((1.0 - P[:, a]) if a == b else P[:, b])
        np.testing.assert_allclose(G, (A * w[:, None]).T @ A, rtol=1e-11, atol=1e-15)


def test_take_due_at_the_last_iteration_where_afforded():
    """After a refusal the next take waits for the gradient's prediction or STOP_WAIT
    prices; at ``max_iter`` it is asked whatever the prediction, where afforded."""
    from gdlogreg._steps.bb import take_due

    refused = (8.5, 1e-3, 814)  # λ² 8.5 times the target at iteration 814
    assert not take_due(1000, 0.9e-3, 297.0, 1, refused)
    assert take_due(1000, 0.9e-3, 297.0, 1, refused, last=True)
    assert not take_due(1000, 0.9e-3, 600.0, 1, refused, last=True)  # (2 takes: 1,200)


def test_a_refused_stop_is_asked_again_at_max_iter():
    """Three classes of a 372 × 2,759 CSR, pure L1 at C = 1e4: its one stop take, at
    iteration 814, refused (λ² 8.5 times the target); the fit then ran to max_iter 6e-8
    above J*, warned unconverged. At max_iter the take is asked again and confirms."""
    X, y = _wide_classes(seed=0)
    model, gap = _l1_fit_and_gap(X, y, 1e4, ref_iter=6000)
    assert model.converged_ and model.n_iter_[0] == 1000
    assert gap <= 1e-6


def _l1_fit_and_gap(X, y, C, fit_X=None, ref_iter=20_000):
    """The default pure-L1 fit of ``fit_X`` (X itself by default), and its J's relative
    gap to J* (the least of its J and a long fit's on X)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = GD(C=C, l1_ratio=1.0).fit(X if fit_X is None else fit_X, y)
        ref = GD(C=C, l1_ratio=1.0, tol=0.0, max_iter=ref_iter).fit(X, y)
    J_star = min(_J_classes(X, y, ref, C), _J_classes(X, y, model, C))
    return model, (_J_classes(X, y, model, C) - J_star) / J_star


@pytest.mark.parametrize("n_weights", [1, 3])
def test_unsorted_csc_gram_of_columns_is_the_sorted_one_s(n_weights):
    """Review 209: CSC X of unsorted row indices took no Gram at all (its rows cannot be
    cut by binary search). The Gram of a set of columns now comes from a sorted copy of
    those columns alone: the sorted CSC's Gram, and the caller's X untouched."""
    from gdlogreg._loss import BinaryLogLoss, ClassCurvatures, ClassPairCurvature

    rng = np.random.default_rng(5)
    n, d = 150, 60
    X = rng.standard_normal((n, d)) + rng.uniform(-2, 2, d)
    X[rng.random((n, d)) < 0.8] = 0.0
    s = rng.uniform(0.0, 2.0, n)
    s[rng.random(n) < 0.2] = 0.0
    s /= s.sum()
    U = _unsorted_csc(X)
    before = (U.data.copy(), U.indices.copy(), U.indptr.copy())
    sorted_be, _ = _backend(X, s, "csc")
    be = make_backend(U, BinaryLogLoss(), np.zeros(n, dtype=np.intp), s)
    mu, D = rng.standard_normal(d) * 0.1, rng.uniform(0.5, 2.0, d)
    cols = np.sort(rng.choice(d, 23, replace=False))
    at = ()
    if n_weights > 1:  # a pair of classes' curvature at a raw prediction of 3 classes
        Z = np.asfortranarray(rng.standard_normal((n, 3)))
        at = (ClassPairCurvature(3, 0, 2), Z)
        assert be.centred_gram(mu, D, ClassCurvatures(3, 1), Z, cols=cols) is not None
    assert be.centred_gram(mu, D, *at) is None  # (every column's: not one read)
    got = be.centred_gram(mu, D, *at, cols=cols)
    want = sorted_be.centred_gram(mu, D, *at, cols=cols)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    for new, old in zip((U.data, U.indices, U.indptr), before, strict=True):
        np.testing.assert_array_equal(new, old)
    assert not U.has_sorted_indices


@pytest.mark.slow
def test_k_classes_of_unsorted_csc_x_confirm_their_l1_stop():
    """Review 209: 3 classes of a 300 × 1,084 CSR given as CSC of unsorted row indices,
    pure L1 at C = 1e4, took no support take and stood "converged" 4.9e-6 above J*
    (CSR and sorted CSC: 1.2e-7). Now it takes the Gram of its support's columns."""
    r = np.random.RandomState(0)
    n, d, k = 300, r.randint(400, 3000), 3
    X = sp.random(n, d, density=0.02, random_state=0, format="csr")
    X.data[:] = r.poisson(2, X.nnz) + 1.0
    y = np.argmax(X @ r.randn(d, k) + 0.3 * r.randn(n, k), axis=1)
    U = _unsorted_csc(X)
    model, gap = _l1_fit_and_gap(X, y, 1e4, fit_X=U)
    assert model.converged_
    assert gap <= 1e-6
    assert not U.has_sorted_indices
