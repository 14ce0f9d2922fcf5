"""Review 106: hostile input and drop-in parity, by a property-based fuzz and by hand.

The fuzz draws whole problems (1 to 200 rows, 1 to 30 columns, 2 to 6 classes of ints,
negative or huge ints, strings, bools, whole or fractional floats, as arrays, lists or
Series; X float64/float32/int8/int64/bool/float16, C- or F-ordered, CSR/CSC/COO/csr_array,
DataFrames with nullable Int8/Int64/Float64/boolean columns, a numeric categorical column,
pd.NA; columns scaled 1e-300 to 1e300, exact duplicates, constant or zero columns, rows
repeated, a class of a single row; sample weights with zeros, 1e-300, 1e300 or ints; class
weights as dicts down to 1e-100 and "balanced"; C 1e-8 to 1e8 and inf; l1_ratio 0/0.5/1;
fit_intercept; every solver; max_iter 1 to 1000; warm_start), half of them "mild"
(ordinary scales, weights and C) so that both fits converge. Each is fitted by
LogisticRegression (lbfgs or saga, tol=1e-10) and by the estimator. Properties: a refusal is
a ValueError/TypeError of ours, not a message from inside numpy or pandas, and only where
LogisticRegression refuses too (or the one documented refusal of ours); where it refuses and
we fit, the refusal is one of its own failures (saga's overflow, weights underflowing in its
product, its ZeroDivisionError, float32 weights); otherwise finite coefficients,
probabilities in [0, 1] summing to 1, predict the argmax of predict_proba (up to rounded
ties), LogisticRegression's classes_ and dtypes of classes_, coef_ and predict_proba, no
RuntimeWarning, X/y/sample_weight untouched, a warm refit, pickling; where both converge, J
no more than tol above LogisticRegression's (1e-4 for float32). Random sweeps of about 6,600
hostile problems found the defects below; derandomized, 2,000 hostile and 800 mild ones
(benchmarks/experiments/hostile_parity.py, benchmarks/README.md) compared J on 391 fits that
both converged: none above tol. By hand: CalibratedClassifierCV, OneVsRestClassifier,
StackingClassifier, SelectFromModel, permutation_importance and cross_val_predict with
classes missing from training folds give LogisticRegression's answers; GridSearchCV routes
sample_weight under metadata routing as for LogisticRegression; two fits at once on joblib's
threading backend are the sequential fits bit for bit; clone, pickle, deepcopy and a
set_output(transform="pandas") pipeline hold; the search scores as GridSearchCV does with
zero weights, scoring strings and a callable, and names a fold missing a class or a test
fold of no weight. X dtypes, sparse formats, nullable frames, labels (nullable, categorical,
uint64 past int64, datetime, bytes) and predictions on X near the float limit (finite log
probabilities where LogisticRegression's are -inf with a RuntimeWarning) were compared by
hand with LogisticRegression: the same answers or refusals.

Found: (1) labels holding pd.NA (a pandas "string" Series, an object array) raised pandas'
``TypeError: boolean value of NA is ambiguous`` from the label sort (fixed: the message of
review 86 for None now names pd.NA too); (2) whole float labels beyond int64 (1e300, 2**64)
leaked numpy's "invalid value encountered in cast" RuntimeWarning from scikit-learn's
type_of_target beside its ValueError (LogisticRegression's too; fixed: the check runs
under errstate); (3) a nearly weightless class (class_weight 1e-8 or 1e-100 beside 0.1 and
3): the gradient tests stop "converged" 2e-5 to 4.6e-4 above J* (tol=1e-5; backtracking and
nesterov, and bb on sparse X; fixed: a gradient test's stop also needs the intercepts'
decrement ½ maxₖ gₖ²/Hₖₖ within the certified target, single fits and search columns).
"""

import copy
import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import make_column_transformer
from sklearn.ensemble import StackingClassifier
from sklearn.exceptions import ConvergenceWarning, UnsetMetadataPassedError
from sklearn.feature_selection import SelectFromModel
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg._objective import Objective
from gdlogreg._problem import Identity, make_problem


def _toy(n=30, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    return X, (np.arange(n) % k)


# ----------------------------------------------------------------------------- defects

_NA_LABELS = {
    "string": lambda labels: pd.Series(labels, dtype="string"),
    "object": lambda labels: np.array([pd.NA if v is None else v for v in labels], dtype=object),
    "boolean": lambda labels: pd.Series(
        [None if v is None else v == "a" for v in labels], dtype="boolean"),
    "category": lambda labels: pd.Series(pd.Categorical(labels)),
}


@pytest.mark.parametrize("form", sorted(_NA_LABELS))
@pytest.mark.parametrize("search", [False, True], ids=["fit", "search"])
def test_labels_holding_pd_NA_get_a_clear_error(form, search):
    """pd.NA among the labels (a pandas "string", "boolean" or categorical Series, an object
    array) raised pandas' ``TypeError: boolean value of NA is ambiguous`` from the sort of
    the label checks; the same labels with None name the problem since review 86 (and
    "Int64"/"Float64"/"boolean"/categorical Series with pd.NA get scikit-learn's "Input y
    contains NaN")."""
    X, _ = _toy(12)
    y = _NA_LABELS[form](["a", "b", "c"] * 3 + ["a", "b", None])
    est = GradientDescentLogisticRegressionCV(Cs=2, cv=2) if search else (
        GradientDescentLogisticRegression())
    # "boolean" and categorical Series held: scikit-learn's NaN check names them
    with pytest.raises(ValueError, match="contains (NaN|None or pd.NA .a missing label)"):
        est.fit(X, y)


@pytest.mark.parametrize("search", [False, True], ids=["fit", "search"])
@pytest.mark.parametrize("labels", [[0.0, 1e300], [2.0**64, 1.0, 0.0]], ids=["1e300", "2**64"])
def test_integral_labels_past_int64_leak_no_runtime_warning(labels, search):
    """Float labels that are whole numbers beyond int64 (1e300, 2**64): scikit-learn's
    type_of_target casts them to int64 to see whether they are integral, and numpy's
    "invalid value encountered in cast" leaked as a RuntimeWarning (LogisticRegression's
    too) beside the ValueError "Unknown label type: continuous"."""
    X, idx = _toy(12)
    y = np.array(labels)[idx % len(labels)]
    est = GradientDescentLogisticRegressionCV(Cs=2, cv=2) if search else (
        GradientDescentLogisticRegression())
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="Unknown label type"):
            est.fit(X, y)


# ------------------------------------------------------------------- the fuzz (part 1)

SOLVERS = ["bb", "nesterov", "backtracking", "gd", "lbfgs"]
FUZZ = settings(max_examples=70, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
_LABELS = {
    "int": [0, 1, 2, 3, 4, 5], "negative": [-3, -1, 0, 7, -100, 2],
    "huge": [2**62, -(2**63), 2**53 + 1, 2**53, 1, -1],
    "str": ["b", "a", "ccc", "é", "10", "9"], "float": [0.0, 1.0, -2.0, 1e15, 3.0, 7.0],
    "fraction": [0.5, 1.5, 1e300, -1e-300],  # "Unknown label type: continuous"
    "bool": [True, False],
}
_SCALES = [1.0] * 6 + [1e-300, 1e300, 1e-150, 1e150, 1e-8, 1e8]
_FORMATS = ["C", "F", "csr", "csc", "coo", "csr_array", "frame", "nullable", "category", "na"]
_DTYPES = [np.float64, np.float32, np.int8, np.int64, np.bool_, np.float16]
_CAST = {  # how a float64 draw becomes each dtype
    np.float64: lambda X: X, np.float32: lambda X: np.clip(X, -1e37, 1e37),
    np.float16: lambda X: np.clip(X, -6e4, 6e4), np.bool_: lambda X: X > 0,
    np.int8: lambda X: np.clip(np.round(X * 10), -128, 127),
    np.int64: lambda X: np.clip(np.round(X * 10), -1e15, 1e15),
}


def _draw_labels(draw, rng, n):
    kind = draw(st.sampled_from(sorted(_LABELS)))
    k = draw(st.integers(2, min(6, len(_LABELS[kind]))))
    idx = rng.integers(0, k, n)
    if draw(st.booleans()):  # a class of a single row
        idx[idx == k - 1] = 0
        idx[-1] = k - 1
    if n > 2 and draw(st.booleans()):  # rows repeated (X's rows too, below)
        idx[n // 2:] = idx[: n - n // 2]
    y = np.array([_LABELS[kind][i] for i in idx])
    form = draw(st.sampled_from(["array", "list", "series"]))
    return {"array": y, "list": y.tolist(), "series": pd.Series(y)}[form], idx


def _draw_X(draw, rng, n, idx, scales):
    d = draw(st.integers(1, 30))
    X = rng.standard_normal((n, d)) + draw(st.sampled_from([0.0, 1.0])) * idx[:, None]
    if draw(st.booleans()):
        X[rng.random((n, d)) < 0.7] = 0.0
    for j in range(d):
        X[:, j] *= draw(st.sampled_from(scales))
        shape = draw(st.sampled_from(["as is"] * 6 + ["constant", "copy", "zero"]))
        if shape == "constant":
            X[:, j] = X[0, j]
        elif j and shape == "copy":  # an exact duplicate
            X[:, j] = X[:, j - 1]
        elif shape == "zero":
            X[:, j] = 0.0
    if n > 2 and idx[n // 2:].tolist() == idx[: n - n // 2].tolist():
        X[n // 2:] = X[: n - n // 2]
    dtype = draw(st.sampled_from(_DTYPES))
    X = _CAST[dtype](X).astype(dtype)
    fmt = draw(st.sampled_from(_FORMATS))
    if fmt == "F":
        return np.asfortranarray(X)
    if fmt in ("csr", "csc", "coo", "csr_array") and dtype != np.float16:  # scipy refuses it
        return sp.csr_array(X) if fmt == "csr_array" else getattr(sp, f"{fmt}_matrix")(X)
    if fmt in ("frame", "nullable", "category", "na"):
        frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(d)])
        if fmt == "nullable":
            frame = frame.astype({np.bool_: "boolean", np.int8: "Int8",
                                  np.int64: "Int64"}.get(dtype, "Float64"))
        elif fmt == "category":  # numeric categories (LogisticRegression takes them)
            frame["x0"] = pd.Categorical(frame["x0"].astype(
                np.float32 if dtype == np.float16 else dtype))
        elif fmt == "na":
            frame = frame.astype("Float64")
            if draw(st.booleans()):
                frame.iloc[0, 0] = pd.NA
        return frame
    return X


@st.composite
def problems(draw, mild=False):
    """A whole problem; ``mild``: ordinary scales, weights and C, where both fits can
    converge and J is compared."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(1, 200))
    y, idx = _draw_labels(draw, rng, n)
    X = _draw_X(draw, rng, n, idx, [1.0, 1e-3, 1e3] if mild else _SCALES)
    sw = draw(st.sampled_from([None, "zeros", "ints"] if mild else
                              [None, "zeros", "tiny", "huge", "ints"]))
    sw = {None: lambda: None, "zeros": lambda: rng.random(n) * (rng.random(n) < 0.6),
          "tiny": lambda: rng.random(n) * 1e-300, "huge": lambda: (rng.random(n) + 0.01) * 1e300,
          "ints": lambda: rng.integers(0, 4, n)}[sw]()
    cw = draw(st.sampled_from([None, "balanced", "dict"]))
    if cw == "dict":
        cw = {c: draw(st.sampled_from([0.1, 1.0, 3.0, 1e-100]))
              for c in sorted(set(np.asarray(y).tolist()))}
    l1 = draw(st.sampled_from([0.0, 0.0, 0.5, 1.0]))
    params = {
        "C": draw(st.sampled_from([1e-2, 1.0, 1e2] if mild else
                                  [1e-8, 1e-4, 1.0, 1e4, 1e8, np.inf])), "l1_ratio": l1,
        "fit_intercept": draw(st.booleans()), "class_weight": cw,
        "solver": draw(st.sampled_from(SOLVERS if l1 == 0 else SOLVERS[:4])),
        "max_iter": draw(st.sampled_from([1000] if mild else [1, 5, 100, 1000])),
        "warm_start": draw(st.booleans()),
    }
    return X, y, sw, params


# ------------------------------------------------------------------- the fuzz (part 2)

# Where LogisticRegression refuses and we fit, each documented as a refusal of its own:
# lbfgs/saga's float overflow, tiny weights × class weights underflowing to 0 in its float64
# product, its ZeroDivisionError, and weights past float32 with float32 X (errors.rst).
_THEIR_OWN = ("under-/overflow", "at least one non-zero", "division by zero",
              "contains infinity or a value too large for dtype('float32')")
# Messages from deep inside numpy or pandas, never a refusal of ours.
_INTERNAL = ("ambiguous", "not supported between", "index", "NoneType", "division",
             "broadcast", "object has no attribute", "unhashable")


def _snapshot(a):
    return a.copy() if sp.issparse(a) else copy.deepcopy(a)


def _unchanged(before, after):
    if sp.issparse(after):
        return (type(before) is type(after) and before.dtype == after.dtype
                and (before != after).nnz == 0)
    if isinstance(after, pd.DataFrame):
        return before.equals(after) and before.dtypes.equals(after.dtypes)
    if isinstance(after, (pd.Series, list)) or after is None:
        return before.equals(after) if isinstance(after, pd.Series) else before == after
    return (np.array_equal(before, after) and before.dtype == after.dtype
            and before.flags.f_contiguous == after.flags.f_contiguous)


def _fit(est, X, y, sw):
    """(refusal or None, the RuntimeWarnings of the fit)."""
    error = None
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            est.fit(X, y, sample_weight=sw)
        except (ValueError, TypeError, ZeroDivisionError) as exc:
            error = exc
    return error, [w for w in seen if issubclass(w.category, RuntimeWarning)]


def _reference(params):
    return LogisticRegression(
        C=params["C"], l1_ratio=params["l1_ratio"], fit_intercept=params["fit_intercept"],
        class_weight=params["class_weight"], max_iter=1000, tol=1e-10,
        solver="saga" if params["l1_ratio"] > 0 else "lbfgs")


def _J(model, X, y, sw, params):
    """J of the user guide, in float64: the weighted mean log-loss + penalty / (C Σs)."""
    Xd = (X.toarray() if sp.issparse(X) else np.asarray(X)).astype(np.float64)
    Z = Xd @ model.coef_.T.astype(np.float64) + model.intercept_
    if Z.shape[1] == 1:
        Z = np.hstack([np.zeros_like(Z), Z])
    yi = np.searchsorted(model.classes_, np.asarray(y))
    s = np.ones(len(yi)) if sw is None else np.asarray(sw, dtype=np.float64)
    if isinstance(params["class_weight"], dict):
        s = s * np.array([params["class_weight"][c] for c in model.classes_.tolist()])[yi]
    W = model.coef_.astype(np.float64)
    penalty = (1 - params["l1_ratio"]) / 2 * np.vdot(W, W) + params["l1_ratio"] * np.abs(W).sum()
    loss = logsumexp(Z, axis=1) - Z[np.arange(len(yi)), yi]
    return (s @ loss) / s.sum() + penalty / (params["C"] * s.sum())


def _comparable(X, sw, params):
    """Whether J of both fits is a number to compare: dense or sparse X (a frame without NA)
    of ordinary size, no "balanced" (its per-class sums are the estimator's), a penalty."""
    Xd = (X.toarray() if sp.issparse(X) else np.asarray(X)).astype(np.float64)
    return (np.isfinite(params["C"]) and params["class_weight"] != "balanced"
            and np.abs(Xd).max() < 1e100 and (sw is None or 1e-100 < np.max(sw) < 1e100))


def _check_model(model, ref, X, y):
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        P, labels = model.predict_proba(X), np.asarray(model.predict(X))
    assert np.isfinite(P).all() and (P >= 0).all() and (P <= 1).all()
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-5 if P.dtype == np.float64 else 1e-3)
    # predict is the argmax of the scores; probabilities that round to a tie may break it
    # otherwise (LogisticRegression's convention)
    picked = P[np.arange(len(P)), np.searchsorted(model.classes_, labels)]
    assert (picked >= P.max(axis=1) - 4 * np.finfo(P.dtype).eps).all()
    if ref is not None:
        np.testing.assert_array_equal(model.classes_, ref.classes_)
        assert model.classes_.dtype == ref.classes_.dtype
        assert model.coef_.dtype == ref.coef_.dtype and model.coef_.shape == ref.coef_.shape
        assert P.dtype == ref.predict_proba(X).dtype


STATS = {"drawn": 0, "refused": 0, "compared": 0}


@pytest.mark.slow
@FUZZ
@given(st.one_of(problems(), problems(mild=True)))
def test_fuzz_refuses_as_logistic_regression_does_or_fits_its_model(problem):
    """Hostile problems and mild ones (where both fits converge and J is compared)."""
    X, y, sw, params = problem
    before = [_snapshot(a) for a in (X, y, sw)]
    ref = _reference(params)
    STATS["drawn"] += 1
    ref_error, _ = _fit(ref, X, y, sw)
    model = GradientDescentLogisticRegression(**params)
    error, leaked = _fit(model, X, y, sw)
    assert all(_unchanged(b, a) for b, a in zip(before, (X, y, sw), strict=True))
    assert not leaked, [str(w.message) for w in leaked]
    if error is not None:
        text = str(error)
        assert isinstance(error, (ValueError, TypeError)) and len(text) > 15, repr(error)
        assert not any(word in text for word in _INTERNAL), text
        # where LogisticRegression fits, the one refusal of ours is documented (errors.rst)
        STATS["refused"] += 1
        assert ref_error is not None or "needs a positive total sample weight" in text, text
        return
    assert ref_error is None or any(word in str(ref_error) for word in _THEIR_OWN), ref_error
    _check_model(model, None if ref_error else ref, X, y)
    if (ref_error is None and model.converged_ and ref.n_iter_.max() < ref.max_iter
            and _comparable(X, sw, params)):
        STATS["compared"] += 1
        ours, theirs = _J(model, X, y, sw, params), _J(ref, X, y, sw, params)
        # the promise is tol = 1e-5 relative; float32 fits (both) within their rounding
        slack = 1e-5 if model.coef_.dtype == np.float64 else 1e-4
        assert ours <= theirs * (1 + slack), (ours, theirs)
    if params["warm_start"]:
        error, leaked = _fit(model, X, y, sw)
        assert error is None and not leaked
        assert np.isfinite(model.coef_).all()
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict_proba(X),
                                  model.predict_proba(X))


# --------------------------------------------------- found by the fuzz, left as xfail


def _light_class():
    """97 rows of 20 sparse integer features (CSR or dense), three classes weighted 3, 0.1
    and 1e-8 (the last, 51 rows, nearly weightless: its intercept sinks far below the
    others, a valley that neither the penalty nor the rows curve much), integer sample
    weights 1 to 3. The fuzz found it as a CSC int8 frame of 103 rows (2.2e-5 above J*)."""
    rng = np.random.default_rng(12)
    X = np.round(rng.standard_normal((100, 20)) * 10) * (rng.random((100, 20)) < 0.3)
    y = rng.integers(0, 2, 100)
    y[0] = 2
    sw = rng.integers(0, 4, 100).astype(float)
    sw[0] = 1.0
    keep = sw > 0
    return X[keep], y[keep], sw[keep], {2: 3.0, 0: 0.1, 1: 1e-8}


@pytest.mark.slow
@pytest.mark.parametrize(("solver", "sparse"), [
    ("bb", True), ("bb", False), ("backtracking", False), ("nesterov", False),
    ("lbfgs", False), ("lbfgs", True), ("gd", True)])
def test_a_nearly_weightless_class_is_not_called_converged_above_tol(solver, sparse):
    """The gradient tests stopped 'converged' 3.9e-4 to 4.6e-4 above J* (tol=1e-5) for
    backtracking and nesterov, and for bb on sparse X (no metric there to confirm the stop);
    the intercepts' decrement (Objective.intercept_decrement) refuses those stops."""
    X, y, sw, cw = _light_class()
    params = {"C": 1.0, "l1_ratio": 0.0, "class_weight": cw}
    ref = LogisticRegression(C=1.0, class_weight=cw, tol=1e-12, max_iter=10000).fit(
        X, y, sample_weight=sw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = GradientDescentLogisticRegression(class_weight=cw, solver=solver,
                                                  max_iter=5000).fit(
            sp.csr_matrix(X) if sparse else X, y, sample_weight=sw)
    ours, theirs = _J(model, X, y, sw, params), _J(ref, X, y, sw, params)
    best = min(ours, theirs)
    assert not model.converged_ or (ours - best) / best <= model.tol, (ours - best) / best
    if solver in ("bb", "lbfgs"):  # and they do converge there
        assert model.converged_


def test_the_intercepts_decrement_bounds_the_gap_from_below():
    """½ maxₖ gₖ²/Hₖₖ <= ½ gᵀH⁻¹g: with the weightless class's intercept moved off its
    optimum the decrement is below the gap it makes (convex, nearly quadratic there) and
    a large share of it: a bound that sees the valley, not a vacuous one."""
    X, y, sw, cw = _light_class()
    model = GradientDescentLogisticRegression(class_weight=cw, C=1.0, tol=1e-12, solver="lbfgs",
                                              max_iter=5000).fit(X, y, sample_weight=sw)
    weights = sw * np.array([cw[c] for c in y])
    objective = Objective(make_problem(X, y, weights, 3, C=1.0, l1_ratio=0.0, fit_intercept=True),
                          Identity(True))
    coef = np.vstack([model.coef_.T, model.intercept_[None, :]])
    J_star = objective.evaluate(coef).J
    for shift, low in [(0.5, 0.8), (2.0, 0.5), (-0.5, 0.9)]:
        moved = coef.copy()
        moved[-1, 1] += shift
        point = objective.evaluate(moved)
        decrement, gap = objective.intercept_decrement(point), point.J - J_star
        assert low * gap < decrement, (shift, decrement, gap)
        if shift > 0:  # above the optimum e^δ - 1 - δ >= (e^δ - 1)²/(2e^δ): λ² <= 2 gap
            assert decrement <= 2.0 * gap, (shift, decrement, gap)
    assert objective.intercept_decrement(objective.evaluate(coef)) < 1e-10 * J_star


def test_the_search_columns_hold_the_intercepts_decrement():
    """Each (C, fold) column of the batch passes the same test as its single fit: sparse X
    (bb without a metric), every training fold holding the one row of class 2."""
    X, y, sw, cw = _light_class()
    params = {"C": 1.0, "l1_ratio": 0.0, "class_weight": cw}
    rows = np.arange(len(y))
    folds = [(np.setdiff1d(rows, test), test) for test in np.array_split(rows[1:], 3)]
    search = GradientDescentLogisticRegressionCV(Cs=[1.0], cv=folds, class_weight=cw,
                                                 max_iter=5000).fit(
        sp.csr_matrix(X), y, sample_weight=sw)
    for f, (train, _) in enumerate(folds):
        ref = LogisticRegression(C=1.0, class_weight=cw, tol=1e-12, max_iter=10000).fit(
            X[train], y[train], sample_weight=sw[train])
        J, J_star = search.loss_curves_[f][-1], _J(ref, X[train], y[train], sw[train], params)
        assert search.stop_reasons_[f] == "converged"
        assert (J - J_star) / J_star <= 1e-5, (f, (J - J_star) / J_star)


# ------------------------------------------------- by hand: scikit-learn's meta-estimators


def _rare():
    """60 rows, four string classes, the last (4 rows) at the end: KFold(3)'s training folds
    miss it, and the first two miss class "c" as well; a zero column."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4))
    X[:, 3] = 0.0
    y = np.array(["a"] * 25 + ["b"] * 25 + ["c"] * 6 + ["d"] * 4)
    X[:, 0] += 2.0 * (y == "b")
    return X, y


_META = {
    "calibrated": lambda est, X, y: CalibratedClassifierCV(est, cv=3).fit(X, y).predict_proba(X),
    "one-vs-rest": lambda est, X, y: OneVsRestClassifier(est).fit(X, y).predict_proba(X),
    "stacking": lambda est, X, y: StackingClassifier(
        [("a", est), ("b", clone(est).set_params(C=0.01))], final_estimator=clone(est),
        cv=KFold(3)).fit(X, y).predict_proba(X),
    "select-from-model": lambda est, X, y: SelectFromModel(est).fit(X, y).get_support(),
    "permutation": lambda est, X, y: permutation_importance(
        clone(est).fit(X, y), X, y, n_repeats=3, random_state=0).importances_mean,
    "cross_val_predict": lambda est, X, y: cross_val_predict(
        est, X, y, cv=KFold(3), method="predict_proba"),
}


@pytest.mark.parametrize("meta", sorted(_META))
def test_meta_estimators_give_logistic_regressions_answers(meta):
    """Held: each meta-estimator gives LogisticRegression's answer to 2e-3, including
    cross_val_predict(method="predict_proba") with classes missing from training folds (the
    missing columns 0, scikit-learn's RuntimeWarning about the fold its own)."""
    X, y = _rare()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # _validation's missing-class note
        warnings.simplefilter("ignore", UserWarning)  # the least populated class
        ours = _META[meta](GradientDescentLogisticRegression(), X, y)
        theirs = _META[meta](LogisticRegression(), X, y)
    np.testing.assert_allclose(ours, theirs, atol=2e-3)


def test_grid_search_routes_sample_weight_as_for_logistic_regression():
    """Held: under metadata routing, a GridSearchCV of the estimator with fit and score
    requests takes the weights where LogisticRegression's does (same scores to 1e-3, the
    zero-weight rows out of both), and refuses unrequested weights as it does."""
    X, y = _rare()
    sw = np.random.default_rng(1).random(len(y))
    sw[:10] = 0.0
    scores = []
    with sklearn.config_context(enable_metadata_routing=True):
        for est in (GradientDescentLogisticRegression(), LogisticRegression()):
            est.set_fit_request(sample_weight=True).set_score_request(sample_weight=True)
            search = GridSearchCV(est, {"C": [0.1, 1.0]}, cv=3).fit(X, y, sample_weight=sw)
            scores.append(search.cv_results_["mean_test_score"])
            with pytest.raises(UnsetMetadataPassedError):
                GridSearchCV(clone(est).set_fit_request(sample_weight=None), {"C": [1.0]},
                             cv=3).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(scores[0], scores[1], atol=1e-3)


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
def test_two_fits_at_once_on_threads_are_the_sequential_fits(solver):
    """Held: joblib's threading backend with two fits at once (GridSearchCV, sparse X,
    weights with zeros): the same scores and best coefficients, bit for bit, no deadlock."""
    X, y = _rare()
    X = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    sw = np.random.default_rng(1).random(len(y))
    sw[:5] = 0.0

    def search():
        return GridSearchCV(GradientDescentLogisticRegression(solver=solver),
                            {"C": [0.01, 1.0, 100.0], "fit_intercept": [True, False]},
                            cv=3).fit(X, y, sample_weight=sw)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        alone = search()
        with joblib.parallel_backend("threading", n_jobs=2):
            threaded = search()
    np.testing.assert_array_equal(alone.cv_results_["mean_test_score"],
                                  threaded.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(alone.best_estimator_.coef_, threaded.best_estimator_.coef_)


def test_clone_pickle_and_pandas_output_of_a_fitted_model():
    """Held: clone is unfitted with the same parameters; pickle and deepcopy predict the
    same; in a Pipeline with set_output(transform="pandas") it takes the transformer's
    column names and LogisticRegression's probabilities."""
    X, y = _rare()
    model = GradientDescentLogisticRegression(C=0.5).fit(X, y)
    twin = clone(model)
    assert twin.get_params() == model.get_params() and not hasattr(twin, "coef_")
    for copied in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        np.testing.assert_array_equal(copied.predict_proba(X), model.predict_proba(X))
    frame = pd.DataFrame(X, columns=list("pqrs")).assign(cat=np.where(X[:, 1] > 0, "u", "v"))
    probas = []
    for est in (GradientDescentLogisticRegression(), LogisticRegression()):
        pipe = make_pipeline(make_column_transformer(
            (OneHotEncoder(sparse_output=False), ["cat"]), remainder=StandardScaler()), est)
        pipe.set_output(transform="pandas").fit(frame, y)
        probas.append(pipe.predict_proba(frame))
        assert list(pipe[-1].feature_names_in_[:2]) == ["onehotencoder__cat_u",
                                                         "onehotencoder__cat_v"]
    np.testing.assert_allclose(probas[0], probas[1], atol=2e-3)


# ------------------------------------------------------ by hand: the search's own cases


def test_search_fits_a_fold_missing_a_class_and_names_a_test_fold_of_no_weight():
    """Held (documented, docs/search.rst): test rows that all weigh zero under a scorer
    that takes weights are a ValueError naming the fold; a training fold without a class
    and a class whose rows all weigh zero are fitted as GridSearchCV fits them."""
    X, y = _rare()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GradientDescentLogisticRegressionCV(Cs=2, cv=KFold(3)).fit(X, y)
        grid = GridSearchCV(GradientDescentLogisticRegression(), {"C": list(search.Cs_)},
                            cv=KFold(3)).fit(X, y)
    for f in range(3):  # a training fold without a class: fitted as GridSearchCV fits it
        np.testing.assert_array_equal(search.cv_results_[f"split{f}_test_score"],
                                      grid.cv_results_[f"split{f}_test_score"])
    sw = np.ones(len(y))
    sw[:20] = 0.0
    with pytest.raises(ValueError, match="test rows of fold 0 weigh nothing"):
        GradientDescentLogisticRegressionCV(Cs=2, cv=KFold(3)).fit(X, y, sample_weight=sw)
    sw = (y != "d").astype(float)
    search = GradientDescentLogisticRegressionCV(Cs=[0.1, 1.0], cv=StratifiedKFold(3),
                                                 scoring="neg_log_loss", tol=1e-8)
    grid = GridSearchCV(GradientDescentLogisticRegression(tol=1e-8), {"C": [0.1, 1.0]},
                        cv=StratifiedKFold(3), scoring="neg_log_loss")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # class "d" weighs nothing
        search.fit(X, y, sample_weight=sw)
        grid.fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(search.scores_["d"].mean(axis=0),
                               grid.cv_results_["mean_test_score"], atol=1e-6)


def _accuracy(est, X, y):
    return float(np.mean(est.predict(X) == y))


@pytest.mark.parametrize("scoring", ["neg_log_loss", "roc_auc_ovr", "f1_macro",
                                     "neg_brier_score", "balanced_accuracy", _accuracy],
                         ids=lambda s: s if isinstance(s, str) else "callable")
def test_search_scores_as_grid_search_with_zero_weights(scoring):
    """Held: scoring strings and a callable, sample weights with zeros (stratified folds):
    the search's fold scores are GridSearchCV's to 1e-6 and it picks the same C."""
    X, y = _rare()
    sw = np.random.default_rng(2).integers(0, 3, len(y)).astype(float)
    sw[y == "d"] = 1.0
    Cs = [0.01, 1.0, 100.0]
    search = GradientDescentLogisticRegressionCV(Cs=Cs, cv=StratifiedKFold(3),
                                                 scoring=scoring, tol=1e-8)
    grid = GridSearchCV(GradientDescentLogisticRegression(tol=1e-8), {"C": Cs},
                        cv=StratifiedKFold(3), scoring=scoring)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a callable takes no weights
        search.fit(X, y, sample_weight=sw)
        grid.fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(search.scores_["d"].mean(axis=0),
                               grid.cv_results_["mean_test_score"], atol=1e-6)
    assert search.C_[0] == grid.best_params_["C"]
