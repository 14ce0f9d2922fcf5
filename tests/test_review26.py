"""Review 26: the search's default accuracy taken by hand (commit e858fe7).

The hand path must give the numbers ``model.score`` (the scorer, GridSearchCV) gives."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV


class _AlwaysFirst(GradientDescentLogisticRegression):
    def predict(self, X):
        return np.full(X.shape[0], self.classes_[0])


class _Shifted(GradientDescentLogisticRegression):
    def decision_function(self, X):
        return super().decision_function(X) - 100.0


@pytest.mark.parametrize("base", [_AlwaysFirst, _Shifted], ids=["predict", "decision_function"])
def test_a_subclass_with_its_own_predictions_is_scored_by_them(base):
    """ClassifierMixin.score calls the estimator's predict (and LinearClassifierMixin's
    predict its decision_function): a base estimator that overrides either, but not score,
    was scored by the hand path with the plain model's predictions (0.94 for 0.495)."""

    class Search(GradientDescentLogisticRegressionCV):
        def _base(self, **params):
            return base(**super()._base(**params).get_params())

    X, y = make_classification(200, 5, random_state=0)
    folds = list(StratifiedKFold(3).split(X, y))
    search = Search(Cs=[1.0, 100.0], cv=folds).fit(X, y)
    grid = GridSearchCV(base(), {"C": [1.0, 100.0]}, cv=folds).fit(X, y)
    for f in range(3):
        key = f"split{f}_test_score"
        np.testing.assert_array_equal(search.cv_results_[key], grid.cv_results_[key])


def test_weights_of_a_series_whose_sum_overflows_score_as_an_array_s():
    """_summable scaled numpy weights whose sum overflows, but passed a Series on: its
    weighted mean was inf/inf, nan scores with overflow warnings, where the same weights
    as an array score 0.67."""
    X, y = make_classification(120, 6, n_informative=3, random_state=0)
    w = np.full(len(y), 1e308)
    params = dict(Cs=[0.1, 10.0], cv=3)
    as_array = GradientDescentLogisticRegressionCV(**params).fit(X, y, sample_weight=w)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for scoring in (None, "accuracy"):
            as_series = GradientDescentLogisticRegressionCV(scoring=scoring, **params).fit(
                X, y, sample_weight=pd.Series(w))
            for f in range(3):
                key = f"split{f}_test_score"
                np.testing.assert_array_equal(as_series.cv_results_[key], as_array.cv_results_[key])
