"""Review 83: the search's metadata routing and its C=inf no-minimum warning, from outside.

Under metadata routing: a group splitter asking for ``groups`` by an alias, a scorer
asking for ``sample_weight`` by an alias or refusing it (in ``fit`` and ``score``),
COO metadata. At C = inf: the reason the warning gives for a fold without a minimum,
and the fold's linear program asked once, not once per candidate.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler

import gdlogreg._search as search_module
from gdlogreg import GradientDescentLogisticRegressionCV

CS = [0.01, 1.0, 100.0]


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y



def _cv_scores(X, y, scoring, cv=None, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GradientDescentLogisticRegressionCV(
            Cs=CS, cv=StratifiedKFold(3) if cv is None else cv, scoring=scoring)
        return search.fit(X, y, **fit_params)


def test_groups_by_alias_reach_the_splitter(data, routing):
    # GroupKFold().set_split_request(groups="grp"): LogisticRegressionCV and GridSearchCV
    # split by them; the search split with groups=None ("'groups' should not be None")
    X, y = data
    groups = np.arange(len(y)) % 7
    cv = GroupKFold(3).set_split_request(groups="grp")
    got = _cv_scores(X, y, "accuracy", cv=cv, grp=groups).scores_[1]
    folds = list(GroupKFold(3).split(X, y, groups))
    np.testing.assert_array_equal(got, _cv_scores(X, y, "accuracy", cv=folds).scores_[1])


def test_sample_weight_asked_by_alias_does_not_weight_the_scores(data, routing):
    # set_score_request(sample_weight="sw2") and fit(sample_weight=sw) only: the fits are
    # weighted, the scorer gets no weights (LogisticRegressionCV, GridSearchCV); the search
    # weighted its validation scores by sw
    X, y = data
    sw = np.random.RandomState(1).rand(len(y))
    alias = make_scorer(accuracy_score).set_score_request(sample_weight="sw2")
    refused = make_scorer(accuracy_score).set_score_request(sample_weight=False)
    taken = make_scorer(accuracy_score).set_score_request(sample_weight=True)
    got = _cv_scores(X, y, alias, sample_weight=sw).scores_[1]
    np.testing.assert_array_equal(got, _cv_scores(X, y, refused, sample_weight=sw).scores_[1])
    # and with sw2 given, the scores are weighted by it (here the same weights)
    both = _cv_scores(X, y, alias, sample_weight=sw, sw2=sw).scores_[1]
    np.testing.assert_array_equal(both, _cv_scores(X, y, taken, sample_weight=sw).scores_[1])


@pytest.mark.parametrize("request_", [False, "sw2"])
def test_score_refuses_weights_the_scorer_does_not_ask_for(data, routing, request_):
    # score(X, y, sample_weight=sw) passed sw to a scorer that refused it or asked for it
    # by another name: a weighted score where its request says unweighted. It is routed to
    # nothing, so refused, as LogisticRegressionCV.score and GridSearchCV.score refuse it
    # (dropping it gave an unweighted score without a word; review 167)
    X, y = data
    sw = np.random.RandomState(1).rand(len(y))
    scorer = make_scorer(accuracy_score).set_score_request(sample_weight=request_)
    search = _cv_scores(X, y, scorer)
    pred = search.predict(X)
    with pytest.raises(TypeError, match="unexpected argument.*sample_weight.*not routed"):
        search.score(X, y, sample_weight=sw)
    assert search.score(X, y) == accuracy_score(y, pred)
    if request_ == "sw2":
        assert search.score(X, y, sw2=sw) == accuracy_score(y, pred, sample_weight=sw)


def test_coo_metadata_is_cut_to_the_test_rows(data, routing):
    # a COO matrix of n rows: GridSearchCV cuts it (as CSR); the search raised
    # "'coo_matrix' object is not subscriptable"
    X, y = data

    def rows(y_true, y_pred, m=None):
        assert m.shape[0] == len(y_true)
        return accuracy_score(y_true, y_pred, sample_weight=np.asarray(m.sum(axis=1)).ravel())

    scorer = make_scorer(rows).set_score_request(m=True)
    M = np.random.RandomState(0).rand(len(y), 2)
    got = _cv_scores(X, y, scorer, m=sp.coo_matrix(M)).scores_[1]
    np.testing.assert_array_equal(got, _cv_scores(X, y, scorer, m=M).scores_[1])


def _search_warnings(X, y, **params):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GradientDescentLogisticRegressionCV(cv=StratifiedKFold(3), **params).fit(X, y)
    return [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)
            and str(w.message).startswith("GradientDescentLogisticRegressionCV")]


def test_c_inf_fold_warning_gives_the_single_fits_reason():
    # a class weighted 0, classes overlapping: the single fit on each fold's rows says the
    # class weighs nothing; the search said the classes are linearly separable
    X, y = make_classification(300, 5, n_informative=3, n_classes=3, flip_y=0.3,
                               random_state=0)
    (msg,) = _search_warnings(X, y, Cs=[np.inf], class_weight={0: 0.0, 1: 1.0, 2: 1.0})
    assert "weigh nothing" in msg
    assert "linearly separable" not in msg


def test_c_inf_fold_program_asked_once_per_fold(monkeypatch):
    # the fold's linear program depends on its training rows only: with l1_ratios at
    # C = inf every candidate asked it again (25 programs for 5 folds x 5 l1_ratios, the
    # larger part of the search's time at 5,000 x 30)
    X, y = make_classification(600, 10, n_informative=5, flip_y=0.2, random_state=0)
    X[:, 0] = 0.0
    X[(y == 1) & (np.arange(len(y)) % 10 == 0), 0] = 1.0  # partly separable
    calls = []
    separable = search_module._separable
    monkeypatch.setattr(search_module, "_separable",
                        lambda *a: calls.append(1) or separable(*a), raising=False)
    (msg,) = _search_warnings(X, y, Cs=[np.inf], l1_ratios=[0.0, 0.5, 1.0])
    assert "linearly separable" in msg
    # since 464581d a converged fold's null-space test (_separable_near) answers without
    # the full program: it is asked at most once per fold, here not at all
    assert len(calls) <= 3
