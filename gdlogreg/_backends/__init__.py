"""Backends: the only code of a fit that reads X (scikit-learn's validation aside).

One module per kind of data, one line each in :func:`make_backend`:

- :mod:`._array`: numpy and scipy.sparse (:class:`NumpyBackend`), and any
  array-API namespace such as torch or cupy (:class:`ArrayBackend`);
- :mod:`._dask`: ``dask.array`` chunks on a cluster (:class:`DaskBackend`).

Every backend offers the kernels ``linear``, ``gram``, ``loss_pass``, ``combine`` and
``moments``, and all but Dask's ``rlinear`` (Dask's ``class_gram`` serves where the
objective would take H's columns by it); see
:class:`._array.ArrayBackend` and docs/architecture.rst for the optional ones. Here too:
X's finiteness where scikit-learn's check was skipped (:func:`refuse_non_finite`), and in
:mod:`._separation` the linear program behind the warning that J has no minimum.
"""

import numpy as np
import scipy.sparse as sp


def is_dask(obj):
    """Whether ``obj`` is a Dask collection (array, DataFrame, Series); no import of Dask."""
    module = type(obj).__module__
    return module == "dask" or module.startswith(("dask.", "dask_expr"))


def namespace_of(X):
    """``(xp, device)`` of the data: numpy for numpy, sparse and Dask X (device None)."""
    if sp.issparse(X) or isinstance(X, np.ndarray) or is_dask(X):
        return np, None
    from .._compat import get_namespace_and_device

    xp, _, device = get_namespace_and_device(X)
    return xp, device


def dtype_of(X):
    """The dtype of the data (of its blocks, for X given as a sequence of blocks)."""
    return X.dtype if hasattr(X, "dtype") else np.result_type(*X)


def constant_columns(mean, var, xp=np):
    """Which columns are constant to their dtype's precision: a weighted standard
    deviation of at most 4 ε times the root mean square (ε of the moments' dtype, X's).

    Every backend's moments give a column constant over the rows of positive weight
    a variance of 0 or under 1e-36 of its mean square (the corrected two-pass sums,
    which take every column far from 0 against its spread), and a spread above
    rounding its variance to a few ε of it (3e-13 at most where the dense raw sums
    keep a column, one within 8 standard deviations of their shift), so the test
    needs no margin for the moments' rounding: 1e6 + N(0, 1) is centred (its
    spread is 1e-6 of its mean). Where they divide by a scale, they shift X by a row of positive
    weight first (:func:`._array._origin`): x / scale would round each x at ε of
    the mean, a variance good to ε·rms/sd only (5 % at a spread of 2 ε).
    Two values a few ulps apart carry no digit that a product
    ``X @ w`` in X's precision would keep once centred.
    """
    eps = float(xp.finfo(var.dtype).eps)
    return var <= (4.0 * eps) ** 2 * (var + mean * mean)


def refuse_non_finite(X):
    """A ValueError where X (numpy, scipy.sparse or an array-API array; Dask X is checked
    where it is read) holds NaN or inf, naming scikit-learn's skipped check where
    ``assume_finite`` is set."""
    from sklearn import get_config

    if hasattr(X, "dask"):
        return
    data = X.data if hasattr(X, "tocsr") else X
    if isinstance(data, np.ndarray):
        finite = bool(np.isfinite(data).all())
    else:
        xp, _ = namespace_of(data)
        finite = bool(xp.all(xp.isfinite(data)))
    if finite:
        return
    skipped = get_config()["assume_finite"]
    raise ValueError(
        "Input X contains NaN or infinity." + (
            " scikit-learn's check of X was skipped (sklearn.set_config(assume_finite=True));"
            " remove or impute the non-finite values." if skipped else "")
    )


#: Entries of X's rows of weight 0 that :func:`finite_weightless_rows` copies at a time.
ROWS_READ = 1 << 16


def finite_weightless_rows(X, weights):
    """Refuse NaN or inf on X's rows of weight 0 where scikit-learn skipped its check of X
    (``assume_finite=True``): the moments skip these rows, but their products do not
    (0·NaN is NaN in X w and in Xᵀ r). Reads those rows alone, in X's namespace."""
    from sklearn import get_config

    if weights is None or hasattr(X, "dask") or not get_config()["assume_finite"]:
        return
    if isinstance(weights, np.ndarray) and (isinstance(X, np.ndarray) or hasattr(X, "tocsr")):
        zero = np.flatnonzero(weights == 0)
        per_row = X.nnz / max(X.shape[0], 1) if hasattr(X, "nnz") else X.shape[1]
        step = max(1, int(ROWS_READ // max(per_row, 1)))  # a copy of those rows: by blocks
        for i in range(0, zero.size, step):  # (half of X's rows at weight 0 were 0.57 X
            refuse_non_finite(X[zero[i : i + step]])  # at a fit's peak; review 216)
        return
    xp, device = namespace_of(X)
    zero = xp.asarray(weights, device=device) == 0
    if bool(xp.any(zero)):
        refuse_non_finite(xp.take(X, xp.nonzero(zero)[0], axis=0))


def make_backend(X, loss, y_idx, s):
    """The backend for X, holding the targets as ``loss`` encodes them and the weights s."""
    if is_dask(X):
        from ._dask import DaskBackend

        return DaskBackend(X, loss, y_idx, s)
    from ._array import make_array_backend

    xp, device = namespace_of(X)
    return make_array_backend(X, loss.encode(y_idx, xp, device), s)
