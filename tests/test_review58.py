"""Review 58: sparse input as scikit-learn users hand it over, against LogisticRegression.

No defect was found in the sparse paths; these pin what held: every scipy.sparse format
and index layout fits the model LogisticRegression (newton-cg, tight tol) fits, the
caller's matrix is neither copied (canonical CSR float64), sorted nor summed in place, a
200,000 x 50,000 CSR is never densified, NaN/inf in stored data is a clear ValueError,
and the search's folds that leave a column all-zero solve their single fits' problems.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

import gdlogreg._problem as problem_module
from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV


def _data(n=300, d=20, K=2, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=0.2, format="csr", random_state=seed,
                  data_rvs=rng.standard_normal)
    y = (X @ rng.standard_normal((d, K)) + rng.standard_normal((n, K))).argmax(axis=1)
    return X, y


X2, Y2 = _data()
X3, Y3 = _data(K=3, seed=1)


def _reference(X, y, **kw):
    """LogisticRegression's minimiser to ~1e-12 (lbfgs itself stops ~5e-7 away here)."""
    return LogisticRegression(solver="newton-cg", tol=1e-12, max_iter=10_000, **kw).fit(X, y)


def _noncanonical(X):
    """X's entries each stored twice as halves, rows' indices reversed, a third stored
    zero: a CSR scipy never canonicalised (as hand-built or concatenated ones are)."""
    coo = X.tocoo()
    rows = np.r_[coo.row, coo.row, coo.row]
    cols = np.r_[coo.col, coo.col, (coo.col + 1) % X.shape[1]]
    vals = np.r_[coo.data / 2, coo.data / 2, np.zeros(X.nnz)]
    order = np.lexsort((-cols, rows))  # reversed column order within each row
    indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=X.shape[0]))]
    return sp.csr_matrix((vals[order], cols[order].astype(np.int32), indptr.astype(np.int32)),
                         shape=X.shape)


FORMATS = [sp.csr_matrix, sp.csr_array, sp.csc_matrix, sp.csc_array, sp.coo_matrix,
           sp.coo_array, sp.lil_matrix, sp.dok_matrix, sp.bsr_array, sp.dia_matrix]


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(("X", "y"), [(X2, Y2), (X3, Y3)], ids=["binary", "3 classes"])
def test_every_format_fits_logistic_regressions_model(fmt, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sp.SparseEfficiencyWarning)  # dia of many diagonals
        M = fmt(X)
    ref = _reference(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for solver in ("bb", "lbfgs"):
            model = GD(solver=solver, tol=1e-12, max_iter=5000).fit(M, y)
            np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-8)
            np.testing.assert_allclose(model.intercept_, ref.intercept_, atol=1e-8)
            np.testing.assert_allclose(model.predict_proba(M), ref.predict_proba(X), atol=1e-8)


@pytest.mark.parametrize("layout", ["noncanonical", "int64", "mixed", "readonly", "wide"])
def test_index_layouts_fit_the_canonical_model_and_leave_x_alone(layout):
    if layout == "noncanonical":
        M = _noncanonical(X2)
    else:
        M = X2.copy()
        if layout in ("int64", "mixed"):
            M.indptr = M.indptr.astype(np.int64)
            M.indices = M.indices.astype(np.int64 if layout == "int64" else np.int32)
        if layout == "wide":  # a shape of more columns than any index uses
            M = sp.csr_matrix((M.data, M.indices, M.indptr), shape=(M.shape[0], 35))
    arrays = (M.data, M.indices, M.indptr)
    before = [a.copy() for a in arrays]
    if layout == "readonly":
        for a in arrays:
            a.flags.writeable = False
    ref = GD(tol=1e-12).fit(X2, Y2)
    for kw in ({}, {"solver": "lbfgs"}, {"l1_ratio": 0.5}, {"class_weight": "balanced"}):
        model = GD(tol=1e-12, **kw).fit(M, Y2)
        coef = model.coef_[:, : X2.shape[1]]
        if not kw:
            np.testing.assert_allclose(coef, ref.coef_, atol=1e-9)
        if layout == "wide":
            assert not model.coef_[:, X2.shape[1]:].any()
    try:  # old scipy (1.9) refuses to take rows of mixed index dtypes, as GridSearchCV's folds
        M[[0, 1]]
    except ValueError:
        assert layout == "mixed"
    else:
        GDCV(Cs=2, cv=2).fit(M, Y2)
    for a, b in zip((M.data, M.indices, M.indptr), before, strict=True):
        np.testing.assert_array_equal(a, b)  # not summed, sorted nor pruned in place
    if layout == "noncanonical":
        assert not M.has_canonical_format


def test_canonical_csr_is_not_copied_and_float32_stays_float32(monkeypatch):
    seen = []
    make_backend = problem_module.make_backend
    monkeypatch.setattr(problem_module, "make_backend",
                        lambda X, *a, **k: seen.append(X) or make_backend(X, *a, **k))
    GD().fit(X2, Y2)
    assert seen[0].data is X2.data and seen[0].indices is X2.indices
    X32 = X2.astype(np.float32)
    model = GD().fit(X32, Y2)
    assert seen[1].data is X32.data
    assert model.coef_.dtype == model.intercept_.dtype == np.float32
    assert model.predict_proba(X32).dtype == np.float32


@pytest.mark.slow
def test_a_200000_by_50000_csr_is_never_densified():
    rng = np.random.default_rng(0)
    n, d, nnz = 200_000, 50_000, 1_000_000  # 0.01 %: 80 GB dense, 12.8 MB as CSR
    X = sp.csr_matrix((rng.standard_normal(nnz),
                       (rng.integers(0, n, nnz), rng.integers(0, d, nnz))), shape=(n, d))
    y = rng.integers(0, 2, n)
    x_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    for est in (GD(max_iter=20), GD(solver="lbfgs", max_iter=20), GD(l1_ratio=0.5, max_iter=20)):
        tracemalloc.start()
        try:
            with warnings.catch_warnings(), threadpool_limits(1):
                warnings.simplefilter("ignore", ConvergenceWarning)
                est.fit(X, y)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 3 * x_bytes, (est, peak)  # measured 0.85 to 1.5 × X


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "lil", "dok", "bsr"])
def test_nan_or_inf_stored_in_data_is_a_clear_value_error(bad, fmt):
    M = X2.copy()
    M.data[7] = bad
    M = M.asformat(fmt)
    match = "NaN" if np.isnan(bad) else "infinity"
    for est in (GD(), GDCV(Cs=2, cv=2)):
        with pytest.raises(ValueError, match=match):
            est.fit(M, Y2)
    with pytest.raises(ValueError, match=match):
        GD().fit(X2, Y2).predict_proba(M)


def test_search_fold_with_a_column_all_zero_solves_the_single_fit_on_its_rows():
    A = X3.tolil()
    A[:, 4] = 0
    A[:10, 4] = 5.0  # held by rows of the first test fold only
    A[:, 9] = 0
    A[100, 9] = -3.0  # one nonzero, in the second test fold
    A = A.tocsc()
    cv, Cs = KFold(3), [0.1, 10.0]
    search = GDCV(Cs=Cs, cv=cv, tol=1e-10, max_iter=5000).fit(A, Y3)
    for k, (train, _) in enumerate(cv.split(A)):
        for i, C in enumerate(Cs):
            single = GD(C=C, tol=1e-12, max_iter=20_000).fit(A[train], Y3[train])
            path = search.coefs_paths_[search.classes_[0]][k, i]
            np.testing.assert_allclose(path, np.r_[single.coef_[0], single.intercept_[0]],
                                       atol=1e-6)


def test_warm_start_across_dense_and_sparse_and_predicting_in_other_formats():
    for X, y in ((X2, Y2), (X3, Y3)):
        for first, second in ((X.toarray(), X), (X, X.toarray()), (X.tocsc(), X)):
            model = GD(warm_start=True, tol=1e-10).fit(first, y)
            coef = model.coef_.copy()
            model.fit(second, y)
            assert model.n_iter_[0] <= 3  # at the optimum: a rounding away from the stop
            np.testing.assert_allclose(model.coef_, coef, atol=1e-8)
        dense = model.predict_proba(X.toarray())
        for fmt in ("csc", "coo", "lil", "dok", "bsr"):
            np.testing.assert_allclose(model.predict_proba(X.asformat(fmt)), dense, atol=1e-15)
            np.testing.assert_array_equal(model.predict(X.asformat(fmt)), model.predict(X))
