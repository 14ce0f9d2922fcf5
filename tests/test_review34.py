"""Review 34: the array-API and Dask paths as a demanding user meets them, and
LowRankMetric's in-place Cholesky (f0a8e90)."""

import threading

import numpy as np
import pytest
from sklearn.datasets import make_classification

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV


def _data(n_classes=2, n=60):
    return make_classification(n, 5, n_informative=3, n_redundant=0, n_classes=n_classes,
                               random_state=0)


def _counted(X, chunks):
    """X as a Dask array of unknown row counts (a boolean mask, as a DataFrame's
    ``to_dask_array()`` gives) and the list of the row chunks it produced."""
    da = pytest.importorskip("dask.array")
    calls, lock = [], threading.Lock()

    def produce(block):
        with lock:
            calls.append(block.shape)
        return block

    Xd = da.from_array(X, chunks=chunks).map_blocks(produce, meta=np.empty((0, 0)))
    keep = da.from_array(np.ones(len(X), bool), chunks=(chunks[0],))
    return Xd[keep], keep, calls


@pytest.mark.parametrize("search", [False, True])
def test_x_of_unknown_chunk_sizes_is_produced_once(search):
    """docs/dask.rst: the fit persists X once, "each chunk is produced (read from
    disk, generated...) a single time". With unknown row counts (the brief's
    ``to_dask_array()`` without lengths, or a boolean mask) ``compute_chunk_sizes``
    produced every chunk and threw it away, then ``persist`` produced it again: X
    was read twice (6 chunks produced for 3)."""
    X, y = _data()
    Xu, keep, calls = _counted(X, (20, 5))
    yu = pytest.importorskip("dask.array").from_array(y, chunks=20)[keep]
    est = (GradientDescentLogisticRegressionCV(Cs=2, cv=3) if search
           else GradientDescentLogisticRegression())
    model = est.fit(Xu, yu)
    assert len(calls) == 3, calls
    ref = type(est)(**est.get_params()).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("search", [False, True])
def test_tensors_that_require_grad_fit_as_the_same_tensors_without(search):
    """torch X (or weights, or float labels) with ``requires_grad=True``: the fit ran
    its first iterations building autograd graphs, then raised torch's RuntimeError
    "Can't call numpy() on Tensor that requires grad" from deep in the stopping test.
    The fit is no function torch differentiates: it fits the data (a detached view,
    no copy) as it fits the same tensors without grad."""
    torch = pytest.importorskip("torch")
    import sklearn

    X, y = _data(3)
    sw = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    est = (GradientDescentLogisticRegressionCV(Cs=2, cv=3) if search
           else GradientDescentLogisticRegression())
    with sklearn.config_context(array_api_dispatch=True):
        ref = type(est)(**est.get_params()).fit(
            torch.asarray(X), torch.asarray(y), sample_weight=torch.asarray(sw))
        model = est.fit(torch.asarray(X).requires_grad_(True),
                        torch.asarray(y.astype(float)).requires_grad_(True),
                        sample_weight=torch.asarray(sw).requires_grad_(True))
    assert not model.coef_.requires_grad
    np.testing.assert_allclose(model.coef_.numpy(), ref.coef_.numpy(), rtol=1e-12)


@pytest.mark.parametrize("intercept", [True, False])
def test_low_rank_cholesky_factors_c_in_place_with_an_intercept_too(intercept):
    """f0a8e90: dpotrf factors C's transpose in place (scipy's cho_factor copied C into
    Fortran order). dsyrk's Gram is Fortran-ordered and ``np.subtract`` keeps its order,
    so with the intercept (the default) C was Fortran-ordered, its transpose C-ordered,
    and f2py copied it before the factorisation: the copy the commit removes, still
    made on every take. The factor is the same either way."""
    from scipy.linalg import cho_factor
    from scipy.linalg.blas import dsyrk

    from gdlogreg._objective import _centred, _cholesky_of

    rng = np.random.default_rng(0)
    A = rng.normal(size=(6, 9))
    G = dsyrk(1.0, A.T, trans=1, lower=1)  # the lower triangle, as LowRankMetric keeps it
    assert not np.triu(G, 1).any()  # the other one 0: it is read as such
    G0 = G.copy()
    w = rng.uniform(0.1, 1.0, 6)
    C = _centred(G, w, float(w.sum()), np.sqrt(w), intercept)
    assert C.flags.f_contiguous  # factored in place, no copy by f2py
    full = np.tril(C) + np.tril(C, -1).T  # C itself, from the triangle the factor reads
    # against C written out in full, as the metric defines it
    Gf = A @ A.T
    if intercept:
        a = Gf @ w / w.sum()
        h = a - 0.5 * (w @ a) / w.sum()
        Gf = Gf - h[:, None] - h
    np.testing.assert_allclose(full, np.eye(6) + np.sqrt(np.outer(w, w)) * Gf, rtol=1e-12,
                               atol=1e-12)
    L = _cholesky_of(C)
    assert np.shares_memory(L, C)
    np.testing.assert_array_equal(G, G0)  # the Gram kept for the next take
    np.testing.assert_allclose(np.tril(L), np.tril(cho_factor(full, lower=True)[0]),
                               rtol=1e-12, atol=1e-14)
