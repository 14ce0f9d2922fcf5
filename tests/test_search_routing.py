"""Metadata routing and hyperparameter attributes of the search, as LogisticRegressionCV's.

Under ``enable_metadata_routing`` the search routes what its scorer requests
(``set_score_request``) to the scorer, each fold's test rows' part, in ``fit`` and in
``score``; without routing such metadata is refused by name. The reference for the fold
scores is GridSearchCV over the single estimator, which routes them the same way.
"""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import GridSearchCV, GroupKFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV

CS = [0.01, 1.0, 100.0]


def _data(load=load_breast_cancer):
    X, y = load(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _weighted_accuracy(y_true, y_pred, row_weight=None):
    """Accuracy weighted by a metadata vector that is not ``sample_weight``: the scores
    change where it is routed, and fail where it is not cut to the test rows."""
    assert row_weight is not None, "row_weight not routed"
    assert len(row_weight) == len(y_true), "row_weight not cut to the test rows"
    return accuracy_score(y_true, y_pred, sample_weight=row_weight)


def _scorer():
    return make_scorer(_weighted_accuracy).set_score_request(row_weight=True)


@pytest.mark.parametrize("load", [load_breast_cancer, load_iris], ids=["binary", "3 classes"])
def test_a_scorer_s_requested_metadata_is_routed_fold_by_fold_as_grid_search_cv_routes_it(load):
    X, y = _data(load)
    row_weight = np.random.default_rng(0).uniform(0.1, 3.0, len(y))
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        ours = GradientDescentLogisticRegressionCV(Cs=CS, cv=cv, scoring=_scorer())
        ours.fit(X, y, row_weight=row_weight)
        ref = GridSearchCV(GradientDescentLogisticRegression(), {"C": CS}, cv=cv,
                           scoring=_scorer()).fit(X, y, row_weight=row_weight)
        for f in range(4):
            key = f"split{f}_test_score"
            np.testing.assert_allclose(ours.cv_results_[key], ref.cv_results_[key],
                                       rtol=0, atol=1e-12)
        assert ours.best_params_ == ref.best_params_
        # the weights change the scores: routed, not dropped
        plain = GradientDescentLogisticRegressionCV(Cs=CS, cv=cv).fit(X, y)
        assert not np.allclose(ours.cv_results_["mean_test_score"],
                               plain.cv_results_["mean_test_score"])
        assert ours.score(X, y, row_weight=row_weight) == pytest.approx(
            _weighted_accuracy(y, ours.predict(X), row_weight))


def test_metadata_without_routing_is_refused_by_name_as_logistic_regression_cv_refuses_it():
    X, y = _data()
    search = GradientDescentLogisticRegressionCV(Cs=2, cv=3)
    with pytest.raises(ValueError, match=r"GradientDescentLogisticRegressionCV\.fit.*"
                                         r"enable_metadata_routing.*row_weight"):
        search.fit(X, y, row_weight=np.ones(len(y)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(ValueError, match="enable_metadata_routing"):
            LogisticRegressionCV(Cs=2, cv=3).fit(X, y, row_weight=np.ones(len(y)))
    search.fit(X, y)
    with pytest.raises(ValueError, match=r"\.score.*row_weight"):
        search.score(X, y, row_weight=np.ones(len(y)))


def test_metadata_nobody_requested_is_refused_as_logistic_regression_cv_refuses_it():
    X, y = _data()
    unset = make_scorer(_weighted_accuracy)  # takes row_weight, request unset
    with sklearn.config_context(enable_metadata_routing=True):
        # UnsetMetadataPassedError, a TypeError before scikit-learn 1.8 read the request
        # from the metric's signature
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            with pytest.raises((UnsetMetadataPassedError, TypeError)) as ref:
                LogisticRegressionCV(Cs=2, cv=3, scoring=unset).fit(
                    X, y, row_weight=np.ones(len(y)))
        with pytest.raises(ref.type, match="row_weight"):
            GradientDescentLogisticRegressionCV(Cs=2, cv=3, scoring=unset).fit(
                X, y, row_weight=np.ones(len(y)))
        with pytest.raises(TypeError, match="unknown"):
            GradientDescentLogisticRegressionCV(Cs=2, cv=3).fit(X, y, unknown=1)


def test_the_routing_is_logistic_regression_cv_s():
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = _scorer()
        ours = GradientDescentLogisticRegressionCV(scoring=scorer).get_metadata_routing()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            ref = LogisticRegressionCV(scoring=scorer).get_metadata_routing()
    for child in ("splitter", "scorer"):
        a, b = ours._route_mappings[child], ref._route_mappings[child]
        assert str(a.mapping) == str(b.mapping)
        assert str(a.router) == str(b.router)
    # the search consumes neither groups (its splitter's, where it requests them) nor
    # score's weights (its scorer's): LogisticRegressionCV's score request since 1.9
    assert ours._self_request.fit.requests == {"sample_weight": None, "groups": False}
    assert "sample_weight" not in ours._self_request.score.requests  # UNUSED


def test_groups_reach_a_group_splitter_under_routing_as_without():
    X, y = _data()
    groups = np.arange(len(y)) % 7
    search = GradientDescentLogisticRegressionCV(Cs=CS, cv=GroupKFold(3))
    plain = search.fit(X, y, groups=groups).cv_results_
    with sklearn.config_context(enable_metadata_routing=True):
        routed = GradientDescentLogisticRegressionCV(Cs=CS, cv=GroupKFold(3)).fit(
            X, y, groups=groups).cv_results_
        ref = GridSearchCV(GradientDescentLogisticRegression(), {"C": CS},
                           cv=GroupKFold(3)).fit(X, y, groups=groups).cv_results_
    for f in range(3):
        key = f"split{f}_test_score"
        np.testing.assert_array_equal(routed[key], plain[key])
        np.testing.assert_allclose(routed[key], ref[key], rtol=0, atol=1e-12)


def test_hyperparameter_attributes_are_float64_on_float32_data_as_logistic_regression_cv_s():
    """Review 81: on float32 X, C_, Cs_, l1_ratio_ and l1_ratios_ were float32 (X's
    dtype), so the chosen C_[0] was not the grid's 0.1; LogisticRegressionCV's are
    float64."""
    X, y = _data(load_iris)
    X32 = X.astype(np.float32)
    search = GradientDescentLogisticRegressionCV(Cs=[0.1, 1.0], l1_ratios=[0.0, 0.3], cv=3,
                                                 solver="bb").fit(X32, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LogisticRegressionCV(Cs=[0.1, 1.0], cv=3, max_iter=1000).fit(X32, y)
    for name in ("C_", "Cs_"):
        assert getattr(search, name).dtype == getattr(ref, name).dtype == np.float64, name
    for name in ("l1_ratio_", "l1_ratios_"):
        assert getattr(search, name).dtype == np.float64, name
    assert search.C_[0] in (0.1, 1.0)
    assert search.l1_ratio_[0] in (0.0, 0.3)
    assert search.coef_.dtype == np.float32  # the model stays in X's dtype
