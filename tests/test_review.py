"""Outside review of the core changes since 481f1e4: each test pins a defect found (or a
property checked) in the row blocks, the loss pass and the dual constants."""

import numpy as np
import pytest
import scipy.sparse as sp

from gdlogreg._backends import _array, _threads
from gdlogreg._loss import BinaryLogLoss, GroupedLoss, MultinomialLogLoss
from gdlogreg._problem import make_problem


@pytest.mark.parametrize("cores", [2, 16, 64])
@pytest.mark.parametrize(("n", "m"), [(10, 10_000), (1, 65_536), (7, 9_000), (40, 20_000)])
def test_row_blocks_are_never_empty(monkeypatch, cores, n, m):
    """Cut for the cores (n·m >= 2 MIN_SHARE), the blocks were n·m // MIN_BLOCK many,
    more than the n rows once m > MIN_BLOCK (a search batch of 10,000 binary columns on
    10 rows, 16 cores: 12 blocks, two of them empty)."""
    monkeypatch.setattr(_threads, "cores", lambda: cores)
    blocks = _array._row_blocks(n, m)
    sizes = [b.stop - b.start for b in blocks]
    assert sum(sizes) == n
    if -(-n // max(1, _array.CHUNK // m)) < cores:  # fewer CHUNKs than cores: cut for them
        assert min(sizes) > 0, sizes


def _backend(fmt, n_blocks, loss_kind, rng):
    n, d = 300, 4
    X = rng.normal(size=(n, d))
    X[rng.random((n, d)) < 0.4] = 0.0
    X = {"dense": X, "csr": sp.csr_matrix(X), "csc": sp.csc_matrix(X)}[fmt]
    if loss_kind == "binary":
        loss, m = BinaryLogLoss(), 1
        t = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
    elif loss_kind == "multinomial":
        loss, m = MultinomialLogLoss(3, np), 3
        t = rng.integers(0, 3, n).astype(np.intp)
    else:  # a search batch of two binary columns
        loss, m = GroupedLoss(BinaryLogLoss(), 2, 1), 2
        t = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
    s = rng.random((n, m)) if loss_kind == "grouped" else rng.random(n)
    s = np.asfortranarray(s / s.sum(axis=0))
    be = _array.NumpyBackend(X, t, s)
    cut = np.linspace(0, n, n_blocks + 1).astype(int)
    blocks = [slice(int(cut[i]), int(cut[i + 1])) for i in range(n_blocks)]
    for width in {1, m}:
        be._cuts[width] = blocks
    return be, loss, m


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("loss_kind", ["binary", "multinomial", "grouped"])
@pytest.mark.parametrize("n_blocks", [1, 3])
def test_moved_pass_without_D_returns_the_raw_prediction(fmt, loss_kind, n_blocks):
    """``loss_pass(Z, gradient=True, move=True)`` (Objective.extrapolate, Nesterov's
    extrapolated point) returned U = Z after writing the residual over Z block by block:
    with more than one row block (n > CHUNK) the Point's raw prediction was the residual
    (the new one-block fast path returns the true U: the two paths disagreed). U must be
    the raw prediction, or None where its memory was spent."""
    rng = np.random.default_rng(0)
    be, loss, m = _backend(fmt, n_blocks, loss_kind, rng)
    coef = rng.normal(size=(be.n_features + 1, m))
    Z = be.linear(coef, True)
    expected = Z.copy()
    _, U, G = be.loss_pass(loss, Z, gradient=True, move=True)
    if U is not None:
        np.testing.assert_allclose(U, expected, rtol=1e-14)
    # and the gradient is the same as that of an unmoved pass
    _, _, G_ref = be.loss_pass(loss, be.linear(coef, True), gradient=True)
    np.testing.assert_allclose(G, G_ref, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("loss_kind", ["binary", "multinomial", "grouped"])
@pytest.mark.parametrize("move", [False, True])
@pytest.mark.parametrize("with_D", [False, True])
@pytest.mark.parametrize("gradient", [False, True])
def test_one_block_fast_path_matches_the_general_path(fmt, loss_kind, move, with_D, gradient):
    """The single-block fast path of NumpyBackend.loss_pass against three blocks: the
    same loss, gradient, and raw prediction (where one is returned)."""
    out = []
    for n_blocks in [1, 3]:
        rng = np.random.default_rng(1)
        be, loss, m = _backend(fmt, n_blocks, loss_kind, rng)
        coef, dcoef = rng.normal(size=(2, be.n_features + 1, m))
        Z = be.linear(coef, True)
        D = be.linear(dcoef, True) if with_D else None
        U_ref = Z + 0.7 * D if with_D else Z.copy()
        value, U, G = be.loss_pass(loss, Z, D, 0.7 if with_D else 0.0, gradient=gradient,
                                   move=move)
        if U is not None:
            np.testing.assert_allclose(U, U_ref, rtol=1e-14, atol=1e-15)
        out.append((np.asarray(value, dtype=float), U is None, G))
    (v1, none1, G1), (v3, none3, G3) = out
    np.testing.assert_allclose(v1, v3, rtol=1e-13)
    assert none1 == none3 or (move and not with_D and gradient)
    if gradient:
        np.testing.assert_allclose(G1, G3, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc", "float32", "csr32"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_column_mean_is_the_weighted_column_mean(fmt, weighted, fit_intercept):
    """x̄ of the dual constants (Standardization.column_mean) is Σ s x with the
    normalised weights, also for constant, all-zero and offset columns, sparse and float32."""
    rng = np.random.default_rng(0)
    n = 300
    X = rng.normal(size=(n, 6)) * [1, 1e3, 1e-3, 1, 1, 1] + [0, 5, 0, 1e4, 0, 0]
    X[:, 4], X[:, 5] = 7.0, 0.0  # constant (not centred), and all zero
    X[rng.random(n) < 0.5, 0] = 0.0
    y = rng.integers(0, 3, n)
    sw = rng.integers(0, 4, n).astype(float) if weighted else None
    Xf = {"dense": X, "csr": sp.csr_matrix(X), "csc": sp.csc_matrix(X),
          "float32": X.astype(np.float32), "csr32": sp.csr_matrix(X.astype(np.float32))}[fmt]
    problem = make_problem(Xf, y, sw, 3, C=1.0, l1_ratio=0.0, fit_intercept=fit_intercept)
    s = np.full(n, 1.0 / n) if sw is None else sw / sw.sum()
    rtol = 1e-5 if "32" in fmt else 1e-13
    np.testing.assert_allclose(problem.standardization.column_mean, s @ X, rtol=rtol, atol=0)
