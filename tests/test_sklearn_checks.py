"""scikit-learn's own estimator checks; the search fails one (its per-fold "balanced")."""

import numpy as np
from sklearn import config_context
from sklearn.utils.estimator_checks import parametrize_with_checks

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg._compat import SKLEARN_VERSION, get_namespace
from gdlogreg._steps import RULES


def _array_api_dispatch_error():
    """Why scikit-learn refuses array-API dispatch here (1.7: SciPy < 1.14), or None."""
    try:
        with config_context(array_api_dispatch=True):
            get_namespace(np.zeros(1))
    except (ImportError, RuntimeError) as exc:
        return str(exc)
    return None


NO_DISPATCH = _array_api_dispatch_error()


def _expected_failed_checks(estimator):
    out = {}
    if isinstance(estimator, GradientDescentLogisticRegressionCV):
        # "balanced" is computed on each fold's training rows (docs/search.rst), the
        # check's dict on all rows, so the searches differ; LogisticRegressionCV (1.9)
        # computes it once from all of y and passes.
        out["check_class_weight_balanced_linear_classifier"] = (
            "class_weight='balanced' is computed per training fold"
        )
    return {**out, **_base_expected_failed_checks()}


def _base_expected_failed_checks():
    if NO_DISPATCH is not None:
        return {"check_array_api_input": f"no array-API dispatch: {NO_DISPATCH}"}
    if SKLEARN_VERSION < (1, 9):
        # gdlogreg keeps classes_ in numpy (they may be strings); scikit-learn's
        # check allows that from 1.9 on.
        return {"check_array_api_input": "scikit-learn < 1.9 wants classes_ in X's namespace"}
    return {}


@parametrize_with_checks(
    # every registered step rule (a new one too: docs/architecture.rst), and the search
    # with its default and with the batched L-BFGS
    [GradientDescentLogisticRegression(solver=name) for name in sorted(RULES)]
    + [GradientDescentLogisticRegressionCV(Cs=2, cv=3),
       GradientDescentLogisticRegressionCV(Cs=2, cv=3, solver="lbfgs")],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_array_api_dispatch_with_array_api_strict():
    """Fit and predict with array_api_strict arrays under array_api_dispatch."""
    import numpy as np
    import pytest
    from sklearn import config_context
    from sklearn.datasets import load_iris

    xp = pytest.importorskip("array_api_strict")
    if NO_DISPATCH is not None:
        pytest.skip(f"no array-API dispatch: {NO_DISPATCH}")
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
