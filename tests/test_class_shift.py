"""K classes with an L1 part: after each adaptive step the weights take the shift common to
the classes that minimises the penalty (the softmax ignores it).

Before, a proximal step moved the weights along those shifts at the L1 term's pace alone:
3 classes of 2,000 full-rank rows ran 600 to 1,000 iterations (C = 10, pure L1: max_iter,
6e-6 above J*), where the fits now stop within 40.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg._objective import best_shift


def _data(n=2000, d=12, classes=3):
    return make_classification(n, d, n_informative=8, n_redundant=0, n_classes=classes,
                               random_state=0)


def _fit(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return GradientDescentLogisticRegression(**params).fit(X, y)


@pytest.mark.parametrize("solver", ["bb", "backtracking", "nesterov"])
@pytest.mark.parametrize(("C", "l1_ratio", "classes"), [
    (10.0, 1.0, 3), (1.0, 0.5, 3), (0.1, 0.5, 5)])
def test_k_class_l1_fits_stop_early_at_the_optimum(solver, C, l1_ratio, classes):
    X, y = _data(classes=classes)
    est = _fit(X, y, C=C, l1_ratio=l1_ratio, solver=solver)
    ref = GradientDescentLogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-12,
                                            max_iter=100_000).fit(X, y)
    J, J_ref = est.loss_curve_[-1], ref.loss_curve_[-1]
    assert (J - J_ref) / J_ref <= 1e-6
    limit = {"bb": 60, "backtracking": 300, "nesterov": 300}[solver]
    assert est.n_iter_[0] <= limit, est.n_iter_


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_fitted_weights_take_the_best_shift(dtype):
    """No shift common to the classes lowers the penalty of coef_ (the base coordinates':
    the same family of shifts as the standardized coordinates')."""
    X, y = _data()
    C, rho = 1.0, 0.5
    est = _fit(X.astype(dtype), y, C=C, l1_ratio=rho)
    l1, l2 = rho / (C * len(y)), (1.0 - rho) / (C * len(y))
    W = est.coef_.T.astype(np.float64)
    gap, _ = best_shift(W, np.ones(W.shape[0]), l1, l2)
    penalty = l1 * np.abs(W).sum() + 0.5 * l2 * (W * W).sum()
    assert gap <= (1e-12 if dtype == np.float64 else 1e-5) * penalty


def test_a_float_learning_rate_keeps_the_lecture_path():
    """solver="gd" with a float α takes no shift: its path is the textbook prox step's
    (tests/test_review108.py pins it), and so it crawls along the shifts as before."""
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = GradientDescentLogisticRegression(solver="gd", learning_rate=0.5, C=10.0,
                                                l1_ratio=1.0, max_iter=50).fit(X, y)
    W = est.coef_.T
    l1 = 1.0 / (10.0 * len(y))
    assert best_shift(W, np.ones(W.shape[0]), l1, 0.0)[0] > 0.0


def test_the_search_takes_the_shift_as_its_single_fits():
    """Each (C, l1_ratio, fold) column of the batched search converges as its single fit
    does, and the fold scores are GridSearchCV's."""
    X, y = _data()
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    Cs, rhos = [0.1, 10.0], [0.5, 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        cv = GradientDescentLogisticRegressionCV(Cs=Cs, l1_ratios=rhos, cv=folds).fit(X, y)
        gs = GridSearchCV(GradientDescentLogisticRegression(),
                          {"C": Cs, "l1_ratio": rhos}, cv=folds).fit(X, y)
    assert np.max(cv.n_iter_) <= 60, cv.n_iter_
    for key in ("split0_test_score", "split1_test_score", "split2_test_score"):
        ours = dict(zip(map(str, cv.cv_results_["params"]), cv.cv_results_[key], strict=True))
        theirs = dict(zip(map(str, gs.cv_results_["params"]), gs.cv_results_[key],
                          strict=True))
        for params, score in theirs.items():
            assert abs(ours[params] - score) <= 1e-6, params


@pytest.mark.parametrize("l2", [0.0, 0.4])
@pytest.mark.parametrize("k", [3, 4])
def test_best_shift_where_most_coordinates_need_none(l2, k):
    """Weights as a fit leaves them after a step: most coordinates with a class at 0 (the
    least shift is none, and best_shift answers without the sort) and one that is not.
    Against a fine grid of shifts, coordinate by coordinate: the one that gains is moved
    (an early answer of "no shift" for the whole W would miss it), the others are not."""
    rng = np.random.default_rng(k + int(10 * l2))
    D, l1 = rng.uniform(0.5, 2.0, 6), 0.7
    # rows 0-4: a class at 0 between weights of both signs, small beside l1 (the kink at
    # 0 holds the least); row 5: all on one side of 0 (its median is not 0)
    W = np.abs(rng.normal(size=(6, k))) * 1e-3
    W[:, 0], W[:5, 2], W[:5, 3:] = 0.0, -W[:5, 2], 0.0
    W[5] = np.arange(k)
    cs = np.linspace(-5.0, 5.0, 100_001)

    def fall(j, c):
        P = lambda v: l1 * D[j] * np.abs(v).sum(-1) + 0.5 * l2 * D[j] ** 2 * (v * v).sum(-1)  # noqa: E731
        return P(W[j]) - P(W[j] + c)

    gap, c = best_shift(W, D, l1, l2)
    grid = [fall(j, cs[:, None]).max() for j in range(6)]
    assert all(g <= 1e-12 for g in grid[:5]) and grid[5] > 1e-3
    np.testing.assert_array_equal(c[:5], 0.0)
    assert grid[5] - 1e-12 <= gap <= grid[5] + 1e-3
    assert np.isclose(fall(5, c[5]), gap)
    # all six unshifted: no move, no gain
    W[5] = W[0]
    assert best_shift(W, D, l1, l2) == (0.0, pytest.approx(np.zeros(6), abs=0.0))
