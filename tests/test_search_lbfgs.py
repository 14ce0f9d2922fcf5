"""GradientDescentLogisticRegressionCV(solver="lbfgs"): every column of the grid in one batch,
each on its single fit's L-BFGS path."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from test_search import DATA, _assert_same_search, _grid_search, _scaled  # shared

from gdlogreg import (
    GradientDescentLogisticRegression,
    GradientDescentLogisticRegressionCV,
    _batch,
    _objective,
)
from gdlogreg._steps.lbfgs import LBFGS

CS = [0.01, 0.1, 1.0, 10.0]


def _search(X, y, sample_weight=None, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GradientDescentLogisticRegressionCV(solver="lbfgs", **params).fit(
            X, y, sample_weight)


def _single_curves(X, y, Cs, params, sample_weight=None):
    """The loss curve of each (C, fold) fitted alone, in the search's order."""
    out = []
    folds = list(StratifiedKFold(5).split(X, y))
    for C in Cs:
        for train, _ in folds:
            single = GradientDescentLogisticRegression(solver="lbfgs", C=C, **params)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                single.fit(X[train], y[train],
                           None if sample_weight is None else sample_weight[train])
            out.append(single.loss_curve_)
    return out


def _assert_same_paths(search, curves, rtol):
    for g, curve in enumerate(curves):
        assert len(search.loss_curves_[g]) == len(curve), g
        np.testing.assert_allclose(search.loss_curves_[g], curve, rtol=rtol)


@pytest.mark.parametrize("name", ["breast_cancer", "iris", "csr", "float32"])
def test_batched_lbfgs_gives_grid_searchs_answers(name, monkeypatch):
    X, y = DATA[name]()
    one_by_one = []
    monkeypatch.setattr(
        GradientDescentLogisticRegressionCV, "_fit_one_by_one",
        lambda *a, **k: one_by_one.append(1))  # the batch must do all of it
    search = _search(X, y, Cs=CS, tol=1e-9, scoring="neg_log_loss")
    assert not one_by_one
    reference = _grid_search({"C": CS}, X, y, scoring="neg_log_loss", solver="lbfgs",
                             tol=1e-9)
    atol = 5e-4 if X.dtype == np.float32 else 1e-6
    _assert_same_search(search, reference, atol)
    assert search.stop_reasons_ == ["converged"] * len(search.stop_reasons_)


@pytest.mark.parametrize("loader", [load_breast_cancer, load_wine])
def test_each_column_follows_its_single_fits_path(loader):
    """Binary and 3 classes (groups of 3 columns); groups leave the batch at different
    iterations (the small Cs converge first), the others keep their pairs."""
    X, y = _scaled(loader)
    search = _search(X, y, Cs=CS, tol=1e-7)
    assert len(set(search.n_iter_.ravel())) > 5  # they did leave one by one
    _assert_same_paths(search, _single_curves(X, y, CS, {"tol": 1e-7}), rtol=1e-9)


def test_weighted_columns_follow_their_single_fits():
    X, y = _scaled(load_iris)
    sw = np.random.default_rng(3).uniform(0.2, 3.0, len(y))
    search = _search(X, y, sw, Cs=[0.1, 10.0], tol=1e-7, class_weight="balanced")
    curves = _single_curves(X, y, [0.1, 10.0], {"tol": 1e-7, "class_weight": "balanced"}, sw)
    _assert_same_paths(search, curves, rtol=1e-9)


def test_a_failed_quasi_newton_search_retries_along_the_gradient(monkeypatch):
    """With no interpolation allowed, every refused unit step drops the group's pairs and
    searches along -t0 g from a fresh pass, as the single fit does; the group's neighbours
    in the batch go on with their pairs."""
    monkeypatch.setattr(LBFGS, "trials", 0)
    monkeypatch.setattr(_batch.BatchLBFGS, "trials", 0)
    # the metric the classes share: H₀ of the class blocks refuses almost no unit step
    monkeypatch.setattr(_objective, "CLASS_TAKE", 0)
    retries = []
    retry = _batch._retry
    monkeypatch.setattr(_batch, "_retry", lambda *a: retries.append(1) or retry(*a))
    X, y = _scaled(load_wine)
    Cs = [0.01, 1.0]
    search = _search(X, y, Cs=Cs, tol=1e-6)
    # (3 since the p × p metric is taken whatever its condition, 9 with the metric of H₀
    # before that, 11 before it)
    assert len(retries) >= 3
    _assert_same_paths(search, _single_curves(X, y, Cs, {"tol": 1e-6}), rtol=1e-9)


def test_fixed_learning_rates_search_from_far_too_long_a_first_step():
    """A learning rate of 1e4 in the original coordinates: the first step along the
    gradient is searched on down (patient), in each column on its own."""
    X, y = _scaled(load_breast_cancer)
    search = _search(X, y, Cs=[1.0], learning_rates=[1e-3, 1e4], tol=1e-6, max_iter=200)
    curves = []
    for lr in [1e-3, 1e4]:
        curves += _single_curves(X, y, [1.0], {"tol": 1e-6, "max_iter": 200,
                                               "learning_rate": lr})
    _assert_same_paths(search, curves, rtol=1e-8)


def test_several_batches_and_one_agree():
    X, y = _scaled(load_wine)
    one = _search(X, y, Cs=CS, tol=1e-8)
    # Room for about two groups (3 columns each) a batch, pairs included.
    per_group = (4 * 3 + 1) * X.shape[0] * 8 + _batch.BatchLBFGS.state_bytes(
        X.shape[1] + 1, 3, 8)
    many = _search(X, y, Cs=CS, tol=1e-8, memory_budget=2 * per_group)
    for a, b in zip(one.loss_curves_, many.loss_curves_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_the_warm_path_converges_to_the_cold_searchs_choice():
    X, y = _scaled(load_breast_cancer)
    cold = _search(X, y, Cs=CS, tol=1e-9, scoring="neg_log_loss")
    warm = _search(X, y, Cs=CS, tol=1e-9, scoring="neg_log_loss", warm_start_path=True)
    assert warm.best_params_ == cold.best_params_
    assert sum(warm.n_iter_.ravel()) < sum(cold.n_iter_.ravel())


def test_an_l1_grid_is_refused_before_any_fit(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("fitted before the grid was checked")

    monkeypatch.setattr(_batch, "minimize_batch", boom)
    X, y = _scaled(load_iris)
    with pytest.raises(ValueError, match="L2 penalty only"):
        GradientDescentLogisticRegressionCV(solver="lbfgs", l1_ratios=[0.0, 0.5]).fit(X, y)


def _strict(est, X, y, sample_weight=None):
    """Fit with every warning an error but ConvergenceWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, sample_weight)


def _hostile_sets():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 4))
    y = (X[:, 0] + 0.5 * rng.standard_normal(120) > 0).astype(int)
    wide = np.column_stack([X, np.zeros(120), np.full(120, 7.0), X[:, 0], 1e150 * X[:, 1]])
    separable = np.column_stack([X[:, :2], 50.0 * np.sign(X[:, 0])])
    y3 = np.digitize(X[:, 0], [-0.5, 0.5])
    return {
        # constant, all-zero, duplicated and 1e150-scaled columns
        "degenerate columns": (wide, y, None),
        "separable": (separable, y, None),
        "weights near the float limit": (X, y, np.where(np.arange(120) % 2, 1e308, 1.0)),
        "zero weights, 3 classes": (X, y3, np.where(np.arange(120) % 3 == 0, 0.0, 1.0)),
    }


@pytest.mark.parametrize("name", sorted(_hostile_sets()))
def test_hostile_data_gives_grid_searchs_scores_without_warnings(name):
    X, y, sw = _hostile_sets()[name]
    Cs = [0.01, 1.0, 1e4]
    search = _strict(GradientDescentLogisticRegressionCV(Cs=Cs, solver="lbfgs", tol=1e-8),
                     X, y, sw)
    assert np.all(np.isfinite(search.coef_)) and np.all(np.isfinite(search.intercept_))
    folds = list(StratifiedKFold(5).split(X, y))
    for c, C in enumerate(Cs):
        for f, (train, test) in enumerate(folds):
            single = _strict(
                GradientDescentLogisticRegression(C=C, solver="lbfgs", tol=1e-8),
                X[train], y[train], None if sw is None else sw[train])
            pred = single.predict(X[test])
            correct = pred == y[test]
            w = np.ones(len(test)) if sw is None else sw[test] * 2.0**-1000
            expected = np.sum(w * correct) / np.sum(w) if sw is not None else correct.mean()
            got = search.cv_results_[f"split{f}_test_score"][c]
            # a held-out row at the boundary may flip (separable data, C = 1e4)
            print(name, C, f, got - expected)
            assert got == pytest.approx(expected, abs=1.0 / len(test) + 1e-12), (C, f)


@pytest.mark.parametrize("cut", [0.0, None])
def test_raw_wide_columns_take_and_drop_their_metric_as_their_single_fits(monkeypatch, cut):
    """Raw features from 1e-3 to 1e3 and three times more of them than rows: each column
    takes bb's metric for H₀ at iteration 10 and drops it once its steps are cut below
    SHORT MISFIT times in a row, at its single fit's iteration (pd_speech raw's pattern).
    The paths agree to 1e-5 only: H there has a condition number near 1e16, and its
    metric carries the products' rounding (matrix-matrix against matrix-vector) on. With
    the interpolation kept above a tenth of the trial (``_base.CUT``) no step is cut below
    SHORT here and the metric stays in both; unfloored (``cut=0``) both drop it."""
    from gdlogreg._steps import _base
    from gdlogreg._steps import lbfgs as lbfgs_rule

    if cut is not None:
        monkeypatch.setattr(_base, "CUT", cut)

    rng = np.random.default_rng(1)
    n, d = 100, 300
    X = rng.standard_normal((n, d)) * np.logspace(-3, 3, d)[rng.permutation(d)]
    y = rng.integers(0, 2, n)
    batch, single = [], []
    batch_fit, single_fit = _batch.BatchLBFGS._fit, lbfgs_rule.LBFGS._fit

    def batch_spy(self, t, found, refused):
        had = np.array([P is not None for P in self._P])
        batch_fit(self, t, found, refused)
        gone = had & np.array([P is None for P in self._P])
        batch.extend((self._k, i) for i in np.flatnonzero(gone))

    def single_spy(self, t, k=None):
        had = self._P is not None
        single_fit(self, t, k)
        if had and self._P is None:
            single.append(self._k if k is None else k)

    monkeypatch.setattr(_batch.BatchLBFGS, "_fit", batch_spy)
    monkeypatch.setattr(lbfgs_rule.LBFGS, "_fit", single_spy)
    search = _search(X, y, Cs=[1.0], max_iter=60)
    single.clear()  # (the refit's)
    curves = _single_curves(X, y, [1.0], {"max_iter": 60})
    assert (len(batch) >= 2 or cut is None) and sorted(k for k, _ in batch) == sorted(single), (
        batch, single)
    # (kept, the metric carries the rounding on for longer: 2.8e-5 apart at iteration 38)
    _assert_same_paths(search, curves, rtol=1e-5 if cut is not None else 1e-4)


def test_the_batch_counts_cuts_and_refusals_as_its_single_fits():
    """BatchLBFGS._fit against LBFGS._fit, a group each, on sequences of steps found along
    the metric (t), directions refused (None, each retried along the gradient) and
    groups without a metric: the same counts, set-asides and drops at every step."""
    from gdlogreg._steps import lbfgs as lbfgs_rule

    M, P = lbfgs_rule.MISFIT, np.eye(2)
    events = [
        [None] * M + [1.0] * 3,  # refused in a row: set aside (it fit before)
        [None, 0.05, 0.05, 0.05, 0.05, 0.5, None, None, 0.05],  # Kakadu's: kept
        [0.05] * M + [None] * 3,  # cut in a row: dropped, retaken later (it never fit)
        [None, 1.0] * 4,  # refusals that a step along the metric interrupts
    ]
    singles = []
    for g in range(len(events)):
        rule = LBFGS("auto")
        rule._P, rule._at, rule._pairs = P, 10, [("s", "y", 1.0)]
        rule._fits = M if g == 0 else 0
        singles.append(rule)
    batch = _batch.BatchLBFGS("auto")
    G = len(events)
    batch._P = np.empty(G, dtype=object)
    batch._P[:] = [P] * G
    batch._at, batch._aside = np.full(G, 10), np.zeros(G, dtype=int)
    batch._misfit, batch._refused = np.zeros(G, dtype=int), np.zeros(G, dtype=int)
    batch._fits = np.array([M] + [0] * (G - 1))
    batch._pairs, batch._gamma, batch._k = [], np.ones(G), 0
    for step in range(max(map(len, events))):
        t = np.ones(G)
        counted, refused = np.zeros(G, dtype=bool), np.zeros(G, dtype=bool)
        for g, rule in enumerate(singles):
            if step < len(events[g]):
                e = events[g][step]
                has = rule._P is not None
                rule._fit(e)
                refused[g], counted[g] = has and e is None, has and e is not None
                t[g] = 1.0 if e is None else e
        batch._fit(t, counted, refused)
        for g, rule in enumerate(singles):
            assert (rule._P is None) == (batch._P[g] is None), (step, g)
            assert (rule._misfit, rule._refused, rule._fits, rule._aside, rule._at) == (
                batch._misfit[g], batch._refused[g], batch._fits[g], batch._aside[g],
                batch._at[g]), (step, g)
    assert [r._P is None for r in singles] == [True, False, True, False]
    assert [r._at for r in singles] == [10, 10, lbfgs_rule.RETAKE, 10]
