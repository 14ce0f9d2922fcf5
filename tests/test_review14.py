"""Outside review 14: the search as a drop-in for GridSearchCV / LogisticRegressionCV.

Each test is an input on which the search answered differently from
``GridSearchCV`` over :class:`GradientDescentLogisticRegression` (or failed where
it fits), and passes since the fix named in its docstring.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import _NotAnArray

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as CV

RNG = np.random.default_rng(14)
X = RNG.standard_normal((60, 3))
Y = (X[:, 0] + 0.5 * RNG.standard_normal(60) > 0).astype(int)


def _quiet(est, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kw)


@pytest.mark.slow
@pytest.mark.parametrize("grid, params", [
    ({"C": [1, 0.1, 10]}, {}),
    ({"C": [0.1, 1.0], "l1_ratio": [0, 0.5]}, {"l1_ratios": [0, 0.5]}),
    ({"C": [0.1, 1.0], "learning_rate": [0.1, "auto"]}, {"learning_rates": [0.1, "auto"]}),
])
def test_param_columns_have_grid_searchs_dtype(grid, params):
    """cv_results_["param_*"] were object arrays where GridSearchCV (scikit-learn
    1.5 and later) gives a float column to a numeric parameter (object for one
    with strings): the same dtypes now, so that a DataFrame of either has the
    same columns."""
    search = _quiet(CV(Cs=grid["C"], cv=3, solver="gd", **params), X, Y)
    gs = _quiet(GridSearchCV(GD(solver="gd"), grid, cv=3), X, Y)
    for name in grid:
        ours, theirs = search.cv_results_[f"param_{name}"], gs.cv_results_[f"param_{name}"]
        assert isinstance(ours, np.ma.MaskedArray)
        assert ours.dtype == theirs.dtype, name
        assert list(ours) == list(theirs)
        assert not np.ma.getmaskarray(ours).any()


@pytest.mark.parametrize("solver", ["nesterov", "backtracking"])
def test_array_like_sample_weight_in_a_search_fitted_one_by_one(solver):
    """An array-like sample_weight that is no ndarray (scikit-learn's
    check_sample_weights_not_an_array) failed with "Don't want to call
    array_function take!" for the solvers fitted column by column: their folds
    now take the rows of the checked weights, as the batched solvers do."""
    sw = RNG.uniform(0.5, 2.0, len(Y))
    kw = dict(Cs=[0.1, 1.0], cv=3, solver=solver)
    got = _quiet(CV(**kw), X, Y, sample_weight=_NotAnArray(sw))
    want = _quiet(CV(**kw), X, Y, sample_weight=sw)
    np.testing.assert_array_equal(got.coef_, want.coef_)
    np.testing.assert_array_equal(got.cv_results_["mean_test_score"],
                                  want.cv_results_["mean_test_score"])


@pytest.mark.parametrize("refit", [True, False])
def test_grid_searchs_other_attributes(refit):
    """GridSearchCV's scorer_, multimetric_ and (with refit) refit_time_ were missing:
    code written for GridSearchCV that reads them raised AttributeError."""
    search = _quiet(CV(Cs=[0.1, 1.0], cv=3, scoring="neg_log_loss", refit=refit), X, Y)
    gs = _quiet(GridSearchCV(GD(), {"C": [0.1, 1.0]}, cv=3, scoring="neg_log_loss",
                             refit=refit), X, Y)
    assert search.multimetric_ is gs.multimetric_ is False
    assert search.scorer_(search, X, Y) == pytest.approx(gs.scorer_(search, X, Y))
    assert hasattr(search, "refit_time_") == hasattr(gs, "refit_time_") == refit
    if refit:
        assert search.refit_time_ >= 0.0


def test_groups_reach_the_search_by_metadata_routing_as_grid_searchs_do():
    """Nested cross-validation with group folds: under enable_metadata_routing,
    cross_val_score(GridSearchCV or LogisticRegressionCV with cv=GroupKFold,
    params={"groups": g}) routes the groups to the inner splitter by itself; the
    search raised UnsetMetadataPassedError unless set_fit_request(groups=True)
    was called. The search now requests groups by default."""
    import sklearn
    from sklearn.model_selection import GroupKFold, cross_val_score

    groups = np.arange(len(Y)) % 9
    with sklearn.config_context(enable_metadata_routing=True):
        ours = cross_val_score(CV(Cs=[0.1, 1.0], cv=GroupKFold(3)), X, Y,
                               params={"groups": groups}, cv=GroupKFold(2))
        theirs = cross_val_score(GridSearchCV(GD(), {"C": [0.1, 1.0]}, cv=GroupKFold(3)),
                                 X, Y, params={"groups": groups}, cv=GroupKFold(2))
        explicit = CV(Cs=[0.1, 1.0], cv=GroupKFold(3)).set_fit_request(groups=True)
        assert explicit.get_metadata_routing().consumes("fit", ["groups"]) == {"groups"}
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_a_scorer_sees_the_rows_of_the_users_dataframe_as_in_grid_search():
    """GridSearchCV hands a scorer the test rows of the user's DataFrame and Series
    (a cost or fairness metric may read a column by name); the search handed it
    validated numpy rows, so X["f0"] raised. Now the scorer gets the same rows
    and types, and a model that knows the feature names (no warning)."""
    pd = pytest.importorskip("pandas")
    Xd = pd.DataFrame(X, columns=["f0", "f1", "f2"])
    ys = pd.Series(Y, name="target")

    def cost(est, X, y):  # misclassified rows weighted by the value of a named column
        assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
        return -float(np.sum(np.abs(X["f0"]) * (est.predict(X) != y)))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = CV(Cs=[0.01, 1.0], cv=3, scoring=cost).fit(Xd, ys)
        gs = GridSearchCV(GD(), {"C": [0.01, 1.0]}, cv=3, scoring=cost).fit(Xd, ys)
    for f in range(3):
        np.testing.assert_allclose(search.cv_results_[f"split{f}_test_score"],
                                   gs.cv_results_[f"split{f}_test_score"], atol=1e-9)
    assert search.best_params_ == gs.best_params_


@pytest.mark.parametrize("scoring", ["neg_log_loss", "roc_auc", None])
def test_score_uses_the_searchs_scoring_as_logistic_regression_cv(scoring):
    """LogisticRegressionCV.score and GridSearchCV.score give the ``scoring`` on the
    data (so does cross_val_score of the search, which calls it); the search gave
    accuracy whatever its scoring (0.93 where both gave a log loss of -0.18)."""
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.metrics import accuracy_score, get_scorer

    search = _quiet(CV(Cs=[0.1, 1.0], cv=3, scoring=scoring), X, Y)
    sw = np.linspace(0.1, 2.0, len(Y))
    want = get_scorer(scoring or "accuracy")
    assert search.score(X, Y) == pytest.approx(want(search, X, Y))
    assert search.score(X, Y, sample_weight=sw) == pytest.approx(
        want(search, X, Y, sample_weight=sw))
    if scoring is not None:  # the scale of LogisticRegressionCV's score, not accuracy
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # its use_legacy_attributes
            lrcv = LogisticRegressionCV(Cs=[0.1, 1.0], cv=3, scoring=scoring).fit(X, Y)
        assert search.score(X, Y) == pytest.approx(lrcv.score(X, Y), abs=0.05)
        assert search.score(X, Y) != pytest.approx(accuracy_score(Y, search.predict(X)))
