"""Review 55: hostile input against the middle metric, the blocks of K classes and pos_label.

Review 55 tried to break the p × p metric between the two (a286df0,
``Objective.whitening_gap``), the factored metric's per-class blocks (fe4507a, 648cbe2) and
the search's pos_label rule (69274b9). The defects:

- scoring="neg_brier_score" (or "d2_brier_score", or make_scorer(brier_score_loss)) on
  string labels raised scikit-learn's "pos_label is not specified" where
  LogisticRegressionCV scores the last class: the rule knew only a default pos_label of 1,
  and Brier's is None (the greater label of numbers, refused for strings); and the
  search's ``score`` raised "pos_label=1 is not a valid label" on the labels whose
  best_score_ it had just scored (f1 of strings), as LogisticRegressionCV.score does;
- a warm start of K classes off the optimum by a shift common to the classes (the same
  predictions, only the penalty higher: LogisticRegression is back in 5 iterations) ran
  to max_iter, 8e-4 above J*, on 600 rows of 300 raw coordinates (between the two metrics,
  and on more rows too): the class-shared metric, whose curvature along the shift is the
  loss's and not the penalty's alone, stepped along it at a crawl. The start now drops
  the shift where the penalty is L2 alone (J falls).

Left as a strict xfail: a class of one row between the two metrics (400 × 250 raw, C =
100) stops converged_ 3e-5 (bb) and 1e-4 (lbfgs) above J*, as the plain steps did there
before a286df0; the stopping rule, not the metric.

Checked and held (not all pinned): the middle region's fits on duplicated, constant,
near-constant, one-nonzero columns, units 1e-150 and 1e150, C from 1e-12 to 1e12, float32,
class weights, weights of 0, summing to 1 or 1e-300, read-only, Fortran and strided X,
torch CPU and array_api_strict (same iterations as numpy), all converged within 1e-5 of J*
or warned; a weight of 2 and a repeated row take the same path at each threshold (257
rows, n = 4p, n = p + 1); the search's columns follow their single fits (bb exactly, lbfgs
to a few iterations at C = 100) in a batch whose folds straddle 256 rows, with and
without warm_start_path; the wide K-class blocks on the same hostile columns and weights.
"""

import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import brier_score_loss, f1_score, get_scorer, recall_score
from sklearn.model_selection import KFold, StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg._estimator import _common_shift_dropped
from gdlogreg._objective import Objective
from gdlogreg._problem import make_problem


def _binary(n=120, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 3)
    return X, (X[:, 0] + 0.7 * rng.randn(n) > 0.3).astype(int)


@pytest.mark.parametrize("scoring", ["neg_brier_score", "d2_brier_score"])
@pytest.mark.parametrize("labels", [["a", "b"], np.array(["no", "yes"], dtype=object)])
def test_brier_on_string_labels_scores_as_logistic_regression_cv(scoring, labels):
    from sklearn.metrics import get_scorer_names

    if scoring not in get_scorer_names():  # d2_brier_score: scikit-learn >= 1.8
        pytest.skip(f"{scoring} is not a scorer of this scikit-learn")
    X, yi = _binary()
    y = np.asarray(labels)[yi]
    cv = StratifiedKFold(3)
    ours = GradientDescentLogisticRegressionCV(Cs=[0.1, 1.0], cv=cv, scoring=scoring,
                                               tol=1e-10).fit(X, y)
    legacy = "use_legacy_attributes" in LogisticRegressionCV().get_params()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = LogisticRegressionCV(Cs=[0.1, 1.0], cv=cv, scoring=scoring, tol=1e-10,
                                      **({"use_legacy_attributes": False} if legacy else {})
                                      ).fit(X, y)
    scores = theirs.scores_  # a dict of one class's before scikit-learn 1.8
    scores = next(iter(scores.values())) if isinstance(scores, dict) else scores
    expected = np.asarray(scores).reshape(3, -1).mean(axis=0)
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"], expected, rtol=1e-6)
    # and as on the labels 0/1 (Brier's score is the same for either class)
    numeric = GradientDescentLogisticRegressionCV(Cs=[0.1, 1.0], cv=cv, scoring=scoring,
                                                  tol=1e-10).fit(X, yi)
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                               numeric.cv_results_["mean_test_score"], rtol=1e-12)


@pytest.mark.parametrize("scoring", ["f1", "recall", "neg_brier_score"])
def test_score_uses_the_pos_label_the_search_scored_with(scoring):
    """The search scored f1 of string labels on the last class (best_score_), but its
    ``score`` raised "pos_label=1 is not a valid label" on the same labels (as
    LogisticRegressionCV.score does): it takes the fit's rule now. Labels whose default
    scores them ({0, 1}) score as before."""
    X, yi = _binary()
    y = np.array(["no", "yes"])[yi]
    search = GradientDescentLogisticRegressionCV(Cs=[1.0], cv=3, scoring=scoring).fit(X, y)
    scorer = get_scorer(scoring)
    metric = {"f1": f1_score, "recall": recall_score}.get(scoring)
    expected = -brier_score_loss(y, search.predict_proba(X)[:, 1], pos_label="yes") \
        if metric is None else metric(y, search.predict(X), pos_label="yes")
    assert search.score(X, y) == pytest.approx(expected, rel=1e-12)
    numeric = GradientDescentLogisticRegressionCV(Cs=[1.0], cv=3, scoring=scoring).fit(X, yi)
    assert numeric.score(X, yi) == pytest.approx(scorer(numeric, X, yi), rel=1e-15)


def _classes_in_the_middle(n=600, d=300, K=3, seed=0):
    """Raw correlated features of scales e^-3 to e^3, n rows of d coordinates (between n/4
    and n: the p × p metric between the two), K classes."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) @ (np.eye(d) + 0.3 * rng.standard_normal((d, d)))
    X = X * np.exp(rng.uniform(-3, 3, d))
    W = rng.standard_normal((d, K)) / np.sqrt(d)
    return X, np.argmax(X / X.std(axis=0) @ W + 2 * rng.gumbel(size=(n, K)), axis=1)


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
def test_a_warm_start_off_the_optimum_by_a_shift_common_to_the_classes(solver):
    """The optimum plus 0.1 on every class's coefficients: the same predictions, only the
    penalty higher. LogisticRegression(warm_start=True) is back in 5 iterations; the fit
    ran to max_iter (1000, not converged, 8e-4 above J*), its class-shared metric
    stepping along the shift at a crawl. The softmax ignores the shift, so the warm start
    drops it (an L2 penalty alone): J falls, the fit starts at its optimum."""
    X, y = _classes_in_the_middle()
    opt = GradientDescentLogisticRegression(solver=solver, tol=1e-10, max_iter=5000).fit(X, y)
    model = GradientDescentLogisticRegression(solver=solver, warm_start=True)
    model.coef_, model.intercept_, model.classes_ = opt.coef_ + 0.1, opt.intercept_, opt.classes_
    start = model.coef_.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y)
    assert model.converged_ and model.n_iter_[0] <= 5
    np.testing.assert_allclose(model.coef_, opt.coef_, atol=1e-6 * np.abs(opt.coef_).max())
    np.testing.assert_array_equal(start, opt.coef_ + 0.1)  # the user's array as it was


def test_a_shift_common_to_the_classes_stays_where_dropping_it_is_no_gain():
    """Only an L2 penalty alone makes the classes' mean the best shift: with an L1 term (J
    may rise), without a penalty, for one column, and where the mean would overflow
    (coefficients near the float limit) the start is the user's."""
    l2, l1, none = (SimpleNamespace(l1=a, l2=b) for a, b in ((0.0, 1e-3), (1e-3, 1e-3),
                                                                  (0.0, 0.0)))
    W = np.array([[1.0, 2.0], [3.0, -2.0], [5.0, 3.0]])
    np.testing.assert_allclose(_common_shift_dropped(W, l2), W - W.mean(axis=0))
    for penalty in (l1, none):
        assert _common_shift_dropped(W, penalty) is W
    one = W[:1]
    assert _common_shift_dropped(one, l2) is one
    huge = np.array([[1.7e308], [-1.7e308], [-1.7e308]])
    assert _common_shift_dropped(huge, l2) is huge


def _J(model, X, y, C):
    """Σ of the rows' log-losses + ‖W‖²/(2C), LogisticRegression's objective."""
    Z = X @ model.coef_.T + model.intercept_
    Z = Z - Z.max(axis=1, keepdims=True)
    t = np.searchsorted(model.classes_, y)
    return float(np.sum(np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(len(y)), t])
                 + 0.5 * np.sum(model.coef_**2) / C)


# lbfgs was a strict xfail here: 207 iterations, converged_ 1.0e-4 above J*, on the mean
# block throughout. Since review 97 it rents the class blocks at a retake as bb does: 154
# iterations, 9.2e-6 (under this test's 1e-5; above the 1e-6 promise, which
# tests/test_review97.py pins: no Newton decrement confirms an L-BFGS stop).
@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
def test_a_class_of_one_row_in_the_middle_stops_within_tol(solver):
    X, y = _classes_in_the_middle(n=400, d=250, K=4)
    y[0] = 4  # a fifth class, of one row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tight = GradientDescentLogisticRegression(C=100.0, tol=1e-12, max_iter=20000).fit(X, y)
        model = GradientDescentLogisticRegression(C=100.0, solver=solver).fit(X, y)
    J, Jstar = _J(model, X, y, 100.0), _J(tight, X, y, 100.0)
    assert not model.converged_ or (J - Jstar) / Jstar < 1e-5


def _objective(X, y, sample_weight=None, C=1.0):
    t = np.unique(y, return_inverse=True)[1]
    problem = make_problem(X, t, sample_weight, len(np.unique(t)), C=C, l1_ratio=0.0,
                           fit_intercept=True)
    return Objective(problem, problem.standardization)


def _rows_at(n, d, K=2, seed=0):
    X, y = _classes_in_the_middle(n=n, d=d, K=max(K, 2), seed=seed)
    return X, (y if K > 2 else (X[:, 0] / X[:, 0].std() + y > 0.5).astype(int))


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
def test_a_weight_of_2_takes_a_fit_over_256_rows_as_a_repeated_row_does(solver):
    """256 rows and 100 coordinates take the factored metric; a weight of 2 on one of them
    counts 257 rows, between the two metrics (gap 7 iterations), as repeating it does:
    the same gap and the same path."""
    X, y = _rows_at(256, 99, K=3)
    w = np.ones(len(y))
    w[7] = 2.0
    Xr, yr = np.vstack([X, X[7:8]]), np.r_[y, y[7]]
    assert _objective(X, y)._low_rank_applies()
    a, b = _objective(X, y, w), _objective(Xr, yr)
    assert a._middle_applies() and b._middle_applies()
    assert a.whitening_gap() == b.whitening_gap() > 0
    fa = GradientDescentLogisticRegression(solver=solver).fit(X, y, sample_weight=w)
    fb = GradientDescentLogisticRegression(solver=solver).fit(Xr, yr)
    assert fa.n_iter_[0] == fb.n_iter_[0]
    np.testing.assert_allclose(fa.loss_curve_, fb.loss_curve_, rtol=1e-10)


def test_a_batch_whose_folds_straddle_256_rows_follows_its_single_fits():
    """321 rows in 5 folds train on 256 (the factored metric) and 257 rows (the p × p one,
    after its gap): one batch of both, each column as its single fit (bb: the same
    iterations), with and without warm_start_path (its first stage)."""
    X, y = _rows_at(321, 100)
    cv = list(KFold(5, shuffle=True, random_state=0).split(X))
    assert sorted({len(train) for train, _ in cv}) == [256, 257]
    Cs = [0.1, 10.0]
    for path in (False, True):
        search = GradientDescentLogisticRegressionCV(Cs=Cs, cv=cv, refit=False,
                                                     warm_start_path=path).fit(X, y)
        for c, C in enumerate(Cs[:1] if path else Cs):
            for f, (train, _) in enumerate(cv):
                single = GradientDescentLogisticRegression(C=C).fit(X[train], y[train])
                assert search.n_iter_[0, f, c] == single.n_iter_[0]
