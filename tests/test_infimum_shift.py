"""One class holding all the weight, with a penalty: the intercepts shifted to the stop.

Where the rows of every class but one weigh nothing and the model has an intercept, J's
infimum is 0 whatever the penalty, approached with the weights at 0 and that class's
intercept without bound (tests/test_review210.py). bb and lbfgs reached the "separated"
stop by their steps; gd, nesterov and backtracking crawled to ``max_iter`` (review 211),
and the batched L-BFGS stopped such folds at another iterate than their single fits
(held-out log-losses 0.2 apart). The monitor now tries the iterate with its intercepts
shifted along that class's ray (``Objective.infimum_ray``), as it scales an iterate
without a penalty: every solver stops "separated" within a few iterations, and a
search's folds stop where their single fits do.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GCV
from gdlogreg._loss import BinaryLogLoss, MultinomialLogLoss

SOLVERS = ["bb", "lbfgs", "nesterov", "backtracking", "gd"]


def _data(kind):
    X, y = (load_breast_cancer if kind == "binary" else load_wine)(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _fit(est, X, y, **kw):
    """``est`` fitted, and the messages of the warnings the fit gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        return est.fit(X, y, **kw), [str(w.message) for w in caught]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("kind", ["binary", "multinomial"])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.5, 1.0])
def test_every_solver_stops_near_the_infimum(solver, kind, l1_ratio):
    if solver == "lbfgs" and l1_ratio > 0.0:
        pytest.skip("lbfgs takes the L2 penalty alone")
    X, y = _data(kind)
    before = X.copy()
    sw = (y == 1).astype(float)  # class 1 holds all the weight
    sw_before = sw.copy()
    model, messages = _fit(GD(solver=solver, l1_ratio=l1_ratio), X, y, sample_weight=sw)
    assert model.stop_reason_ == "separated", model.stop_reason_
    assert model.n_iter_[0] < 50
    K = len(model.classes_)
    assert 0.0 < model.loss_curve_[-1] <= 1e-6 * np.log(K)
    assert any("weigh nothing" in m for m in messages)
    assert np.all(model.predict(X) == 1)
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_).all()
    np.testing.assert_array_equal(X, before)
    np.testing.assert_array_equal(sw, sw_before)


def test_the_shift_leaves_the_weights_and_keeps_the_classes_sum():
    """The ray moves the intercepts alone, the softmax's columns' sum kept."""
    X, y = _data("multinomial")
    sw = (y == 2).astype(float)
    slow, _ = _fit(GD(solver="gd", max_iter=3, tol=0.0), X, y, sample_weight=sw)
    fast, _ = _fit(GD(solver="gd"), X, y, sample_weight=sw)
    assert fast.stop_reason_ == "separated" and fast.n_iter_[0] <= 10
    assert abs(fast.intercept_.sum()) < 1e-9
    assert np.argmax(fast.intercept_) == 2
    assert np.abs(fast.coef_).max() <= max(np.abs(slow.coef_).max(), 1e-12)


def test_toward_lowers_every_rows_loss():
    rng = np.random.default_rng(0)
    z = rng.normal(scale=3.0, size=(50, 1))
    for y_idx in (0, 1):
        t = BinaryLogLoss.encode(np.full(50, y_idx), np)
        d = BinaryLogLoss.toward(float(t[0]), 1)
        lo = np.log1p(np.exp(t[:, None] * (z + d)))
        assert np.all(lo < np.log1p(np.exp(t[:, None] * z)))
    Z = rng.normal(scale=3.0, size=(50, 4))
    d = MultinomialLogLoss.toward(2, 4)
    assert abs(d.sum()) < 1e-15

    def loss(Z):
        return np.log(np.exp(Z).sum(axis=1)) - Z[:, 2]

    assert np.all(loss(Z + d) < loss(Z))


def _scores(search, folds):
    return np.array([search.cv_results_[f"split{i}_test_score"] for i in range(folds)])


@pytest.mark.parametrize("solver", ["bb", "lbfgs", "gd"])
@pytest.mark.parametrize("kind", ["binary", "multinomial"])
def test_search_folds_stop_as_the_single_fits(solver, kind):
    X, y = _data(kind)
    weights = {c: float(c == 1) for c in np.unique(y)}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    Cs = [0.1, 1.0, 10.0]
    kw = dict(solver=solver, class_weight=weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = GCV(Cs=Cs, cv=cv, scoring="neg_log_loss", **kw).fit(X, y)
        grid = GridSearchCV(GD(**kw), {"C": Cs}, cv=cv, scoring="neg_log_loss").fit(X, y)
    assert np.max(ours.n_iter_) < 50
    np.testing.assert_allclose(_scores(ours, 3), _scores(grid, 3), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
def test_one_class_fold_beside_two_class_folds(solver):
    """Only fold 0's training rows have class 0 weightless: its column shifts, the
    others descend as before, and each agrees with its single fit."""
    X, y = _data("binary")
    splits = list(StratifiedKFold(3, shuffle=True, random_state=1).split(X, y))
    sw = np.where((y == 0) & ~np.isin(np.arange(len(y)), splits[0][1]), 0.0, 1.0)
    Cs = [0.1, 10.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = GCV(Cs=Cs, cv=splits, solver=solver, scoring="neg_log_loss").fit(
            X, y, sample_weight=sw)
        grid = GridSearchCV(GD(solver=solver), {"C": Cs}, cv=splits,
                            scoring="neg_log_loss").fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(_scores(ours, 3), _scores(grid, 3), rtol=1e-7, atol=1e-10)
    single, _ = _fit(GD(solver=solver, C=0.1), X[splits[0][0]], y[splits[0][0]],
                     sample_weight=sw[splits[0][0]])
    assert single.stop_reason_ == "separated" and single.n_iter_[0] < 50


@pytest.mark.parametrize("solver", ["gd", "nesterov"])
def test_float32_and_dask_shift_alike(solver):
    X, y = _data("binary")
    sw = np.where(y == 1, 0.0, 1.0)
    ref, _ = _fit(GD(solver=solver), X, y, sample_weight=sw)
    assert ref.stop_reason_ == "separated"
    cases = [(X.astype(np.float32), sw)]
    try:
        import dask.array as da
    except ImportError:
        da = None
    if da is not None:
        cases.append((da.from_array(X, chunks=100), da.from_array(sw, chunks=100)))
    for data, weights in cases:
        model, _ = _fit(GD(solver=solver), data, y, sample_weight=weights)
        assert model.stop_reason_ == "separated" and model.n_iter_[0] < 50
        np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=0.05)


def test_without_an_intercept_nothing_shifts():
    """No intercept: J's infimum is not 0 (w = 0 gives log 2 per row), no ray."""
    X, y = _data("binary")
    model, _ = _fit(GD(solver="gd", fit_intercept=False), X, y,
                    sample_weight=(y == 1).astype(float))
    assert model.stop_reason_ != "separated"


@pytest.mark.parametrize("kind", ["binary", "multinomial"])
def test_array_api_on_its_device(kind):
    """The one target is read on X's device (array_api_strict's second device)."""
    xps = pytest.importorskip("array_api_strict")
    pytest.importorskip("scipy", minversion="1.14")
    from sklearn import config_context

    X, y = _data(kind)
    sw = (y == 1).astype(float)
    ref, _ = _fit(GD(solver="gd"), X, y, sample_weight=sw)
    device = xps.Device("device1")
    Xd, yd, swd = (xps.asarray(a, device=device) for a in (X, y, sw))
    with config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = GD(solver="gd").fit(Xd, yd, sample_weight=swd)
        search = GCV(Cs=2, cv=3).fit(Xd, yd, sample_weight=swd)
    assert model.stop_reason_ == "separated" and int(model.n_iter_[0]) == ref.n_iter_[0]
    assert model.coef_.device == device and search.coef_.device == device
    np.testing.assert_allclose(np.asarray(xps.asarray(model.intercept_, device=xps.Device(
        "CPU_DEVICE"))), ref.intercept_, rtol=1e-9)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_row_of_tiny_weight_in_the_class(solver):
    """A row of weight 1e-40 beside rows of 1 asks a margin of about 100 of the separated
    test: the shift reaches it (its range grows with the least weight), from weights at
    0 (their penalty, 1e-32 at weights of 1e-16, held J above the bound; review 213)."""
    X, y = _data("binary")
    sw = (y == 1).astype(float)
    sw[np.flatnonzero(y == 1)[0]] = 1e-40
    model, _ = _fit(GD(solver=solver), X, y, sample_weight=sw)
    assert model.stop_reason_ == "separated" and model.n_iter_[0] < 50
    assert 90.0 < model.intercept_[0] < 110.0
    assert np.all(model.coef_ == 0.0)


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
@pytest.mark.parametrize("layout", ["csr", "csc"])
def test_float32_sparse_search_folds_land_where_the_single_fits_do(solver, layout):
    """The shift is bisected finely: the stop lands where J first passes, whatever the
    float32 rounding of the path (fold scores 0.08 apart before; review 213)."""
    import scipy.sparse as sp

    X, y = _data("binary")
    X = getattr(sp, f"{layout}_matrix")(X.astype(np.float32))
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    kw = dict(solver=solver, class_weight={0: 0.0, 1: 1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = GCV(Cs=[1e-4, 1.0, 1e4], cv=cv, scoring="neg_log_loss", **kw).fit(X, y)
        grid = GridSearchCV(GD(**kw), {"C": [1e-4, 1.0, 1e4]}, cv=cv,
                            scoring="neg_log_loss").fit(X, y)
    np.testing.assert_allclose(_scores(ours, 3), _scores(grid, 3), rtol=1e-5)
