"""review22: an outside review of bb's stale retake of the metric, BatchBB's directions and
the array-API labels and curvature Gram (commits a0b8d82, 7cc25a8)."""

import math

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.model_selection import StratifiedKFold

from gdlogreg import (
    GradientDescentLogisticRegression,
    GradientDescentLogisticRegressionCV,
    _batch,
    _objective,
)
from gdlogreg._objective import Objective


def _count_takes(monkeypatch):
    """The number of metrics the single fits take (Objective.whitening calls)."""
    calls = []
    whitening = Objective.whitening

    def counted(self, *args, **kwargs):
        calls.append(1)
        return whitening(self, *args, **kwargs)

    monkeypatch.setattr(Objective, "whitening", counted)
    return calls


def _scheduled(n_iter):
    """Takes on whiten's schedule: at 10, then 20·2ʲ later (30, 50, 90, 170, ...)."""
    return 1 + sum(1 for j in range(20) if 10 + 20 * 2**j <= n_iter)


def test_a_multinomial_fit_takes_its_metric_on_the_schedule_only(monkeypatch):
    """K classes: the metric is the mean of H's class blocks, not H, so its spectral steps
    are not near 1 and ABBmin's long ones reach 4 now and then: the stale retake fired
    every 5 to 10 iterations. Iris, C = 1e4: 27 Grams in 284 iterations (3 classes, 500
    features: 29 in 239, 72% of the fit's time, where the schedule's 5 took 237). (Iris
    takes the class blocks themselves now, J's Hessian, which are retaken where stale:
    the shared metric is asked for here.)"""
    monkeypatch.setattr(_objective, "CLASS_TAKE", 0)
    X, y = load_iris(return_X_y=True)
    takes = _count_takes(monkeypatch)
    est = GradientDescentLogisticRegression(C=1e4, max_iter=3000).fit(X, y)
    n = int(est.n_iter_[0])
    assert est.converged_
    assert len(takes) <= _scheduled(n), (len(takes), n)


@pytest.mark.parametrize("class_take", [0, _objective.CLASS_TAKE])
def test_the_multinomial_search_takes_its_metric_as_its_single_fits(monkeypatch, class_take):
    """The batched columns take the metric on the same schedule and keep their paths (to
    rounding: on iris the batched and single curves part at 1e-14 from iteration ~18,
    before this fix too, and at C = 1e4 that grows past 1e-9 in a few hundred). The
    shared metric only on the schedule; the class blocks (J's Hessian) also where stale,
    as their single fits."""
    monkeypatch.setattr(_objective, "CLASS_TAKE", class_take)
    X, y = load_iris(return_X_y=True)
    groups = []
    whiten = _batch.BatchBB._whiten

    def counted(self, objective, point, taken):
        groups.extend(taken.tolist())
        return whiten(self, objective, point, taken)

    monkeypatch.setattr(_batch.BatchBB, "_whiten", counted)
    cv = StratifiedKFold(3)
    search = GradientDescentLogisticRegressionCV(Cs=[1e2], cv=cv, max_iter=3000).fit(X, y)
    scheduled = 0
    for f, (train, _) in enumerate(cv.split(X, y)):
        curve = search.loss_curves_[f]
        single = GradientDescentLogisticRegression(C=1e2, max_iter=3000).fit(
            X[train], y[train])
        assert len(curve) == len(single.loss_curve_), f
        np.testing.assert_allclose(curve, single.loss_curve_, rtol=1e-7)
        scheduled += _scheduled(len(curve) - 1)
    # (the groups are indexed in the batch as it stands: a fold that left renumbers them)
    assert len(groups) <= scheduled or class_take, (groups, scheduled)


def test_a_binary_fit_still_retakes_a_stale_metric(monkeypatch):
    """Two classes: the metric is H, and a step of 4 does say it is stale (review 21's
    nearly separable fits): more takes than the schedule's (breast cancer raw, C = 1e10:
    8 Grams in 112 iterations)."""
    X, y = load_breast_cancer(return_X_y=True)
    takes = _count_takes(monkeypatch)
    est = GradientDescentLogisticRegression(C=1e10, max_iter=3000).fit(X, y)
    assert len(takes) > _scheduled(int(est.n_iter_[0])), (len(takes), est.n_iter_)
    assert math.isfinite(est.loss_curve_[-1])
