"""GradientDescentLogisticRegressionCV(warm_start_path=True): the Cs in stages, warm-started."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from test_search import _assert_finite_search, _scaled, _sparse_binary  # shared

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg._batch import GroupResult
from gdlogreg._search import _path, _warm_start

CS = [0.01, 0.1, 1.0, 10.0]


def _weighted_wine():
    X, y = _scaled(load_wine)
    return X, y, np.random.default_rng(3).uniform(0.2, 3.0, len(y))


DATA = {
    "breast_cancer": lambda: _scaled(load_breast_cancer),
    "iris": lambda: _scaled(load_iris),
    "csr": _sparse_binary,
    "wine_weighted": _weighted_wine,
}


def _both(X, y, sample_weight=None, **params):
    """The cold and the warm search with the same parameters."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cold = GradientDescentLogisticRegressionCV(**params).fit(X, y, sample_weight)
        warm = GradientDescentLogisticRegressionCV(warm_start_path=True, **params).fit(
            X, y, sample_weight)
    return cold, warm


def _fold_scores(search):
    return np.column_stack([search.cv_results_[f"split{f}_test_score"]
                            for f in range(search.n_splits_)])


@pytest.mark.parametrize("name", sorted(DATA))
def test_warm_path_chooses_the_cold_searchs_C(name):
    X, y, *sw = DATA[name]()
    cold, warm = _both(X, y, *sw, Cs=CS, scoring="neg_log_loss", tol=1e-9)
    assert warm.best_params_ == cold.best_params_
    # Both stop at the same test (tol 1e-9 relative to the zero model's gradient) from
    # other starts: two points within that accuracy of one minimiser. The held-out
    # log-loss is first-order in the distance between them; measured, they differ by
    # 5e-8 to 4e-6 relative (6e-4 at the default tol = 1e-5), hence 1e-5.
    np.testing.assert_allclose(_fold_scores(warm), _fold_scores(cold), rtol=1e-5)
    np.testing.assert_array_equal(warm.cv_results_["rank_test_score"],
                                  cold.cv_results_["rank_test_score"])
    assert warm.stop_reasons_ == ["converged"] * len(warm.stop_reasons_)
    # The stages do not reorder the attributes: candidate-major, as the cold search's.
    assert warm.n_iter_.shape == cold.n_iter_.shape
    for c in cold.coefs_paths_:
        np.testing.assert_allclose(warm.coefs_paths_[c], cold.coefs_paths_[c],
                                   rtol=1e-3, atol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["bb", "nesterov"])
def test_warm_path_takes_fewer_iterations(solver):
    """Each C from the previous C's solution: the later Cs start near their answer."""
    X, y = _scaled(load_breast_cancer)
    cold, warm = _both(X, y, Cs=CS, solver=solver)
    assert warm.n_iter_.sum() < cold.n_iter_.sum()
    # The first (strongest) C has no previous one: it is the cold search's.
    np.testing.assert_array_equal(warm.n_iter_[0, :, 0], cold.n_iter_[0, :, 0])


@pytest.mark.slow
@pytest.mark.parametrize(
    "params",
    [
        {"Cs": CS},
        {"Cs": [10.0, 0.01, 1.0]},  # unsorted: fitted from 0.01 up all the same
        {"Cs": CS[:3], "l1_ratios": [0.0, 0.7]},
        {"Cs": CS[:3], "solver": "gd", "learning_rates": [0.5, "auto"], "max_iter": 300},
        {"Cs": CS[:3], "fit_intercept": False},
        {"Cs": CS[:3], "solver": "nesterov"},
    ],
)
def test_warm_columns_start_below_the_zero_model(params):
    """J at the warm start is below J(0) for every C but the smallest.

    At w the previous (larger) penalty's solution, J_C(w) <= J_prev(w) <= J_prev(0) =
    J_C(0): a start at zeros, or one mapped into the wrong coordinates, fails this.
    """
    X, y = _scaled(load_iris)
    cold, warm = _both(X, y, **params)
    F, per_C = warm.n_splits_, len(warm.loss_curves_) // len(params["Cs"])
    first = int(np.argmin(params["Cs"]))
    _, previous = _path(warm.cv_results_["params"], {"C": params["Cs"]}, F, True)
    assert len(previous) == len(warm.loss_curves_) - per_C
    coefs = [_columns(warm.coefs_paths_[c]) for c in warm.coefs_paths_]
    for g, (w, c) in enumerate(zip(warm.loss_curves_, cold.loss_curves_, strict=True)):
        if g // per_C == first:
            assert w[0] == c[0], g
        elif all(np.all(a[previous[g]] == 0) for a in coefs):
            # The previous fit is the zero model (an L1 penalty zeroed every weight).
            assert w[0] == pytest.approx(c[0], rel=1e-12), g
        else:
            assert w[0] < c[0], g


def _columns(path):
    """coefs_paths_ (folds, *grid, n_dof) as (groups, n_dof), groups candidate-major."""
    return np.moveaxis(path, 0, -2).reshape(-1, path.shape[-1])


@pytest.mark.parametrize("loader, fit_intercept",
                         [(load_breast_cancer, True), (load_iris, True), (load_iris, False)])
def test_each_warm_column_follows_its_single_warm_fit(loader, fit_intercept):
    """A column of stage C is the fit at C with warm_start=True from the previous C's
    model on its fold: the same start, and the same stopping test (that of the
    all-zero model, not of the start), so it stops where that fit stops."""
    X, y = _scaled(loader)
    search = GradientDescentLogisticRegressionCV(
        Cs=CS, warm_start_path=True, fit_intercept=fit_intercept).fit(X, y)
    keys = list(search.coefs_paths_)
    gaps = []
    for i in range(1, len(CS)):
        for f, (train, _) in enumerate(StratifiedKFold(5).split(X, y)):
            prev = np.stack([search.coefs_paths_[c][f, i - 1] for c in keys])
            single = GradientDescentLogisticRegression(
                C=CS[i], warm_start=True, fit_intercept=fit_intercept)
            single.coef_ = np.ascontiguousarray(prev[:, : X.shape[1]])
            single.intercept_ = prev[:, -1].copy() if fit_intercept else np.zeros(len(prev))
            single.fit(X[train], y[train])
            curve = search.loss_curves_[i * 5 + f]
            np.testing.assert_allclose(curve[0], single.loss_curve_[0], rtol=1e-12)
            np.testing.assert_allclose(curve[-1], single.loss_curve_[-1], rtol=1e-6)
            gaps.append(abs(int(search.n_iter_[0, f, i]) - int(single.n_iter_[0])))
    # Rounding can move a stop by a few iterations on one column or two.
    assert max(gaps) <= 5 and np.median(gaps) == 0, gaps


def test_a_diverged_previous_column_starts_from_zero():
    X, y = _scaled(load_breast_cancer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GradientDescentLogisticRegressionCV(
            Cs=[0.1, 1.0], solver="gd", learning_rates=[0.1, 1e6], max_iter=100,
            warm_start_path=True,
        ).fit(X, y)
    # Candidates (C, rate): (0.1, 0.1), (0.1, 1e6), (1, 0.1), (1, 1e6); 5 folds each.
    reasons, curves = search.stop_reasons_, search.loss_curves_
    assert reasons[5:10] == ["diverged"] * 5
    zero = curves[0][0]  # J(0) = log 2 for every fold
    for g in range(15, 20):  # after a divergence: from zero, and diverges again
        assert curves[g][0] == pytest.approx(zero, rel=1e-12) and reasons[g] == "diverged"
    for g in range(10, 15):  # after a finite fit: warm
        assert curves[g][0] < zero


def test_warm_start_refuses_diverged_and_non_finite_results():
    coef = np.ones((3, 1))
    ok = GroupResult(coef, 5, np.ones(2), True, "converged", 1.0)
    assert _warm_start([ok], 0) is coef
    assert _warm_start([ok], None) is None
    assert _warm_start([GroupResult(coef, 5, np.ones(2), False, "diverged", 1.0)], 0) is None
    nan = GroupResult(np.array([[1.0], [np.inf], [0.0]]), 5, np.ones(2), False, "max_iter", 1.0)
    assert _warm_start([nan], 0) is None


def test_path_stages_and_previous_groups():
    from sklearn.model_selection import ParameterGrid

    axes = {"C": [1.0, 0.1, 10.0], "l1_ratio": [0.0, 0.5]}
    grid = list(ParameterGrid(axes))
    stages, previous = _path(grid, axes, 2, True)
    assert [[grid[i]["C"] for i in s] for s in stages] == [[0.1, 0.1], [1.0, 1.0], [10.0, 10.0]]
    for g, p in previous.items():  # same fold and l1_ratio, the next smaller C
        a, b = grid[g // 2], grid[p // 2]
        assert g % 2 == p % 2 and a["l1_ratio"] == b["l1_ratio"]
        assert (b["C"], a["C"]) in [(0.1, 1.0), (1.0, 10.0)]
    assert len(previous) == 8
    assert _path(grid, axes, 2, False) == ([range(6)], {})


def test_memory_budget_cuts_each_stage():
    X, y = _scaled(load_wine)
    one = GradientDescentLogisticRegressionCV(Cs=CS, warm_start_path=True, tol=1e-7).fit(X, y)
    many = GradientDescentLogisticRegressionCV(
        Cs=CS, warm_start_path=True, tol=1e-7, memory_budget=2 * 13 * X.shape[0] * 8,
    ).fit(X, y)  # (4k + 1) n float64 a group, k = 3: two groups a batch, three batches a stage
    np.testing.assert_allclose(_fold_scores(many), _fold_scores(one), atol=1e-9)
    # The batches round their reductions differently: a stop may move by an iteration.
    assert np.abs(many.n_iter_ - one.n_iter_).max() <= 2


def test_warm_path_parameter_is_validated():
    X, y = _scaled(load_iris)
    assert GradientDescentLogisticRegressionCV().get_params()["warm_start_path"] is False
    with pytest.raises(ValueError, match="warm_start_path"):
        GradientDescentLogisticRegressionCV(warm_start_path="yes").fit(X, y)


@pytest.mark.slow
def test_array_api_strict_warm_path_matches_numpy():
    xp = pytest.importorskip("array_api_strict")
    from sklearn import config_context

    X, y = _scaled(load_iris)
    ref = GradientDescentLogisticRegressionCV(Cs=CS[:3], tol=1e-8, warm_start_path=True).fit(X, y)
    with config_context(array_api_dispatch=True):
        try:
            search = GradientDescentLogisticRegressionCV(
                Cs=CS[:3], tol=1e-8, warm_start_path=True).fit(xp.asarray(X), xp.asarray(y))
        except (ImportError, RuntimeError) as exc:  # no dispatch on this stack
            pytest.skip(str(exc))
    np.testing.assert_allclose(_fold_scores(search), _fold_scores(ref), atol=1e-9)
    np.testing.assert_array_equal(np.asarray(search.n_iter_), ref.n_iter_)


@pytest.mark.slow
def test_dask_warm_path_matches_numpy():
    da = pytest.importorskip("dask.array")
    X, y = _scaled(load_breast_cancer)
    ref = GradientDescentLogisticRegressionCV(Cs=CS[:3], tol=1e-8, warm_start_path=True).fit(X, y)
    search = GradientDescentLogisticRegressionCV(Cs=CS[:3], tol=1e-8, warm_start_path=True).fit(
        da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100))
    np.testing.assert_allclose(_fold_scores(search), _fold_scores(ref), atol=1e-9)
    assert search.best_params_ == ref.best_params_


@pytest.mark.parametrize(
    "params, fit",
    [
        ({"Cs": [np.inf, 1.0], "max_iter": 50}, {}),  # C = inf last, from C = 1's model
        ({"Cs": [1.0, 10.0], "solver": "gd", "learning_rates": [1e10, 1e-3], "max_iter": 30},
         {}),
        ({"Cs": [1.0, 0.1]}, {"sample_weight": np.full(569, 1e-310)}),
        ({"Cs": [0.1, 1.0], "l1_ratios": [1.0], "max_iter": 50}, {"sparse": True}),
        ({"Cs": [0.1, 1.0, np.inf], "solver": "backtracking", "max_iter": 50}, {}),
    ],
)
def test_hostile_grids_on_the_warm_path_give_finite_models(params, fit):
    _assert_finite_search({"warm_start_path": True, **params}, fit)


def test_float32_stays_float32_on_the_warm_path():
    X, y = _scaled(load_breast_cancer)
    cold, warm = _both(X.astype(np.float32), y, Cs=CS, scoring="neg_log_loss")
    assert warm.coef_.dtype == warm.coefs_paths_[1].dtype == np.float32
    assert warm.best_params_ == cold.best_params_
    # Both stop within the float32 stopping accuracy (relative gaps 8e-8 to 2.4e-7 at C = 10,
    # fold 0), at points apart along a flat direction: the held-out log-loss differs by up
    # to 4.8e-4 relative here, 1.5e-3 with numpy 1.23.2's OpenBLAS (the oldest CI).
    np.testing.assert_allclose(_fold_scores(warm), _fold_scores(cold), rtol=3e-3)
    assert warm.n_iter_.sum() < cold.n_iter_.sum()


def test_path_links_each_candidate_to_the_next_smaller_C_with_the_same_other_parameters():
    """Matched by value, in any grid order; a repeated C starts from the C below it,
    never from its twin in the same stage."""
    grid = [{"C": c, "l1_ratio": r} for r in (0.5, 0.0) for c in (1.0, 0.1, 1.0, 10.0)]
    F = 2
    stages, previous = _path(grid, {"C": [1.0, 0.1, 1.0, 10.0]}, F, True)
    assert [sorted({grid[i]["C"] for i in stage}) for stage in stages] == [[0.1], [1.0], [10.0]]
    for g, p in previous.items():
        child, parent = grid[g // F], grid[p // F]
        assert g % F == p % F and child["l1_ratio"] == parent["l1_ratio"]
        below = [c for c in (0.1, 1.0, 10.0) if c < child["C"]]
        assert parent["C"] == max(below)
    # every candidate above the smallest C has a parent, for each fold
    assert len(previous) == F * sum(1 for params in grid if params["C"] > 0.1)


def test_warm_path_with_a_repeated_C():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    cold = GradientDescentLogisticRegressionCV(Cs=[1.0, 0.1, 1.0], cv=3).fit(X, y)
    warm = GradientDescentLogisticRegressionCV(Cs=[1.0, 0.1, 1.0], cv=3,
                                               warm_start_path=True).fit(X, y)
    assert warm.C_[0] == cold.C_[0]
    assert warm.n_iter_.sum() < cold.n_iter_.sum()


def test_warm_path_refit_starts_from_the_mean_of_the_best_folds():
    """As LogisticRegressionCV: the refit starts from the best candidate's fold
    solutions, averaged; fewer iterations, the same J to the stopping accuracy, and
    best_estimator_ keeps the candidate's parameters (warm_start=False)."""
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    kw = dict(Cs=[0.01, 0.1, 1.0], cv=3)
    cold = GradientDescentLogisticRegressionCV(**kw).fit(X, y)
    warm = GradientDescentLogisticRegressionCV(warm_start_path=True, **kw).fit(X, y)
    a, b = cold.best_estimator_, warm.best_estimator_
    assert warm.C_[0] == cold.C_[0]
    assert b.n_iter_[0] < a.n_iter_[0]
    assert b.get_params()["warm_start"] is False
    assert b.loss_curve_[-1] == pytest.approx(a.loss_curve_[-1], rel=1e-6)
    np.testing.assert_array_equal(warm.coef_, b.coef_)


def test_path_matches_numpy_and_python_numbers_alike():
    """A grid mixing 0.5 and np.float64(0.5) in an axis still chains the Cs."""
    grid = [{"C": 0.1, "l1_ratio": 0.5}, {"C": 1.0, "l1_ratio": np.float64(0.5)}]
    _, previous = _path(grid, {"C": [0.1, 1.0]}, 1, True)
    assert previous == {1: 0}
