"""Review 131: adversarial drop-in parity with LogisticRegression, input by input.

Checked side by side with LogisticRegression (scikit-learn 1.9, pandas 3.1; LR at tol=1e-12
as the reference model where its default stops early): pandas labels (Int64, UInt8,
Float64, boolean, string, string[pyarrow], int64[pyarrow], categorical, object) and their
missing values; column-vector y; X as bool, object numbers, Decimal, float16, nullable
DataFrames, complex, np.matrix; COO/CSC/DIA/LIL/DOK/BSR, csr_array/coo_array, int64 sparse
indices; read-only memmaps, strided, Fortran and negative-stride X; columns of 1e-300,
subnormals, 1e150, 1e300, int64 near 1e17, float32 near 1e30; 5 x 10,000 X; repeated rows
against integer weights; sample_weight as list, Series, ints, float32, bools, strings, a
scalar, and bad ones; class_weight keys of other types, absent classes, a class whose
weight sums to 0; invalid C/tol/max_iter/l1_ratio; predict with other feature counts and
names; attribute and output shapes and dtypes; score with weights; a refit that raises;
warm starts across class counts and widths; pickle/deepcopy/clone; cross_val_predict with a
class missing from a fold; metadata routing in GridSearchCV; concurrent fits from threads
over many row blocks; the caller's arrays after a fit.

Held: every one of the above (errors of LR's type and, mostly, words; the same classes_
and prediction dtypes; probabilities within 1e-4 of the reference; where LR's lbfgs gives
up at huge scales or tiny weights, a lower J than LR's). Where gdlogreg refuses what LR
silently accepts (negative weights, a class_weight key absent from y, NaN class weights) it
says why in a ValueError.

Found (reported, not pinned here): under ``sklearn.set_config(assume_finite=True)``, X with
NaN/inf gives a model whose ``intercept_`` is NaN with a self-contradictory warning
("returning the best finite iterate (J = nan)"), where LogisticRegression returns a finite
(zero) model; NaN sample weights raise "cannot convert float NaN to integer" from
``_steps/_base.py`` (the search: "weigh more than the largest float"). ``max_iter=True``
warns "did not converge in True iteration". tests/test_sklearn_checks.py says the search's
failure of check_class_weight_balanced_linear_classifier is "as for LogisticRegressionCV",
which passes that check in 1.9.1 (the per-fold "balanced" is documented in docs/search.rst).
"""

import copy
import pickle
import threading
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn import config_context
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_predict

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV

pd = pytest.importorskip("pandas")

RNG = np.random.RandomState(0)
X = RNG.randn(60, 3)
Y = (X[:, 0] + RNG.randn(60) > 0).astype(int)
Y3 = np.arange(60) % 3
SW = RNG.rand(60)


def _ref(**kw):
    return LogisticRegression(tol=1e-12, max_iter=10_000, **kw)


def _quiet_fit(est, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(*args, **kw)


def _cost(est, X, y, C=1.0, sw=None):
    """LogisticRegression's objective C Σ s L + ½‖W‖² at est's model, in float64."""
    X = np.asarray(X, dtype=np.float64)
    W = np.atleast_2d(est.coef_).astype(np.float64)
    Z = X @ W.T + np.asarray(est.intercept_, dtype=np.float64)
    if len(est.classes_) == 2:
        Z = np.c_[np.zeros(len(X)), Z[:, 0]]
    idx = np.searchsorted(est.classes_, y)
    loss = logsumexp(Z, axis=1) - Z[np.arange(len(X)), idx]
    sw = np.ones(len(X)) if sw is None else sw
    return C * np.sum(sw * loss) + 0.5 * np.sum(W**2)


def _no_warning_fit(est, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return est.fit(*args, **kw)


# -- labels -------------------------------------------------------------------------------

LABELS = {
    "Int64": lambda: pd.Series(Y3, dtype="Int64"),
    "UInt8": lambda: pd.Series(Y3, dtype="UInt8"),
    "Float64": lambda: pd.Series(Y3.astype(float), dtype="Float64"),
    "boolean": lambda: pd.Series(Y.astype(bool), dtype="boolean"),
    "string": lambda: pd.Series(np.where(Y, "a", "b"), dtype="string"),
    "category": lambda: pd.Categorical(np.where(Y, "a", "b"), categories=["a", "b", "z"]),
    "category-int": lambda: pd.Series(pd.Categorical(Y3)),
    "object-series": lambda: pd.Series(np.where(Y, "a", "b"), dtype=object),
    "list-of-str": lambda: list(np.where(Y, "a", "b")),
    "tuple": lambda: tuple(Y3),
    "int8-negative": lambda: (Y3 - 1).astype(np.int8),
    "float32": lambda: Y3.astype(np.float32),
    "bool": lambda: Y.astype(bool),
    "uint64-huge": lambda: np.where(Y, np.uint64(2**64 - 1), np.uint64(2**64 - 2)),
    "datetime": lambda: np.where(Y, np.datetime64("2020-01-01"), np.datetime64("2021-01-01")),
}


@pytest.mark.parametrize("kind", sorted(LABELS))
def test_label_containers_give_lrs_classes_and_predictions(kind):
    y = LABELS[kind]()
    lr, gd = _ref().fit(X, y), GD().fit(X, y)
    assert gd.classes_.dtype == lr.classes_.dtype
    np.testing.assert_array_equal(gd.classes_, lr.classes_)
    pred_lr, pred_gd = lr.predict(X), gd.predict(X)
    assert pred_gd.dtype == pred_lr.dtype
    assert np.mean(pred_gd == pred_lr) >= 0.98
    # three random classes: a flat J, within 2e-8 of J* where probabilities differ by 2e-4
    np.testing.assert_allclose(gd.predict_proba(X), lr.predict_proba(X), atol=5e-4)


@pytest.mark.parametrize("y", [
    pd.Series([pd.NA, *Y3[1:]], dtype="Int64"),
    pd.Series([pd.NA, *Y[1:].astype(bool)], dtype="boolean"),
    pd.Series([pd.NA, *np.where(Y, "a", "b")[1:]], dtype="string"),
    np.array([None, *Y[1:]], dtype=object),
    pd.Categorical([None, *np.where(Y, "a", "b")[1:]]),
    np.array([np.nan, *np.where(Y, "a", "b")[1:]], dtype=object),
], ids=["Int64", "boolean", "string", "None", "category", "object-nan"])
def test_missing_labels_are_a_value_error(y):
    """LR raises pandas' TypeError "boolean value of NA is ambiguous" for string NA."""
    with pytest.raises(ValueError, match=r"(?i)NaN|None|NA"):
        GD().fit(X, y)


@pytest.mark.parametrize("y", [Y.reshape(-1, 1), pd.DataFrame({"t": Y})], ids=["2d", "frame"])
def test_column_vector_y_warns_as_lr(y):
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        gd = GD().fit(X, y)
    np.testing.assert_allclose(gd.predict_proba(X), _ref().fit(X, Y).predict_proba(X), atol=1e-4)


def test_one_class_and_bad_label_types_are_refused_as_lr():
    for y, match in [(np.zeros(60), "only one class"), (Y + 0.5, "continuous"),
                     (np.where(Y, b"a", b"b"), "bytes"), (np.c_[Y, Y], "1d array"),
                     (Y[:-1], "inconsistent numbers of samples")]:
        for est in (LogisticRegression(), GD()):
            with pytest.raises((ValueError, TypeError), match=match):
                est.fit(X, y)


# -- X containers and dtypes ----------------------------------------------------------------

def _frame():
    return pd.DataFrame(X, columns=["a", "b", "c"])


XS = {
    "bool": lambda: X > 0,
    "object": lambda: X.astype(object),
    "strings": lambda: X.astype(str).astype(object),
    "float16": lambda: X.astype(np.float16),
    "Float64-frame": lambda: _frame().astype("Float64"),
    "mixed-frame": lambda: pd.DataFrame({"a": X[:, 0], "b": (X[:, 1] * 10).astype(int),
                                         "c": X[:, 2] > 0}),
    "list": lambda: X.tolist(),
    "fortran": lambda: np.asfortranarray(X),
    "strided": lambda: np.c_[X, X][:, ::2],
}


@pytest.mark.parametrize("kind", sorted(XS))
def test_x_containers_fit_lrs_model(kind):
    Xk = XS[kind]()
    lr, gd = _ref().fit(Xk, Y), _no_warning_fit(GD(), Xk, Y)
    Xp = np.asarray(np.asarray(Xk, dtype=object), dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # frames: no feature names at predict
        np.testing.assert_allclose(gd.predict_proba(Xp), lr.predict_proba(Xp), atol=1e-4)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.asmatrix
@pytest.mark.parametrize("make,exc,match", [
    (lambda: X.astype(complex), ValueError, "Complex data not supported"),
    (lambda: np.asmatrix(X), TypeError, "np.matrix is not supported"),
    (lambda: X[:, :0], ValueError, "0 feature"),
    (lambda: np.r_[X[:59], [[np.nan, 0, 0]]], ValueError, "Input X contains NaN"),
    (lambda: np.r_[X[:59], [[np.inf, 0, 0]]], ValueError, "infinity"),
], ids=["complex", "matrix", "no-columns", "nan", "inf"])
def test_bad_x_raises_lrs_error(make, exc, match):
    Xbad = make()
    for est in (LogisticRegression(), GD()):
        with pytest.raises(exc, match=match):
            est.fit(Xbad, Y)


def test_string_column_raises_as_lr():
    Xs = _frame().assign(d=np.where(Y, "x", "y"))
    for est in (LogisticRegression(), GD()):
        with pytest.raises(ValueError, match="could not convert string to float"):
            est.fit(Xs, Y)


def _sparse_x():
    Xs = X.copy()
    Xs[np.abs(Xs) < 0.7] = 0
    return Xs


@pytest.mark.parametrize("fmt", ["coo", "csc", "dia", "lil", "dok", "bsr", "csr_array",
                                 "coo_array", "csr_int64"])
def test_sparse_formats_fit_the_dense_model(fmt):
    Xs = _sparse_x()
    if fmt.endswith("_array"):
        M = getattr(sp, fmt)(Xs)
    elif fmt == "csr_int64":
        M = sp.csr_matrix(Xs)
        M.indices, M.indptr = M.indices.astype(np.int64), M.indptr.astype(np.int64)
    else:
        M = sp.csr_matrix(Xs).asformat(fmt)
    gd = _no_warning_fit(GD(), M, Y)
    assert not sp.issparse(gd.coef_)
    ref = _ref().fit(Xs, Y)
    np.testing.assert_allclose(gd.predict_proba(M), ref.predict_proba(Xs), atol=1e-3)
    assert _cost(gd, Xs, Y) <= _cost(ref, Xs, Y) * (1 + 2e-6)


def test_read_only_memmap_and_negative_strides(tmp_path):
    path = tmp_path / "x.dat"
    mm = np.memmap(path, dtype=np.float64, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    del mm
    ro = np.memmap(path, dtype=np.float64, mode="r", shape=X.shape)
    base = GD().fit(X, Y)
    np.testing.assert_allclose(GD().fit(ro, Y).coef_, base.coef_, rtol=1e-10, atol=1e-12)
    flipped = GD().fit(X[::-1], Y[::-1])
    np.testing.assert_allclose(flipped.coef_, base.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(np.asarray(ro), X)


# -- scales ---------------------------------------------------------------------------------

@pytest.mark.parametrize("scale", [1e-300, 5e-320, 1e-310])
def test_tiny_columns_fit_lrs_model(scale):
    Xt = X * np.array([scale, 1.0, 1.0]) if scale != 1e-310 else X * scale
    lr, gd = _ref().fit(Xt, Y), _no_warning_fit(GD(), Xt, Y)
    np.testing.assert_allclose(gd.predict_proba(Xt), lr.predict_proba(Xt), atol=1e-4)


@pytest.mark.parametrize("kind", ["1e150-column", "1e300", "int64-1e17", "float32-1e30"])
def test_huge_scales_reach_a_lower_cost_than_lr(kind):
    """LR's lbfgs stops at iteration 0 ("ABNORMAL") or short on these; gdlogreg converges,
    finite, with no warning, to a lower J."""
    Xh = {"1e150-column": X * np.array([1e150, 1.0, 1.0]), "1e300": X * 1e300,
          "int64-1e17": (X * 1e17).astype(np.int64),
          "float32-1e30": (X * 1e30).astype(np.float32)}[kind]
    gd = _no_warning_fit(GD(), Xh, Y)
    lr = _quiet_fit(_ref(), Xh, Y)
    assert np.all(np.isfinite(gd.coef_)) and np.all(np.isfinite(gd.intercept_))
    assert gd.converged_
    assert _cost(gd, Xh, Y) <= _cost(lr, Xh, Y) * (1 + 1e-9)


def test_wide_five_rows_ten_thousand_columns():
    Xw = RNG.randn(5, 10_000)
    yw = np.array([0, 1, 0, 1, 1])
    gd = _no_warning_fit(GD(), Xw, yw)
    np.testing.assert_allclose(gd.predict_proba(Xw), _ref().fit(Xw, yw).predict_proba(Xw),
                               atol=1e-6)


def test_repeated_rows_are_integer_weights():
    rep = GD(tol=1e-10).fit(np.repeat(X, 3, axis=0), np.repeat(Y, 3))
    wtd = GD(tol=1e-10).fit(X, Y, sample_weight=np.full(60, 3))
    np.testing.assert_allclose(rep.coef_, wtd.coef_, rtol=1e-6, atol=1e-8)


# -- sample_weight and class_weight ---------------------------------------------------------

@pytest.mark.parametrize("form", ["list", "series", "float32", "object", "strings"])
def test_sample_weight_containers(form):
    w = (np.arange(60) % 4 + 1).astype(float)
    given = {"list": list(w), "series": pd.Series(w, index=np.arange(100, 160)),
             "float32": w.astype(np.float32), "object": w.astype(object),
             "strings": w.astype(str)}[form]
    base = GD(tol=1e-10).fit(X, Y, sample_weight=w)
    np.testing.assert_allclose(GD(tol=1e-10).fit(X, Y, sample_weight=given).coef_,
                               base.coef_, rtol=1e-7, atol=1e-9)


def test_sample_weight_ints_bools_and_scalars_fit_lrs_model():
    for w in (np.arange(60) % 3, SW > 0.3, 2.0):
        lr, gd = _ref().fit(X, Y, sample_weight=w), GD().fit(X, Y, sample_weight=w)
        np.testing.assert_allclose(gd.predict_proba(X), lr.predict_proba(X), atol=1e-3)
        assert _cost(gd, X, Y, sw=np.broadcast_to(np.asarray(w, float), (60,))) <= _cost(
            lr, X, Y, sw=np.broadcast_to(np.asarray(w, float), (60,))) * (1 + 2e-6)


@pytest.mark.parametrize("w,match", [
    (SW.reshape(-1, 1), "1D array"), (SW[:-1], "expected"),
    (np.r_[np.nan, SW[1:]], "NaN"), (np.r_[np.inf, SW[1:]], "infinity"),
    (np.zeros(60), "non-zero|sum to zero"), (SW - 0.5, "Negative"),
    (SW.astype(complex), "Complex"),
    (pd.array([None, *SW[1:]], dtype="Float64"), "NaN"),
], ids=["2d", "short", "nan", "inf", "zeros", "negative", "complex", "Float64-NA"])
def test_bad_sample_weight_is_a_value_error(w, match):
    """LR accepts negative weights (overflow RuntimeWarnings, a meaningless model)."""
    with pytest.raises(ValueError, match=match):
        GD().fit(X, Y, sample_weight=w)


def test_all_weights_tiny_give_the_weighted_class_frequency():
    """Weights of 1e-300 (or subnormal): the penalty dominates, w = 0 and the unpenalised
    intercept gives the class frequency; LR's lbfgs stops at its start (0.5)."""
    for tiny in (1e-300, 1e-320):
        gd = _no_warning_fit(GD(), X, Y, sample_weight=np.full(60, tiny))
        np.testing.assert_allclose(gd.predict_proba(X)[:, 1], Y.mean(), atol=1e-6)


def test_class_weight_key_types():
    for y, cw in [(Y, {0.0: 1, 1.0: 2}), (Y, {np.int64(0): 1, np.int64(1): 2}),
                  (Y.astype(bool), {False: 1, True: 3}),
                  (np.where(Y, "a", "b"), {"a": 1, "b": 2}), (Y3, {0: 3}),
                  # a label absent from y is ignored where every class has its weight,
                  # as compute_class_weight does (a CV fold without a rare class)
                  (Y, {0: 1, 1: 2, 5: 3})]:
        lr, gd = _ref(class_weight=cw).fit(X, y), GD(class_weight=cw).fit(X, y)
        np.testing.assert_allclose(gd.predict_proba(X), lr.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize("cw,match", [
    ({"0": 1, "1": 2}, "not in the training data"), ({1: 2, 5: 3}, r"\[5\]"),
    ({0: -1, 1: 1}, "non-negative"), ({0: np.nan, 1: 1}, "finite"),
])
def test_bad_class_weight_is_a_value_error(cw, match):
    with pytest.raises(ValueError, match=match):
        GD(class_weight=cw).fit(X, Y)


def test_balanced_with_a_weightless_class_is_a_value_error():
    """LR: RuntimeWarnings (divide by zero) and a uniform model from lbfgs' iteration 0."""
    w0 = np.where(Y3 == 2, 0.0, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="class 2 weigh nothing"):
            GD(class_weight="balanced").fit(X, Y3, sample_weight=w0)


def test_class_weight_times_sample_weight_beyond_float_range():
    """1e308 x 10 overflows in LR (RuntimeWarnings, a 0.5 model); gdlogreg scales first."""
    gd = _no_warning_fit(GD(class_weight={0: 1e308, 1: 1e308}), X, Y,
                         sample_weight=np.full(60, 10.0))
    # every weight 1e309: C 1e309 times larger, that is, no penalty
    np.testing.assert_allclose(gd.predict_proba(X), _ref(C=np.inf).fit(X, Y).predict_proba(X),
                               atol=1e-4)


# -- parameters -----------------------------------------------------------------------------

@pytest.mark.parametrize("params", [
    {"C": 0}, {"C": -1}, {"C": np.nan}, {"C": "1"}, {"tol": -1}, {"tol": np.nan},
    {"tol": np.inf}, {"max_iter": 1.5}, {"max_iter": -1}, {"l1_ratio": 1.5},
    {"l1_ratio": -0.1}, {"l1_ratio": np.nan}, {"fit_intercept": 0}, {"warm_start": 1},
    {"class_weight": "foo"}, {"class_weight": [1, 2]}, {"verbose": -1},
])
def test_invalid_parameters_raise_lrs_error(params):
    name = next(iter(params))
    for est in (LogisticRegression(**params), GD(**params)):
        with pytest.raises(ValueError, match=f"'{name}' parameter"):
            est.fit(X, Y)


def test_set_params_then_refit_and_bad_set_params():
    m = GD().fit(X, Y)
    assert m.coef_.shape == (1, 3)
    m.set_params(C=1e-3).fit(X, Y)
    np.testing.assert_allclose(m.coef_, _ref(C=1e-3).fit(X, Y).coef_, atol=1e-5)
    with pytest.raises(ValueError, match="Invalid parameter 'foo'"):
        m.set_params(foo=1)


# -- after the fit --------------------------------------------------------------------------

def test_predict_with_other_feature_counts_and_names_as_lr():
    frame = _frame()
    for method in ("predict", "predict_proba", "decision_function", "predict_log_proba"):
        for est in (LogisticRegression().fit(X, Y), GD().fit(X, Y)):
            with pytest.raises(ValueError, match="X has 2 features, but .* is expecting 3"):
                getattr(est, method)(X[:, :2])
    for est in (LogisticRegression(), GD()):
        est.fit(frame, Y)
        with pytest.warns(UserWarning, match="X does not have valid feature names"):
            est.predict(X)
        with pytest.raises(ValueError, match="Feature names must be in the same order"):
            est.predict(frame[["b", "a", "c"]])
        with pytest.raises(ValueError, match="Feature names unseen at fit time"):
            est.predict(frame.rename(columns={"a": "z"}))
        np.testing.assert_array_equal(est.feature_names_in_, ["a", "b", "c"])
    for est in (LogisticRegression(), GD()):
        est.fit(X, Y)
        with pytest.warns(UserWarning, match="X has feature names, but"):
            est.predict(frame)


@pytest.mark.parametrize("y,dtype", [(Y, np.float64), (Y3, np.float64), (Y, np.float32),
                                     (Y3, np.float32)])
def test_shapes_and_dtypes_as_lr(y, dtype):
    """Shapes as LR's; dtypes as LR's, or X's where LR gives float64 for float32 X
    (scikit-learn before 1.8 fits lbfgs in float64; float32 stays float32 here)."""
    Xd = X.astype(dtype)
    lr, gd = LogisticRegression().fit(Xd, y), GD().fit(Xd, y)

    def same(a, b, name):
        assert a.shape == b.shape, name
        assert a.dtype == b.dtype or (a.dtype == np.float64 and b.dtype == dtype), name

    for name in ("coef_", "intercept_", "n_iter_", "classes_"):
        same(getattr(lr, name), getattr(gd, name), name)
    for method in ("predict_proba", "decision_function", "predict_log_proba", "predict"):
        same(getattr(lr, method)(Xd), getattr(gd, method)(Xd), method)


def test_score_with_sample_weight_as_lr():
    w = np.arange(60)
    lr, gd = _ref().fit(X, Y), GD(tol=1e-10).fit(X, Y)
    assert gd.score(X, Y, sample_weight=w) == lr.score(X, Y, sample_weight=w)
    assert gd.score(X, Y, sample_weight=list(w)) == lr.score(X, Y, sample_weight=w)


def test_predictions_on_extreme_rows_are_finite_and_silent():
    big = np.array([[1e300, -1e300, 1e300], [1e308, 1e308, 1e308], [-1e200, 0, 0]])
    for y in (Y, Y3):
        gd = GD(tol=1e-10).fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            proba = gd.predict_proba(big)
            log_proba = gd.predict_log_proba(big)
            pred = gd.predict(big)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        assert not np.isnan(log_proba).any()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # LR: overflow in matmul
            lr_pred = LogisticRegression(tol=1e-10).fit(X, y).predict(big)
        np.testing.assert_array_equal(pred, lr_pred)


def test_a_refit_that_raises_never_leaves_a_mixed_model():
    """LR keeps the new classes_ beside the old coef_ after a refit that raises (predict
    then fails with numpy's broadcast error); gdlogreg keeps the old model whole or
    reports NotFittedError."""
    bad = [lambda m: m.fit(X, np.zeros(60)),
           lambda m: m.set_params(class_weight={0: 1, 7: 2}).fit(X, Y),
           lambda m: m.set_params(class_weight={0: -1, 1: 1}).fit(X, Y),
           lambda m: m.fit(X[:, :2], Y, sample_weight=np.zeros(60)),
           lambda m: m.fit(X[:, :2], np.array([None] + ["a"] * 59, dtype=object))]
    for fn in bad:
        m = GD().fit(X, Y3)
        before = m.predict_proba(X[:2])
        with pytest.raises(ValueError):
            fn(m)
        try:
            after = m.predict_proba(X[:2])
        except Exception as exc:  # only NotFittedError is acceptable
            assert type(exc).__name__ == "NotFittedError"
        else:
            np.testing.assert_array_equal(after, before)


@pytest.mark.parametrize("first,second", [((X, Y), (X, Y3)), ((X, Y3), (X, Y)),
                                          ((X, Y), (np.c_[X, X[:, 0]], Y))],
                         ids=["bin-to-multi", "multi-to-bin", "wider"])
def test_warm_start_across_shapes_fits_cold(first, second):
    """LR raises "Initialization coef is of shape ..."; gdlogreg starts cold."""
    warm = GD(warm_start=True).fit(*first).fit(*second)
    cold = GD().fit(*second)
    np.testing.assert_allclose(warm.coef_, cold.coef_, rtol=1e-10, atol=1e-12)


def test_pickle_deepcopy_clone_round_trips():
    m = GD().fit(_frame(), np.where(Y3 == 0, "x", np.where(Y3 == 1, "y", "z")))
    for other in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m)):
        np.testing.assert_array_equal(other.predict_proba(_frame()), m.predict_proba(_frame()))
        np.testing.assert_array_equal(other.classes_, m.classes_)
        assert repr(other) == repr(m)
    c = clone(m)
    assert not hasattr(c, "coef_") and c.get_params() == m.get_params()
    assert repr(GD(C=2, class_weight="balanced", max_iter=50)) == (
        "GradientDescentLogisticRegression(C=2, class_weight='balanced', max_iter=50)")


def test_cross_val_predict_with_a_class_missing_from_a_fold():
    y4 = np.r_[np.arange(57) % 3, 3, 3, 3]
    for method, fill in (("predict_proba", 0.0),
                         ("decision_function", np.finfo(np.float64).min)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # scikit-learn's fold warning
            a = cross_val_predict(_ref(), X, y4, cv=KFold(3), method=method)
            b = cross_val_predict(GD(tol=1e-10), X, y4, cv=KFold(3), method=method)
        assert a.shape == b.shape == (60, 4)
        np.testing.assert_array_equal(b[40:, 3], fill)
        np.testing.assert_array_equal(a[40:, 3], fill)
        np.testing.assert_allclose(b, a, atol=1e-3)


def test_metadata_routing_in_grid_search():
    def search(est, **request):
        return GridSearchCV(est.set_fit_request(**request).set_score_request(**request),
                            {"C": [0.1, 1.0]}).fit(X, Y3, sample_weight=SW)

    with config_context(enable_metadata_routing=True):
        a, b = search(_ref(), sample_weight=True), search(GD(tol=1e-10), sample_weight=True)
        assert a.best_params_ == b.best_params_
        np.testing.assert_allclose(b.best_score_, a.best_score_, atol=1e-12)
        assert str(b.best_estimator_.get_metadata_routing()) == str(
            a.best_estimator_.get_metadata_routing())
        with pytest.raises(TypeError, match="Unexpected args"):
            GD().set_fit_request(foo=True)
        with pytest.raises(Exception, match="are not explicitly set as requested"):
            GridSearchCV(GD(), {"C": [1.0]}).fit(X, Y3, sample_weight=SW)


@pytest.mark.slow
def test_concurrent_fits_over_many_row_blocks_match_the_serial_fit():
    rng = np.random.RandomState(1)
    Xl = rng.randn(120_000, 12)
    yl = (Xl[:, 0] + rng.randn(120_000) > 0).astype(int) + (Xl[:, 1] > 1)
    data = {0: Xl, 1: Xl.astype(np.float32)}
    ref = {k: GD().fit(v, yl).coef_ for k, v in data.items()}
    out, errors = {}, []

    def fit(i):
        try:
            out[i] = GD().fit(data[i % 2], yl).coef_
        except Exception as exc:  # reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=fit, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i, coef in out.items():
        np.testing.assert_array_equal(coef, ref[i % 2])


def test_the_callers_arrays_are_never_written():
    Xc = np.asfortranarray(X.astype(np.float32))
    yc, swc = np.r_[Y3[:57], 3, 3, 3], SW.copy()
    for a in (Xc, yc, swc):
        a.flags.writeable = False  # a write would raise
    X0, y0, sw0 = Xc.copy(), yc.copy(), swc.copy()
    GD(class_weight="balanced").fit(Xc, yc, sample_weight=swc)
    GD(warm_start=True).fit(Xc, yc, sample_weight=swc).fit(Xc, yc)
    GD(l1_ratio=0.5).fit(sp.csr_matrix(Xc), yc, sample_weight=swc)
    np.testing.assert_array_equal(Xc, X0)
    np.testing.assert_array_equal(yc, y0)
    np.testing.assert_array_equal(swc, sw0)


# ---- the four findings, fixed ------------------------------------------------------------
_FORMATS = {
    "dense": lambda a: a,
    "float32": lambda a: a.astype(np.float32),
    "csr": sp.csr_matrix,
    "csc": sp.csc_matrix,
}


def _finite_data():
    X = np.random.RandomState(0).randn(60, 3)
    return X, (X[:, 0] > 0).astype(int)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("fmt", list(_FORMATS))
@pytest.mark.parametrize("make", [
    lambda: GD(), lambda: GD(solver="lbfgs"), lambda: GDCV(Cs=2, cv=3)], ids=["bb", "lbfgs", "cv"])
def test_non_finite_x_under_assume_finite_is_refused(bad, fmt, make):
    """assume_finite=True skips scikit-learn's check of X: a NaN or inf in X is refused by
    name (from the moments), not fitted to a NaN intercept under a 'diverged' warning;
    nothing else is warned (CSR's column maxima met the NaN)."""
    X, y = _finite_data()
    X[5, 1] = bad
    with config_context(assume_finite=True), warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="Input X contains NaN or infinity.*assume_finite"):
            make().fit(_FORMATS[fmt](X), y)


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
def test_non_finite_x_on_a_row_of_weight_zero_under_assume_finite_is_refused(fmt):
    """The moments skip rows of weight 0, their products do not (0·NaN is NaN): such a row
    is refused too, by sample_weight or by a class weight of 0; finite X with weights of 0
    fits as before."""
    X, y = _finite_data()
    sw = np.ones(len(y))
    sw[0] = 0.0
    Xbad = X.copy()
    Xbad[0, 2] = np.nan
    zero_class = {int(y[0]): 0.0, int(1 - y[0]): 1.0}
    with config_context(assume_finite=True), warnings.catch_warnings():
        warnings.simplefilter("error")
        for est, kw in [(GD(), {"sample_weight": sw}), (GDCV(Cs=2, cv=3), {"sample_weight": sw}),
                        (GD(class_weight=zero_class), {})]:
            with pytest.raises(ValueError, match="Input X contains NaN or infinity"):
                est.fit(_FORMATS[fmt](Xbad), y, **kw)
        fitted = GD().fit(_FORMATS[fmt](X), y, sample_weight=sw)
    reference = GD().fit(X[1:], y[1:])
    np.testing.assert_allclose(fitted.coef_, reference.coef_, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("make", [lambda: GD(), lambda: GDCV(Cs=2, cv=3)], ids=["fit", "cv"])
def test_non_finite_sample_weight_under_assume_finite_is_refused(bad, make):
    """A NaN or inf weight under assume_finite=True: a ValueError naming sample_weight
    (before: 'cannot convert float NaN to integer' from the step rule, a leaked divide
    warning, or the search's 'weigh more than the largest float')."""
    X, y = _finite_data()
    sw = np.ones(len(y))
    sw[3] = bad
    with config_context(assume_finite=True), warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="Input sample_weight contains NaN or infinity"):
            make().fit(X, y, sample_weight=sw)


def test_max_iter_true_is_counted_as_one_in_the_warning():
    """max_iter=True passes the Integral check (as in LogisticRegression) and is 1 iteration
    in the convergence warning, not 'True'."""
    X, y = _finite_data()
    with pytest.warns(ConvergenceWarning, match="did not converge in 1 iteration \\("):
        GD(max_iter=True).fit(X, y)


# ---- review 132's findings on the fixes above ----------------------------------------------
def test_a_sparse_column_at_the_float_limit_under_unequal_weights_still_fits():
    """Finite X whose sparse moments overflow (a column constant at the float64 maximum,
    unequal weights: the rounded mean times the scale) is fitted as before, not refused as
    'NaN or infinity': X itself is read before any refusal."""
    X = sp.csr_matrix(np.full((20, 1), np.finfo(np.float64).max))
    y = np.arange(20) % 2
    for seed in range(12):
        sw = np.random.RandomState(seed).rand(20)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = GD().fit(X, y, sample_weight=sw)
        assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))


@pytest.mark.parametrize("refit", [True, False])
def test_search_refuses_nan_on_rows_no_training_fold_has(refit):
    """Under assume_finite the search reads X once: a NaN on a row that only validation
    folds hold (PredefinedSplit), or of class weight 0, is refused, not 'diverged' fits
    with NaN scores."""
    from sklearn.model_selection import PredefinedSplit

    X, y = _finite_data()
    X[0, 1] = np.nan
    folds = np.where(np.arange(len(y)) < 15, 0, -1)
    zero_class = {int(y[0]): 0.0, int(1 - y[0]): 1.0}
    with config_context(assume_finite=True), warnings.catch_warnings():
        warnings.simplefilter("error")
        for est in (GDCV(Cs=2, cv=PredefinedSplit(folds), refit=refit),
                    GDCV(Cs=2, cv=3, refit=refit, class_weight=zero_class)):
            with pytest.raises(ValueError, match="Input X contains NaN or infinity"):
                est.fit(X, y)


def test_array_api_nan_on_a_row_of_weight_zero_is_refused_on_its_device():
    """The rows of weight 0 are read in X's namespace and on its device (array_api_strict's
    second device): before, the single fit let the NaN through to a 'diverged' zero model
    and the search indexed the array with numpy."""
    xps = pytest.importorskip("array_api_strict")
    pytest.importorskip("scipy", minversion="1.14")
    X, y = _finite_data()
    X[0, 2] = np.nan
    sw = np.ones(len(y))
    sw[0] = 0.0
    device = xps.Device("device1")
    Xd, yd, swd = (xps.asarray(a, device=device) for a in (X, y, sw))
    with config_context(assume_finite=True, array_api_dispatch=True), \
            warnings.catch_warnings():
        warnings.simplefilter("error")
        for est in (GD(), GD(class_weight={int(y[0]): 0.0, int(1 - y[0]): 1.0}),
                    GDCV(Cs=2, cv=3)):
            kw = {} if est.class_weight else {"sample_weight": swd}
            with pytest.raises(ValueError, match="Input X contains NaN or infinity"):
                est.fit(Xd, yd, **kw)
        X[0, 2] = 0.0
        model = GD().fit(xps.asarray(X, device=device), yd, sample_weight=swd)
    assert model.coef_.device == device


def test_the_message_names_assume_finite_only_where_it_is_set():
    from gdlogreg._backends import refuse_non_finite

    X = np.array([[1.0, np.inf]])
    with pytest.raises(ValueError, match=r"^Input X contains NaN or infinity\.$"):
        refuse_non_finite(X)
    with config_context(assume_finite=True), pytest.raises(ValueError, match="assume_finite"):
        refuse_non_finite(sp.csr_matrix(X))
    refuse_non_finite(np.ones((2, 2)))


@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_rows_of_weight_zero_are_checked_a_block_at_a_time_under_assume_finite(fmt):
    """The check of the rows of weight 0 under assume_finite=True copies a block of them at a
    time (review 216: half of X's rows at weight 0 put a fit's peak at 0.57 X), and still
    finds a NaN in the last block."""
    import tracemalloc

    import scipy.sparse as sp

    from gdlogreg._backends import finite_weightless_rows

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40_000, 50))
    sw = np.ones(len(X))
    sw[::2] = 0.0
    A = X if fmt == "dense" else sp.csr_matrix(X)
    nbytes = X.nbytes if fmt == "dense" else A.data.nbytes + A.indices.nbytes + A.indptr.nbytes
    with config_context(assume_finite=True):
        tracemalloc.start()
        try:
            finite_weightless_rows(A, sw)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak <= 0.1 * nbytes
        X[-2, 3] = np.nan  # a row of weight 0, in the last block
        A = X if fmt == "dense" else sp.csr_matrix(X)
        with pytest.raises(ValueError, match="Input X contains NaN or infinity"):
            finite_weightless_rows(A, sw)
