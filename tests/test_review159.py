"""Review 159 (an outside audit of the Dask and array-API paths, 2026-12-05).

The search told its probability scorers every class (``labels=classes_``, as
LogisticRegressionCV does) on numpy and Dask data only: on array-API data a test fold
that lacked a rare class raised scikit-learn's "y_true and y_prob contain different
number of classes". The labels now go in y's namespace and on its device.
"""

import numpy as np
import pytest
from sklearn import config_context

from gdlogreg import GradientDescentLogisticRegressionCV as GDCV


def _ready():
    try:
        with config_context(array_api_dispatch=True):
            pass
    except (RuntimeError, ImportError):
        return False
    return True


def _rare_class():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 5))
    y = np.digitize(X[:, 0], [-1.0, 1.0])
    y[[10, 20, 30]] = 3  # three rows: two of five stratified test folds lack it
    return X, y


@pytest.mark.parametrize("scoring", ["neg_log_loss", "neg_brier_score"])
def test_array_api_folds_without_a_class_are_scored_as_numpys(scoring):
    xps = pytest.importorskip("array_api_strict")
    if not _ready():
        pytest.skip("array-API dispatch needs SCIPY_ARRAY_API=1")
    X, y = _rare_class()
    ref = GDCV(Cs=3, cv=5, scoring=scoring).fit(X, y)
    with config_context(array_api_dispatch=True):
        search = GDCV(Cs=3, cv=5, scoring=scoring).fit(xps.asarray(X), xps.asarray(y))
    got = np.asarray(search.cv_results_["mean_test_score"])
    np.testing.assert_allclose(got, ref.cv_results_["mean_test_score"], rtol=1e-10)
    assert search.best_params_ == ref.best_params_
