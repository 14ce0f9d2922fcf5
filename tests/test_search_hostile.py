"""Hostile input and drop-in behaviour of GradientDescentLogisticRegressionCV (issue #15).

Each test is an input a scikit-learn user may give the search: it either fits
(with GridSearchCV's or LogisticRegressionCV's answers and attributes) or
raises a ValueError/TypeError that names the problem, never a leaked
RuntimeWarning, a numpy broadcasting or indexing error, or a silently wrong
model. docs/search.rst ("Where it differs from scikit-learn") lists the
deliberate differences.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold, PredefinedSplit
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as CV

RNG = np.random.default_rng(0)
X = RNG.standard_normal((40, 3))
Y = (X[:, 0] + 0.5 * RNG.standard_normal(40) > 0).astype(int)
IDX = np.arange(40)


def _iris():
    Xi, yi = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(Xi), yi


def fit_strict(*args, est=None, **fit_params):
    """Fit with every warning an error but ConvergenceWarning."""
    est = CV(Cs=[0.1, 1.0]) if est is None else est
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **fit_params)


def _fold_scores(search, n_folds):
    return np.column_stack([search.cv_results_[f"split{f}_test_score"] for f in range(n_folds)])


def _grid_search(cv, sample_weight=None, scoring=None, **params):
    fit = {} if sample_weight is None else {"sample_weight": sample_weight}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GridSearchCV(GD(tol=1e-9, **params), {"C": [0.1, 1.0]}, cv=cv,
                            scoring=scoring).fit(X, Y, **fit)


# ------------------------------------------------------------- sample weights
def _with(value):
    w = np.ones(40)
    w[3] = value
    return w


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (_with(np.inf), "infinity"),
        (_with(np.nan), "NaN"),
        (_with(-1.0), "[Nn]egative"),
        (np.ones(39), "39"),
        (np.ones((40, 1)), "1D"),
        (np.zeros(40), "non-zero|sum to zero"),
    ],
    ids=["inf", "nan", "negative", "short", "2-D", "all-zero"],
)
def test_bad_sample_weights_are_refused_before_the_search(sample_weight, match):
    """inf leaked 'invalid value in multiply' (inf × a fold's 0), a short vector a
    numpy broadcasting error: the weights are checked as the single fit checks them."""
    with pytest.raises(ValueError, match=match):
        fit_strict(X, Y, sample_weight=sample_weight)


def test_zero_dimensional_sample_weight_is_a_scalar():
    """np.array(2.0) raised an IndexError when the scorer took the test rows' weights."""
    search = fit_strict(X, Y, sample_weight=np.array(2.0))
    reference = fit_strict(X, Y, sample_weight=2.0)
    np.testing.assert_array_equal(_fold_scores(search, 5), _fold_scores(reference, 5))


@pytest.mark.slow
@pytest.mark.parametrize("scoring", ["accuracy", "neg_log_loss"])
@pytest.mark.parametrize("big", [np.full(40, 1e308), np.where(IDX % 2, 1e308, 1.0)],
                         ids=["all-1e308", "half-1e308"])
def test_weights_near_the_float_limit_score_without_overflow(big, scoring):
    """The fits handle them (normalised by the largest); the scorer's weighted mean
    summed them to inf ('overflow encountered in reduce', then nan). Scaled by a
    power of two, the test rows' weights give the same weighted mean, exactly."""
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import StratifiedKFold

    search = fit_strict(X, Y, sample_weight=big, est=CV(Cs=[1.0], scoring=scoring))
    scorer = get_scorer(scoring)
    for f, (train, test) in enumerate(StratifiedKFold(5).split(X, Y)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = GD().fit(X[train], Y[train], sample_weight=big[train])
        expected = scorer(model, X[test], Y[test], sample_weight=big[test] * 2.0**-1000)
        assert search.cv_results_[f"split{f}_test_score"][0] == pytest.approx(expected,
                                                                            rel=1e-9)


def test_a_fold_whose_training_rows_weigh_nothing_is_named():
    sw = np.r_[np.ones(8), np.zeros(32)]  # KFold(5): fold 0 trains on rows 8-39
    with pytest.raises(ValueError, match="training rows of fold 0 weigh nothing"):
        fit_strict(X, Y, sample_weight=sw, est=CV(Cs=[1.0], cv=KFold(5)))


def test_a_fold_whose_test_rows_weigh_nothing_is_named():
    """GridSearchCV sets such a score to nan (with a warning per fit); the search
    refuses it before fitting: a weighted score of no weight is undefined."""
    sw = np.r_[np.zeros(8), np.ones(32)]
    with pytest.raises(ValueError, match="test rows of fold 0 weigh nothing"):
        fit_strict(X, Y, sample_weight=sw, est=CV(Cs=[1.0], cv=KFold(5)))


def test_balanced_class_weight_in_a_fold_whose_class_weighs_nothing_is_named():
    """Class 0 weighs nothing in fold 0's training rows only: the single fit's message
    said so for 'the samples' (of the whole data, as the user reads it), naming no fold."""
    sw = np.ones(40)
    sw[(IDX >= 8) & (Y == 0)] = 0.0  # KFold(5): fold 0 trains on rows 8-39
    with pytest.raises(ValueError, match=r"fold 0.*balanced.*class (np.int64\()?0"):
        fit_strict(X, Y, sample_weight=sw, est=CV(Cs=[1.0], cv=KFold(5),
                                                  class_weight="balanced"))


@pytest.mark.parametrize("class_weight", [{0: -1.0, 1: 1.0}, {0: np.inf}, {0: "a"}])
def test_bad_class_weight_values_name_no_fold(class_weight):
    with pytest.raises(ValueError, match=r"^class_weight must give each class"):
        fit_strict(X, Y, est=CV(Cs=[1.0], class_weight=class_weight))


def test_dask_folds_of_zero_weight_are_named_too():
    da = pytest.importorskip("dask.array")
    Xd, yd = da.from_array(X, chunks=(10, -1)), da.from_array(Y, chunks=10)
    for sw, kind in [(np.r_[np.zeros(8), np.ones(32)], "test"),
                     (np.r_[np.ones(8), np.zeros(32)], "training")]:
        with pytest.raises(ValueError, match=f"{kind} rows of fold 0 weigh nothing"):
            fit_strict(Xd, yd, sample_weight=da.from_array(sw, chunks=10),
                       est=CV(Cs=[1.0], cv=KFold(5)))


def test_zero_weights_give_grid_search_scores():
    """Zero-weight rows in every fold, and a scorer that takes the weights."""
    sw = np.ones(40)
    sw[::3] = 0.0
    for scoring in (None, "neg_log_loss"):
        search = fit_strict(X, Y, sample_weight=sw,
                            est=CV(Cs=[0.1, 1.0], tol=1e-9, scoring=scoring))
        reference = _grid_search(5, sw, scoring)
        np.testing.assert_allclose(_fold_scores(search, 5), _fold_scores(reference, 5),
                                   atol=1e-9, rtol=0)


@pytest.mark.slow
def test_a_class_of_zero_weight_fits_as_grid_search():
    """Every class is present in every fold, but one weighs nothing: as GridSearchCV.
    The intercept's optimum is at infinity, so the fits run to max_iter (200 keeps it short)."""
    sw = (Y == 1).astype(float)
    search = fit_strict(X, Y, sample_weight=sw, est=CV(Cs=[0.1, 1.0], tol=1e-9, max_iter=200))
    reference = _grid_search(5, sw, max_iter=200)
    np.testing.assert_array_equal(_fold_scores(search, 5), _fold_scores(reference, 5))
    assert np.all(np.isfinite(search.coef_))


def test_group_folds_balanced_weights_as_grid_search():
    groups = np.repeat(np.arange(4), 10)
    folds = list(GroupKFold(4).split(X, Y, groups))
    sw = np.linspace(0.0, 1.0, 40)
    search = fit_strict(X, Y, sample_weight=sw, est=CV(
        Cs=[0.1, 1.0], tol=1e-9, cv=folds, scoring="neg_log_loss", class_weight="balanced"))
    reference = _grid_search(folds, sw, "neg_log_loss", class_weight="balanced")
    np.testing.assert_allclose(_fold_scores(search, 4), _fold_scores(reference, 4),
                               atol=1e-9, rtol=0)
    # The splitter itself, with groups, gives the same folds.
    by_groups = fit_strict(X, Y, sample_weight=sw, groups=groups, est=CV(
        Cs=[0.1, 1.0], tol=1e-9, cv=GroupKFold(4), scoring="neg_log_loss",
        class_weight="balanced"))
    np.testing.assert_array_equal(_fold_scores(by_groups, 4), _fold_scores(search, 4))


# -------------------------------------------------------------- class weights
@pytest.mark.parametrize("class_weight", [{0: 1.0, 5: 2.0}, {1: 1.0, 5: 2.0}])
def test_class_weight_with_an_unknown_label_is_refused_before_the_search(
    class_weight, monkeypatch
):
    """{0: 1, 5: 2} gave scikit-learn's 'The classes, [1], are not in class_weight'. (A
    dict that weights every class and names 5 too is taken, as scikit-learn takes it:
    tests/test_review191.py.)"""
    def no_search(*args, **kwargs):
        raise AssertionError("the search ran")

    est = CV(Cs=[1.0], class_weight=class_weight)
    monkeypatch.setattr(est, "_fit_batched", no_search)
    with pytest.raises(ValueError, match=r"class_weight names classes .*\[5\]"):
        fit_strict(X, Y, est=est)


# ---------------------------------------------------------------------- folds
@pytest.mark.parametrize(
    "cv, match",
    [
        ([], "no fold"),
        ([(IDX, IDX[:0]), (IDX[10:], IDX[:10])], "test rows of fold 0 are empty"),
        ([(IDX[10:], IDX[:10]), (IDX[:0], IDX)], "[Ff]old 1 has no training rows"),
        ([(IDX[:30], np.array([38, 39, 40]))], "fold 0 .*index 40.* 40 samples"),
        ([(IDX[:30].astype(float), IDX[30:])], "fold 0 .* integer"),
    ],
    ids=["no-folds", "empty-test", "empty-train", "out-of-range", "float-indices"],
)
def test_bad_folds_are_named(cv, match):
    """IndexError (no folds, indices out of range or of floats), or the fitted model's
    'Found array with 0 sample(s) ... GradientDescentLogisticRegression' for an empty
    test set: the folds are checked before the search."""
    with pytest.raises(ValueError, match=match):
        fit_strict(X, Y, est=CV(Cs=[1.0], cv=cv))


@pytest.mark.slow
def test_odd_but_valid_folds_fit_as_grid_search():
    """Overlapping test sets, a predefined split, boolean masks."""
    overlapping = [(IDX[:30], IDX[20:]), (IDX[10:], IDX[:25])]
    masks = [(IDX >= 10, IDX < 10), (IDX < 30, IDX >= 30)]
    for cv, n in [(overlapping, 2), (PredefinedSplit(np.repeat([-1, 0, 1, -1], 10)), 2),
                  (masks, 2), (KFold(40), 40)]:
        search = fit_strict(X, Y, est=CV(Cs=[0.1, 1.0], tol=1e-9, cv=cv))
        reference = _grid_search(cv, None)
        np.testing.assert_array_equal(_fold_scores(search, n), _fold_scores(reference, n))


def test_repeated_training_rows_count_as_often_as_they_appear():
    """A bootstrap cv repeats training rows: GridSearchCV fits X[train] with the repeats,
    the batch's 0/1 mask counted each row once, silently another model. A row that
    appears k times weighs k (the project's rule: weighting a row by 2 == repeating it)."""
    rng = np.random.default_rng(5)
    folds = [(rng.choice(IDX[:30], 30), IDX[30:]), (rng.choice(IDX[10:], 30), IDX[:10])]
    search = fit_strict(X, Y, est=CV(Cs=[0.1, 1.0], tol=1e-9, cv=folds, scoring="neg_log_loss"))
    reference = _grid_search(folds, None, "neg_log_loss")
    np.testing.assert_allclose(_fold_scores(search, 2), _fold_scores(reference, 2),
                               atol=1e-9, rtol=0)


def test_repeated_rows_whose_weight_overflows_are_named():
    """A row of weight 1e308 repeated twice weighs 2e308: 'overflow encountered in
    multiply' leaked from the fold's weights."""
    folds = [(np.r_[IDX[:30], IDX[:5]], IDX[30:])]
    with pytest.raises(ValueError, match="training rows of fold 0 .*largest float"):
        fit_strict(X, Y, sample_weight=np.full(40, 1e308), est=CV(Cs=[1.0], cv=folds))


@pytest.mark.parametrize("cv", [5, 2])
def test_a_class_too_rare_for_the_folds_fits_as_grid_search(cv):
    """A class of one sample lacks from the training rows of every fold that tests it:
    GridSearchCV fits those folds with the classes they have; the search refused them
    (the batch shares one loss over all the classes) and now fits them one by one as
    GridSearchCV does: the same fold scores, NaN coefficients for the absent class."""
    y = Y.copy()
    y[0] = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # StratifiedKFold's, about the class
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = CV(Cs=[0.1, 1.0], tol=1e-9, cv=cv).fit(X, y)
        reference = GridSearchCV(GD(tol=1e-9), {"C": [0.1, 1.0]}, cv=cv).fit(X, y)
    np.testing.assert_array_equal(_fold_scores(search, cv), _fold_scores(reference, cv))
    lacking = np.isnan(search.coefs_paths_[2]).all(axis=(1, 2))  # (folds, Cs, dof)
    assert lacking.sum() == 1 and np.isfinite(search.coefs_paths_[0][~lacking]).all()


def test_group_folds_that_hold_a_whole_class_fit_as_grid_search():
    y = Y.copy()
    y[:5] = 2  # class 2 lives in group 0 alone
    groups = np.repeat(np.arange(4), 10)
    search = fit_strict(X, y, groups=groups, est=CV(Cs=[1.0], tol=1e-9, cv=GroupKFold(4)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = GridSearchCV(GD(tol=1e-9), {"C": [1.0]}, cv=GroupKFold(4)).fit(
            X, y, groups=groups)
    np.testing.assert_array_equal(_fold_scores(search, 4), _fold_scores(reference, 4))


def test_a_training_fold_of_one_class_is_named():
    """A fit needs two classes: GridSearchCV records nan with a warning, the search names
    the fold and the class before it fits anything."""
    folds = [(np.flatnonzero(Y == 1), np.flatnonzero(Y == 0))]
    with pytest.raises(ValueError, match="training rows of fold 0 are all of class 1"):
        fit_strict(X, Y, est=CV(Cs=[1.0], cv=folds))


def test_a_class_of_two_samples_fits_as_grid_search():
    """Two samples, five stratified folds: every training fold holds one of them."""
    y = Y.copy()
    y[:2] = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # StratifiedKFold's, about the class
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = CV(Cs=[0.1, 1.0], tol=1e-9).fit(X, y)
        reference = GridSearchCV(GD(tol=1e-9), {"C": [0.1, 1.0]}).fit(X, y)
    np.testing.assert_array_equal(_fold_scores(search, 5), _fold_scores(reference, 5))


@pytest.mark.parametrize("scoring", ["neg_log_loss", "neg_brier_score"])
def test_probability_scores_of_a_test_fold_without_a_class(scoring):
    """Two samples of class 2 in five folds: three test folds lack it. log_loss raised
    'y_true and y_prob contain different number of classes' (GridSearchCV: nan);
    LogisticRegressionCV scores with labels=classes, and so does the search."""
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import StratifiedKFold

    y = Y.copy()
    y[:2] = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # StratifiedKFold's, about the class
        folds = list(StratifiedKFold(5).split(X, y))
    search = fit_strict(X, y, est=CV(Cs=[0.1, 1.0], tol=1e-9, scoring=scoring, cv=folds))
    func = get_scorer(scoring)._score_func
    sign = -1.0
    for f, (train, test) in enumerate(folds):
        for i, C in enumerate([0.1, 1.0]):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model = GD(C=C, tol=1e-9).fit(X[train], y[train])
            expected = sign * func(y[test], model.predict_proba(X[test]), labels=[0, 1, 2])
            assert search.cv_results_[f"split{f}_test_score"][i] == pytest.approx(
                expected, abs=1e-9)
    assert any(2 not in y[test] for _, test in folds)


@pytest.mark.slow
def test_probability_scores_with_array_api_match_numpy():
    """labels=classes (numpy) must not reach a scorer of array-API data: log_loss raised
    array_api_strict's "'numpy.ndarray' object has no attribute '_array'"."""
    xp = pytest.importorskip("array_api_strict")
    from sklearn import config_context

    Xi, yi = _iris()
    ref = fit_strict(Xi, yi, est=CV(Cs=[0.1, 1.0], tol=1e-8, scoring="neg_log_loss"))
    try:
        with config_context(array_api_dispatch=True):
            search = fit_strict(xp.asarray(Xi), xp.asarray(yi),
                                est=CV(Cs=[0.1, 1.0], tol=1e-8, scoring="neg_log_loss"))
    except (ImportError, RuntimeError) as exc:  # no dispatch on this stack
        pytest.skip(str(exc))
    np.testing.assert_allclose(_fold_scores(search, 5), _fold_scores(ref, 5), atol=1e-9)


# ------------------------------------------------------------------------ grid
@pytest.mark.parametrize(
    "params, name",
    [({"Cs": ["a"]}, "C"), ({"Cs": [1 + 2j]}, "C"), ({"l1_ratios": ["a"]}, "l1_ratio"),
     ({"learning_rates": [None]}, "learning_rate"),
     ({"learning_rates": [[0.1, 0.2], 0.3]}, "learning_rate")],
    ids=["C-string", "C-complex", "l1-string", "lr-None", "lr-ragged"],
)
def test_grids_of_non_numbers_are_refused_by_name(params, name):
    """numpy's 'could not convert string to float' or float()'s TypeError, naming no
    parameter: the grid names the parameter and the value."""
    with pytest.raises((TypeError, ValueError), match=f"{name} of the grid"):
        fit_strict(X, Y, est=CV(solver="gd", **params))


def test_unsorted_and_duplicate_cs_keep_their_order():
    search = fit_strict(X, Y, est=CV(Cs=np.array([10.0, 0.1, 1.0, 1.0]), tol=1e-9))
    np.testing.assert_array_equal(search.Cs_, [10.0, 0.1, 1.0, 1.0])
    scores = _fold_scores(search, 5)
    np.testing.assert_array_equal(scores[2], scores[3])  # the same C, the same fits
    assert search.cv_results_["rank_test_score"][2] == search.cv_results_["rank_test_score"][3]


# --------------------------------------------------------------------- scoring
def _nan_for_C1(estimator, X, y):
    """A scorer that fails (nan) for C = 1 only: it sees the candidate's parameters,
    as GridSearchCV's scorer does (it saw the default C = 1 for every candidate)."""
    return np.nan if estimator.C == 1.0 else float(estimator.score(X, y))


def test_refit_false_never_picks_a_nan_score():
    """np.argmax picked the nan score of C = 1 in every fold: coef_ averaged the
    models of the failed candidate."""
    with pytest.warns(UserWarning, match="non-finite"):
        search = CV(Cs=[1.0, 0.1], refit=False, scoring=_nan_for_C1).fit(X, Y)
    np.testing.assert_allclose(search.C_, [0.1])
    paths = search.coefs_paths_[1]
    np.testing.assert_allclose(search.coef_[0], paths[:, 1, :-1].mean(axis=0))


def test_nan_scores_are_ranked_last_with_grid_search_warning():
    with pytest.warns(UserWarning, match="non-finite"):
        search = CV(Cs=[1.0, 0.1], scoring=_nan_for_C1).fit(X, Y)
    assert search.best_params_ == {"C": 0.1}
    np.testing.assert_array_equal(search.cv_results_["rank_test_score"], [2, 1])


@pytest.mark.parametrize("value", [{"a": 1.0}, None, "0.5", [0.5, 0.6]],
                         ids=["dict", "None", "string", "list"])
def test_a_scorer_that_returns_no_number_is_named(value):
    """float() raised 'argument must be a string or a real number, not dict' from the
    search's own line, or numpy its shape error; a string '0.5' was taken as 0.5."""
    with pytest.raises(TypeError, match="scoring must return one number"):
        fit_strict(X, Y, est=CV(Cs=[1.0], scoring=lambda est, X, y: value))


def test_a_scorer_that_raises_is_not_hidden():
    """No error_score: the scorer's own error reaches the user (docs/search.rst)."""
    def boom(est, X, y):
        raise ZeroDivisionError("the user's scorer")

    with pytest.raises(ZeroDivisionError, match="the user's scorer"):
        fit_strict(X, Y, est=CV(Cs=[1.0], scoring=boom))


@pytest.mark.parametrize("scoring", ["neg_log_loss", "roc_auc_ovr", "f1_macro"])
def test_multiclass_scorings(scoring):
    Xi, yi = _iris()
    search = fit_strict(Xi, yi, est=CV(Cs=[0.1, 1.0], scoring=scoring))
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    np.testing.assert_allclose(search.predict_proba(Xi).sum(axis=1), 1.0, rtol=1e-12)


# ----------------------------------------------------------------- y and X
@pytest.mark.parametrize(
    "y",
    [np.where(Y, "yes", "no"), Y.astype(bool), Y + 1.0],
    ids=["strings", "bools", "floats"],
)
def test_labels_of_any_kind_give_the_same_search(y):
    search = fit_strict(X, y, est=CV(Cs=[0.1, 1.0], tol=1e-9))
    reference = fit_strict(X, Y, est=CV(Cs=[0.1, 1.0], tol=1e-9))
    np.testing.assert_array_equal(_fold_scores(search, 5), _fold_scores(reference, 5))
    np.testing.assert_array_equal(search.classes_, np.unique(y))
    assert set(search.scores_) == {search.classes_[1]}
    np.testing.assert_array_equal(search.predict(X), np.unique(y)[reference.predict(X)])


def test_pandas_categorical_y_and_frame_x():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    y = pd.Series(pd.Categorical(np.where(Y, "yes", "no"), categories=["no", "yes", "maybe"]))
    search = fit_strict(frame, y)
    assert list(search.classes_) == ["no", "yes"]
    assert list(search.feature_names_in_) == ["a", "b", "c"]
    # As GridSearchCV's, the refitted model knows the feature names.
    assert list(search.best_estimator_.feature_names_in_) == ["a", "b", "c"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        search.best_estimator_.predict(frame)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "int", "float32", "fortran"])
def test_x_formats_give_the_same_search(fmt):
    Xi = np.round(X * 4)  # integers, exact in every format
    cast = {
        "csr": sp.csr_matrix, "csc": sp.csc_matrix, "coo": sp.coo_matrix,
        "int": lambda a: a.astype(np.int64), "float32": lambda a: a.astype(np.float32),
        "fortran": np.asfortranarray,
    }[fmt](Xi)
    search = fit_strict(cast, Y, est=CV(Cs=[0.1, 1.0], tol=1e-9, scoring="neg_log_loss"))
    reference = fit_strict(Xi, Y, est=CV(Cs=[0.1, 1.0], tol=1e-9, scoring="neg_log_loss"))
    atol = 1e-3 if fmt == "float32" else 1e-9  # float32: the rounding of its fits
    np.testing.assert_allclose(_fold_scores(search, 5), _fold_scores(reference, 5),
                               atol=atol, rtol=0)
    assert search.coef_.dtype == (np.float32 if fmt == "float32" else np.float64)
    assert search.coefs_paths_[1].dtype == search.coef_.dtype


@pytest.mark.parametrize(
    "column", [np.full(40, 3.0), np.full(40, 1e300), np.where(IDX % 2, 1e300, 0.0)],
    ids=["constant", "constant-1e300", "half-1e300"],
)
def test_extreme_columns_give_finite_models(column):
    Xc = X.copy()
    Xc[:, 1] = column
    search = fit_strict(Xc, Y)
    assert np.all(np.isfinite(search.coef_))
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    for path in search.coefs_paths_.values():
        assert np.all(np.isfinite(path))


def test_tiny_and_wide_data():
    search = fit_strict(X[:4], np.array([0, 1, 0, 1]), est=CV(Cs=[1.0], cv=2))
    assert search.n_splits_ == 2 and search.scores_[1].shape == (2, 1)
    wide = RNG.standard_normal((30, 2000))
    search = fit_strict(wide, IDX[:30] % 2, est=CV(Cs=[0.1, 1.0], cv=3))
    assert search.coefs_paths_[1].shape == (3, 2, 2001)
    one = fit_strict(X[:, :1], Y)
    assert one.coefs_paths_[1].shape == (5, 2, 2)


# ---------------------------------------------------------------- attributes
def test_attributes_match_logistic_regression_cv_with_l1_ratios():
    Xi, yi = _iris()
    # three Cs, two l1_ratios: the axes' order shows in the shapes
    search = fit_strict(Xi, yi, est=CV(Cs=[0.01, 0.1, 1.0], l1_ratios=[0.0, 0.5]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        known = LogisticRegressionCV().get_params()
        params = {"use_legacy_attributes": True} if "use_legacy_attributes" in known else {}
        if "penalty" in known:  # before scikit-learn 1.8 l1_ratios need the elastic net
            params["penalty"] = "elasticnet"
        ref = LogisticRegressionCV(Cs=[0.01, 0.1, 1.0], l1_ratios=[0.0, 0.5],
                                   solver="saga", max_iter=20, **params).fit(Xi, yi)
    assert set(search.scores_) == set(ref.scores_)
    for c in ref.scores_:
        assert search.scores_[c].shape == ref.scores_[c].shape
        assert search.coefs_paths_[c].shape == ref.coefs_paths_[c].shape
    assert search.C_.shape == ref.C_.shape and search.l1_ratio_.shape == ref.l1_ratio_.shape
    assert search.n_iter_.shape == ref.n_iter_.shape


def test_clone_pickle_and_refit_on_other_shapes():
    Xi, yi = _iris()
    est = CV(Cs=[0.1, 1.0], l1_ratios=[0.5], cv=3, memory_budget=1)  # one column a batch
    assert clone(est).get_params() == est.get_params()
    fit_strict(Xi, yi, est=est)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict_proba(Xi), est.predict_proba(Xi))
    one_batch = fit_strict(Xi, yi, est=clone(est).set_params(memory_budget=2**30))
    np.testing.assert_array_equal(_fold_scores(est, 3), _fold_scores(one_batch, 3))
    fit_strict(X, Y, est=est)  # binary, 3 features, after 3 classes and 4 features
    assert est.coef_.shape == (1, 3) and list(est.scores_) == [1]
    assert est.coefs_paths_[1].shape == (3, 2, 1, 4)


def test_inputs_are_not_modified_by_odd_fits():
    X32 = np.asfortranarray(X.astype(np.float32))
    y = np.where(Y, "b", "a")
    sw = np.linspace(0.0, 2.0, 40)
    copies = X32.copy(), y.copy(), sw.copy()
    fit_strict(X32, y, sample_weight=sw, est=CV(Cs=[0.1, 1.0], class_weight="balanced",
                                                  refit=False, scoring="neg_log_loss"))
    for a, b in zip((X32, y, sw), copies, strict=True):
        np.testing.assert_array_equal(a, b)


def test_scalar_sample_weight_with_array_api():
    xp = pytest.importorskip("array_api_strict")
    from sklearn import config_context

    Xi, yi = _iris()
    try:
        with config_context(array_api_dispatch=True):
            search = CV(Cs=[0.1]).fit(xp.asarray(Xi), xp.asarray(yi), sample_weight=2.0)
    except (ImportError, RuntimeError) as exc:  # no dispatch on this stack
        pytest.skip(str(exc))
    assert search.best_score_ > 0.8


# --------------------------------------------------------- pos_label scorers
def _cancer():
    from sklearn.datasets import load_breast_cancer

    Xc, yc = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(Xc), yc


def _lrcv_means(Xc, y, scoring):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lrcv = LogisticRegressionCV(Cs=[0.01, 1.0], scoring=scoring, tol=1e-10).fit(Xc, y)
    return np.mean(next(iter(lrcv.scores_.values())), axis=0)


@pytest.mark.parametrize("scoring", ["f1", "precision", "recall", "jaccard"])
def test_a_pos_label_metric_of_string_labels_scores_the_last_class_as_lrcv(scoring):
    """f1 and the like of string labels: GridSearchCV raises ('pos_label=1 is not a valid
    label'), LogisticRegressionCV scores the last class; so does the search."""
    Xc, yc = _cancer()
    y = np.array(["malignant", "benign"])[yc]  # the last class, sorted: "malignant"
    search = fit_strict(Xc, y, est=CV(Cs=[0.01, 1.0], scoring=scoring, tol=1e-10))
    np.testing.assert_allclose(search.cv_results_["mean_test_score"],
                               _lrcv_means(Xc, y, scoring), atol=1e-3)
    with pytest.raises(ValueError, match="pos_label"):  # the reference's own refusal
        GridSearchCV(GD(), {"C": [1.0]}, scoring=scoring, error_score="raise").fit(Xc, y)


def test_a_valid_or_given_pos_label_is_kept():
    """Labels {1, 2}: pos_label=1 is valid, and GridSearchCV's scores stay (class 1); a
    pos_label the user set stays too."""
    from sklearn.metrics import f1_score, make_scorer

    Xc, yc = _cancer()
    y = yc + 1
    grid = dict(Cs=[0.01, 1.0], tol=1e-10)
    search = fit_strict(Xc, y, est=CV(scoring="f1", **grid))
    gs = GridSearchCV(GD(tol=1e-10), {"C": [0.01, 1.0]}, scoring="f1").fit(Xc, y)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"],
                               gs.cv_results_["mean_test_score"], atol=1e-3)
    two = fit_strict(Xc, y, est=CV(scoring=make_scorer(f1_score, pos_label=2), **grid))
    assert not np.allclose(two.cv_results_["mean_test_score"],
                           search.cv_results_["mean_test_score"])
    np.testing.assert_allclose(two.cv_results_["mean_test_score"],
                               _lrcv_means(Xc, y, "f1"), atol=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["bb", "nesterov"])
def test_csc_whose_arrays_outrun_indptr_does_not_crash_the_search(solver):
    """A CSC matrix whose data and indices run past indptr[-1] (assigned after construction):
    scipy's own row indexing of it corrupted the heap, and the search's process aborted
    (review 58). Its rows are taken in CSR now, as GridSearchCV's ``indexable`` takes them.
    In a subprocess: an abort must fail this test, not end the run."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(f"""
        import numpy as np, scipy.sparse as sp, warnings
        from sklearn.datasets import load_breast_cancer
        from gdlogreg import GradientDescentLogisticRegressionCV
        warnings.simplefilter("ignore")
        X, y = load_breast_cancer(return_X_y=True)
        M = sp.csc_matrix(X)
        M.data = np.concatenate([M.data, np.ones(1000)])
        M.indices = np.concatenate([M.indices, np.zeros(1000, dtype=M.indices.dtype)])
        s = GradientDescentLogisticRegressionCV(Cs=2, cv=3, solver={solver!r}).fit(M, y)
        d = GradientDescentLogisticRegressionCV(Cs=2, cv=3, solver={solver!r}).fit(X, y)
        assert s.best_params_ == d.best_params_, (s.best_params_, d.best_params_)
        print("ok")
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0 and "ok" in run.stdout, run.stderr[-2000:]
