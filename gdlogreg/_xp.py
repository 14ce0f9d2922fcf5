"""Array functions that numpy spells differently from the array-API standard.

numpy < 2 has no ``concat`` and numpy < 2.1 no ``astype`` function; these
helpers take either, so that the same code runs on numpy and on any array-API
namespace; and the machine epsilon of a dtype of any of them (base layer: the
objective and the step rules both read it).
"""

import numpy as np


def eps(dtype):
    """Machine epsilon of the data's dtype (float32 or float64)."""
    size = getattr(dtype, "itemsize", None)  # numpy (and torch) dtypes; else by name
    return 1.2e-7 if (size == 4 if size is not None else "32" in str(dtype)) else 2.3e-16


def astype(a, dtype, xp):
    """``a`` as ``dtype`` (no copy when it already is)."""
    if isinstance(a, np.ndarray):
        return a.astype(dtype, copy=False)
    if xp is np:  # a Dask array on the host namespace: numpy's astype warns there
        return a.astype(dtype)
    return xp.astype(a, dtype)


def amax(a, xp):
    """The largest entry of ``a`` as a float (numpy's method: its module function's
    dispatch costs more than the reduction on a small array)."""
    return float(a.max() if isinstance(a, np.ndarray) else xp.max(a))


def concat(arrays, xp, axis=0):
    """Join arrays along an existing axis."""
    if all(isinstance(a, np.ndarray) for a in arrays):
        return np.concatenate(arrays, axis=axis)
    return xp.concat(arrays, axis=axis)


def to_host(a, dtype=np.float64):
    """A (small) array of any namespace and device as a numpy array of ``dtype``."""
    if isinstance(a, (np.ndarray, np.generic, float, int)):
        return np.asarray(a, dtype=dtype)
    if hasattr(a, "cpu"):  # torch
        return np.asarray(a.cpu(), dtype=dtype)
    from ._compat import convert_to_numpy, get_namespace

    return np.asarray(convert_to_numpy(a, get_namespace(a)[0]), dtype=dtype)
