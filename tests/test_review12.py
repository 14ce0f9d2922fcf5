"""Outside review of the batched L-BFGS search (review12)."""

import warnings
from collections import deque

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV, _batch


def _wide():
    """Constant, all-zero, duplicated and 1e150-scaled columns (test_search_lbfgs's set)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 4))
    y = (X[:, 0] + 0.5 * rng.standard_normal(120) > 0).astype(int)
    wide = np.column_stack([X, np.zeros(120), np.full(120, 7.0), X[:, 0], 1e150 * X[:, 1]])
    return wide, y


def test_a_group_restarting_its_pairs_runs_on_numpy_1(monkeypatch):
    """numpy < 2 (the package supports numpy >= 1.23.2) has no ``device`` keyword in
    ``np.asarray``; a group whose quasi-Newton direction is no descent direction (here
    fold 0 of learning_rate=1e-300 on a 1e150-scaled column) goes through
    ``_where_groups``, which passed ``device=None`` to numpy: TypeError on numpy 1.26."""
    asarray = np.asarray

    def numpy_1_asarray(a, dtype=None, order=None, **kwargs):
        if "device" in kwargs:
            raise TypeError("asarray() got an unexpected keyword argument 'device'")
        return asarray(a, dtype, order, **kwargs)

    where = _batch._where_groups
    calls = []
    monkeypatch.setattr(_batch, "_where_groups", lambda *a: calls.append(1) or where(*a))
    monkeypatch.setattr(np, "asarray", numpy_1_asarray)
    X, y = _wide()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GradientDescentLogisticRegressionCV(
            solver="lbfgs", Cs=[1.0], learning_rates=[1e-300], max_iter=50).fit(X, y)
    assert calls  # the path was taken
    monkeypatch.undo()
    train = next(StratifiedKFold(5).split(X, y))[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        single = GradientDescentLogisticRegression(
            solver="lbfgs", C=1.0, learning_rate=1e-300, max_iter=50).fit(X[train], y[train])
    # (the first 51 values: J flat to an ulp at the end, a roll-back to the best may add one)
    np.testing.assert_allclose(search.loss_curves_[0][:51], single.loss_curve_[:51], rtol=1e-12)


class _Columns:
    """The little of a BatchObjective that BatchLBFGS._direction reads (k = 1, numpy)."""

    k, xp = 1, np

    class backend:
        asarray = staticmethod(np.asarray)

    @staticmethod
    def column_dots(a, b):
        return np.einsum("ij,ij->j", a, b)


def test_each_group_keeps_its_newest_m_pairs_whatever_the_others_keep():
    """Three groups, 3M iterations: A keeps every pair, B only those of the 2M oldest
    iterations, C only those of the M oldest (their sᵀy <= 0 since). Each must use its
    newest M pairs as its single fit's deque does; the cap of 2M entries in ``_used``
    dropped the M oldest, all of C's: C's direction was its H₀ g alone."""
    from gdlogreg._steps.lbfgs import LBFGS

    M, p = _batch.BatchLBFGS.memory, 5
    rng = np.random.default_rng(0)
    rule = _batch.BatchLBFGS("auto")
    rule._t0, rule._gamma = np.ones(3), np.full(3, 0.5)
    rule._P = np.full(3, None, dtype=object)  # no metric of whitened steps for H₀
    rule._pairs, single = [], LBFGS("auto")
    single._t0, single._pairs, single._P = 1.0, deque(maxlen=M), None
    for i in range(3 * M):
        s, y = rng.standard_normal((p, 3)), rng.standard_normal((p, 3))
        y = s + 0.1 * y  # sᵀy > 0
        rho = 1.0 / np.einsum("ij,ij->j", s, y)
        rho[1:] = np.where([i < 2 * M, i < M], rho[1:], 0.0)
        rule._pairs.append([s, y, rho])
        if rho[2] != 0.0:
            single._pairs.append((s[:, 2:], y[:, 2:], rho[2]))
    g = rng.standard_normal((p, 3))
    # C's H₀ scale from its newest pair, as LBFGS._direction's
    s, y, _ = single._pairs[-1]
    rule._gamma[2] = single._gamma = float(np.vdot(s, y) / np.vdot(y, y))
    d = rule._direction(_Columns, g)
    np.testing.assert_allclose(d[:, 2:], single._direction(g[:, 2:], np), rtol=1e-12)
