"""Review 18: the array-API (torch) and Dask paths against the numpy fit of the same data."""

import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import make_classification

from gdlogreg import GradientDescentLogisticRegression


def _data(n_classes, n_features, n=120, seed=0):
    return make_classification(
        n, n_features, n_informative=n_features, n_redundant=0, n_classes=n_classes,
        n_clusters_per_class=1, random_state=seed,
    )


@pytest.mark.parametrize(("n_classes", "n_features"), [(4, 3), (10, 5)])
def test_dask_multinomial_without_intercept_with_more_classes_than_features(
    n_classes, n_features
):
    """fit_intercept=False with K > d on Dask: the passes of another loss on the same Z
    (the curvature share of bb's whitening, J's value, the dual gap) called the
    backend without fit_intercept, whose default True read row d of a coef of d rows:
    IndexError in the tasks. The numpy fit's model."""
    da = pytest.importorskip("dask.array")
    X, y = _data(n_classes, n_features)
    params = {"fit_intercept": False}
    ref = GradientDescentLogisticRegression(**params).fit(X, y)
    model = GradientDescentLogisticRegression(**params).fit(da.from_array(X, chunks=(37, -1)), y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
    assert model.n_iter_[0] == ref.n_iter_[0]
    np.testing.assert_allclose(model.dual_gap_, ref.dual_gap_, rtol=1e-5, atol=1e-12)
