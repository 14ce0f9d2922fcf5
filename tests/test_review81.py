"""Review 81: the fitted model as downstream code uses it, against LogisticRegression.

Everything after ``fit``: predict, predict_proba, predict_log_proba, decision_function and
score on rows of another dtype, format or namespace than the fit's, hostile rows, ties,
sparsified models and the scikit-learn tools around them. Each method is compared with a
``LogisticRegression`` holding the same fitted attributes (a "twin"), so that only the
prediction code differs. Defects pinned here: a two-class predict_proba / predict_log_proba
held 2.5 times its output (np.stack of two new columns; LogisticRegression's holds 2.0);
under array-API dispatch ``classes_`` stayed a numpy array, so scikit-learn code that puts it
beside the predictions (cross_val_predict's probabilities or decisions, log_loss with
``labels=classes_``) raised where LogisticRegression's works (an xfail at first; classes_ is
now in y's namespace, as LogisticRegression's). The rest pins
properties that held.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn import config_context
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import cross_val_predict

from gdlogreg import GradientDescentLogisticRegression as GD


def _data(K, n=300, d=5, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.argmax(X @ rng.standard_normal((d, K)) + rng.gumbel(size=(n, K)), axis=1)
    return X.astype(dtype), y


def _twin(model):
    """A LogisticRegression with ``model``'s fitted attributes: its predictions are the
    reference for ours."""
    ref = LogisticRegression()
    for name in ("coef_", "intercept_", "classes_", "n_features_in_", "n_iter_"):
        setattr(ref, name, getattr(model, name))
    return ref


def _strict(f, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return f(*args)


def _peak(f):
    f()  # imports and caches first
    tracemalloc.start()
    try:
        f()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- finding: a two-class predict_proba held 2.5 outputs, LogisticRegression's 2.0 --------
@pytest.mark.parametrize("method", ["predict_proba", "predict_log_proba"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_two_class_probabilities_are_written_into_their_output(method, dtype):
    """[f(-z), f(z)] was np.stack of two new columns (z, -z, f(-z), f(z) and the stack:
    2.5 times the (n, 2) output at the peak, where LogisticRegression's holds 2.0): the two
    columns are now written into the output, beside z (1.5). The values are scipy's
    expit / log_expit of ±z, bit for bit, in the model's dtype."""
    X, y = _data(2, dtype=dtype)
    model = GD().fit(X, y)
    rows = np.random.default_rng(1).standard_normal((100_000, X.shape[1])).astype(dtype)
    out = []
    peak = _peak(lambda: out.append(getattr(model, method)(rows)))
    ref_peak = _peak(lambda: getattr(_twin(model), method)(rows))
    got = out[-1]
    assert peak <= 1.6 * got.nbytes, peak / got.nbytes
    assert peak < ref_peak, (peak / got.nbytes, ref_peak / got.nbytes)
    z = model.decision_function(rows)
    f = log_expit if method == "predict_log_proba" else expit
    assert got.dtype == dtype and got.shape == (len(rows), 2)
    np.testing.assert_array_equal(got, np.stack([f(-z), f(z)], axis=1))


# --- finding (fixed): array-API classes_ was a numpy array beside xp predictions -------
@pytest.mark.parametrize("use", ["cross_val_predict", "log_loss"])
def test_downstream_code_takes_classes_beside_array_api_predictions(use):
    xps = pytest.importorskip("array_api_strict")
    X, y = _data(3, n=150)
    if not _array_api_ready():
        pytest.skip("array-API dispatch needs SCIPY_ARRAY_API=1")
    with config_context(array_api_dispatch=True):
        Xa, ya = xps.asarray(X), xps.asarray(y)
        try:  # the reference: LogisticRegression's works
            _downstream(use, LogisticRegression(), Xa, ya)
        except Exception as exc:  # pragma: no cover - another scikit-learn
            pytest.skip(f"LogisticRegression's fails here too: {exc}")
        _downstream(use, GD(), Xa, ya)


def _downstream(use, est, X, y):
    if use == "cross_val_predict":
        assert cross_val_predict(est, X, y, cv=3, method="predict_proba").shape == (150, 3)
    else:
        est.fit(X, y)
        assert log_loss(y, est.predict_proba(X), labels=est.classes_) > 0


def _array_api_ready():
    try:
        with config_context(array_api_dispatch=True):
            pass
    except (RuntimeError, ImportError):
        return False
    return True


# --- properties that held -------------------------------------------------------------
@pytest.mark.parametrize("K", [2, 3, 30])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_decisions_of_ten_thousand_give_exact_probabilities_without_warnings(K, dtype):
    """Rows scaled to decision values of ±1e4 and more: predict_proba is
    LogisticRegression's to rounding, each row sums to 1, and neither method warns or
    returns NaN; predict_log_proba is the exact log-softmax (finite: LogisticRegression's
    log of an underflowed 0 is -inf, with a RuntimeWarning) and predict its argmax."""
    X, y = _data(K, n=900 if K == 30 else 300, dtype=dtype)
    model = GD().fit(X, y)
    z0 = np.abs(X[:40] @ model.coef_.T).max(axis=1, keepdims=True)
    rows = (X[:40] * (3e4 / z0)).astype(dtype)
    p = _strict(model.predict_proba, rows)
    lp = _strict(model.predict_log_proba, rows)
    z = model.decision_function(rows).astype(np.float64)
    assert np.abs(z).max() >= 1e4
    Z = np.column_stack([-z, z]) / 2 if K == 2 else z
    exact = log_softmax(Z, axis=1)
    np.testing.assert_allclose(p, _twin(model).predict_proba(rows), rtol=0,
                               atol=4 * np.finfo(dtype).eps)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=0, atol=K * np.finfo(dtype).eps)
    assert np.isfinite(lp).all() and not np.isnan(p).any()
    np.testing.assert_allclose(lp, exact, rtol=4 * np.finfo(dtype).eps)
    np.testing.assert_allclose(p, softmax(Z, axis=1), rtol=1e-5, atol=1e-30)
    np.testing.assert_array_equal(model.predict(rows), model.classes_[lp.argmax(axis=1)])


@pytest.mark.parametrize("K", [2, 3])
def test_ties_pick_the_first_class_as_logistic_regression_does(K):
    """Equal decision values (zero rows without an intercept; two classes with the same
    weights): predict takes the first class, as LogisticRegression's does, and agrees with
    the argmax of decision_function, predict_proba and predict_log_proba."""
    X, y = _data(K)
    model = GD(fit_intercept=False).fit(X, y)
    if K > 2:
        model.coef_[2] = model.coef_[1]
    rows = np.vstack([np.zeros((3, X.shape[1])), X[:60]])
    pred = model.predict(rows)
    np.testing.assert_array_equal(pred, _twin(model).predict(rows))
    assert (pred[:3] == model.classes_[0]).all()
    if K > 2:
        assert not (pred == 2).any()
        assert (pred == model.classes_[model.decision_function(rows).argmax(axis=1)]).all()
    for method in ("predict_proba", "predict_log_proba"):
        picked = model.classes_[getattr(model, method)(rows).argmax(axis=1)]
        np.testing.assert_array_equal(picked, pred)


HOSTILE_ROWS = {
    "float32": lambda X: X.astype(np.float32),
    "float64": lambda X: X.astype(np.float64),
    "float16": lambda X: X.astype(np.float16),
    "int": lambda X: np.round(X * 3).astype(np.int64),
    "bool": lambda X: X > 0,
    "object": lambda X: X.astype(object),
    "fortran": np.asfortranarray,
    "csr": sp.csr_matrix,
    "csc_array": sp.csc_array,
    "coo": sp.coo_matrix,
    "one row": lambda X: X[:1],
}


@pytest.mark.parametrize("rows", list(HOSTILE_ROWS), ids=list(HOSTILE_ROWS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rows_of_another_dtype_or_format_are_scored_as_logistic_regression_scores_them(
        rows, dtype):
    """A float32 or float64 model (three classes) on rows of another dtype or format: the
    same type, dtype, shape and values as LogisticRegression's, and no warning."""
    X, y = _data(3, dtype=dtype)
    model = GD().fit(X, y)
    ref = _twin(model)
    R = HOSTILE_ROWS[rows](X[:20])
    for method in ("decision_function", "predict_proba", "predict_log_proba", "predict"):
        got, want = _strict(getattr(model, method), R), getattr(ref, method)(R)
        assert type(got) is type(want) and got.dtype == want.dtype, method
        assert got.shape == want.shape, method
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=method)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_array_api_two_class_probabilities_keep_their_digits_in_the_tail(dtype):
    """Array-API rows (array_api_strict) with decision values up to ±700 (±85 in float32):
    both columns of predict_proba are σ(∓z) to a few ulp of z's size relative, where
    LogisticRegression's 1 - σ(z) keeps no digit below ε; predict_log_proba is log σ(∓z)
    (finite) and neither warns."""
    xps = pytest.importorskip("array_api_strict")
    if not _array_api_ready():
        pytest.skip("array-API dispatch needs SCIPY_ARRAY_API=1")
    X, y = _data(2, n=200)
    top = {"float64": 700.0, "float32": 85.0}[dtype]
    with config_context(array_api_dispatch=True):
        model = GD().fit(xps.asarray(X, dtype=getattr(xps, dtype)), xps.asarray(y))
        z1 = np.asarray(model.decision_function(xps.asarray(X[:100], dtype=getattr(xps, dtype))))
        scale = np.linspace(-top, top, 100) / z1
        rows = xps.asarray((X[:100] * scale[:, None]).astype(dtype))
        z = np.asarray(model.decision_function(rows)).astype(np.float64)
        p = np.asarray(_strict(model.predict_proba, rows)).astype(np.float64)
        lp = np.asarray(_strict(model.predict_log_proba, rows)).astype(np.float64)
    exact = np.column_stack([expit(-z), expit(z)])
    eps = np.finfo(dtype).eps
    normal = exact > np.finfo(dtype).tiny
    rel = np.abs(p - exact) / np.where(normal, exact, 1)
    assert (rel[normal] <= 8 * eps * np.maximum(1, np.abs(z)[:, None].repeat(2, 1)[normal])).all()
    assert np.isfinite(lp).all()
    exact_log = np.column_stack([log_expit(-z), log_expit(z)])
    np.testing.assert_allclose(lp, exact_log, rtol=4 * eps, atol=4 * eps)
