"""The one place where gdlogreg takes anything private or version-dependent from scikit-learn.

gdlogreg supports scikit-learn 1.7, 1.8 and 1.9 (the floors of numpy, scipy and
scikit-learn are in ``pyproject.toml`` and ``.ci/oldest.txt``). Every other
module imports these names from here, never from a private scikit-learn or
scipy module (``tests/test_compat.py`` checks this).

Each name is scikit-learn's own object wherever the installed scikit-learn has
it. Where it does not (or where a later release moves a private helper), the
``_..._fallback`` defined next to it behaves the same; ``tests/test_compat.py``
compares each fallback with scikit-learn's function where both exist.

Kept without a fallback, because every supported release has them and they are
the feature they serve (there is no array-API dispatch and no parameter
validation without them): ``get_namespace``, ``get_namespace_and_device`` and
``device`` (``sklearn.utils._array_api``, >= 1.5), ``Interval`` and
``StrOptions`` (``sklearn.utils._param_validation``, >= 1.2).
"""

import functools
import importlib
import numbers
import platform
import re
import sys
import warnings

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn import config_context, get_config
from sklearn.base import ClassifierMixin

# Array API entry points, sklearn.utils._array_api in every supported version:
# device(*arrays): their common device (None for numpy or with dispatch off), >= 1.2;
# get_namespace(*arrays): (xp, is_array_api), >= 1.2;
# get_namespace_and_device(*arrays): (xp, is_array_api, device), >= 1.5.
from sklearn.utils._array_api import device, get_namespace, get_namespace_and_device

# Parameter constraints, sklearn.utils._param_validation in every version >= 1.2.
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets as _check_targets
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    check_non_negative,
    validate_data,
)

__all__ = [
    "HAS_CALLBACKS",
    "CallbackSupportMixin",
    "Interval",
    "LinearClassifierMixin",
    "SIMD_LOG1P",
    "SKLEARN_VERSION",
    "StrOptions",
    "check_classification_targets",
    "logistic_penalty",
    "check_feature_names",
    "check_same_namespace",
    "check_sample_weight",
    "convert_to_numpy",
    "csc_matvec",
    "csc_matvecs",
    "csr_matvec",
    "csr_matvecs",
    "device",
    "fit_context",
    "get_namespace",
    "get_namespace_and_device",
    "is_numpy_namespace",
    "max_precision_float_dtype",
    "move_to",
    "text_labels",
    "warn_if_many_classes",
]

# (major, minor) of the installed scikit-learn.
SKLEARN_VERSION = tuple(int(p) for p in re.findall(r"\d+", sklearn.__version__)[:2])

_NUMPY_NAMES = ("numpy", "array_api_compat.numpy", "sklearn.externals.array_api_compat.numpy")


def logistic_penalty(l1_ratio):
    """``LogisticRegression``'s parameters for the elastic-net mix ``l1_ratio``.

    From scikit-learn 1.8 ``l1_ratio`` alone chooses the penalty (``penalty`` is
    deprecated); before, it counts only with ``penalty="elasticnet"`` and warns
    (and is ignored) with the default "l2".
    """
    from sklearn.linear_model import LogisticRegression

    if LogisticRegression().penalty != "l2":  # >= 1.8
        return {"l1_ratio": l1_ratio}
    return {"penalty": "elasticnet", "l1_ratio": l1_ratio} if l1_ratio > 0 else {}


def check_classification_targets(y):
    """scikit-learn's check of the labels, skipped where it cannot fail; True if skipped
    (then :func:`warn_if_many_classes` gives its one warning once the classes are known).

    A non-empty 1-D numpy array of integers, booleans or strings
    (:func:`text_labels`) is always 'binary' or 'multiclass'
    (sklearn.utils.multiclass.type_of_target), whose check sorts the labels, a large part
    of a small fit (benchmarks/README.md, "String labels without a sort"). Other labels
    (floats, bytes, objects of other types, other namespaces) are checked.
    """
    if isinstance(y, np.ndarray) and y.ndim == 1 and y.size and (
            y.dtype.kind in "biu" or text_labels(y)):
        return True
    # type_of_target casts float labels to int64 to see whether they are whole: those
    # beyond int64 (1e300) cast with numpy's "invalid value", a leaked RuntimeWarning
    with np.errstate(invalid="ignore", over="ignore"):
        _check_targets(y)
    return False


def warn_if_many_classes(n_samples, n_classes):
    """type_of_target's warning, in its words and on its condition, for labels whose check
    :func:`check_classification_targets` skipped: more than 20 samples and more classes
    than half of them."""
    if n_samples > 20 and n_classes > round(0.5 * n_samples):
        warnings.warn(
            "The number of unique classes is greater than 50% of the number "
            "of samples. `y` could represent a regression problem, not a "
            "classification problem.",
            UserWarning,
            stacklevel=3,
        )


def text_labels(y):
    """Whether the 1-D numpy array y holds strings only: unicode, or objects that are all
    ``str`` (a pandas column of text; not ``np.str_``, bytes, None or nan)."""
    if y.dtype.kind == "U":
        return True
    return y.dtype.kind == "O" and all(type(v) is str for v in y.tolist())


def _is_xp(xp, name):
    return xp.__name__ in (name, f"array_api_compat.{name}", f"sklearn.externals.{name}")


# -- is_numpy_namespace(xp): whether xp is numpy; private helper in all versions -------------
def _is_numpy_namespace_fallback(xp):
    return xp.__name__ in _NUMPY_NAMES


try:
    from sklearn.utils._array_api import _is_numpy_namespace as is_numpy_namespace
except ImportError:  # pragma: no cover - not in any supported scikit-learn
    is_numpy_namespace = _is_numpy_namespace_fallback


# -- convert_to_numpy(a, xp): a host numpy array of a; private helper in all versions --------
def _convert_to_numpy_fallback(array, xp):
    if _is_xp(xp, "torch"):
        return array.cpu().numpy()
    if _is_xp(xp, "cupy"):  # pragma: no cover - no GPU in CI
        return array.get()
    if _is_xp(xp, "array_api_strict"):
        return np.asarray(xp.asarray(array, device=xp.Device("CPU_DEVICE")))
    return np.asarray(array)


try:
    from sklearn.utils._array_api import _convert_to_numpy as convert_to_numpy
except ImportError:  # pragma: no cover - not in any supported scikit-learn
    convert_to_numpy = _convert_to_numpy_fallback


# -- max_precision_float_dtype(xp, device): float64 unless the device lacks it; private in
# all versions (1.7 and 1.8 know only torch's "mps" lacks it, 1.9 asks the namespace) -------
def _max_precision_float_dtype_fallback(xp, device):
    if is_numpy_namespace(xp) or not hasattr(xp, "__array_namespace_info__"):
        return xp.float64
    dtypes = xp.__array_namespace_info__().dtypes(kind="real floating", device=device)
    return xp.float64 if "float64" in dtypes else xp.float32


try:
    from sklearn.utils._array_api import (
        _max_precision_float_dtype as max_precision_float_dtype,
    )
except ImportError:  # pragma: no cover - not in any supported scikit-learn
    max_precision_float_dtype = _max_precision_float_dtype_fallback


# -- move_to(*arrays, xp=, device=): arrays in namespace xp on device (None and sparse
# pass through); scikit-learn >= 1.8, this fallback on 1.7 -----------------------------------
def _move_to_fallback(*arrays, xp, device):
    sparse = [sp.issparse(a) for a in arrays]
    if any(sparse) and not is_numpy_namespace(xp):
        raise TypeError(
            "Sparse arrays are only accepted (and passed through) when the target "
            "namespace is Numpy"
        )
    out = []
    for array, is_sparse in zip(arrays, sparse, strict=True):
        if array is None or is_sparse:
            out.append(array)
            continue
        xp_a, _, device_a = get_namespace_and_device(array)
        if xp == xp_a and device == device_a:
            out.append(array)
            continue
        try:  # DLPack first, as scikit-learn does
            converted = xp.from_dlpack(array, device=device)
        except (AttributeError, TypeError, NotImplementedError, BufferError, ValueError):
            if is_numpy_namespace(xp):
                converted = convert_to_numpy(array, xp_a)
            elif is_numpy_namespace(xp_a):
                converted = xp.asarray(array, device=device)
            else:
                converted = xp.asarray(convert_to_numpy(array, xp_a), device=device)
        out.append(converted)
    return out[0] if len(out) == 1 else tuple(out)


try:
    from sklearn.utils._array_api import move_to
except ImportError:  # scikit-learn 1.7
    move_to = _move_to_fallback


# -- check_same_namespace(X, estimator, attribute=, method=): ValueError when X is not in the
# namespace and on the device of a fitted attribute; scikit-learn >= 1.9, fallback before ----
def _check_same_namespace_fallback(X, estimator, *, attribute, method):
    if not get_config()["array_api_dispatch"]:
        return
    a_xp, _, a_device = get_namespace_and_device(getattr(estimator, attribute))
    X_xp, _, X_device = get_namespace_and_device(X)
    if X_xp == a_xp and X_device == a_device:
        return
    if is_numpy_namespace(a_xp) and is_numpy_namespace(X_xp):
        return  # array-likes, sparse matrices and numpy arrays all go with numpy
    if X_device is None:
        kind = "sparse array" if sp.issparse(X) else "array-like"
        msg = (
            f"Array namespace used during fit ({a_xp.__name__}) is not compatible with the"
            f" {kind} input passed to {method}. Only the NumPy namespace is compatible"
            f" with {kind} inputs."
        )
    elif X_xp != a_xp:
        msg = (
            f"Array namespaces used during fit ({a_xp.__name__}) and {method}"
            f" ({X_xp.__name__}) differ."
        )
    else:  # pragma: no cover - needs two devices
        msg = f"Devices used during fit ({a_device}) and {method} ({X_device}) differ."
    raise ValueError(
        f"Inputs passed to {estimator.__class__.__name__}.{method}() must use the same"
        f" namespace and the same device as those passed to fit(). {msg}"
    )


try:
    from sklearn.utils._array_api import check_same_namespace
except ImportError:  # scikit-learn 1.7 and 1.8
    check_same_namespace = _check_same_namespace_fallback


# -- check_sample_weight(sw, X, dtype=, ensure_non_negative=): validated 1-D weights, ones
# for None; private helper in all versions (these keywords since 1.6) ----------------------
def _check_sample_weight_fallback(sample_weight, X, *, dtype=None, ensure_non_negative=False):
    xp, _, device_ = get_namespace_and_device(X)
    n_samples = X.shape[0]
    if dtype is not None and dtype not in (xp.float32, xp.float64):
        dtype = xp.float64
    kw = {} if device_ is None else {"device": device_}
    if sample_weight is None:
        return xp.ones(n_samples, dtype=dtype or xp.float64, **kw)
    if isinstance(sample_weight, numbers.Number):
        return xp.full(n_samples, sample_weight, dtype=dtype or xp.float64, **kw)
    sample_weight = check_array(
        sample_weight,
        accept_sparse=False,
        ensure_2d=False,
        dtype=[xp.float64, xp.float32] if dtype is None else dtype,
        order="C",
        input_name="sample_weight",
    )
    if sample_weight.ndim != 1:
        raise ValueError("Sample weights must be 1D array or scalar")
    if sample_weight.shape != (n_samples,):
        raise ValueError(f"sample_weight.shape == {sample_weight.shape}, expected {(n_samples,)}!")
    if ensure_non_negative:
        check_non_negative(sample_weight, "`sample_weight`")
    return sample_weight


try:
    from sklearn.utils.validation import _check_sample_weight as check_sample_weight
except ImportError:  # pragma: no cover - not in any supported scikit-learn
    check_sample_weight = _check_sample_weight_fallback


# -- check_feature_names(estimator, X, reset=): set (reset) or check feature_names_in_;
# private helper of sklearn.utils.validation since 1.6 -------------------------------------
def _feature_names(X):
    columns = getattr(X, "columns", None)
    if columns is None or sp.issparse(X):
        return None
    names = np.asarray(columns, dtype=object)
    is_str = [isinstance(n, str) for n in names]
    if names.size and all(is_str):
        return names
    if any(is_str):
        raise TypeError(
            "Feature names are only supported if all input features have string names,"
            f" but your input has {sorted({type(n).__name__ for n in names})} as feature"
            " name / column name types. Convert them all to strings, e.g. with"
            " X.columns = X.columns.astype(str), or to a non-string data type."
        )
    return None


def _check_feature_names_fallback(estimator, X, *, reset):
    names = _feature_names(X)
    if reset:
        if names is not None:
            estimator.feature_names_in_ = names
        elif hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        return
    fitted = getattr(estimator, "feature_names_in_", None)
    name = estimator.__class__.__name__
    if fitted is None and names is None:
        return
    if fitted is None:
        warnings.warn(
            f"X has feature names, but {name} was fitted without feature names", stacklevel=2
        )
    elif names is None:
        warnings.warn(
            f"X does not have valid feature names, but {name} was fitted with feature names",
            stacklevel=2,
        )
    elif len(fitted) != len(names) or np.any(fitted != names):
        raise ValueError("The feature names should match those that were passed during fit.")


try:
    from sklearn.utils.validation import _check_feature_names as check_feature_names
except ImportError:  # pragma: no cover - not in any supported scikit-learn
    check_feature_names = _check_feature_names_fallback


# -- fit_context(prefer_skip_nested_validation=): decorator of fit that validates the
# parameters first; sklearn.base._fit_context in all versions (>= 1.3) ----------------------
def _fit_context_fallback(*, prefer_skip_nested_validation):
    def decorator(fit_method):
        @functools.wraps(fit_method)
        def wrapper(estimator, *args, **kwargs):
            skip = get_config()["skip_parameter_validation"]
            if not skip:
                estimator._validate_params()
            with config_context(skip_parameter_validation=prefer_skip_nested_validation or skip):
                return fit_method(estimator, *args, **kwargs)

        return wrapper

    return decorator


try:
    from sklearn.base import _fit_context as fit_context
except ImportError:  # pragma: no cover - not in any supported scikit-learn
    fit_context = _fit_context_fallback


# -- LinearClassifierMixin: decision_function (X·coef_ᵀ + intercept_) and predict;
# sklearn.linear_model._base in all versions (before 1.9 with the fallback's predict) --------
class _LinearClassifierMixinFallback(ClassifierMixin):
    def decision_function(self, X):
        """X·coef_ᵀ + intercept_; one column (raveled) for two classes."""
        check_is_fitted(self)
        xp, _ = get_namespace(X)
        check_same_namespace(X, self, attribute="coef_", method="decision_function")
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        coef_T = self.coef_.T if self.coef_.ndim == 2 else self.coef_
        scores = safe_sparse_dot(X, coef_T, dense_output=True) + self.intercept_
        if scores.ndim > 1 and scores.shape[1] == 1:
            return xp.reshape(scores, (-1,))
        return scores

    def predict(self, X):
        """``classes_[z > 0]`` for two classes, ``classes_[argmax z]`` otherwise."""
        check_same_namespace(X, self, attribute="coef_", method="predict")
        xp, _, device_ = get_namespace_and_device(X)
        scores = self.decision_function(X)
        if scores.ndim == 1:
            indices = xp.astype(scores > 0, xp.int64)
        else:
            indices = xp.argmax(scores, axis=1)
        xp_c, _, device_c = get_namespace_and_device(self.classes_)
        y_pred = xp_c.take(self.classes_, move_to(indices, xp=xp_c, device=device_c), axis=0)
        if isinstance(y_pred[0], str):
            return y_pred
        return move_to(y_pred, xp=xp, device=device_)


try:
    from sklearn.linear_model._base import LinearClassifierMixin as _SklearnLinearClassifierMixin
except ImportError:  # pragma: no cover - not in any supported scikit-learn
    LinearClassifierMixin = _LinearClassifierMixinFallback
else:
    if SKLEARN_VERSION >= (1, 9):
        LinearClassifierMixin = _SklearnLinearClassifierMixin
    else:

        class LinearClassifierMixin(_SklearnLinearClassifierMixin):
            """scikit-learn's mixin with 1.9's predict: the labels are taken on the host.

            Before 1.9 predict indexes ``classes_`` with the indices in X's namespace,
            which fails under array-API dispatch where ``classes_`` is in another
            namespace or on another device than X (it is in y's).
            """

            predict = _LinearClassifierMixinFallback.predict


# -- CallbackSupportMixin and HAS_CALLBACKS: scikit-learn's callback API (set_callbacks);
# sklearn.callback since 1.9, a do-nothing stand-in before ---------------------------------
class _CallbackSupportMixinFallback:
    """Stand-in when the installed scikit-learn has no callback API."""


try:
    from sklearn.callback import CallbackSupportMixin

    HAS_CALLBACKS = True
except ImportError:  # scikit-learn 1.7 and 1.8
    CallbackSupportMixin = _CallbackSupportMixinFallback
    HAS_CALLBACKS = False


# -- csr_matvec / csc_matvec(n_row, n_col, indptr, indices, data, x, y): y += A x for the
# CSR (CSC) matrix A given by its arrays, written into y (no new array); scipy.sparse's
# private kernels (scipy.sparse._sparsetools in every supported scipy), the fallbacks go
# through a public sparse matrix. indptr may be a slice of a larger matrix's, not shifted
# to start at 0: a block of rows (columns) that shares the matrix's arrays. ----------------
def _sparse_view(kind, n_row, n_col, indptr, indices, data):
    """A CSR/CSC matrix on the given arrays, not copied (scipy's constructors copy)."""
    A = kind((n_row, n_col), dtype=data.dtype)
    A.data, A.indices, A.indptr = data, indices, indptr
    return A


def _csr_matvec_fallback(n_row, n_col, indptr, indices, data, x, y):
    y += _sparse_view(sp.csr_matrix, n_row, n_col, indptr, indices, data) @ x


def _csc_matvec_fallback(n_row, n_col, indptr, indices, data, x, y):
    y += _sparse_view(sp.csc_matrix, n_row, n_col, indptr, indices, data) @ x


def _csr_matvecs_fallback(n_row, n_col, n_vecs, indptr, indices, data, x, y):
    y += (_sparse_view(sp.csr_matrix, n_row, n_col, indptr, indices, data)
          @ x.reshape(n_col, n_vecs)).ravel()


def _csc_matvecs_fallback(n_row, n_col, n_vecs, indptr, indices, data, x, y):
    y += (_sparse_view(sp.csc_matrix, n_row, n_col, indptr, indices, data)
          @ x.reshape(n_col, n_vecs)).ravel()


# csr_matvecs / csc_matvecs(n_row, n_col, n_vecs, indptr, indices, data, x, y): the same
# for the C-ordered (n_col, n_vecs) x and (n_row, n_vecs) y, given raveled (views).
try:
    from scipy.sparse._sparsetools import csc_matvec, csc_matvecs, csr_matvec, csr_matvecs
except ImportError:  # pragma: no cover - not in any supported scipy
    csr_matvec, csc_matvec = _csr_matvec_fallback, _csc_matvec_fallback
    csr_matvecs, csc_matvecs = _csr_matvecs_fallback, _csc_matvecs_fallback


def _numpy_cpu_features():
    """numpy's map of the CPU features its dispatch found ({} where it has none)."""
    for name in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):
        try:  # numpy 2 first: numpy.core warns there
            return dict(importlib.import_module(name).__cpu_features__)
        except (ImportError, AttributeError):
            continue
    return {}  # pragma: no cover - every supported numpy has one of them


def _simd_log1p(features, system, machine):
    """Whether numpy's ``log1p`` is vectorised: its SVML loops, which numpy links on
    Linux x86-64 alone and runs on AVX512_SKX (numpy >= 1.22, ``loops_umath_fp``).
    Elsewhere it is libm's, row by row, about three ``log``s a row."""
    return system == "linux" and machine in ("x86_64", "amd64") and bool(
        features.get("AVX512_SKX"))


#: numpy's log1p is vectorised here (:func:`_simd_log1p`): the loss then takes it
#: rather than log(1 + e) corrected by Fast2Sum (four passes more).
SIMD_LOG1P = _simd_log1p(_numpy_cpu_features(), sys.platform, platform.machine().lower())
