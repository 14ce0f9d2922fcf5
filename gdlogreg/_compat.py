"""The one place that imports private or version-dependent scikit-learn helpers."""

from sklearn.utils._array_api import _convert_to_numpy as convert_to_numpy  # noqa: F401
from sklearn.utils._array_api import _is_numpy_namespace as is_numpy_namespace  # noqa: F401
from sklearn.utils._array_api import (  # noqa: F401
    _max_precision_float_dtype as max_precision_float_dtype,
)
from sklearn.utils._array_api import (  # noqa: F401  # noqa: F401
    check_same_namespace,
    device,
    get_namespace,
    get_namespace_and_device,
    move_to,
)
