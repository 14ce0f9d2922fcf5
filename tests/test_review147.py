"""Review 147: the estimators inside scikit-learn's ecosystem, LogisticRegression(CV) the reference.

Meta-estimators, metadata routing, containers and outputs, persistence, warm starts and the
search's attributes, each compared with what ``LogisticRegression`` or
``LogisticRegressionCV`` does on the same call. The review found three defects, all in the
search's metadata-routing requests (fixed: ``groups`` and ``score``'s ``sample_weight`` are
UNUSED by the search itself, as GridSearchCV's and LogisticRegressionCV's); their tests are
``test_nested_search_does_not_take_the_outer_groups``,
``test_search_refuses_groups_nobody_requests`` and
``test_search_score_weight_goes_to_its_scorer_as_lrcv``.
"""

import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_iris, make_classification
from sklearn.ensemble import BaggingClassifier, StackingClassifier, VotingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import RFE, RFECV, SelectFromModel, SequentialFeatureSelector
from sklearn.inspection import partial_dependence, permutation_importance
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    StratifiedKFold,
    cross_val_predict,
    cross_validate,
    learning_curve,
    validation_curve,
)
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.fixes import parse_version

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV

try:
    from sklearn.exceptions import UnsetMetadataPassedError
except ImportError:  # pragma: no cover - scikit-learn < 1.4 is not supported
    from sklearn.utils._metadata_requests import UnsetMetadataPassedError

SKLEARN = parse_version(sklearn.__version__).release[:2]
LRCV_HAS_LEGACY = "use_legacy_attributes" in LogisticRegressionCV().get_params()


# ---------------------------------------------------------------------------- data


def _binary():
    X, y = make_classification(150, 4, n_informative=3, n_redundant=0, random_state=0)
    return StandardScaler().fit_transform(X), y


def _iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _weights(n, seed=1):
    return np.random.RandomState(seed).rand(n)


def _lr(**kw):
    """LogisticRegression fitted tightly, so that the two minimisers can be compared."""
    return LogisticRegression(tol=1e-10, max_iter=10_000, **kw)


def _lrcv(**kw):
    return LogisticRegressionCV(tol=1e-10, max_iter=10_000, **kw)


@pytest.fixture(autouse=True)
def _quiet_reference():
    """LogisticRegression(CV)'s own FutureWarnings (scikit-learn 1.8/1.9 deprecations)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")
        yield


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


# ---------------------------------------------------------------------------- meta-estimators


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_calibrated_classifier_with_sample_weight(method):
    X, y = _binary()
    sw = _weights(len(y))
    ref = CalibratedClassifierCV(_lr(), method=method, cv=3).fit(X, y, sample_weight=sw)
    ours = CalibratedClassifierCV(GD(), method=method, cv=3).fit(X, y, sample_weight=sw)
    # isotonic steps: a near-tie in the decision order moves a row to the next step
    atol = 2e-4 if method == "sigmoid" else 5e-3
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=atol)


def test_calibrated_classifier_of_frozen_model():
    from sklearn.frozen import FrozenEstimator

    X, y = _binary()
    ref = CalibratedClassifierCV(FrozenEstimator(_lr().fit(X[:100], y[:100])))
    ours = CalibratedClassifierCV(FrozenEstimator(GD().fit(X[:100], y[:100])))
    ref.fit(X[100:], y[100:])
    ours.fit(X[100:], y[100:])
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=2e-4)


def test_tuned_and_fixed_threshold_classifiers():
    model_selection = pytest.importorskip("sklearn.model_selection")
    if not hasattr(model_selection, "TunedThresholdClassifierCV"):
        pytest.skip("no TunedThresholdClassifierCV in this scikit-learn")
    from sklearn.model_selection import FixedThresholdClassifier, TunedThresholdClassifierCV

    X, y = _binary()
    ref = TunedThresholdClassifierCV(_lr(), cv=3).fit(X, y)
    ours = TunedThresholdClassifierCV(GD(), cv=3).fit(X, y)
    assert ours.best_threshold_ == pytest.approx(ref.best_threshold_, abs=2e-3)
    for response in ["predict_proba", "decision_function"]:
        r = FixedThresholdClassifier(_lr(), threshold=0.3, response_method=response).fit(X, y)
        o = FixedThresholdClassifier(GD(), threshold=0.3, response_method=response).fit(X, y)
        np.testing.assert_array_equal(o.predict(X), r.predict(X))


def test_one_vs_rest_and_one_vs_one():
    X, y = _iris()
    np.testing.assert_allclose(OneVsRestClassifier(GD()).fit(X, y).predict_proba(X),
                               OneVsRestClassifier(_lr()).fit(X, y).predict_proba(X), atol=1e-3)
    np.testing.assert_allclose(OneVsOneClassifier(GD()).fit(X, y).decision_function(X),
                               OneVsOneClassifier(_lr()).fit(X, y).decision_function(X),
                               atol=1e-3)


def test_bagging_with_sample_weight_and_max_features():
    X, y = _binary()
    sw = _weights(len(y))
    kw = dict(n_estimators=4, max_features=3, random_state=0)
    ref = BaggingClassifier(_lr(), **kw).fit(X, y, sample_weight=sw)
    ours = BaggingClassifier(GD(), **kw).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=2e-4)


def test_stacking_and_soft_voting():
    X, y = _iris()
    final = LogisticRegression(max_iter=1000)
    ref = StackingClassifier([("a", _lr())], final_estimator=final).fit(X, y)
    ours = StackingClassifier([("a", GD())], final_estimator=final).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=2e-3)
    ref = VotingClassifier([("a", _lr())], voting="soft").fit(X, y)
    ours = VotingClassifier([("a", GD())], voting="soft").fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=2e-3)


def test_select_from_model_l1_threshold_and_mean():
    X, y = _binary()
    l1 = {"penalty": "l1"} if SKLEARN < (1, 8) else {"l1_ratio": 1.0}
    ref = SelectFromModel(_lr(C=0.05, solver="saga", **l1))
    ours = SelectFromModel(GD(l1_ratio=1.0, C=0.05))
    ref.fit(X, y)
    ours.fit(X, y)
    assert ours.threshold_ == 1e-5 and ref.threshold_ == 1e-5
    np.testing.assert_array_equal(ours.get_support(), ref.get_support())
    ref = SelectFromModel(_lr(), threshold="mean", max_features=3).fit(X, y)
    ours = SelectFromModel(GD(), threshold="mean", max_features=3).fit(X, y)
    np.testing.assert_array_equal(ours.get_support(), ref.get_support())


def test_select_from_model_reads_the_search_chosen_l1_ratio():
    X, y = _binary()
    sel = SelectFromModel(GDCV(Cs=[0.05], l1_ratios=[1.0], cv=3)).fit(X, y)
    assert sel.threshold_ == 1e-5
    assert np.all(sel.estimator_.coef_[0, ~sel.get_support()] == 0)


def test_rfe_rfecv_and_sequential_selection():
    X, y = _binary()
    assert np.array_equal(RFE(GD(), n_features_to_select=2).fit(X, y).ranking_,
                          RFE(_lr(), n_features_to_select=2).fit(X, y).ranking_)
    assert np.array_equal(RFECV(GD(), cv=3).fit(X, y).ranking_,
                          RFECV(_lr(), cv=3).fit(X, y).ranking_)
    Xi, yi = _iris()
    assert np.array_equal(
        RFE(GD(), n_features_to_select=2, importance_getter="coef_").fit(Xi, yi).ranking_,
        RFE(_lr(), n_features_to_select=2, importance_getter="coef_").fit(Xi, yi).ranking_)
    sfs = dict(n_features_to_select=2, cv=3)
    assert np.array_equal(SequentialFeatureSelector(GD(), **sfs).fit(X, y).get_support(),
                          SequentialFeatureSelector(_lr(), **sfs).fit(X, y).get_support())


def test_permutation_importance_and_partial_dependence():
    X, y = _binary()
    kw = dict(n_repeats=3, random_state=0)
    np.testing.assert_allclose(permutation_importance(GD().fit(X, y), X, y, **kw).importances,
                               permutation_importance(_lr().fit(X, y), X, y, **kw).importances)
    Xi, yi = _iris()
    pd_ours = partial_dependence(GD().fit(Xi, yi), Xi, [0], grid_resolution=4)["average"]
    pd_ref = partial_dependence(_lr().fit(Xi, yi), Xi, [0], grid_resolution=4)["average"]
    np.testing.assert_allclose(pd_ours, pd_ref, atol=1e-3)


@pytest.mark.parametrize("method", ["predict_proba", "decision_function", "predict_log_proba"])
def test_cross_val_predict_methods(method):
    X, y = _iris()
    ours = cross_val_predict(GD(), X, y, cv=3, method=method)
    ref = cross_val_predict(_lr(), X, y, cv=3, method=method)
    np.testing.assert_allclose(ours, ref, atol=0.02, rtol=1e-3)


def test_cross_val_predict_with_folds_missing_a_class():
    X, y = _iris()  # KFold(3) on sorted iris: each training fold lacks one class
    with pytest.warns(RuntimeWarning, match="Number of classes in training fold"):
        ours = cross_val_predict(GD(), X, y, cv=KFold(3), method="predict_proba")
    with pytest.warns(RuntimeWarning, match="Number of classes in training fold"):
        ref = cross_val_predict(_lr(), X, y, cv=KFold(3), method="predict_proba")
    np.testing.assert_array_equal(ours == 0, ref == 0)
    np.testing.assert_allclose(ours, ref, atol=1e-3)
    for est in (GD(), _lr()):
        with pytest.raises(ValueError, match="Only 2 class/es in training fold"), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            cross_val_predict(est, X, y, cv=KFold(3), method="decision_function")


def test_learning_and_validation_curves():
    X, y = _binary()
    lc_o = learning_curve(GD(), X, y, cv=3, train_sizes=[0.4, 1.0])
    lc_r = learning_curve(_lr(), X, y, cv=3, train_sizes=[0.4, 1.0])
    np.testing.assert_allclose(lc_o[2], lc_r[2])
    vc_o = validation_curve(GD(), X, y, param_name="C", param_range=[0.01, 1.0], cv=3)
    vc_r = validation_curve(_lr(), X, y, param_name="C", param_range=[0.01, 1.0], cv=3)
    np.testing.assert_allclose(vc_o[1], vc_r[1])
    # a learning rate that converges gives the same model, so the same scores
    vc_lr = validation_curve(GD(solver="gd", max_iter=5000), X, y, param_name="learning_rate",
                             param_range=[0.5, 1.0], cv=3)
    np.testing.assert_allclose(vc_lr[1][0], vc_r[1][1])
    np.testing.assert_allclose(vc_lr[1][1], vc_r[1][1])


def test_decision_boundary_display():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.inspection import DecisionBoundaryDisplay

    X, y = _iris()
    X = X[:, :2]
    for kw in [{}, {"response_method": "predict_proba"}]:
        o = DecisionBoundaryDisplay.from_estimator(GD().fit(X, y), X, grid_resolution=6, **kw)
        r = DecisionBoundaryDisplay.from_estimator(_lr().fit(X, y), X, grid_resolution=6, **kw)
        assert o.response.shape == r.response.shape
    plt.close("all")


# ---------------------------------------------------------------------------- metadata routing


def test_routing_sample_weight_through_pipeline(routing):
    X, y = _binary()
    sw = _weights(len(y))
    coefs = []
    for est in (_lr(), GD()):
        pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=True),
                             est.set_fit_request(sample_weight=True))
        coefs.append(pipe.fit(X, y, sample_weight=sw)[-1].coef_)
    np.testing.assert_allclose(coefs[1], coefs[0], atol=2e-4)


def test_routing_unrequested_sample_weight_is_an_error(routing):
    X, y = _binary()
    with pytest.raises(UnsetMetadataPassedError, match="GradientDescentLogisticRegression.fit"):
        cross_validate(GD(), X, y, params={"sample_weight": _weights(len(y))}, cv=3)


def test_routing_cross_validate_and_grid_search(routing):
    X, y = _binary()
    sw = _weights(len(y))
    scores = [cross_validate(e.set_fit_request(sample_weight=True)
                             .set_score_request(sample_weight=True), X, y,
                             params={"sample_weight": sw}, cv=3)["test_score"]
              for e in (_lr(), GD())]
    np.testing.assert_allclose(scores[1], scores[0])
    best = [GridSearchCV(e.set_fit_request(sample_weight=True)
                         .set_score_request(sample_weight=False), {"C": [0.1, 1.0]}, cv=3)
            .fit(X, y, sample_weight=sw).best_score_ for e in (_lr(), GD())]
    assert best[1] == pytest.approx(best[0])


def test_routing_groups_to_the_search_splitter(routing):
    X, y = _iris()
    groups = np.arange(len(y)) % 5
    # not C = 1e-4: there the near-zero models' argmax ties move with the solvers' accuracy
    ref = _lrcv(Cs=[0.1, 1.0, 10.0], cv=GroupKFold(5)).fit(X, y, groups=groups)
    ours = GDCV(Cs=[0.1, 1.0, 10.0], cv=GroupKFold(5)).fit(X, y, groups=groups)
    np.testing.assert_allclose(ours.C_, ref.C_)
    np.testing.assert_allclose(ours.scores_[0], ref.scores_[0])
    for est in (GDCV(Cs=3, cv=GroupKFold(3)), _lrcv(Cs=3, cv=GroupKFold(3))):
        with pytest.raises(ValueError, match="'groups' parameter should not be None"):
            est.fit(X, y)


def test_routing_scorer_metadata_into_the_search(routing):
    X, y = _binary()

    def weighted_hits(y_true, y_pred, *, extra=None):
        return float(np.mean((y_true == y_pred) * extra))

    extra = np.where(np.arange(len(y)) % 2, 1.0, 0.5)
    res = []
    for cls, kw in ((LogisticRegressionCV, dict(tol=1e-10, max_iter=10_000)), (GDCV, {})):
        scorer = make_scorer(weighted_hits).set_score_request(extra=True)
        est = cls(Cs=[0.1, 1.0, 10.0], cv=3, scoring=scorer, **kw).fit(X, y, extra=extra)
        res.append((est.C_, est.scores_[1], est.score(X, y, extra=extra)))
    np.testing.assert_allclose(res[1][0], res[0][0])
    np.testing.assert_allclose(res[1][1], res[0][1])
    assert res[1][2] == pytest.approx(res[0][2])


def test_routing_unknown_metadata_refused_by_the_search(routing):
    X, y = _binary()
    for est in (GDCV(Cs=2, cv=3), LogisticRegressionCV(Cs=2, cv=3)):
        with pytest.raises(TypeError, match="not routed to any object"):
            est.fit(X, y, foo=np.ones(len(y)))


def test_without_routing_extra_params_refused():
    X, y = _binary()
    for est in (GDCV(Cs=2, cv=3), LogisticRegressionCV(Cs=2, cv=3)):
        with pytest.raises(ValueError, match="only supported if enable_metadata_routing=True"):
            est.fit(X, y, foo=np.ones(len(y)))
        with pytest.raises(ValueError, match="only supported if enable_metadata_routing=True"):
            est.fit(X, y).score(X, y, foo=1)
    with pytest.raises(RuntimeError, match="metadata routing is enabled"):
        GD().set_fit_request(sample_weight=True)


def test_get_metadata_routing_of_the_estimator_matches():
    with sklearn.config_context(enable_metadata_routing=True):
        assert str(GD().get_metadata_routing()) == str(LogisticRegression()
                                                       .get_metadata_routing())


def test_nested_search_does_not_take_the_outer_groups(routing):
    """cross_validate(search, groups → outer GroupKFold): LogisticRegressionCV and
    GridSearchCV with a plain inner cv take no groups and warn nothing; ours is routed them
    (its own fit request `groups=True`) and warns 'The groups parameter is ignored by
    StratifiedKFold' once a fold."""
    X, y = _binary()
    groups = np.arange(len(y)) % 6
    for est in (LogisticRegressionCV(Cs=2, cv=3), GDCV(Cs=2, cv=3)):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", category=FutureWarning)
            cross_validate(est, X, y, params={"groups": groups}, cv=GroupKFold(3))
        assert [str(w.message) for w in rec if issubclass(w.category, UserWarning)] == []


@pytest.mark.filterwarnings("ignore:The groups parameter is ignored:UserWarning")
def test_search_refuses_groups_nobody_requests(routing):
    X, y = _binary()
    groups = np.arange(len(y)) % 6
    with pytest.raises(TypeError, match="not routed to any object"):
        LogisticRegressionCV(Cs=2, cv=3).fit(X, y, groups=groups)
    with pytest.raises(TypeError, match="not routed to any object"):
        GDCV(Cs=2, cv=3).fit(X, y, groups=groups)


def _lrcv_routes_score_weight_to_its_scorer():
    """scikit-learn >= 1.9: LogisticRegressionCV.score requests no sample_weight itself
    (``__metadata_request__score = {"sample_weight": UNUSED}``), its scorer does."""
    with sklearn.config_context(enable_metadata_routing=True):
        routing = LogisticRegressionCV().get_metadata_routing()
    return "score" not in str(routing).split("'splitter'")[0]


def test_search_score_weight_goes_to_its_scorer_as_lrcv(routing):
    if not _lrcv_routes_score_weight_to_its_scorer():
        pytest.skip("this scikit-learn's LogisticRegressionCV.score requests sample_weight too")
    X, y = _binary()
    sw = _weights(len(y)) ** 3
    best = []
    for cls, kw in ((LogisticRegressionCV, dict(tol=1e-10, max_iter=10_000)), (GDCV, {})):
        scorer = make_scorer(accuracy_score).set_score_request(sample_weight=True)
        est = cls(Cs=2, cv=3, scoring=scorer, **kw).set_fit_request(sample_weight=True)
        best.append(GridSearchCV(est, {"Cs": [2, 3]}, cv=3)
                    .fit(X, y, sample_weight=sw).best_score_)
    assert best[1] == pytest.approx(best[0], abs=1e-3)


# ---------------------------------------------------------------------------- containers


def test_pandas_set_output_pipeline_and_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = _binary()
    df = pd.DataFrame(X, columns=list("abcd"))
    for est in (GD(), GDCV(Cs=2, cv=3)):
        pipe = make_pipeline(StandardScaler(), est).set_output(transform="pandas").fit(df, y)
        assert list(pipe[-1].feature_names_in_) == list("abcd")


@pytest.mark.parametrize("change", ["reordered", "missing", "extra"])
def test_frame_with_other_columns_refused_as_lr(change):
    pd = pytest.importorskip("pandas")
    X, y = _binary()
    df = pd.DataFrame(X, columns=list("abcd"))
    other = {"reordered": df[list("bacd")], "missing": df[list("abc")],
             "extra": df.assign(e=1.0)}[change]
    messages = []
    for est in (LogisticRegression(), GD(), GDCV(Cs=2, cv=3)):
        est.fit(df, y)
        with pytest.raises(ValueError) as err:
            est.predict(other)
        messages.append(str(err.value))
    assert messages[1] == messages[0] and messages[2] == messages[0]


def test_feature_name_warnings_match_lr():
    pd = pytest.importorskip("pandas")
    X, y = _binary()
    df = pd.DataFrame(X, columns=list("abcd"))
    for fit_X, pred_X in ((X, df), (df, X)):
        texts = []
        for est in (LogisticRegression(), GD()):
            est.fit(fit_X, y)
            with pytest.warns(UserWarning) as rec:
                est.predict(pred_X)
            texts.append(str(rec[0].message).replace(type(est).__name__, "EST"))
        assert texts[1] == texts[0]


def test_pyarrow_backed_frame():
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    X, y = _binary()
    df = pd.DataFrame(X, columns=list("abcd")).astype("double[pyarrow]")
    np.testing.assert_allclose(GD().fit(df, y).predict_proba(df),
                               _lr().fit(df, y).predict_proba(df), atol=1e-4)


def test_polars_input_and_output():
    pl = pytest.importorskip("polars")
    X, y = _binary()
    df = pl.DataFrame(X, schema=list("abcd"))
    ys = pl.Series("t", np.array(["n", "p"])[y])
    ours, ref = GD().fit(df, ys), _lr().fit(df, ys)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    np.testing.assert_array_equal(ours.predict(df), ref.predict(df))
    sel = SelectFromModel(GD()).set_output(transform="polars").fit(df, ys)
    assert type(sel.transform(df)).__name__ == "DataFrame"
    assert hasattr(ours, "feature_names_in_") == hasattr(ref, "feature_names_in_")
    if hasattr(ref, "feature_names_in_"):
        with pytest.raises(ValueError, match="feature names"):
            ours.predict(df.select(["b", "a", "c", "d"]))


def test_n_features_mismatch_messages():
    X, y = _binary()
    for method in ("predict", "predict_proba", "decision_function"):
        texts = []
        for est in (LogisticRegression(), GD(), LogisticRegressionCV(Cs=2, cv=3),
                    GDCV(Cs=2, cv=3)):
            est.fit(X, y)
            with pytest.raises(ValueError) as err:
                getattr(est, method)(X[:, :3])
            texts.append(str(err.value).replace(type(est).__name__, "EST"))
        assert len(set(texts)) == 1, texts


def test_pickle_joblib_and_clone_of_fitted_estimators():
    pd = pytest.importorskip("pandas")
    X, y = _iris()
    df = pd.DataFrame(X, columns=list("abcd"))
    for est in (GD(), GDCV(Cs=2, cv=3)):
        est.fit(df, y)
        buf = io.BytesIO()
        joblib.dump(est, buf)
        buf.seek(0)
        for other in (pickle.loads(pickle.dumps(est)), joblib.load(buf)):
            for method in ("predict", "predict_proba", "decision_function"):
                np.testing.assert_array_equal(getattr(other, method)(df), getattr(est, method)(df))
        fresh = clone(est)
        assert not hasattr(fresh, "coef_") and fresh.get_params() == est.get_params()


def test_nested_params_repr_and_tags():
    pipe = make_pipeline(StandardScaler(), GD())
    pipe.set_params(gradientdescentlogisticregression__C=3.0)
    assert pipe[-1].C == 3.0 and "gradientdescentlogisticregression__tol" in pipe.get_params()
    assert repr(GD(C=2.0)) == "GradientDescentLogisticRegression(C=2.0)"
    assert len(GD()._repr_html_()) > 100
    ours, ref = GD().__sklearn_tags__(), LogisticRegression().__sklearn_tags__()
    assert ours.estimator_type == ref.estimator_type
    assert ours.input_tags == ref.input_tags and ours.target_tags == ref.target_tags
    assert ours.classifier_tags == ref.classifier_tags
    cv_tags = LogisticRegressionCV().__sklearn_tags__()
    assert GDCV().__sklearn_tags__().input_tags == cv_tags.input_tags


def test_fit_mutates_no_input():
    X, y = _binary()
    sw = _weights(len(y))
    copies = X.copy(), y.copy(), sw.copy()
    cw = {0: 1.0, 1: 2.0}
    Cs, l1 = [1.0, 0.1], [0.5, 0.0]
    GD(class_weight=cw).fit(X, y, sample_weight=sw)
    GDCV(Cs=Cs, l1_ratios=l1, cv=3, class_weight=cw).fit(X, y, sample_weight=sw)
    for a, b in zip((X, y, sw), copies, strict=True):
        np.testing.assert_array_equal(a, b)
    assert cw == {0: 1.0, 1: 2.0} and Cs == [1.0, 0.1] and l1 == [0.5, 0.0]


# ---------------------------------------------------------------------------- warm starts


def test_warm_start_reuses_the_model_as_lr():
    X, y = _binary()
    for est in (LogisticRegression(warm_start=True), GD(warm_start=True)):
        est.fit(X, y)
        coef = est.coef_.copy()
        est.fit(X, y)
        assert est.n_iter_[0] == 0 and np.array_equal(est.coef_, coef)
    ref = LogisticRegression(warm_start=True, tol=1e-10).fit(X, y).set_params(C=0.1).fit(X, y)
    ours = GD(warm_start=True).fit(X, y).set_params(C=0.1).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=2e-4)


def test_warm_start_on_other_shapes_starts_afresh_as_documented():
    X, y = _binary()
    Xi, yi = _iris()
    est = GD(warm_start=True).fit(X, y).fit(Xi, yi)  # 4 → 4 features, 2 → 3 classes
    np.testing.assert_allclose(est.coef_, _lr().fit(Xi, yi).coef_, atol=2e-3)
    est = GD(warm_start=True).fit(Xi, yi).fit(Xi[:, :3], (yi > 0).astype(int))
    assert est.coef_.shape == (1, 3)
    with pytest.raises(ValueError, match="Initialization coef is of shape"):
        LogisticRegression(warm_start=True).fit(X[:, :3], y).fit(Xi, yi)


# ---------------------------------------------------------------------------- the search


def _shape(v):
    if isinstance(v, dict):
        return {k: _shape(a) for k, a in v.items()}
    return np.shape(v)


@pytest.mark.slow
@pytest.mark.parametrize("data", ["binary", "iris"])
@pytest.mark.parametrize("l1_ratios", [None, [0.0, 0.5]])
def test_search_attribute_shapes_match_lrcv(data, l1_ratios):
    X, y = _binary() if data == "binary" else _iris()
    kw = dict(Cs=3, cv=3, l1_ratios=l1_ratios)
    solver = {"solver": "saga"} if l1_ratios else {}
    if l1_ratios and SKLEARN < (1, 8):
        solver["penalty"] = "elasticnet"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = LogisticRegressionCV(max_iter=200, **solver, **kw).fit(X, y)
    ours = GDCV(**kw).fit(X, y)
    for name in ("C_", "l1_ratio_", "Cs_", "l1_ratios_", "scores_", "coefs_paths_", "n_iter_",
                 "coef_", "intercept_", "classes_"):
        assert _shape(getattr(ours, name)) == _shape(getattr(ref, name)), name
    assert ours.n_iter_.dtype == ref.n_iter_.dtype
    if LRCV_HAS_LEGACY:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ref = LogisticRegressionCV(max_iter=200, use_legacy_attributes=False, **solver,
                                       **kw).fit(X, y)
        ours = GDCV(use_legacy_attributes=False, **kw).fit(X, y)
        for name in ("C_", "l1_ratio_", "scores_", "coefs_paths_", "n_iter_"):
            assert _shape(getattr(ours, name)) == _shape(getattr(ref, name)), name
            assert type(getattr(ours, name)) is type(getattr(ref, name)), name


def test_search_refit_false_as_lrcv():
    X, y = _binary()
    ref = _lrcv(Cs=3, cv=3, refit=False).fit(X, y)
    ours = GDCV(Cs=3, cv=3, refit=False, tol=1e-9).fit(X, y)
    np.testing.assert_allclose(ours.C_, ref.C_)
    np.testing.assert_allclose(ours.scores_[1], ref.scores_[1])
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-4)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("scoring", ["neg_log_loss", "roc_auc", "balanced_accuracy", "callable"])
def test_search_scoring_as_lrcv(scoring):
    X, y = _binary()
    if scoring == "callable":
        def scoring(est, X_, y_):
            return -float(np.mean(est.predict(X_) != y_))
    ref = _lrcv(Cs=[0.01, 0.1, 1.0], cv=3, scoring=scoring).fit(X, y)
    ours = GDCV(Cs=[0.01, 0.1, 1.0], cv=3, scoring=scoring).fit(X, y)
    np.testing.assert_allclose(ours.scores_[1], ref.scores_[1], atol=1e-4)
    np.testing.assert_allclose(ours.C_, ref.C_)
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), abs=1e-4)


def test_search_cv_forms_as_lrcv():
    X, y = _iris()
    splits = list(StratifiedKFold(3).split(X, y))

    def mask(idx):
        m = np.zeros(len(y), bool)
        m[idx] = True
        return m

    forms = [KFold(3, shuffle=True, random_state=0), splits,
             [(mask(a), mask(b)) for a, b in splits], [(list(a), list(b)) for a, b in splits]]
    for cv in forms:
        ref = _lrcv(Cs=[0.1, 1.0], cv=cv).fit(X, y)
        ours = GDCV(Cs=[0.1, 1.0], cv=cv).fit(X, y)
        np.testing.assert_allclose(ours.scores_[0], ref.scores_[0])
    gen = StratifiedKFold(3).split(X, y)  # a one-shot generator is taken once
    assert GDCV(Cs=2, cv=gen).fit(X, y).n_splits_ == 3


def test_search_class_weight_string_labels_and_pickle():
    X, y = _iris()
    labels = np.array(["a", "b", "c"])[y]
    ref = _lrcv(Cs=3, cv=3, class_weight="balanced").fit(X[:120], labels[:120])
    ours = GDCV(Cs=3, cv=3, class_weight="balanced").fit(X[:120], labels[:120])
    assert list(ours.scores_) == list(ref.scores_) and list(ours.coefs_paths_) == list(
        ref.coefs_paths_)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    assert ours.score(X, labels) == pytest.approx(ref.score(X, labels), abs=0.02)
    again = pickle.loads(pickle.dumps(ours))
    np.testing.assert_array_equal(again.predict_proba(X), ours.predict_proba(X))


@pytest.mark.slow
def test_search_inside_meta_estimators():
    X, y = _iris()
    ref = cross_val_predict(_lrcv(Cs=3, cv=3), X, y, cv=3, method="predict_proba")
    ours = cross_val_predict(GDCV(Cs=3, cv=3), X, y, cv=3, method="predict_proba")
    np.testing.assert_allclose(ours, ref, atol=2e-3)
    gs = GridSearchCV(GDCV(cv=3), {"Cs": [2, 3]}, cv=3).fit(X, y)
    assert gs.best_params_ in ({"Cs": 2}, {"Cs": 3})
    ovr = OneVsRestClassifier(GDCV(Cs=2, cv=3)).fit(X, y)
    assert ovr.predict_proba(X).shape == (150, 3)


def test_search_folds_without_a_class_fit_as_grid_search():
    """Iris unshuffled in three folds: each training fold lacks the class it tests."""
    X, y = _iris()
    search = GDCV(Cs=2, cv=KFold(3)).fit(X, y)
    grid = GridSearchCV(GD(), {"C": list(search.Cs_)}, cv=KFold(3)).fit(X, y)
    for f in range(3):
        np.testing.assert_array_equal(search.cv_results_[f"split{f}_test_score"],
                                      grid.cv_results_[f"split{f}_test_score"])
