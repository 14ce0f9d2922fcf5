"""The Newton-decrement confirmation of a gradient test's stop: bb's and L-BFGS's.

A stop by the gradient tests stands where λ² = gᵀP g is at most tol/10 · J in the metric P
the steps hold (J's curvature where taken), from a metric taken again at the stop where the
held one's decrement ½ gᵀP g, scaled by the most any class column's curvature fell since
its take (:func:`gdlogreg._steps.bb.curvature_fall`), is above a tenth of that target
(:func:`gdlogreg._steps.bb.newton_confirms`). bb's steps and L-BFGS's H₀ hold such a metric;
the search's columns confirm as their single fits.
"""

import math

import numpy as np
import pytest
from sklearn.model_selection import KFold
from test_review62 import _J, _one_row_class

import gdlogreg._batch as batch
import gdlogreg._solver as _solver
from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV
from gdlogreg._steps import bb, lbfgs


def test_curvature_fall():
    """The most a column's curvature fell: at least 1, inf where one fell to 0, 1 where
    either side is unknown (None, or nan as the batch keeps a group without a take)."""
    assert bb.curvature_fall(None, np.array([1.0])) == 1.0
    assert bb.curvature_fall(np.array([1.0]), None) == 1.0
    assert bb.curvature_fall(np.array([2.0, 1.0, 6.0]), np.array([4.0, 0.5, 2.0])) == 3.0
    assert bb.curvature_fall(np.array([1.0, 1.0]), np.array([2.0, 3.0])) == 1.0
    assert bb.curvature_fall(np.array([1e-300, 1.0]), np.array([0.0, 1.0])) == np.inf
    assert bb.curvature_fall(np.array([0.0]), np.array([0.0])) == 1.0
    assert bb.curvature_fall(np.array([np.nan, 2.0]), np.array([1.0, 1.0])) == 2.0


@pytest.fixture
def lbfgs_verdicts(monkeypatch):
    """The verdicts of LBFGS.confirms, in order."""
    seen, real = [], lbfgs.LBFGS.confirms

    def spy(self, objective, point, target, H=None):
        verdict = real(self, objective, point, target, H)
        seen.append(verdict)
        return verdict

    monkeypatch.setattr(lbfgs.LBFGS, "confirms", spy)
    return seen


@pytest.mark.parametrize(("seed", "C"), [(2, 100.0), (5, 1e4)])
def test_lbfgs_stop_refused_ends_within_the_promise(lbfgs_verdicts, monkeypatch, seed, C):
    """Three classes, one of a single row, raw units (300 × 20): L-BFGS's gradient test
    passes on the row's plateau and the decrement in H₀'s metric refuses it. Seed 2 at
    C = 100: 48 iterations 1.3e-5 above J* without the confirmation, 61 and 9.3e-7 with
    it; seed 5 at C = 1e4: 63, 2.1e-6 and 76, 4.1e-7."""
    X, y, _ = _one_row_class(seed, 300, 20)
    tight = GD(C=C, solver="lbfgs", tol=1e-13, max_iter=5000).fit(X, y)
    J_star = _J(tight, X, y, C)
    # the decrement alone: float64's fall test (review 190) would hold the stop back first
    monkeypatch.setattr(_solver, "FALL_SHARE_FLOAT64", math.inf)
    lbfgs_verdicts.clear()
    model = GD(C=C, solver="lbfgs").fit(X, y)
    assert model.converged_ and lbfgs_verdicts[-1] and lbfgs_verdicts.count(False) >= 1
    gap = (_J(model, X, y, C) - J_star) / J_star
    monkeypatch.setattr(lbfgs.LBFGS, "confirms", lambda *a, **k: None)  # no confirmation
    # (nor the Newton step of conjugate gradients asked where no metric confirms)
    monkeypatch.setattr(_solver.Monitor, "_diagonal_falls", lambda *a, **k: False)
    early = GD(C=C, solver="lbfgs").fit(X, y)
    early_gap = (_J(early, X, y, C) - J_star) / J_star
    assert early.n_iter_[0] < model.n_iter_[0] and early_gap > 1e-6 / (1 - 1e-6)
    assert gap <= 1e-6 / (1 - 1e-6), (gap, early_gap)


@pytest.mark.parametrize(("seed", "weighted"), [(0, True), (3, False)])
def test_the_search_lbfgs_columns_follow_their_single_fits_through_refusals(
        seed, weighted, monkeypatch):
    """Three Cs and the one row in every training fold: each lbfgs column is refused as
    its single fit and stops where it does."""
    X, y, s = _one_row_class(seed, 300, 20, weighted=weighted)
    monkeypatch.setattr(_solver, "FALL_SHARE_FLOAT64", math.inf)  # the decrement alone
    folds = [(np.r_[0, tr + 1], te + 1)
             for tr, te in KFold(3, shuffle=True, random_state=0).split(X[1:])]
    refused, real = [], batch.BatchLBFGS.confirms

    def spy(self, objective, point, groups, target, H):
        ok, metric = real(self, objective, point, groups, target, H)
        refused.append(int((~ok).sum()))
        return ok, metric

    monkeypatch.setattr(batch.BatchLBFGS, "confirms", spy)
    Cs = [1e3, 1e4, 1e5]
    search = GDCV(Cs=Cs, cv=folds, solver="lbfgs", refit=False).fit(X, y, sample_weight=s)
    assert sum(refused) >= 2
    for c, C in enumerate(Cs):
        for f, (train, _) in enumerate(folds):
            single = GD(C=C, solver="lbfgs").fit(
                X[train], y[train], sample_weight=None if s is None else s[train])
            curve = search.loss_curves_[c * len(folds) + f]
            assert len(curve) == len(single.loss_curve_), (C, f)
            np.testing.assert_allclose(curve, single.loss_curve_, rtol=1e-6)


def test_lbfgs_float32_is_not_asked(lbfgs_verdicts):
    """float32: the gradient's rounding, weighed by P, would read as distance."""
    X, y, _ = _one_row_class(2, 300, 20)
    GD(C=100.0, solver="lbfgs").fit(X.astype(np.float32), y)
    assert lbfgs_verdicts == []


def test_lbfgs_refit_keeps_no_state(lbfgs_verdicts, monkeypatch):
    """A second fit of the same estimator asks and refuses as the first (no state kept
    between calls)."""
    X, y, _ = _one_row_class(2, 300, 20)
    monkeypatch.setattr(_solver, "FALL_SHARE_FLOAT64", math.inf)  # the decrement alone
    est = GD(C=100.0, solver="lbfgs")
    first_curve = est.fit(X, y).loss_curve_.copy()
    first = list(lbfgs_verdicts)
    second_curve = est.fit(X, y).loss_curve_
    assert lbfgs_verdicts[len(first):] == first and not all(first)
    np.testing.assert_array_equal(first_curve, second_curve)


@pytest.mark.xfail(strict=True, reason=(
    "lbfgs on a class of one row (100 × 60 raw columns of units 1e-3 to 1e4, three classes, "
    "exponential sample weights, seed 5, C = 1e4) stops 'converged' at 184 iterations 1.4e-4 "
    "above J* (dual_gap_ = J, no certificate); H₀'s metric there is the rows' low-rank one "
    "of the classes' mean block (L-BFGS takes no class blocks), whose decrement does not see "
    "the one row's valley; bb (the default) stops 7.9e-7 above J* at 85"))
def test_lbfgs_low_rank_mean_block_class_of_one_row_within_the_promise():
    X, y, s = _one_row_class(5, 100, 60, weighted=True)
    model = GD(C=1e4, solver="lbfgs").fit(X, y, sample_weight=s)
    J_star = _J(GD(C=1e4, tol=1e-14, max_iter=20000).fit(X, y, sample_weight=s), X, y, 1e4, s)
    assert model.converged_
    assert (_J(model, X, y, 1e4, s) - J_star) / J_star <= 1e-6 / (1 - 1e-6)
