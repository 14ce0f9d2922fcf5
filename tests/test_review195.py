"""Review 195: hostile inputs, the less obvious ones (an outside audit).

Checked and held (scratch scripts in /work/scratch/r195/): pandas nullable, pyarrow,
sparse and categorical inputs; every scipy sparse format, unsorted and duplicate entries,
explicit zeros; extreme magnitudes and subnormals; C from 5e-324 to inf; no mutation of
X, y or sample_weight; 180 L2 and 80 L1/elastic-net random fits against independent
references (none "converged" more than 2e-6 above J*); the stop's invariants over every
solver; warm starts, pickling, callbacks; the search's hostile grids, folds and scorers;
the CLI's malformed inputs (status 2, one line, no traceback).

Found, and fixed (each test below fails on d15ebe4):

1. ``tol`` as a numpy float16: its products underflowed in float16 (the curvature factor
   divided by zero, a RuntimeWarning), and the fit stopped at another tolerance (``gd`` at
   1e-3 ran to max_iter where the Python float converged).
2. ``SearchScoreDisplay.from_estimator`` of a GridSearchCV over a list of grids: a bare
   KeyError where one grid does not search a parameter the other does.
3. A 1-D ``coef_`` set by hand: an IndexError from every prediction (numpy and Dask);
   LogisticRegression predicts with it.
4. ``DescentPathDisplay.from_estimator``: complex X drew the real part (a ComplexWarning),
   X of 0 rows said "Sample weights must contain at least one non-zero number".
5. Dask: labels with None named "Input y contains NaN"; numbers as text refused where the
   numpy fit (and LogisticRegression) reads them.
6. ``class_weight="balanced"`` with a class of tiny weight: the message described another
   rule than the one that refuses it.

Left as it is: ``class_weight={0: "2", 1: True}`` is refused by name (LogisticRegression
casts text and booleans to weights; a weight given as text is likelier a slip).
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from gdlogreg import DescentPathDisplay, SearchScoreDisplay
from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV

Xc, yc = load_breast_cancer(return_X_y=True)
Xc = StandardScaler().fit_transform(Xc)


@pytest.fixture
def da():
    da = pytest.importorskip("dask.array")
    import dask

    with dask.config.set(scheduler="synchronous"):
        yield da


@pytest.mark.parametrize("solver, tol", [("gd", 1e-3), ("bb", 1e-4), ("bb", 0.0)])
def test_numpy_scalar_tol_is_the_python_float(solver, tol):
    ref = GD(solver=solver, tol=tol, max_iter=20000).fit(Xc, yc)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for kind in (np.float16, np.float32):
            m = GD(solver=solver, tol=kind(tol), max_iter=20000).fit(Xc, yc)
            assert m.stop_reason_ == ref.stop_reason_ == "converged"
            # float16(1e-3) is 1.0004e-3: the same stop within an iteration or two
            assert abs(m.n_iter_[0] - ref.n_iter_[0]) <= 2


def test_numpy_float16_tol_in_the_search():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        s16 = GDCV(Cs=[0.1, 1.0], cv=3, tol=np.float16(1e-4)).fit(Xc, yc)
    s = GDCV(Cs=[0.1, 1.0], cv=3, tol=1e-4).fit(Xc, yc)
    np.testing.assert_allclose(s16.scores_[1], s.scores_[1], atol=1e-12)


@pytest.fixture
def agg():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def test_search_display_of_a_list_of_grids(agg):
    X, y = load_iris(return_X_y=True)
    grids = [{"C": [0.1, 1.0]}, {"C": [0.1, 1.0], "l1_ratio": [0.5, 1.0]}]
    gs = GridSearchCV(GD(), grids, cv=3).fit(X, y)
    d = SearchScoreDisplay.from_estimator(gs)
    assert d.param_names == ["C", "l1_ratio"]
    # the first grid's candidates were fitted at the estimator's l1_ratio, 0
    assert d.param_values == [[0.1, 1.0], [0.0, 0.5, 1.0]]
    mean = gs.cv_results_["mean_test_score"]
    np.testing.assert_array_equal(d.mean_test_score, [mean[[0, 2, 3]], mean[[1, 4, 5]]])
    # from the results alone, a best candidate that does not set a plotted one is named
    with pytest.raises(ValueError, match="does not set l1_ratio"):
        SearchScoreDisplay.from_cv_results(gs.cv_results_, best_index=0)
    d = SearchScoreDisplay.from_cv_results(gs.cv_results_, best_index=3)
    np.testing.assert_array_equal(d.mean_test_score, [mean[[2, 3]], mean[[4, 5]]])


def test_search_display_of_grids_with_another_solver(agg):
    X, y = load_iris(return_X_y=True)
    grids = [{"C": [0.1, 1.0]}, {"solver": ["gd"], "learning_rate": [0.01, 0.05]}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gs = GridSearchCV(GD(max_iter=50), grids, cv=3).fit(X, y)
    d = SearchScoreDisplay.from_estimator(gs, params=["solver", "learning_rate"])
    assert d.param_values[1] == ["auto", 0.01, 0.05]


def _by_hand(coef):
    m = GD()
    m.coef_, m.intercept_, m.classes_ = coef, np.array([0.5]), np.array([0, 1])
    return m


XH = np.array([[1.0, 2.0], [-1.0, 0.5], [3.0, -4.0], [0.2, 0.1]])


def test_one_dimensional_coef_by_hand_predicts_as_logistic_regression():
    ours, ref = _by_hand(np.array([1.0, -1.0])), LogisticRegression()
    ref.coef_, ref.intercept_ = np.array([1.0, -1.0]), np.array([0.5])
    ref.classes_ = np.array([0, 1])
    for method in ("predict", "decision_function", "predict_proba", "predict_log_proba"):
        np.testing.assert_allclose(getattr(ours, method)(XH), getattr(ref, method)(XH))
    assert ours.score(XH, [0, 0, 1, 1]) == ref.score(XH, [0, 0, 1, 1])


def test_one_dimensional_coef_by_hand_on_dask(da):
    m = _by_hand(np.array([1.0, -1.0]))
    Xd = da.from_array(XH, chunks=2)
    np.testing.assert_array_equal(m.predict(Xd).compute(), m.predict(XH))
    np.testing.assert_allclose(m.decision_function(Xd).compute(), m.decision_function(XH))
    np.testing.assert_allclose(m.predict_proba(Xd).compute(), m.predict_proba(XH))


def test_descent_path_display_checks_x_as_the_fit(agg):
    x = np.arange(6.0)[:, None]
    y = [0, 0, 1, 0, 1, 1]
    clf = GD(keep_path=True).fit(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="Complex data not supported"):
            DescentPathDisplay.from_estimator(clf, x + 1j, y)
    with pytest.raises(ValueError, match="0 sample"):
        DescentPathDisplay.from_estimator(clf, x[:0], y[:0])
    with pytest.raises(ValueError, match="NaN"):
        DescentPathDisplay.from_estimator(clf, np.where(x > 4, np.nan, x), y)
    with pytest.raises(ValueError, match="exactly one column"):
        DescentPathDisplay.from_estimator(clf, np.c_[x, x], y)


def test_dask_missing_labels_named_as_numpy(da):
    X = np.random.default_rng(0).normal(size=(6, 2))
    y = np.array([None, "a", "b", "a", "b", "a"], dtype=object)
    with pytest.raises(ValueError, match="None or pd.NA"):
        GD().fit(X, y)
    with pytest.raises(ValueError, match="None or pd.NA"):
        GD().fit(da.from_array(X, chunks=3), da.from_array(y, chunks=3))
    y[0] = np.nan
    with pytest.raises(ValueError, match="contains NaN"):
        GD().fit(da.from_array(X, chunks=3), da.from_array(y, chunks=3))


def test_dask_numbers_as_text_fit_as_numpy(da):
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = np.arange(20) % 2
    ref = GD().fit(X.astype(str), y)
    m = GD().fit(da.from_array(X.astype(str), chunks=7), y)
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-12)
    with pytest.raises(ValueError, match="strings"):  # predictions refuse text, as numpy's
        m.predict(da.from_array(X.astype(str), chunks=7))


def test_balanced_refusal_says_its_rule():
    sw = np.where(yc == 1, 1e-310, 1.0)
    with pytest.raises(ValueError, match="balanced weight would overflow"):
        GD(class_weight="balanced").fit(Xc, yc, sample_weight=sw)
    GD(class_weight="balanced").fit(Xc, yc, sample_weight=np.where(yc == 1, 1e-300, 1.0))
