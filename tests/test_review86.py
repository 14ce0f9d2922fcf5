"""Review 86: do the tests catch a wrong change in today's new code? (c292017..HEAD)

Sixty-nine small, plausible mutations of the code new since c292017, one at a time, against the
test files that name it (test_search_routing, test_review77 and 82-84, test_search*,
test_dask, test_array_api, test_callbacks, test_plot; each with -x). "killed by" names the
first test that failed; "here" is this file, "r44" test_review44 (outside the named set).
43 killed; of the 26 survivors 12 change public behaviour and are killed here, 4 are killed
by test_review44, 10 are equivalent, cost-only or not public.

=====  ============================================================  ===========================
id     mutation                                                      result
=====  ============================================================  ===========================
R1     routing: scorer not mapped from ``fit``                        killed (search_routing)
R2     routing: splitter mapped from ``score``, not ``fit``           killed (search_routing)
R3     _routed: ``groups`` kept out of process_routing                SURVIVED -> killed here
R4     _routed: metadata without routing silently dropped             killed (search_routing)
R5     fit: the splitter's ``groups`` alias ignored                   killed (search_routing)
R6     _test_params: lists (no ``shape``) not cut to test rows        SURVIVED -> killed here
R7     _test_params: sparse metadata not made CSR                     killed (review83)
R8     _test_params: a str of n characters cut as rows                survived: not public (a
                                                                      string of n_samples chars)
R9     _refuses_weights: an alias not a refusal                       killed (review83)
R10    _refuses_weights: ``False`` not a refusal                      killed (review83)
R11    score: scoring=None takes the estimator's score even if       survived: equivalent (the
       routed params                                                  base scorer requests none)
R12    score: routed params not passed                                killed (search_routing)
R13    score: weights passed to a scorer that refuses them           killed (review83)
R14    _score: hand accuracy even with routed params                  survived: equivalent (as R11)
R15    _score: fold params not passed                                 killed (search_routing)
R16    _takes_weights without _refuses_weights (R16b)                 survived: equivalent (the
                                                                      _Scorer's own routing drops
                                                                      them)
R17    _test_params: sparse metadata left whole                       killed (review83)
N1     _without_minimum: nothing without a C=inf candidate            survived -> killed by r44
N2     weightless rule without ``fit_intercept and``                  survived: equivalent
                                                                      (_no_minimum returns None)
N3     the fold's weights over all rows, not its training rows        SURVIVED -> killed here
N4     class weights left out of the fold weights                     killed (review83)
N5     the fold's memo removed (NameError)                            killed (review83)
N5b    the fold's memo shared by every fold                           SURVIVED -> killed here
N6     every candidate tested as penalty-free                         survived: equivalent (the
                                                                      weightless path returns
                                                                      first)
N7     ``converged`` always False                                     survived: cost only (the LP
                                                                      is exact)
N8     column ``c + f`` for ``c * F + f``                             SURVIVED -> killed here
N9     weightless counted over rows of weight >= 0                    survived -> killed by r44
N10    the weightless path never taken                                survived -> killed by r44
N11    message names columns, not candidates                          killed (review83)
N12    message without the single fit's reason                        killed (review83)
N13    no message when only ``no_minimum``                            killed (review83)
N14    max_iter advice after a callback's stop                        killed (review84)
N15    _penalty_free ignores the L1 part                              SURVIVED -> killed here
N16    message without "of N fits"                                    survived -> killed by r44
                                                                      and here
N17    ``C > 1e12`` taken as C = inf                                  SURVIVED -> killed here
A1     _classes_like keeps the host array                             killed (array_api)
A2     _classes_like without y's device                               killed (array_api)
A3     _host_classes without its conversion                           SURVIVED -> killed here
A4     _fit_weights with the raw ``classes_``                         SURVIVED -> killed here
A5     _as_param in X's dtype                                         killed (search_routing)
A6/A7  C_ / l1_ratios_ by _as_fitted                                  killed (search_routing)
A8     classes_ not moved to y's namespace                            killed (array_api)
A9     _path_data's class indices from the raw ``classes_``           SURVIVED -> killed here
D1     _masked_as_float without "b" (nullable boolean)                killed (review82)
D2     _masked_as_float not called                                    killed (review82)
D3     the missing-label pass skipped                                 killed (review82)
D4/D5  _is_missing without pd.NA / without NaN                        killed (review82)
D6     _is_missing without None                                       SURVIVED -> killed here
D7     empty row chunks kept                                          killed (review82)
D8     a 0-d Dask weight refused                                      killed (review82)
D9     a (n, 1) weight ravelled as y is                               SURVIVED -> killed here
D10    COLUMN_Y warning not given                                     killed (review82)
D11    object predictions X not made float                            killed (review82)
D12    empty chunks dropped by one whole chunk                        survived: cost only (one
                                                                      chunk, same numbers)
X1-X3  meta check: wrong device name / no sample_weight / search      killed (review82)
       not detached
L1     two-class output always float64                                killed (review81)
L2     two-class output in z's dtype                                  survived: equivalent (z is
                                                                      float32 or float64)
L3     column 0 as 1 - f(z)                                           killed (review81)
C1     propagate_callback_context called bare                         killed (review84)
C2     no on_fit_task_end of the sub-task                             killed (search)
C3/C4  one-by-one column without verbose / without its line           killed (review84)
C5/C6  column / refit not a sub-task                                  killed (review84)
C7     columns named "refit"                                          survived: not pinned (task
                                                                      names are undocumented)
=====  ============================================================  ===========================

No defect found: every test here passes on the code as found; each one kills the
survivor(s) it names. Not a defect of the new code but noted: numpy object labels with None
raise numpy's "'<' not supported between 'NoneType' and 'str'" from unique's sort, as
LogisticRegression does (the Dask fit now names it as the numpy fit does, review 195).
"""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import GridSearchCV, GroupKFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV

CS = [0.01, 1.0, 100.0]


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y



def _row_weighted(y_true, y_pred, row_weight=None):
    assert len(row_weight) == len(y_true), "row_weight not cut to the test rows"
    return accuracy_score(y_true, y_pred, sample_weight=row_weight)


def _fold_scores(search, F):
    return np.array([search.cv_results_[f"split{f}_test_score"] for f in range(F)])


def test_list_metadata_is_cut_to_each_folds_test_rows(data, routing):
    # a scorer's metadata as a Python list: GridSearchCV cuts it (_safe_indexing) as an
    # array; left whole, the scorer got all n rows beside a fold's test rows
    X, y = data
    w = np.random.default_rng(0).uniform(0.1, 3.0, len(y))
    scorer = make_scorer(_row_weighted).set_score_request(row_weight=True)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    as_list = GradientDescentLogisticRegressionCV(Cs=CS, cv=cv, scoring=scorer).fit(
        X, y, row_weight=w.tolist())
    as_array = GradientDescentLogisticRegressionCV(Cs=CS, cv=cv, scoring=scorer).fit(
        X, y, row_weight=w)
    np.testing.assert_array_equal(_fold_scores(as_list, 3), _fold_scores(as_array, 3))


def test_groups_reach_a_scorer_that_requests_them_as_grid_search_cv(data, routing):
    # fit(groups=g) with a group splitter and a scorer that asks for groups: GridSearchCV
    # (and LogisticRegressionCV, whose groups are routed metadata) give each fold's scorer
    # its test rows' groups; groups routed to the splitter only reached no scorer
    X, y = data
    groups = np.arange(len(y)) % 7

    def group_balanced(y_true, y_pred, groups=None):
        assert groups is not None and len(groups) == len(y_true), "groups not routed"
        w = 1.0 / np.bincount(groups)[groups]  # each test group weighs the same
        return accuracy_score(y_true, y_pred, sample_weight=w)

    scorer = make_scorer(group_balanced).set_score_request(groups=True)
    ours = GradientDescentLogisticRegressionCV(Cs=CS, cv=GroupKFold(3), scoring=scorer).fit(
        X, y, groups=groups)
    ref = GridSearchCV(GradientDescentLogisticRegression(), {"C": CS}, cv=GroupKFold(3),
                       scoring=scorer).fit(X, y, groups=groups)
    np.testing.assert_allclose(_fold_scores(ours, 3), _fold_scores(ref, 3), rtol=0, atol=1e-12)


def _no_minimum_part(**params):
    """The no-minimum sentence of the search's warning (or None), on a 2-feature problem
    whose rows 60-65 (class 0 far inside class 1) are all test rows of fold 1: only fold
    1's training rows are separable."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    y = (X[:, 0] > 0).astype(int)
    X[60:66, 0] = 2.0 + rng.uniform(size=6)
    y[60:66] = 0
    idx = np.arange(90)
    tests = [idx[(idx % 3 == 0) & ((idx < 60) | (idx >= 66))], np.r_[idx[(idx % 3 == 1) & (
        (idx < 60) | (idx >= 66))], np.arange(60, 66)], idx[(idx % 3 == 2) & ((idx < 60) | (
            idx >= 66))]]
    folds = [(np.setdiff1d(idx, t), t) for t in tests]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GradientDescentLogisticRegressionCV(cv=folds, max_iter=300, refit=False,
                                            **params).fit(X, y)
    texts = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(texts) <= 1
    parts = [t[t.index("The training rows"):] for t in texts if "The training rows" in t]
    return parts[0] if parts else None


def test_the_c_inf_fold_named_is_the_one_whose_training_rows_are_separable():
    # a C=inf candidate that is not the grid's first, and one fold of three separable:
    # the test must read that candidate's column of that fold (candidate·F + fold), on
    # the fold's training rows (not all rows, which overlap)
    part = _no_minimum_part(Cs=[1.0, np.inf])
    assert part is not None and part.startswith("The training rows of 1 of 6 fits")
    assert "'C': inf" in part and "'C': 1.0" not in part
    assert "linearly separable" in part


def test_a_large_finite_c_is_not_taken_for_c_inf():
    # C = 1e13 keeps a penalty: the cost has its minimum on separable training rows
    assert _no_minimum_part(Cs=[1e13]) is None


def test_an_l1_penalty_is_a_penalty_for_the_no_minimum_test():
    # separable classes under a pure L1 penalty (no L2 part): the cost has a minimum;
    # an unconverged fit must not be told that the classes are separable and J has none
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    keep = np.argsort(X[:, 0])
    X, y = X[keep][::5], y[keep][::5]
    sep = GradientDescentLogisticRegression(C=np.inf, max_iter=5)
    with pytest.warns(ConvergenceWarning, match="separable"):
        sep.fit(X, y)  # the data are separable: the C = inf fit says so
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GradientDescentLogisticRegression(C=1e3, l1_ratio=1.0, max_iter=5).fit(X, y)
    texts = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert texts and not any("separable" in t for t in texts)


def test_dask_labels_of_none_among_strings_are_named_missing():
    # a Dask array of object labels holding None: unique's sort raised "'<' not supported
    # between 'NoneType' and 'str'" before the missing-label pass
    da = pytest.importorskip("dask.array")
    X, y = _small()
    labels = np.array(["no", "yes"], dtype=object)[y]
    labels[5] = None
    with pytest.raises(ValueError, match="Input y contains None or pd.NA"):  # as numpy's
        GradientDescentLogisticRegression().fit(da.from_array(X, chunks=(40, 3)),
                                                da.from_array(labels, chunks=40))


def test_dask_column_vector_weights_are_refused_as_numpy_ones():
    # sample_weight of shape (n, 1): the numpy fit refuses it ("1D array or scalar"); only
    # y is ravelled with a DataConversionWarning (column_or_1d)
    da = pytest.importorskip("dask.array")
    X, y = _small()
    with pytest.raises(ValueError, match="1D array or scalar"):
        GradientDescentLogisticRegression().fit(X, y, sample_weight=np.ones((len(y), 1)))
    with pytest.raises(ValueError, match="sample_weight should be a 1d array"):
        GradientDescentLogisticRegression().fit(
            da.from_array(X, chunks=(40, 3)), y,
            sample_weight=da.from_array(np.ones((len(y), 1)), chunks=(40, 1)))


def _small():
    from sklearn.datasets import make_classification

    return make_classification(120, 3, n_informative=3, n_redundant=0, random_state=0)


@pytest.mark.parametrize("class_weight", [None, "balanced"])
def test_descent_path_of_an_array_api_fit_is_the_numpy_fits(class_weight):
    # classes_ of an array-API fit lives in y's namespace (308bd09): the display reads it
    # on the host (its labels' indices, the class weights) and draws the numpy fit's J
    xps = pytest.importorskip("array_api_strict")
    pytest.importorskip("matplotlib")
    from gdlogreg import DescentPathDisplay

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 1))
    y = (x[:, 0] + rng.normal(size=60) > 0.3).astype(np.int64)
    params = dict(keep_path=True, class_weight=class_weight, max_iter=30)
    ref = GradientDescentLogisticRegression(**params).fit(x, y)
    want = DescentPathDisplay.from_estimator(ref, x, y, grid_resolution=12)
    with sklearn.config_context(array_api_dispatch=True):
        model = GradientDescentLogisticRegression(**params).fit(xps.asarray(x), xps.asarray(y))
        assert not isinstance(model.classes_, np.ndarray)
        got = DescentPathDisplay.from_estimator(model, x, y, grid_resolution=12)
    np.testing.assert_allclose(got.J_grid, want.J_grid, rtol=1e-9)


def test_each_fold_asks_its_own_separability_program():
    # C = inf, two folds: fold 0's training rows are partly separable (class-1 rows alone
    # at x0 = 1, all in fold 1's test rows), fold 1's overlap; max_iter=3 so that both
    # folds ask their program: one per fold, not fold 0's answer reused for fold 1
    from sklearn.datasets import make_classification

    X, y = make_classification(200, 4, n_informative=3, n_redundant=0, flip_y=0.3,
                               random_state=0)
    X[:, 0] = 0.0
    idx = np.arange(len(y))
    marked = (y == 1) & (idx % 10 == 0)
    X[marked, 0] = 1.0
    test1 = np.r_[idx[marked], idx[~marked][::2]]
    folds = [(test1, np.setdiff1d(idx, test1)), (np.setdiff1d(idx, test1), test1)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GradientDescentLogisticRegressionCV(Cs=[np.inf], cv=folds, max_iter=3, tol=1e-12,
                                            refit=False).fit(X, y)
    (text,) = [str(w.message) for w in caught if "The training rows" in str(w.message)]
    assert "The training rows of 1 of 2 fits" in text and "linearly separable" in text


@pytest.mark.parametrize("form", ["array", "list"])
@pytest.mark.parametrize("search", [False, True])
def test_in_memory_labels_of_none_get_a_clear_error(form, search):
    """Review 86's suspicion: object labels holding None raised numpy's "'<' not supported
    between 'NoneType' and 'str'" from the label checks (LogisticRegression's too); the
    Dask path says what is wrong, and now the in-memory fits do."""
    X = np.random.default_rng(0).normal(size=(30, 2))
    labels = ["a", "b", None] * 10
    y = labels if form == "list" else np.array(labels, dtype=object)
    est = GradientDescentLogisticRegressionCV(cv=2) if search else (
        GradientDescentLogisticRegression())
    with pytest.raises(ValueError, match="Input y contains None"):
        est.fit(X, y)
