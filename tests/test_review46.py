"""Review 46: the public contract as written against the code as it runs.

Each exported object's numpydoc docstring was checked claim by claim (see the report of
review 46). The tests below pin the defects found, and a few properties that held and
that a change could break without another test noticing.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV

from gdlogreg import (
    GradientDescentLogisticRegression,
    SearchScoreDisplay,
)

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(autouse=True)
def _agg_backend():
    import matplotlib
    import matplotlib.pyplot as plt

    matplotlib.use("Agg")
    yield
    plt.close("all")


# ----------------------------------------------------------------- SearchScoreDisplay
def test_search_score_display_of_a_grid_with_dict_valued_parameters(iris):
    # SearchScoreDisplay.from_estimator takes "GridSearchCV and the like"; a grid over
    # class_weight holds dicts, and the display raised "TypeError: unhashable type:
    # 'dict'" (the distinct values were taken by dict.fromkeys), even when only C is
    # plotted.
    X, y = iris
    weights = [None, {0: 1.0, 1: 2.0, 2: 1.0}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gs = GridSearchCV(GradientDescentLogisticRegression(),
                          {"C": [0.1, 1.0], "class_weight": weights}, cv=3).fit(X, y)
    display = SearchScoreDisplay.from_estimator(gs, params="C")
    assert display.param_names == ["C"]
    best = gs.best_params_
    # The scores plotted are those of the best candidate's class_weight.
    rows = [i for i, p in enumerate(gs.cv_results_["params"])
            if p["class_weight"] == best["class_weight"]]
    np.testing.assert_array_equal(display.mean_test_score,
                                  gs.cv_results_["mean_test_score"][rows])
    both = SearchScoreDisplay.from_estimator(gs)  # both axes: class_weight as categories
    assert both.param_values[1] == weights
    assert both.mean_test_score.shape == (2, 2)


def test_search_score_display_of_a_multimetric_search_plots_the_refit_metric(iris):
    # A multi-metric GridSearchCV (scoring=[...], refit="accuracy") has cv_results_ and
    # best_index_, as the docstring asks, but no "mean_test_score": from_estimator raised
    # KeyError('mean_test_score'). It plots the metric that chose best_index_.
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gs = GridSearchCV(GradientDescentLogisticRegression(), {"C": [0.01, 0.1, 1.0]},
                          scoring=["neg_log_loss", "accuracy"], refit="accuracy",
                          cv=3).fit(X, y)
    display = SearchScoreDisplay.from_estimator(gs)
    np.testing.assert_array_equal(display.mean_test_score,
                                  gs.cv_results_["mean_test_accuracy"])
    assert display.best_index == (gs.best_index_,)
    assert display.scoring == "accuracy"
    # from_cv_results: the metric named by scoring, and its own ranks for the best.
    logloss = SearchScoreDisplay.from_cv_results(gs.cv_results_, scoring="neg_log_loss")
    np.testing.assert_array_equal(logloss.mean_test_score,
                                  gs.cv_results_["mean_test_neg_log_loss"])
    assert logloss.best_index == (int(np.argmin(gs.cv_results_["rank_test_neg_log_loss"])),)
    # Without a metric named: a ValueError that lists them.
    with pytest.raises(ValueError, match="several metrics.*accuracy.*neg_log_loss"):
        SearchScoreDisplay.from_cv_results(gs.cv_results_)
