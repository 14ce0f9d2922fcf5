"""Review 89: the stop on separated rows at C = inf (commit cb69aa6), from outside.

Found: (1) a positive sample weight whose normalised share rounds to 0 in the data's dtype
(1e-320 next to weights of 1e10 in float64, 1e-44 in float32) dropped out of s, so the
certificate's least weight skipped its row: the fit stopped "separated", its warning saying
that every row is classified by a margin, with that row misclassified by a margin of -52
(such a weight now keeps the least positive number: single, Dask and array-API fits and the
search's folds).
(2) LossCurveDisplay(log_scale=True) of a "separated" fit measured J against its own last
J, so its last point vanished: J* is 0 there. (3) ``c-search --Cs inf`` was refused as
"must be > 0, got inf". Left as xfail: the batched L-BFGS leaves the single fit's path at
C = inf (breast cancer, fold 3 of 4: 162 against 166 iterations, neg_log_loss 0.016
apart), and L-BFGS at C = inf on breast cancer runs to max_iter (J = 5e-5) where
LogisticRegression stops at 298 and a warm restart from there stops in 6.

Held (not pinned beyond the tests below): no unsound stop with weights of 1e-3 to 1e-300,
huge (1e300) or all subnormal, class_weight, rows of weight 0, duplicated rows of both labels,
fit_intercept=False, float32, multinomial; tol from 1 to 1e-15 stops "separated" with
margins > 3; the search's stop reasons, curve lengths and fold scores (neg_log_loss,
accuracy; Cs [inf] and [0.1, inf]) match GridSearchCV on bb; the CLI's compare and
verbose output name the stop.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from gdlogreg import (
    GradientDescentLogisticRegression,
    GradientDescentLogisticRegressionCV,
    LossCurveDisplay,
)


def _std(load):
    X, y = load(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _margins(est, X, y):
    z = np.asarray(est.decision_function(X), dtype=np.float64)
    if z.ndim == 1:
        return np.where(y == est.classes_[1], z, -z)
    rows, own = np.arange(len(y)), np.searchsorted(est.classes_, y)
    mine = z[rows, own].copy()
    z = z.copy()
    z[rows, own] = -np.inf
    return mine - z.max(axis=1)


def _fit(X, y, w=None, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GradientDescentLogisticRegression(C=np.inf, **params).fit(X, y, sample_weight=w)


def _with_a_wrong_row(X, y, n_classes):
    """X with row 0 again under another label (no hyperplane classifies both)."""
    return np.vstack([X, X[:1]]), np.append(y, (y[0] + 1) % n_classes)


@pytest.mark.parametrize("dtype, big, tiny", [(np.float64, 1e10, 1e-320),
                                              (np.float32, 1.0, 1e-44)])
def test_a_positive_weight_whose_share_rounds_to_0_is_still_certified(dtype, big, tiny):
    X, y = _std(load_wine)
    X, y = _with_a_wrong_row(X, y, 3)
    w = np.full(len(y), big)
    w[-1] = tiny
    est = _fit(X.astype(dtype), y, w, max_iter=60)
    # was "separated" at 24 iterations, the last row's margin -52
    assert est.stop_reason_ != "separated"
    assert _margins(est, X, y)[-1] < 0


@pytest.mark.slow
def test_a_dask_fit_keeps_such_a_weight():
    da = pytest.importorskip("dask.array")
    X, y = _std(load_wine)
    X, y = _with_a_wrong_row(X, y, 3)
    w = np.full(len(y), 1e10)
    w[-1] = 1e-320
    est = _fit(da.from_array(X, chunks=60), y, da.from_array(w, chunks=60), max_iter=60)
    assert est.stop_reason_ != "separated"


def test_the_search_keeps_such_a_weight_in_its_folds():
    X, y = _std(load_wine)
    X, y = _with_a_wrong_row(X, y, 3)
    w = np.full(len(y), 1e10)
    w[-1] = 1e-320
    cv = StratifiedKFold(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GradientDescentLogisticRegressionCV(
            Cs=[np.inf], cv=cv, max_iter=60, refit=False).fit(X, y, sample_weight=w)
    for f, (train, _) in enumerate(cv.split(X, y)):
        if len(y) - 1 in train:  # the fold that trains on the misclassified row
            assert search.stop_reasons_[f] != "separated"
        else:
            assert search.stop_reasons_[f] == "separated"


def test_a_separated_fit_is_plotted_against_the_infimum_0():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = _std(load_wine)
    est = _fit(X, y)
    assert est.stop_reason_ == "separated"
    display = LossCurveDisplay.from_estimator([est], log_scale=True)
    drawn = display.lines_[0].get_ydata()
    # the last point was nan: J - J* with J* its own last J
    np.testing.assert_allclose(drawn, est.loss_curve_[: est.n_iter_[0] + 1])
    plt.close("all")


def test_c_search_says_why_it_refuses_a_nan_C_and_searches_an_infinite_one(capsys):
    # (review 139: C=inf is no penalty, which the search fits and its plot draws as a
    # category; it was refused here before)
    from gdlogreg._cli import main

    with pytest.raises(SystemExit):
        main(["c-search", "--Cs", "nan"])
    assert "--Cs" in capsys.readouterr().err
    assert main(["c-search", "--dataset", "iris", "--cv", "2", "--max-iter", "30",
                 "--Cs", "1", "inf"]) == 0
    assert "inf" in capsys.readouterr().out


def test_a_warm_start_from_a_separated_fit_stops_at_once():
    X, y = _std(load_breast_cancer)
    est = _fit(X, y, warm_start=True)
    first = est.loss_curve_[-1]
    with pytest.warns(ConvergenceWarning, match="classified by a margin"):
        est.fit(X, y)
    assert est.stop_reason_ == "separated" and est.n_iter_[0] == 0
    assert est.loss_curve_[0] == pytest.approx(first, rel=1e-12)


@pytest.mark.xfail(strict=True, reason="batched L-BFGS leaves the single fit's path at C=inf")
def test_batched_lbfgs_follows_the_single_fit_at_C_inf():
    """Fold 3 of 4 on breast cancer: the curves part at iteration 32 (1.3e-7 relative, far
    above rounding), the search stops at 162 and the single fit at 166."""
    X, y = _std(load_breast_cancer)
    cv = StratifiedKFold(4)
    with pytest.warns(ConvergenceWarning, match="without a minimum"):
        search = GradientDescentLogisticRegressionCV(
            Cs=[np.inf], cv=cv, solver="lbfgs", refit=False, scoring="neg_log_loss").fit(X, y)
    train, test = list(cv.split(X, y))[3]
    single = _fit(X[train], y[train], solver="lbfgs")
    assert len(search.loss_curves_[3]) == len(single.loss_curve_)
    score = -np.mean(-np.log(single.predict_proba(X[test])[np.arange(len(test)), y[test]]))
    assert search.cv_results_["split3_test_score"][0] == pytest.approx(score, abs=1e-6)


def test_lbfgs_stops_separated_where_logistic_regression_stops():
    """LogisticRegression(C=inf) stops at 298 iterations (J = 1.2e-4). Our L-BFGS ran to
    max_iter (J = 5.5e-5): its metric's steps were refused at t = 1 (J(1) = 0.15 from 9e-4)
    and the quadratic through J(1) cut them to 1e-9, so the metric was dropped and plain
    L-BFGS fell by 1% an iteration. With the cut floored at t/10 it stops at 66 (123 on the
    oldest stack). At one thread: near its stop the path is at rounding's mercy, and on the
    oldest stack at two threads it still runs to max_iter, J = 1.5e-6 against the stop's
    7e-7 (the newest: 66 at either)."""
    from threadpoolctl import threadpool_limits

    X, y = _std(load_breast_cancer)
    with threadpool_limits(1):
        est = _fit(X, y, solver="lbfgs")
    assert est.stop_reason_ == "separated" and est.n_iter_[0] <= 300
