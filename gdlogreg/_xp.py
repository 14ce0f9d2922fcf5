"""Array functions that numpy spells differently from the array-API standard.

numpy < 2 has no ``concat`` and numpy < 2.1 no ``astype`` function; these
helpers take either, so that the same code runs on numpy and on any array-API
namespace.
"""

import numpy as np


def astype(a, dtype, xp):
    """``a`` as ``dtype`` (no copy when it already is)."""
    if isinstance(a, np.ndarray):
        return a.astype(dtype, copy=False)
    return xp.astype(a, dtype)


def concat(arrays, xp, axis=0):
    """Join arrays along an existing axis."""
    if all(isinstance(a, np.ndarray) for a in arrays):
        return np.concatenate(arrays, axis=axis)
    return xp.concat(arrays, axis=axis)
