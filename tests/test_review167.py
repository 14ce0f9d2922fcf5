"""Review 167: with ``warm_start_path=True`` a repeated C's twins both start from the
previous C's solution, on the solvers fitted one by one as on the batched ones (the
second twin started from zero there)."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import StratifiedKFold

from gdlogreg import GradientDescentLogisticRegressionCV


@pytest.mark.parametrize("solver", ["bb", "nesterov", "backtracking"])
def test_a_repeated_c_starts_both_twins_from_the_previous_c(solver):
    X, y = load_iris(return_X_y=True)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    F = len(folds)
    search = GradientDescentLogisticRegressionCV(
        Cs=[1.0, 0.1, 1.0, 10.0], cv=folds, solver=solver, warm_start_path=True,
        max_iter=3000).fit(X, y)
    for f in range(F):  # candidates 0 and 2 are C = 1, both after C = 0.1
        first, twin = search.loss_curves_[0 * F + f], search.loss_curves_[2 * F + f]
        assert first[0] < np.log(3) - 0.5  # not the all-zero model's J
        np.testing.assert_array_equal(twin, first)
    np.testing.assert_array_equal(search.n_iter_[0][:, 2], search.n_iter_[0][:, 0])
