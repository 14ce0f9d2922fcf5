"""Review 198: an outside audit of hostile and unusual input (the tests fail on 0fde900).

Found and fixed here: dates or durations with NaT as labels made each NaT row a class of
its own (22 classes for 2); Python ints beyond the float range (10**400, a Real that the
parameter checks accept) as tol, learning_rate, a class weight, a scalar sample_weight or
a warm start's coef_ raised OverflowError from deep inside the fit; an int coef_ set by
hand raised numpy's UFuncTypeError in predict on int X; a DescentPathDisplay whose grid
J overflows everywhere (margin=1e200) raised numpy's "zero-size array" error. The CV's
message for a huge learning rate advised np.inf "for no penalty".
"""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV

BIG = 10**400


def _data(n=40, d=2):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d))
    return X, (X[:, 0] > 0).astype(int)


@pytest.mark.parametrize("make", [
    lambda mask: np.where(mask, np.datetime64("2020-01-01"), np.datetime64("NaT")),
    lambda mask: np.where(mask, np.timedelta64(1, "D"), np.timedelta64("NaT")),
    lambda mask: pd.Series(np.where(mask, np.datetime64("2020-01-01"), np.datetime64("NaT"))),
    lambda mask: pd.Series(pd.to_datetime(np.where(mask, "2020-01-01", None)))
    .dt.tz_localize("UTC"),
    lambda mask: list(np.where(mask, np.datetime64("2020-01-01"), np.datetime64("NaT"))),
], ids=["datetime64", "timedelta64", "series", "tz-aware", "list"])
@pytest.mark.parametrize("Est", [GD, lambda: GDCV(Cs=[1.0], cv=2)], ids=["fit", "search"])
def test_nat_labels_are_missing_labels(make, Est):
    X, _ = _data()
    y = make(X[:, 0] > 0)  # 0fde900: one class for each NaT row
    with pytest.raises(ValueError, match="y contains NaT"):
        Est().fit(X, y)


def test_dates_without_nat_are_classes_as_for_logistic_regression():
    X, _ = _data()
    y = np.where(X[:, 0] > 0, np.datetime64("2020-01-01"), np.datetime64("2021-06-01"))
    model = GD().fit(X, y)
    np.testing.assert_array_equal(model.classes_, LogisticRegression().fit(X, y).classes_)


@pytest.mark.parametrize("fit, match", [
    (lambda X, y: GD(tol=BIG).fit(X, y), "tol must be a number in the float range"),
    (lambda X, y: GD(learning_rate=BIG).fit(X, y), "learning_rate must be a number in the float"),
    (lambda X, y: GD(class_weight={0: BIG}).fit(X, y), "class_weight must give each class"),
    (lambda X, y: GD().fit(X, y, sample_weight=BIG), "sample_weight must be finite"),
    (lambda X, y: GDCV(Cs=[1.0], tol=BIG, cv=2).fit(X, y), "tol must be a number in the float"),
], ids=["tol", "learning_rate", "class_weight", "sample_weight", "search tol"])
def test_ints_beyond_the_float_range_get_a_value_error(fit, match):
    X, y = _data()
    with pytest.raises(ValueError, match=match):  # 0fde900: OverflowError
        fit(X, y)


def test_a_warm_start_of_a_huge_int_names_it():
    X, y = _data()
    model = GD(warm_start=True).fit(X, y)
    coef = model.coef_.copy()
    model.coef_ = [[BIG, 1]]
    with pytest.raises(ValueError, match="coef_, which holds an integer beyond the float"):
        model.fit(X, y)
    model.coef_ = coef  # the model as it was: a failed refit changed nothing else
    assert model.predict(X).shape == y.shape


def test_the_grids_huge_learning_rate_gets_no_advice_for_c():
    X, y = _data()
    with pytest.raises(ValueError, match="float range") as info:
        GDCV(Cs=[1.0], solver="gd", learning_rates=[BIG], cv=2).fit(X, y)
    assert "np.inf" not in str(info.value)
    with pytest.raises(ValueError, match="no penalty"):
        GDCV(Cs=[BIG], cv=2).fit(X, y)


@pytest.mark.parametrize("X", [
    np.array([[1, 2], [3, -4], [0, 1]]),
    np.array([[True, False], [False, True], [True, True]]),
    sp.csr_matrix(np.array([[1, 2], [3, -4], [0, 1]])),
], ids=["int", "bool", "int csr"])
def test_an_int_coef_set_by_hand_scores_as_logistic_regression(X):
    ours, theirs = GD(), LogisticRegression()
    for est in (ours, theirs):
        est.coef_, est.intercept_ = np.array([[1, 2]]), np.array([0.5])
        est.classes_ = np.array([0, 1])
    np.testing.assert_allclose(ours.decision_function(X), theirs.decision_function(X))
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X))


def test_a_grid_that_overflows_everywhere_is_a_clear_error():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from gdlogreg import DescentPathDisplay

    rng = np.random.default_rng(19)
    X = rng.normal(size=(60, 1))
    y = (X[:, 0] + rng.normal(size=60) > 0).astype(int)
    model = GD(keep_path=True).fit(X, y)
    with pytest.raises(ValueError, match="No J on the grid is finite"):
        DescentPathDisplay.from_estimator(model, X, y, margin=1e200)


def _offsets_cancelling(n=300):
    """float32 X of two columns at 1e5 (spread 1), the label in the first, and a centred
    one: without an intercept the first two terms of X·w cancel."""
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, n)
    X = np.c_[rng.normal(size=(n, 2)) + [1e5, 1e5] + 1.5 * y[:, None] * [1, 0],
              rng.normal(size=n)].astype(np.float32)
    return X, y


def test_float32_offsets_without_an_intercept_warn_as_with_one():
    """Without an intercept, columns far from 0 cancel against each other's terms of X·w,
    and float32 rounds z there as it does against an intercept: the stop warns and
    claims no gap (0fde900: "converged", dual_gap_ 7e-3, no warning, its probabilities
    8.5e-3 from the float64 fit's)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X, y = _offsets_cancelling()
    with pytest.warns(ConvergenceWarning, match="no intercept.*Pass X as float64"):
        model = GD(fit_intercept=False).fit(X, y)
    assert np.isnan(model.dual_gap_)
    with warnings.catch_warnings():  # float64 X: no such warning
        warnings.simplefilter("error", ConvergenceWarning)
        GD(fit_intercept=False).fit(X.astype(np.float64), y)


def test_nat_in_a_one_column_frame_or_dask_labels_is_missing_too():
    """Review 199 (an outside read of the change): a one-column DataFrame y and Dask y
    skipped the NaT check and made NaT a class."""
    X, _ = _data()
    dates = np.where(X[:, 0] > 0, np.datetime64("2020-01-01"), np.datetime64("2021-01-01"))
    dates[3] = np.datetime64("NaT")
    with pytest.raises(ValueError, match="y contains NaT"):
        GD().fit(X, pd.DataFrame({"date": dates}))
    da = pytest.importorskip("dask.array")
    dd = pytest.importorskip("dask.dataframe")
    for y in (da.from_array(dates, chunks=10), dd.from_pandas(pd.Series(dates), npartitions=2)):
        with pytest.raises(ValueError, match="y contains NaT"):
            GD().fit(da.from_array(X, chunks=10), y)


@pytest.mark.parametrize("fit", [
    lambda X, y: GD().fit(X, y, sample_weight=[1] * 39 + [BIG]),
    lambda X, y: GDCV(Cs=[1.0], cv=2).fit(X, y, sample_weight=[1] * 39 + [BIG]),
], ids=["fit", "search"])
def test_a_huge_int_among_the_weights_is_a_value_error(fit):
    X, y = _data()
    with pytest.raises(ValueError, match="sample_weight holds a number beyond the float"):
        fit(X, y)


def test_a_huge_scalar_weight_of_dask_x_and_a_class_weight_too_long_to_print():
    X, y = _data()
    with pytest.raises(ValueError, match="class_weight must give.*beyond the float range"):
        GD(class_weight={0: 10**5000}).fit(X, y)  # (str() refuses ints past 4,300 digits)
    da = pytest.importorskip("dask.array")
    with pytest.raises(ValueError, match="sample_weight holds a number beyond the float"):
        GD().fit(da.from_array(X, chunks=10), da.from_array(y, chunks=10), sample_weight=BIG)


def test_an_unconverged_fit_without_an_intercept_names_the_offset_column():
    from sklearn.exceptions import ConvergenceWarning

    X, y = _offsets_cancelling()

    with pytest.warns(ConvergenceWarning, match="did not converge.*Column . of X.*no intercept"):
        GD(fit_intercept=False, max_iter=50).fit(X, y)
