"""Review 55: hostile input against the middle metric, the blocks of K classes and pos_label.

Review 55 tried to break the p × p metric between the two (a286df0,
``Objective.whitening_gap``), the factored metric's per-class blocks (fe4507a, 648cbe2) and
the search's pos_label rule (69274b9). The defect:

- scoring="neg_brier_score" (or "d2_brier_score", or make_scorer(brier_score_loss)) on
  string labels raised scikit-learn's "pos_label is not specified" where
  LogisticRegressionCV scores the last class: the rule knew only a default pos_label of 1,
  and Brier's is None (the greater label of numbers, refused for strings).

The controls after it pin what held and what a change could lose.
"""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold

from gdlogreg import GradientDescentLogisticRegressionCV


def _binary(n=120, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 3)
    return X, (X[:, 0] + 0.7 * rng.randn(n) > 0.3).astype(int)


@pytest.mark.parametrize("scoring", ["neg_brier_score", "d2_brier_score"])
@pytest.mark.parametrize("labels", [["a", "b"], np.array(["no", "yes"], dtype=object)])
def test_brier_on_string_labels_scores_as_logistic_regression_cv(scoring, labels):
    X, yi = _binary()
    y = np.asarray(labels)[yi]
    cv = StratifiedKFold(3)
    ours = GradientDescentLogisticRegressionCV(Cs=[0.1, 1.0], cv=cv, scoring=scoring,
                                               tol=1e-10).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = LogisticRegressionCV(Cs=[0.1, 1.0], cv=cv, scoring=scoring, tol=1e-10,
                                      use_legacy_attributes=False).fit(X, y)
    expected = np.asarray(theirs.scores_).reshape(3, -1).mean(axis=0)
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"], expected, rtol=1e-6)
    # and as on the labels 0/1 (Brier's score is the same for either class)
    numeric = GradientDescentLogisticRegressionCV(Cs=[0.1, 1.0], cv=cv, scoring=scoring,
                                                  tol=1e-10).fit(X, yi)
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                               numeric.cv_results_["mean_test_score"], rtol=1e-12)
