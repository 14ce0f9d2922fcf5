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
    n, d = 20, 4000  # 80,000 entries: past the small copy
    dense = rng.standard_normal((n, d))
    half = dense.copy()
    half[:, : d // 2] = 0.0  # exactly half of the entries stored
    sparser = dense.copy()
    sparser[:, : d // 2 + 1] = 0.0
    y = np.zeros(n, dtype=np.intp)
    assert NumpyBackend(dense, y, 1.0 / n).gives_rows
    for fmt in ("csr", "csc"):
        assert NumpyBackend(sp.csr_matrix(dense).asformat(fmt), y, 1.0 / n).gives_rows
        assert NumpyBackend(sp.csr_matrix(half).asformat(fmt), y, 1.0 / n).gives_rows
        be = NumpyBackend(sp.csr_matrix(sparser).asformat(fmt), y, 1.0 / n)
        assert not be.gives_rows
        assert be.centred_rows(np.zeros(d), np.ones(d)) is None
    # the rows of dense-enough sparse X are those of the dense array, weight-0 rows left out
    s = np.full(n, 1.0 / (n - 2))
    s[[3, 7]] = 0.0
    mean, scale = rng.standard_normal(d), rng.random(d) + 0.5
    A = NumpyBackend(sp.csr_matrix(dense), y, s).centred_rows(mean, scale)
    B = NumpyBackend(dense, y, s).centred_rows(mean, scale)
    np.testing.assert_array_equal(A, B)
    assert A.shape == (n - 2, d)


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
    n, d = 40, 2000  # past the small copy
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


def test_a_tiny_sparse_x_gives_its_rows_whatever_it_stores(monkeypatch):
    """20 rows of one-hot levels (5 % stored): 64 Ki entries at most are copied as dense X's
    rows are; on H's diagonal the fit took ten times the dense array's iterations."""
    rng = np.random.default_rng(0)
    n, d = 20, 20
    X = np.zeros((n, d))
    X[np.arange(n), rng.integers(0, d, n)] = 1.0
    y = np.r_[np.zeros(10, int), np.ones(10, int)]
    rng.shuffle(y)
    assert NumpyBackend(sp.csr_matrix(X), y, 1.0 / n).gives_rows
    big = sp.random(300, 300, density=0.05, format="csr", random_state=0)
    assert not NumpyBackend(big, np.zeros(300, int), 1.0 / 300).gives_rows
    taken = _metrics_taken(monkeypatch)
    dense = _fit(X, y, C=100.0)
    fit = _fit(sp.csr_matrix(X), y, C=100.0)
    assert any(isinstance(P, LowRankMetric) for P in taken)
    assert fit.n_iter_[0] <= 2 * dense.n_iter_[0], (fit.n_iter_, dense.n_iter_)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_search_of_csc_x_is_grid_searchs(seed):
    """GridSearchCV's folds of CSC X are CSR (scikit-learn's ``indexable``), and CSR X of at
    most as many columns as rows takes the p × p metric that CSC X does not (its Gram in
    one read): the search fits CSC X as CSR, and its fold scores are GridSearchCV's. They
    differed by 4.5e-4 to 1.5e-3 here (450 × 150, 10 % stored, 3 classes, C = 100)."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from gdlogreg import GradientDescentLogisticRegressionCV

    rng = np.random.default_rng(seed)
    n, d, K = 450, 150, 3
    X = rng.normal(size=(n, d)) * np.exp(rng.uniform(-2, 2, d)) * (rng.random((n, d)) < 0.1)
    y = rng.integers(0, K, n)
    X[:, 0] += y
    folds = list(StratifiedKFold(3, shuffle=True, random_state=seed).split(X, y))
    Xc, Cs = sp.csc_matrix(X), [1.0, 100.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cv = GradientDescentLogisticRegressionCV(Cs=Cs, cv=folds, scoring="neg_log_loss",
                                                 refit=False).fit(Xc, y)
        gs = GridSearchCV(GradientDescentLogisticRegression(), {"C": Cs}, cv=folds,
                          scoring="neg_log_loss", refit=False).fit(Xc, y)
    for f in range(3):
        np.testing.assert_allclose(cv.cv_results_[f"split{f}_test_score"],
                                   gs.cv_results_[f"split{f}_test_score"], rtol=0, atol=1e-9)
    assert Xc.format == "csc"
    np.testing.assert_array_equal(Xc.toarray(), X)  # the caller's X as it was
