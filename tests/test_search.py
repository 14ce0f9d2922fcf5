"""GradientDescentLogisticRegressionCV: the batched search gives GridSearchCV's answers."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV, _batch


def _scaled(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _sparse_binary():
    rng = np.random.default_rng(0)
    X = sp.random(400, 60, density=0.1, format="csr", random_state=1)
    w = rng.standard_normal(60)
    y = (X @ w + 0.3 * rng.standard_normal(400) > 0).astype(int)
    return X, y


DATA = {
    "breast_cancer": lambda: _scaled(load_breast_cancer),
    "iris": lambda: _scaled(load_iris),
    "wine": lambda: _scaled(load_wine),
    "csr": _sparse_binary,
    "float32": lambda: tuple(
        [_scaled(load_breast_cancer)[0].astype(np.float32), load_breast_cancer().target]
    ),
}


def _grid_search(grid, X, y, scoring=None, cv=5, fit_params=None, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GridSearchCV(
            GradientDescentLogisticRegression(**params), grid, cv=cv, scoring=scoring
        ).fit(X, y, **(fit_params or {}))


def _assert_same_search(search, reference, atol=1e-6):
    assert search.best_params_ == reference.best_params_
    assert [p for p in search.cv_results_["params"]] == reference.cv_results_["params"]
    for f in range(search.n_splits_):
        key = f"split{f}_test_score"
        np.testing.assert_allclose(search.cv_results_[key], reference.cv_results_[key],
                                   atol=atol, rtol=0)
    np.testing.assert_array_equal(search.cv_results_["rank_test_score"],
                                  reference.cv_results_["rank_test_score"])


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("scoring", [None, "neg_log_loss"])
def test_same_answers_as_grid_search(name, scoring):
    X, y = DATA[name]()
    Cs = [0.01, 0.1, 1.0, 10.0]
    search = GradientDescentLogisticRegressionCV(Cs=Cs, scoring=scoring, tol=1e-9).fit(X, y)
    reference = _grid_search({"C": Cs}, X, y, scoring=scoring, tol=1e-9)
    atol = 5e-4 if X.dtype == np.float32 else 1e-6  # float32: rounding of the two paths
    _assert_same_search(search, reference, atol)
    # The refit is the estimator at the best C on all the data.
    best = GradientDescentLogisticRegression(C=search.C_[0], tol=1e-9).fit(X, y)
    rtol = 1e-5 if X.dtype == np.float32 else 1e-6  # float32: 12 eps (whitened metrics)
    np.testing.assert_allclose(search.coef_, best.coef_, rtol=rtol, atol=1e-8)


# scikit-learn >= 1.9's GridSearchCV passes sample_weight to the scorer too.
WEIGHTED_SCORES = hasattr(GridSearchCV, "_check_scorers_accept_sample_weight")


@pytest.mark.slow
@pytest.mark.skipif(not WEIGHTED_SCORES, reason="GridSearchCV scores without the weights")
def test_l1_ratios_and_weights_as_grid_search():
    X, y = _scaled(load_iris)
    rng = np.random.default_rng(3)
    sw = rng.uniform(0.2, 3.0, len(y))
    grid = {"C": [0.1, 1.0], "l1_ratio": [0.0, 0.5, 1.0]}
    search = GradientDescentLogisticRegressionCV(
        Cs=grid["C"], l1_ratios=grid["l1_ratio"], class_weight="balanced", tol=1e-9,
        scoring="neg_log_loss",
    ).fit(X, y, sample_weight=sw)
    reference = _grid_search(grid, X, y, scoring="neg_log_loss",
                             fit_params={"sample_weight": sw},
                             class_weight="balanced", tol=1e-9)
    _assert_same_search(search, reference)
    assert search.scores_[0].shape == (5, 2, 3)
    assert search.coefs_paths_[2].shape == (5, 2, 3, X.shape[1] + 1)


def test_learning_rate_search_follows_each_constant_step_path():
    """solver='gd' with constant steps, unconverged and diverging ones included."""
    X, y = _scaled(load_breast_cancer)
    rates = [0.01, 0.1, 1.0, 10.0, 100.0]
    search = GradientDescentLogisticRegressionCV(
        Cs=[1.0], learning_rates=rates, solver="gd", max_iter=60, scoring="neg_log_loss",
    ).fit(X, y)
    reference = _grid_search({"C": [1.0], "learning_rate": rates}, X, y,
                             scoring="neg_log_loss", solver="gd", max_iter=60)
    _assert_same_search(search, reference, atol=1e-8)
    single = GradientDescentLogisticRegression(solver="gd", learning_rate=0.1, max_iter=60)
    train = next(StratifiedKFold(5).split(X, y))[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        single.fit(X[train], y[train])
    curve = search.loss_curves_[1 * 5 + 0]  # learning rate 0.1, fold 0
    np.testing.assert_allclose(curve, single.loss_curve_, rtol=1e-10)
    assert search.n_iter_.shape == (1, 5, 1, 5)


@pytest.mark.slow
def test_gd_auto_and_several_batches_agree():
    X, y = _scaled(load_wine)
    one = GradientDescentLogisticRegressionCV(Cs=[0.1, 1.0], solver="gd", tol=1e-7).fit(X, y)
    many = GradientDescentLogisticRegressionCV(
        Cs=[0.1, 1.0], solver="gd", tol=1e-7, memory_budget=4 * X.shape[0] * 3 * 8
    ).fit(X, y)  # room for one column group a batch
    for f in range(5):
        key = f"split{f}_test_score"
        np.testing.assert_allclose(one.cv_results_[key], many.cv_results_[key], atol=1e-9)
    reference = _grid_search({"C": [0.1, 1.0]}, X, y, solver="gd", tol=1e-7)
    _assert_same_search(one, reference)


def test_solvers_without_a_batch_fit_one_by_one():
    X, y = _scaled(load_iris)
    search = GradientDescentLogisticRegressionCV(Cs=[0.1, 1.0], solver="nesterov").fit(X, y)
    reference = _grid_search({"C": [0.1, 1.0]}, X, y, solver="nesterov")
    _assert_same_search(search, reference, atol=0.0)


def test_columns_leave_the_batch_when_they_stop(monkeypatch):
    """Each iteration's products cover only the columns still descending."""
    X, y = _scaled(load_breast_cancer)
    widths = []
    original = _batch.BatchObjective.raw

    def raw(self, coef):
        widths.append(coef.shape[1])
        return original(self, coef)

    monkeypatch.setattr(_batch.BatchObjective, "raw", raw)
    search = GradientDescentLogisticRegressionCV(Cs=[1e-3, 1.0, 100.0]).fit(X, y)
    assert widths[0] == 15 and widths[-1] < 15
    assert all(a >= b for a, b in zip(widths, widths[1:], strict=False))
    iters = search.n_iter_[0]
    assert iters[:, 0].max() < iters[:, 2].min()  # strong penalties stop first


def test_attributes_like_logistic_regression_cv():
    X, y = _scaled(load_iris)
    search = GradientDescentLogisticRegressionCV(Cs=3).fit(X, y)
    reference = LogisticRegressionCV(Cs=3, use_legacy_attributes=True).fit(X, y) if (
        "use_legacy_attributes" in LogisticRegressionCV().get_params()
    ) else LogisticRegressionCV(Cs=3).fit(X, y)
    np.testing.assert_allclose(search.Cs_, reference.Cs_)
    assert search.C_.shape == reference.C_.shape == (3,)
    assert set(search.scores_) == set(reference.scores_) == {0, 1, 2}
    for c in search.coefs_paths_:
        assert search.coefs_paths_[c].shape == reference.coefs_paths_[c].shape
    assert search.n_iter_.shape == reference.n_iter_.shape
    assert search.coef_.shape == (3, 4)
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(search.cv_results_)
    assert len(frame) == 3 and frame["rank_test_score"].min() == 1


def test_refit_false_averages_each_folds_best():
    X, y = _scaled(load_breast_cancer)
    search = GradientDescentLogisticRegressionCV(Cs=[0.01, 1.0], refit=False).fit(X, y)
    assert not hasattr(search, "best_estimator_")
    paths = search.coefs_paths_[1]  # (folds, Cs, n_dof)
    picks = [int(np.argmax([search.cv_results_[f"split{f}_test_score"][i] for i in range(2)]))
             for f in range(5)]
    expected = np.mean([paths[f, p] for f, p in enumerate(picks)], axis=0)
    np.testing.assert_allclose(search.coef_[0], expected[:-1])
    np.testing.assert_allclose(search.intercept_[0], expected[-1])


def test_inputs_are_not_modified():
    X, y = _scaled(load_breast_cancer)
    sw = np.linspace(0.5, 2.0, len(y))
    copies = X.copy(), y.copy(), sw.copy()
    GradientDescentLogisticRegressionCV(Cs=2).fit(X, y, sample_weight=sw)
    for a, b in zip((X, y, sw), copies, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"Cs": [1.0, -1.0]}, "C of the grid"),
        ({"Cs": []}, "grid of C is empty"),
        ({"l1_ratios": [0.5, 2.0]}, "l1_ratio of the grid"),
        ({"learning_rates": [0.1, "fast"]}, "learning_rate of the grid"),
        ({"learning_rates": [0.0]}, "learning_rate of the grid"),
    ],
)
def test_bad_grids_are_refused(params, match):
    X, y = _scaled(load_iris)
    with pytest.raises(ValueError, match=match):
        GradientDescentLogisticRegressionCV(**params).fit(X, y)


def test_a_fold_without_a_class_fits_as_grid_search():
    """Trained on two of iris' classes, tested on the third: GridSearchCV's model of the
    fold predicts no row right, and so does the search's column (a refusal before)."""
    X, y = _scaled(load_iris)
    folds = [(np.flatnonzero(y != 2), np.flatnonzero(y == 2))]
    search = GradientDescentLogisticRegressionCV(Cs=2, cv=folds).fit(X, y)
    np.testing.assert_array_equal(search.scores_[2], 0.0)
    assert np.isnan(search.coefs_paths_[2]).all()
    np.testing.assert_allclose(search.coefs_paths_[0], -search.coefs_paths_[1])  # ±w/2
    single = GradientDescentLogisticRegression(C=search.Cs_[0]).fit(X[y != 2], y[y != 2])
    np.testing.assert_allclose(search.coefs_paths_[1][0, 0], 0.5 * np.r_[
        single.coef_[0], single.intercept_], rtol=1e-12)
    assert search.best_estimator_.coef_.shape == (3, 4)


def test_verbose_reports_the_batch(capsys):
    X, y = _scaled(load_iris)
    search = GradientDescentLogisticRegressionCV(Cs=2, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "columns left   10/10" in out and "best {'C'" in out
    # each batch says what it holds and how it ended (its last iterations may fall
    # between the printed ones), and the refit prints its own fit (review 84)
    n_iter = np.asarray(search.n_iter_)
    assert "batch of 10 columns: {'C': 0.0001}, {'C': 10000.0}" in out
    assert f"batch done: 10 converged; {n_iter.min()} to {n_iter.max()} iterations" in out
    assert f"refit {search.best_params_} on all 150 rows" in out
    assert "GradientDescentLogisticRegression: stopped after" in out
    assert search.best_estimator_.get_params()["verbose"] == 0


def test_array_api_strict_matches_numpy():
    xp = pytest.importorskip("array_api_strict")
    from sklearn import config_context

    X, y = _scaled(load_iris)
    ref = GradientDescentLogisticRegressionCV(Cs=[0.1, 1.0], tol=1e-8).fit(X, y)
    with config_context(array_api_dispatch=True):
        try:
            search = GradientDescentLogisticRegressionCV(Cs=[0.1, 1.0], tol=1e-8).fit(
                xp.asarray(X), xp.asarray(y)
            )
        except (ImportError, RuntimeError) as exc:  # no dispatch on this stack
            pytest.skip(str(exc))
    for f in range(5):
        key = f"split{f}_test_score"
        np.testing.assert_allclose(search.cv_results_[key], ref.cv_results_[key], atol=1e-9)
    np.testing.assert_allclose(np.asarray(search.coef_), ref.coef_, rtol=1e-6, atol=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
def test_dask_one_pass_per_iteration_for_the_whole_search(solver):
    da = pytest.importorskip("dask.array")
    X, y = _scaled(load_breast_cancer)
    params = dict(Cs=[0.1, 1.0, 10.0], tol=1e-8, solver=solver)
    ref = GradientDescentLogisticRegressionCV(**params).fit(X, y)
    search = GradientDescentLogisticRegressionCV(**params).fit(
        da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100)
    )
    _assert_same_search(search, ref, atol=1e-9)
    # 15 columns; about one pass an iteration (and a few more for line searches,
    # about three a column for its duality gap: the dual's constants and a
    # pass or two of the loss's share, and one at each iteration where some column
    # meets a gradient test: its rows' curvature share, and one where it is confirmed:
    # the decrement along its gradient), where fitting them one by one takes one for
    # each column's iteration and one for its curvature share.
    assert search._dask_passes < 1.5 * search.n_iter_.max() + 4 * 15 + 10
    assert search._dask_passes < (search.n_iter_.sum() + 15) / 3.1


def test_scikit_learn_callbacks_see_the_search_and_can_stop_it():
    from gdlogreg._compat import HAS_CALLBACKS

    if not HAS_CALLBACKS:
        pytest.skip("scikit-learn's callback API needs scikit-learn >= 1.9")

    class Recorder:
        def __init__(self, stop_after=None):
            self.stop_after, self.ends = stop_after, []

        def setup(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context, **kwargs):
            pass

        def on_fit_task_end(self, estimator, context, **kwargs):
            self.ends.append(context.task_name)
            iterations = self.ends.count("search-iteration")
            return self.stop_after is not None and iterations >= self.stop_after

        def teardown(self, estimator, context):
            pass

    X, y = _scaled(load_breast_cancer)
    rec = Recorder()
    search = GradientDescentLogisticRegressionCV(Cs=[0.1, 10.0]).set_callbacks(rec).fit(X, y)
    # One task per iteration of the batch (the last one never taken), the refit, the search.
    assert rec.ends.count("search-iteration") == search.n_iter_.max() + 1
    assert rec.ends[-2:] == ["refit", "fit"]
    stopper = Recorder(stop_after=3)
    with pytest.warns(ConvergenceWarning, match="were stopped by a callback"):
        search = GradientDescentLogisticRegressionCV(Cs=[0.1, 10.0]).set_callbacks(
            stopper).fit(X, y)
    assert search.n_iter_.max() == 3


@pytest.mark.parametrize(
    "params, fit",
    [
        ({"Cs": [np.inf, 1.0], "max_iter": 50}, {}),
        ({"Cs": [1.0], "solver": "gd", "learning_rates": [1e10, 1e-3], "max_iter": 30}, {}),
        ({"Cs": [1.0]}, {"sample_weight": np.full(569, 1e-310)}),
        ({"Cs": [0.1], "l1_ratios": [1.0], "max_iter": 50}, {"sparse": True}),
    ],
)
def test_hostile_grids_give_finite_models_and_no_runtime_warning(params, fit):
    _assert_finite_search(params, fit)


def _assert_finite_search(params, fit):
    """Search on unscaled (ill-conditioned) breast cancer, CSR where ``fit`` says
    ``sparse``; every model and score finite (a RuntimeWarning fails the test)."""
    X, y = load_breast_cancer(return_X_y=True)
    fit = dict(fit)
    if fit.pop("sparse", False):
        X = sp.csr_matrix(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GradientDescentLogisticRegressionCV(**params).fit(X, y, **fit)
    assert np.all(np.isfinite(search.coef_))
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    for path in search.coefs_paths_.values():
        assert np.all(np.isfinite(path))


def test_diverging_columns_are_reported_and_leave_the_batch():
    X, y = _scaled(load_breast_cancer)
    with pytest.warns(ConvergenceWarning, match=r"5 of 10 fits diverged \(\{'C': 1.0, 'learn"):
        search = GradientDescentLogisticRegressionCV(
            Cs=[1.0], solver="gd", learning_rates=[0.1, 1e6], max_iter=200
        ).fit(X, y)
    assert search.best_params_["learning_rate"] == 0.1
    assert search.n_iter_[0, :, 0, 1].max() < 10  # the diverging rate stopped at once
    assert search.stop_reasons_ == ["max_iter"] * 5 + ["diverged"] * 5


def test_pandas_input_keeps_feature_names_without_warnings():
    pd = pytest.importorskip("pandas")
    X, y = _scaled(load_breast_cancer)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        search = GradientDescentLogisticRegressionCV(Cs=[0.1, 1.0]).fit(frame, pd.Series(y))
        search.predict(frame)
    assert list(search.feature_names_in_) == list(frame.columns)


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
def test_each_column_stops_where_its_single_fit_stops(l1_ratio):
    """Columns that stay in the batch after others left it keep their own test."""
    X, y = _scaled(load_breast_cancer)
    Cs = [0.01, 1.0, 10.0]
    search = GradientDescentLogisticRegressionCV(Cs=Cs, l1_ratios=[l1_ratio]).fit(X, y)
    folds = list(StratifiedKFold(5).split(X, y))
    for i, C in enumerate(Cs):
        for f, (train, _) in enumerate(folds):
            single = GradientDescentLogisticRegression(C=C, l1_ratio=l1_ratio)
            single.fit(X[train], y[train])
            assert abs(int(search.n_iter_[0, f, i, 0]) - int(single.n_iter_[0])) <= 2, (C, f)


def test_multiclass_batches_cut_their_blocks_by_one_groups_classes(monkeypatch):
    """The softmax of a batch runs group by group: row blocks are sized for K
    columns, not for every column of the batch (a Python call per group and block)."""
    from gdlogreg._backends import _array

    monkeypatch.setattr(_array, "CHUNK", 600)  # 200 rows for K = 3: several blocks
    X, y = _scaled(load_iris)
    X = np.vstack([X] * 8)
    y = np.tile(y, 8)
    search = GradientDescentLogisticRegressionCV(Cs=[0.1, 1.0], tol=1e-8).fit(X, y)
    monkeypatch.setattr(_array, "CHUNK", 32768)
    ref = GradientDescentLogisticRegressionCV(Cs=[0.1, 1.0], tol=1e-8).fit(X, y)
    for f in range(5):
        key = f"split{f}_test_score"
        np.testing.assert_allclose(search.cv_results_[key], ref.cv_results_[key], atol=1e-9)


def test_each_column_stops_at_its_single_fits_iterate():
    """The second gradient test looks back at the previous iterate, computing its flat gap
    then if no column needed it there (as the single fit's Monitor does); the batch used
    to take it as failed and went on up to 6 iterations longer (7 of 20 columns here)."""
    X, y = _scaled(load_breast_cancer)
    Cs = [0.01, 0.1, 1.0, 10.0]
    search = GradientDescentLogisticRegressionCV(Cs=Cs, tol=1e-7).fit(X, y)
    folds = list(StratifiedKFold(5).split(X, y))
    for c, C in enumerate(Cs):
        for f, (train, _) in enumerate(folds):
            single = GradientDescentLogisticRegression(C=C, tol=1e-7).fit(X[train], y[train])
            curve = search.loss_curves_[c * len(folds) + f]
            assert len(curve) == len(single.loss_curve_), (C, f)
            np.testing.assert_allclose(curve, single.loss_curve_, rtol=1e-9)  # rounding
