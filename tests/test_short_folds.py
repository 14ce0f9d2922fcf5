"""The search on folds whose training rows lack a class (a class too rare for the folds).

GridSearchCV fits such a fold with the classes it has; LogisticRegressionCV fits it too.
The search refused it (the batch shares one loss over all the classes); it now fits those
folds one by one as GridSearchCV does, scores them as its other columns (a class the fold's
model lacks is never predicted: probability 0), and reports NaN coefficients for the class
in that fold's ``coefs_paths_`` (docs/search.rst). Each test here failed before: the fit
raised "hold no sample of class".
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as CV

CS = [0.01, 1.0, 100.0]
CV5 = StratifiedKFold(5, shuffle=True, random_state=0)


def _data(n=150, rare=1, seed=0):
    """Three classes with some signal and a fourth of ``rare`` rows."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    y = rng.integers(0, 3, n)
    X[:, 0] += 1.5 * (y == 1)
    X[:, 1] -= 1.5 * (y == 2)
    y[7 : 7 + rare] = 3
    X[7 : 7 + rare, 2] += 2.0
    return X, y


def _quiet(fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # StratifiedKFold's rare-class note
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit()


def _scores(search, F=5):
    return np.column_stack([search.cv_results_[f"split{f}_test_score"] for f in range(F)])


def _short(search):
    """The folds (of CV5) whose every coefficient of class 3 is NaN."""
    return np.flatnonzero(np.isnan(search.coefs_paths_[3]).all(axis=(1, 2)))


@pytest.mark.slow
@pytest.mark.parametrize("params", [
    {}, {"solver": "lbfgs"}, {"solver": "gd", "max_iter": 300}, {"solver": "nesterov"},
    {"class_weight": "balanced"}, {"fit_intercept": False}, {"tol": 1e-8},
])
def test_fold_scores_and_choice_are_grid_search_s(params):
    X, y = _data()
    search = _quiet(lambda: CV(Cs=CS, cv=CV5, **params).fit(X, y))
    grid = _quiet(lambda: GridSearchCV(GD(**params), {"C": CS}, cv=CV5).fit(X, y))
    np.testing.assert_array_equal(_scores(search), _scores(grid))
    assert search.best_params_ == grid.best_params_
    assert len(_short(search)) == 1  # the fold that tests the one row of class 3


@pytest.mark.parametrize("kind", ["csr", "float32", "weights"])
def test_sparse_float32_and_weighted_rows(kind):
    X, y = _data(rare=1, seed=1)
    fit = {}
    if kind == "csr":
        X = sp.csr_matrix(X)
    elif kind == "float32":
        X = X.astype(np.float32)
    else:
        fit["sample_weight"] = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    search = _quiet(lambda: CV(Cs=CS, cv=CV5, tol=1e-9).fit(X, y, **fit))
    grid = _quiet(lambda: GridSearchCV(GD(tol=1e-9), {"C": CS}, cv=CV5).fit(X, y, **fit))
    np.testing.assert_array_equal(_scores(search), _scores(grid))
    assert search.coefs_paths_[0].dtype == X.dtype


def test_the_short_fold_s_columns_are_its_single_fits():
    """Class 3 of two rows, both tested by fold 0: its training rows hold three classes,
    whose coefficients are the single fit's; class 3's are NaN there and finite elsewhere."""
    X, y = _data(rare=2)
    rows = np.arange(len(y))
    test0 = np.r_[7, 8, rows[20:40]]
    folds = [(np.setdiff1d(rows, test0), test0), (rows[:100], rows[100:])]
    search = _quiet(lambda: CV(Cs=CS, cv=folds, tol=1e-9).fit(X, y))
    train = folds[0][0]
    for c, C in enumerate(CS):
        single = GD(C=C, tol=1e-9).fit(X[train], y[train])
        for k in range(3):
            np.testing.assert_array_equal(search.coefs_paths_[k][0, c],
                                          np.r_[single.coef_[k], single.intercept_[k]])
    assert np.isnan(search.coefs_paths_[3][0]).all()
    assert np.isfinite(search.coefs_paths_[3][1]).all()


def test_a_probability_score_gives_the_absent_class_zero():
    """neg_log_loss told every class (as the search's other columns): the short fold's
    model gives class 3 probability 0, its other classes the single fit's."""
    X, y = _data(rare=1)
    search = _quiet(lambda: CV(Cs=CS, cv=CV5, scoring="neg_log_loss", tol=1e-9).fit(X, y))
    f = int(_short(search)[0])
    train, test = _quiet(lambda: list(CV5.split(X, y)))[f]
    for c, C in enumerate(CS):
        single = GD(C=C, tol=1e-9).fit(X[train], y[train])
        P = np.column_stack([single.predict_proba(X[test]), np.zeros(len(test))])
        expected = -log_loss(y[test], P, labels=[0, 1, 2, 3])
        np.testing.assert_allclose(search.cv_results_[f"split{f}_test_score"][c], expected,
                                   rtol=1e-12)
    assert np.isfinite(_scores(search)).all()


def test_refit_false_averages_each_class_over_the_folds_that_had_it():
    X, y = _data(rare=1)
    search = _quiet(lambda: CV(Cs=CS, cv=CV5, refit=False).fit(X, y))
    assert np.isfinite(search.coef_).all() and np.isfinite(search.intercept_).all()
    F = 5
    picks = np.argmax(_scores(search), axis=0)
    lacking = set(_short(search).tolist())
    rows = [search.coefs_paths_[3][f, picks[f], :4] for f in range(F) if f not in lacking]
    np.testing.assert_allclose(search.coef_[3], np.mean(rows, axis=0), rtol=1e-12)


def test_a_class_no_fold_trains_is_never_predicted():
    """Custom folds that always test the one row of class 3: refit=False's average has no
    coefficients for it; the model gives it probability 0, without a warning."""
    X, y = _data(rare=1)
    rows = np.setdiff1d(np.arange(len(y)), [7])
    folds = [(np.setdiff1d(rows, part), np.r_[7, part]) for part in np.array_split(rows, 3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        search = CV(Cs=CS, cv=folds, refit=False).fit(X, y)
        P = search.predict_proba(X)
    assert np.all(P[:, 3] == 0.0) and np.allclose(P.sum(axis=1), 1.0)
    assert 3 not in search.predict(X)


def test_warm_started_path_and_verbose(capsys):
    X, y = _data(rare=1)
    search = _quiet(lambda: CV(Cs=CS, cv=CV5, warm_start_path=True, tol=1e-9,
                               verbose=1).fit(X, y))
    grid = _quiet(lambda: GridSearchCV(GD(tol=1e-9), {"C": CS}, cv=CV5).fit(X, y))
    np.testing.assert_array_equal(_scores(search), _scores(grid))
    assert "column" in capsys.readouterr().out  # the short fold's fits, one by one


@pytest.mark.slow
def test_dask_as_numpy():
    da = pytest.importorskip("dask.array")
    X, y = _data(rare=1)
    ours = _quiet(lambda: CV(Cs=CS, cv=CV5).fit(da.from_array(X, chunks=50),
                                                da.from_array(y, chunks=50)))
    ref = _quiet(lambda: CV(Cs=CS, cv=CV5).fit(X, y))
    np.testing.assert_array_equal(_scores(ours), _scores(ref))


def _separated(rare=1):
    """Two separated clouds and a third class of ``rare`` rows, apart from both."""
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(-3, 1, (20, 2)), rng.normal(3, 1, (20, 2)), [[0.0, 8.0]] * rare]
    return X, np.r_[np.zeros(20, int), np.ones(20, int), [2] * rare]


def _search_warnings(**params):
    X, y = _separated()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CV(cv=3, refit=False, **params).fit(X, y)
    return [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]


def test_the_short_fold_s_columns_are_named_without_a_minimum():
    """C = inf on separable rows: every fold's cost has no minimum, the short fold's too
    (its single fit's own test says so). Before, only the other two folds were named,
    and the short one was told as a stop "where a margin classifies every row"."""
    (msg,) = _search_warnings(Cs=[np.inf])
    assert "The training rows of 3 of 3 fits" in msg
    assert "linearly separable" in msg
    assert "stopped where a margin" not in msg


def test_a_short_fold_with_a_minimum_is_not_named():
    assert _search_warnings(Cs=[1.0]) == []
