"""Review 165: a model whose coef_, intercept_ and classes_ are set by hand predicts, as
LogisticRegression's does (loaded or copied coefficients), and X of another width gets a
clear error rather than numpy's matmul one."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV

ESTIMATORS = [GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV]


def _hand_set(est, ref):
    est.coef_, est.intercept_, est.classes_ = ref.coef_, ref.intercept_, ref.classes_
    return est


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("binary", [True, False])
def test_coefficients_set_by_hand_predict_as_logistic_regression(Est, binary):
    X, y = load_iris(return_X_y=True)
    if binary:
        y = (y == 2).astype(int)
    ref = LogisticRegression(max_iter=1000).fit(X, y)
    est = _hand_set(Est(), ref)
    check_is_fitted(est)
    np.testing.assert_array_equal(est.predict(X), ref.predict(X))
    np.testing.assert_allclose(est.predict_proba(X), ref.predict_proba(X), rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(est.decision_function(X), ref.decision_function(X),
                               rtol=1e-12)
    assert est.score(X, y) == ref.score(X, y)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_coefficients_set_by_hand_refuse_x_of_another_width(Est):
    X, y = load_iris(return_X_y=True)
    est = _hand_set(Est(), LogisticRegression(max_iter=1000).fit(X, y))
    with pytest.raises(ValueError, match="X has 3 features, but .* expecting 4 features"):
        est.predict(X[:, :3])
