"""Dask input for the estimator: validation, the fit's set-up, and lazy predictions.

The fit itself is the in-memory one: :func:`fit` validates the Dask data
lazily, checks it in one pass, and hands :func:`gdlogreg._problem.make_problem`
Dask arrays, for which it picks the Dask backend
(:mod:`gdlogreg._backends._dask`): the solver and the objective are the same
code as in memory and never import Dask. Predictions are lazy Dask arrays
computed chunk by chunk.
"""

import functools
import math
import sys
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.validation import check_is_fitted

from . import _messages
from ._backends import is_dask
from ._backends._dask import rows_like
from ._compat import check_classification_targets, check_feature_names, warn_if_many_classes
from ._loss import probabilities
from ._problem import check_some_weight, class_weight_vector, is_nat, weights_in_float_range


def _is_frame(obj):
    return is_dask(obj) and hasattr(obj, "to_dask_array")


# ------------------------------------------------------------- validation
SPARSE_CHUNKS = (
    "Dask arrays with scipy.sparse chunks are not supported by fit (predictions"
    " accept them). If each chunk fits in memory as a dense array, densify the"
    " chunks: X.map_blocks(lambda b: b.toarray(), dtype=X.dtype); otherwise fit"
    " on an in-memory scipy.sparse matrix (X.compute())."
)


COLUMN_Y = (
    "A column-vector y was passed when a 1d array was expected. Please change the shape"
    " of y to (n_samples, ), for example using ravel()."
)


def _as_array(estimator, X, *, reset):
    """A Dask DataFrame as its array of values, with known row counts; checks the names."""
    if _is_frame(X):
        import pandas as pd

        # The names as scikit-learn reads them from a pandas frame of the same columns.
        check_feature_names(estimator, pd.DataFrame(columns=X.columns), reset=reset)
        # Known row counts: predictions then combine with the labels (==, score).
        return _masked_as_float(X).to_dask_array(lengths=True)
    check_feature_names(estimator, X, reset=reset)
    return X


def _masked_as_float(frame):
    """A frame's nullable columns (Int64, boolean, Float32...) as float64, pd.NA as NaN, as
    scikit-learn reads a pandas frame: float() of their object values' pd.NA would raise."""
    import pandas as pd

    def masked(t):
        return isinstance(t, pd.api.extensions.ExtensionDtype) and t.kind in "iufb"

    if frame.ndim == 1:  # a Series (labels, weights)
        return frame.astype("float64") if masked(frame.dtype) else frame
    cast = {c: "float64" for c, t in frame.dtypes.items() if masked(t)}
    return frame.astype(cast) if cast else frame


def _check_n_features(estimator, X, *, reset):
    """A 2-D array; sets ``n_features_in_`` (``reset``) or checks X against it."""
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D array instead. Reshape your data"
            " with array.reshape(-1, 1) for a single feature or array.reshape(1, -1)"
            " for a single sample."
        )
    n_features = X.shape[1]
    if not reset:
        # (coef_ set by hand has no n_features_in_: its width, review 171)
        expected = getattr(estimator, "n_features_in_", None)
        expected = np.shape(estimator.coef_)[-1] if expected is None else expected
        if n_features != expected:
            raise ValueError(
                f"X has {n_features} features, but {type(estimator).__name__} is expecting"
                f" {expected} features as input."
            )
        return
    if n_features < 1:
        raise ValueError("0 feature(s) (shape=(..., 0)) while a minimum of 1 is required.")
    estimator.n_features_in_ = n_features


def _check_fit_rows(X):
    """Dense float chunks of known, non-zero row counts, for the fit."""
    if sp.issparse(getattr(X, "_meta", None)):
        raise TypeError(SPARSE_CHUNKS)
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if any(math.isnan(c) for c in X.chunks[0]):
        # counted on X persisted (whole rows, as the fit keeps it): each chunk is
        # produced once, where counting the rows first would produce it twice
        X = X.rechunk({1: -1}).persist().compute_chunk_sizes()
    if X.shape[0] < 1:
        raise ValueError(f"Found array with 0 sample(s) (shape={X.shape}).")
    if 0 in X.chunks[0]:  # (a mask that kept no row of a chunk): the softmax's max over
        # a chunk's rows would raise numpy's "zero-size array" ValueError in the tasks
        X = X.rechunk({0: tuple(c for c in X.chunks[0] if c)})
    return X


def _check_X(estimator, X, *, reset):
    """A 2-D Dask array with whole rows in each block; checks features like validate_data.

    For the fit (``reset``), X is also made dense float with known row counts;
    predictions accept any chunks that support ``chunk @ coef``, sparse ones too.
    """
    import dask.array as da

    X = _as_array(estimator, X, reset=reset)
    if not isinstance(X, da.Array):
        raise TypeError(f"Expected a dask array or Dask DataFrame, got {type(X).__name__}.")
    if X.dtype.kind == "c":  # as check_array: the cast to float would drop the imaginary part
        raise ValueError("Complex data not supported.")
    if X.dtype.kind in "SU":  # as numpy X: the fit reads numbers as text (float64),
        if not reset:         # the predictions refuse them (check_array's "numeric")
            raise ValueError(
                "dtype='numeric' is not compatible with arrays of bytes/strings. Convert your"
                " data to numeric values explicitly instead.")
        X = X.astype(np.float64)
    _check_n_features(estimator, X, reset=reset)
    if reset:
        X = _check_fit_rows(X)
    elif X.dtype == object:  # a frame of mixed column dtypes (bool and float): numbers
        X = X.astype(np.float64)
    return X.rechunk({1: -1})


def _host(v):
    """A vector that is not Dask's as a numpy array: a torch tensor detached and on the
    host first (np.asarray of one that requires grad raises torch's RuntimeError; the
    in-memory fit detaches them too: review 145)."""
    if hasattr(v, "detach"):
        v = v.detach()
    if hasattr(v, "cpu"):
        v = v.cpu()
    return np.asarray(v)


def _check_vector(v, n_samples, rows, name):
    """A 1-D Dask array chunked like ``rows`` (Dask Series, arrays or numpy)."""
    import dask.array as da

    if _is_frame(v):
        v = _masked_as_float(v)  # nullable numbers as float64, as scikit-learn reads pandas
        with warnings.catch_warnings():  # labels of a pandas extension dtype become objects
            warnings.filterwarnings("ignore", "Dask currently has limited support", UserWarning)
            v = v.to_dask_array(lengths=True)
    if not is_dask(v):
        v = _host(v)
    if v.ndim == 2 and v.shape[1] == 1 and name == "y":  # as column_or_1d; weights: 1-D only
        warnings.warn(COLUMN_Y, DataConversionWarning, stacklevel=4)
        v = v.reshape(-1) if is_dask(v) else v.ravel()
    if v.ndim != 1:
        raise ValueError(f"{name} should be a 1d array, got an array of shape {v.shape} instead.")
    if is_dask(v) and any(math.isnan(c) for c in v.chunks[0]):
        v = v.persist().compute_chunk_sizes()  # produced once, as X (_check_fit_rows)
    if v.shape[0] != n_samples:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples:"
            f" [{n_samples}, {v.shape[0]}] ({name})."
        )
    return rows_like(v, rows) if is_dask(v) else da.from_array(v, chunks=(rows,))


# ---------------------------------------------------------------- the fit
def fit(estimator, X, y, sample_weight=None):
    """Fit ``estimator`` (a GradientDescentLogisticRegression) on Dask data.

    The data are validated lazily (dtype, shape, features), persisted once,
    then checked in one pass (finite values, dense chunks, finite non-negative
    weights, the class labels); the fit is the in-memory one on the Dask backend.
    """
    import dask.array as da

    X, y, y_idx, sw, classes, top = validated(estimator, X, y, sample_weight)
    n, rows = X.shape[0], X.chunks[0]
    dtype = np.dtype(X.dtype)
    n_classes = len(classes)
    given = sw  # the caller's weights, for the callbacks' metadata (not the class weights)
    if estimator.class_weight is not None:
        # Weighted class counts in one pass; the in-memory formula on them.
        ones = da.ones(n, chunks=(rows,), dtype=dtype) if sw is None else sw
        # top: the largest weight (1 without), so that the class sums cannot overflow
        counts = da.bincount(y_idx, weights=ones / top, minlength=n_classes).compute()
        cw = class_weight_vector(estimator.class_weight, classes, counts)
        sw = ones * y_idx.map_blocks(_take, values=cw.astype(dtype), dtype=dtype)
        check_some_weight(bool(np.any((counts > 0) & (cw > 0))))

    problem = estimator._make_problem(X, y_idx, sw, n_classes)
    estimator._fit_problem(problem, problem.backend.X, y, lambda: y_idx, sw, classes,
                           metadata_weight=given)
    estimator._dask_passes = problem.backend.n_passes
    return estimator


def validated(estimator, X, y, sample_weight=None):
    """Validated, persisted Dask data: ``(X, y, y_idx, sw, classes, top)``.

    ``y_idx``: each sample's class index; ``sw``: the sample weights (None
    for equal ones); ``top``: the largest weight (1.0 without weights).
    """
    import dask
    import dask.array as da

    X = _check_X(estimator, X, reset=True)
    n, rows = X.shape[0], X.chunks[0]
    y = _check_vector(y, n, rows, "y")
    sw = _check_sample_weight(sample_weight, n, rows, np.dtype(X.dtype))
    X, y, sw = dask.persist(X, y, sw)
    _refuse_missing_labels(y)
    checks = [da.unique(y), da.reduction(X, _all_finite, np.all, dtype=bool)]
    if sw is not None:
        checks += [sw.min(), sw.max()]
    classes, finite, *sw_range = _computed(checks, y)
    if not finite:
        raise ValueError("Input X contains NaN or infinity.")
    if sw is not None:
        _check_weight_range(*sw_range, sw.dtype)
    if classes.dtype == object and not any(isinstance(c, str) for c in classes):
        classes = np.asarray(classes.tolist())  # numbers of a categorical or Int64 Series
    if classes.dtype.kind in "fc" and not np.isfinite(classes).all():  # as validate_data's
        raise ValueError("Input y contains NaN or infinity.")
    # the check of the unique labels, whose count says nothing of the samples': its
    # "more classes than half of the samples" warning on the data's own count
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The number of unique classes", UserWarning)
        check_classification_targets(classes)
    warn_if_many_classes(n, len(classes))
    if len(classes) < 2:
        raise ValueError(
            f"{type(estimator).__name__} needs samples of at least 2 classes"
            f" in the data, but the data contains only one class: {classes[0]!r}."
        )
    y_idx = y.map_blocks(_label_index, classes=classes, dtype=np.intp, meta=np.empty(0, np.intp))
    if sw is not None:
        check_some_weight(sw_range[1] > 0)
    return X, y, y_idx, sw, classes, (1.0 if sw is None else float(sw_range[1]))


def _computed(checks, y):
    """dask.compute of the checks, where unique's sort of object labels that do not compare
    (1 and "a") says so as the in-memory check does (numpy's TypeError, review 145)."""
    import dask

    try:
        return dask.compute(*checks)
    except TypeError as err:
        if y.dtype != object or "not supported between" not in str(err):
            raise
        raise ValueError("Unknown label type: y mixes labels that do not compare (numbers"
                         " and strings, say); give every label one type.") from err


def _check_sample_weight(sample_weight, n, rows, dtype):
    """The weights as a Dask array chunked like ``rows``; a scalar must be finite."""
    import dask.array as da

    if sample_weight is None:
        return None
    if np.ndim(sample_weight) == 0:  # a number, a 0-d numpy or Dask array: one weight
        with weights_in_float_range():
            value = float(sample_weight)
        if not math.isfinite(value):
            raise ValueError(f"sample_weight must be finite, got {value}.")
        sw = da.full(n, value, chunks=(rows,), dtype=np.float64)
    else:
        sw = _check_vector(sample_weight, n, rows, "sample_weight")
    if sw.dtype.kind == "c":  # as the in-memory check: a cast would drop the imaginary part
        raise ValueError("Complex data not supported.")
    return sw if sw.dtype == dtype else sw.map_blocks(_astype_quietly, dtype=dtype, target=dtype)


def _astype_quietly(block, target):
    """A chunk of weights in X's dtype, beyond whose range they become inf without
    numpy's overflow warning: :func:`_check_weight_range` then refuses them. Object
    chunks (a nullable Series' values) with None or pd.NA as NaN, which the range check
    names (float() of pd.NA would raise a TypeError in the tasks)."""
    if block.dtype == object:
        block = np.array([math.nan if _is_missing(v) else v for v in block.ravel()],
                         dtype=object).reshape(block.shape)
    with np.errstate(over="ignore"):
        return block.astype(target)


def _check_weight_range(low, high, dtype):
    """Refuse NaN, infinite and negative weights from their min and max.

    ``min`` and ``max`` propagate NaN (numpy's, chunk by chunk and in the
    reduction), so a NaN anywhere makes both NaN.
    """
    if math.isnan(low) or math.isnan(high):
        raise ValueError("Input sample_weight contains NaN.")
    if math.isinf(low) or math.isinf(high):
        raise ValueError(f"Input sample_weight contains infinity or a value too large for {dtype}.")
    if low < 0:
        raise ValueError("Negative values in data passed to `sample_weight`.")


def _all_finite(x, axis=None, keepdims=False):
    """Whether a chunk's values are all finite (a ``da.reduction`` chunk function).

    Also refuses sparse chunks, which metadata claiming dense ones hides until here.
    """
    if sp.issparse(x):
        raise TypeError(SPARSE_CHUNKS)
    return np.isfinite(x).all(axis=axis, keepdims=keepdims)


def _refuse_missing_labels(y):
    """Missing labels of object y (a nullable or categorical Series), named as the in-memory
    fit names them, before unique's sort, which would raise a TypeError comparing them (one
    cheap pass over the persisted y)."""
    import dask
    import dask.array as da

    if y.dtype.kind in ("M", "m"):  # dates or durations: NaT is their missing label
        if bool(da.reduction(y, _any_nat, np.any, dtype=bool).compute()):
            raise ValueError(_messages.MISSING_DATE_LABEL)
        return
    if y.dtype != object:
        return
    none, nan, nat = dask.compute(*(
        da.reduction(y, functools.partial(_any_of, test=test), np.any, dtype=bool)
        for test in (_is_none, _is_nan, is_nat)))
    if none:
        raise ValueError(_messages.MISSING_LABEL)
    if nan:
        raise ValueError("Input y contains NaN.")
    if nat:
        raise ValueError(_messages.MISSING_DATE_LABEL)


def _any_of(block, axis=None, keepdims=False, *, test):
    """Whether a chunk of object labels holds a value that passes ``test`` (a
    ``da.reduction`` chunk function)."""
    return np.frompyfunc(test, 1, 1)(block).astype(bool).any(axis=axis, keepdims=keepdims)


def _is_none(v):
    na = getattr(sys.modules.get("pandas"), "NA", None)  # pandas is loaded where pd.NA is
    return v is None or (na is not None and v is na)


def _is_nan(v):
    return isinstance(v, float) and math.isnan(v)


def _any_nat(block, axis=None, keepdims=False):
    """Whether a chunk of dates or durations holds NaT (a ``da.reduction`` chunk function;
    dask.array has no isnat)."""
    return np.isnat(block).any(axis=axis, keepdims=keepdims)


def _is_missing(v):
    return _is_none(v) or _is_nan(v)


def _label_index(block, classes):
    return np.searchsorted(classes, block)


def _take(block, values):
    return values[block]


# ------------------------------------------------------------ predictions
def _decision_block(x, coef, intercept):
    # as the fit and numpy X's predictions: no label or NaN row for a NaN or inf
    if not np.isfinite(x.data if sp.issparse(x) else x).all():
        raise ValueError("Input X contains NaN or infinity.")
    scores = x @ coef.T + intercept
    return scores.reshape(-1) if scores.shape[1] == 1 else scores


def _proba_block(x, coef, intercept, log):
    return probabilities(_decision_block(x, coef, intercept), np, log=log)


def _predict_block(x, coef, intercept, classes):
    z = _decision_block(x, coef, intercept)
    idx = (z > 0).astype(np.intp) if z.ndim == 1 else np.argmax(z, axis=1)
    return classes[idx]


def _check_predict_X(estimator, X):
    """The fitted estimator's X as a 2-D Dask array (a Dask DataFrame's values)."""
    check_is_fitted(estimator)
    return _check_X(estimator, X, reset=False)


def _coef(estimator):
    """coef_ as a dense 2-D numpy array: a sparsified model's CSR too (np.asarray makes it a
    0-d object array, which every chunk's product refuses; review 145)."""
    coef = estimator.coef_  # 1-D set by hand: one row, as LinearClassifierMixin takes it
    return coef.toarray() if sp.issparse(coef) else np.atleast_2d(np.asarray(coef))


def _map_rows(estimator, X, func, n_out, dtype, **kwargs):
    """Lazy ``func(chunk, coef, intercept)`` over the row chunks of a checked X."""
    coef = _coef(estimator)
    intercept = np.asarray(estimator.intercept_)
    if n_out is None:
        chunks, drop = X.chunks[:1], 1
        meta = np.empty(0, dtype=dtype)
    else:
        chunks, drop = (X.chunks[0], (n_out,)), None
        meta = np.empty((0, 0), dtype=dtype)
    return X.map_blocks(
        func,
        coef=coef,
        intercept=intercept,
        dtype=dtype,
        chunks=chunks,
        drop_axis=drop,
        meta=meta,
        **kwargs,
    )


def _score_dtype(estimator, X):
    return np.result_type(X.dtype, _coef(estimator).dtype)


def decision_function(estimator, X):
    """Lazy z = X w + b for Dask X (n,) or (n, K)."""
    X = _check_predict_X(estimator, X)
    n_out = None if _coef(estimator).shape[0] == 1 else _coef(estimator).shape[0]
    return _map_rows(estimator, X, _decision_block, n_out, _score_dtype(estimator, X))


def predict_proba(estimator, X, log=False):
    """Lazy class probabilities (or their logs) for Dask X."""
    X = _check_predict_X(estimator, X)
    n_out = len(estimator.classes_)
    dtype = _score_dtype(estimator, X)
    return _map_rows(estimator, X, _proba_block, n_out, dtype, log=log)


def predict_log_proba(estimator, X):
    """Lazy log-probabilities for Dask X."""
    return predict_proba(estimator, X, log=True)


def predict(estimator, X):
    """Lazy predicted labels for Dask X."""
    X = _check_predict_X(estimator, X)
    classes = np.asarray(estimator.classes_)
    return _map_rows(estimator, X, _predict_block, None, classes.dtype, classes=classes)
