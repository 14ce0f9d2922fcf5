"""Review 39: GradientDescentLogisticRegressionCV as a drop-in for LogisticRegressionCV and
GridSearchCV after the batched search's recent changes (batched L-BFGS, warm_start_path,
the search's scoring and its default accuracy)."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import ParameterGrid

from gdlogreg import GradientDescentLogisticRegressionCV

X, Y = load_iris(return_X_y=True)


@pytest.mark.parametrize(
    "params, name",
    [({"Cs": np.array([[0.1, 1.0], [10.0, 100.0]])}, "C"), ({"Cs": [[0.1, 1.0]]}, "C"),
     ({"l1_ratios": [[0.0], [0.5]]}, "l1_ratio"),
     ({"learning_rates": [[0.1, 0.2], [0.3, 0.4]]}, "learning_rate")],
    ids=["Cs-2d-array", "Cs-nested-list", "l1-nested", "lr-nested"],
)
def test_a_grid_of_more_than_one_dimension_is_refused(params, name):
    # Was: flattened without a word (Cs=[[0.1, 1.0]] searched 0.1 and 1.0; a 2 × 2 array,
    # four values), where a ragged one ([[0.1, 0.2], 0.3]) is refused and GridSearchCV's
    # ParameterGrid refuses a 2-D array ("should be one-dimensional").
    with pytest.raises(ValueError, match="should be one-dimensional"):  # the convention
        ParameterGrid({"C": np.array([[0.1, 1.0], [10.0, 100.0]])})
    with pytest.raises(ValueError, match=f"grid of {name} must be one-dimensional"):
        GradientDescentLogisticRegressionCV(solver="gd", max_iter=5, **params).fit(X, Y)


@pytest.mark.parametrize(
    "params, says",
    [({"Cs": [1.0, 0.0]}, r"C of the grid must be a float in the range \(0.0, inf\]"),
     ({"Cs": [-1.0]}, r"C of the grid must be a float in the range \(0.0, inf\]"),
     ({"Cs": [np.nan]}, r"C of the grid must be a float in the range \(0.0, inf\]"),
     ({"l1_ratios": [1.5]}, r"l1_ratio of the grid must be a float in the range \[0.0, 1.0\]"),
     ({"learning_rates": [0.0]},
      r"learning_rate of the grid must be a float in the range \(0.0, inf\) or a str among"
      r" \{'auto'\}")],
    ids=["C-zero", "C-negative", "C-nan", "l1-above-1", "lr-zero"],
)
def test_a_value_out_of_range_is_refused_with_the_range(params, says):
    # Was: "Every C of the grid must be valid for GradientDescentLogisticRegression; got
    # 0.0.", which leaves the user to look up what is valid; the single fit says the range
    # in scikit-learn's words ("must be a float in the range (0.0, inf]").
    with pytest.raises(ValueError, match=says):
        GradientDescentLogisticRegressionCV(solver="gd", max_iter=5, **params).fit(X, Y)
