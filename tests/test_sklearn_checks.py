"""scikit-learn's own estimator checks, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from gdlogreg import GradientDescentLogisticRegression


@parametrize_with_checks([GradientDescentLogisticRegression()])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_array_api_dispatch_with_array_api_strict():
    """Fit and predict with array_api_strict arrays under array_api_dispatch."""
    import numpy as np
    import pytest
    from sklearn import config_context
    from sklearn.datasets import load_iris

    xp = pytest.importorskip("array_api_strict")
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    ref = GradientDescentLogisticRegression().fit(X, y)
    with config_context(array_api_dispatch=True):
        model = GradientDescentLogisticRegression().fit(xp.asarray(X), xp.asarray(y))
        proba = model.predict_proba(xp.asarray(X))
        pred = model.predict(xp.asarray(X))
    assert type(model.coef_).__module__.startswith("array_api_strict")
    np.testing.assert_allclose(np.asarray(model.coef_), ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(np.asarray(proba), ref.predict_proba(X), atol=1e-8)
    np.testing.assert_array_equal(np.asarray(pred), ref.predict(X))
