"""Review 32: a hostile-input sweep of the public API at 4bf00a1, against
LogisticRegression and LogisticRegressionCV on the same input."""

import warnings
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV


def _data(n_classes=2):
    return make_classification(80, 4, n_informative=3, n_redundant=0, n_classes=n_classes,
                               random_state=0)


@pytest.mark.parametrize("solver", ["bb", "gd", "nesterov", "backtracking", "lbfgs"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_warm_start_whose_penalty_overflows_fits_as_a_cold_start(solver, n_classes):
    """A model fitted with C=np.inf on features of scale 1e-160 has coefficients ~1e160;
    set_params(C=1.0) and a warm refit (LogisticRegression's refit finds the C=1 model)
    started where ‖w‖² overflows: J = inf at the start, every trial inf as well, and the
    fit returned the C=inf coefficients unchanged with "learning_rate='auto' made the cost
    diverge (J rose from inf to inf); returning the best finite iterate (J = inf)". No
    step can be compared with an infinite start: it starts from zero, as a cold fit."""
    X, y = _data(n_classes)
    X = X * 1e-160
    model = GradientDescentLogisticRegression(C=np.inf, solver=solver, warm_start=True,
                                              max_iter=3000).fit(X, y)
    assert np.abs(model.coef_).max() > 1e155  # ‖w‖² beyond the float range
    model.set_params(C=1.0)
    cold = GradientDescentLogisticRegression(C=1.0, solver=solver, max_iter=3000).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y)
    assert model.converged_ and model.stop_reason_ == "converged"
    assert np.isfinite(model.loss_curve_).all()
    np.testing.assert_allclose(model.coef_, cold.coef_, rtol=1e-6)
    np.testing.assert_allclose(model.intercept_, cold.intercept_, rtol=1e-6, atol=1e-12)


def test_a_hand_set_coef_whose_penalty_overflows_is_a_cold_start_too():
    """coef_ of 1e200 set by hand (finite, so not review 8's NaN/inf error): the same."""
    X, y = _data()
    model = GradientDescentLogisticRegression(warm_start=True).fit(X, y)
    ref = GradientDescentLogisticRegression().fit(X, y)
    model.coef_ = np.full_like(model.coef_, 1e200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y)
    assert model.converged_
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-6)


@pytest.mark.parametrize("value", [Decimal("2"), np.array(2.0), np.array(2), np.float16(2)])
def test_class_weights_of_any_numeric_type_fit_as_their_float(value):
    """class_weight={0: Decimal("2")} or {0: np.array(2.0)}: LogisticRegression fits them
    (its class weights go into a float64 array); they were refused as "not a finite,
    non-negative number" (the test was ``isinstance(w, numbers.Real)``). Strings and
    booleans stay refused, as docs/errors.rst says."""
    X, y = _data()
    ref = GradientDescentLogisticRegression(class_weight={0: 2.0, 1: 1.0}).fit(X, y)
    model = GradientDescentLogisticRegression(class_weight={0: value, 1: 1}).fit(X, y)
    np.testing.assert_array_equal(model.coef_, ref.coef_)


@pytest.mark.parametrize("value", ["2", True, np.bool_(True), np.array(True), 2 + 0j,
                                   np.array([2.0]), Decimal("NaN"), Decimal("-1")])
def test_class_weights_that_are_no_number_stay_refused(value):
    X, y = _data()
    with pytest.raises(ValueError, match="class_weight must give each class a finite"):
        GradientDescentLogisticRegression(class_weight={0: value, 1: 1}).fit(X, y)


@pytest.mark.parametrize("scoring", [None, "neg_log_loss"])
@pytest.mark.parametrize("kind", ["str array", "str list", "str Series", "Decimal array"])
def test_a_search_scores_weights_given_as_strings_as_their_floats(kind, scoring):
    """sample_weight=w.astype(str): the single fit takes it (review 4) and so does
    LogisticRegressionCV (its default score converts the weights); the search fitted
    every fold, then its accuracy raised numpy's "The `dtype` and `signature` arguments
    to ufuncs only select the general DType..." (np.average of strings); with
    neg_log_loss, "can't multiply sequence by non-int". The scores take the checked
    float64 weights: the same search as with w."""
    X, y = _data()
    w = np.linspace(0.5, 2.0, len(y))
    given = {"str array": w.astype(str), "str list": w.astype(str).tolist(),
             "str Series": pd.Series(w.astype(str)),
             "Decimal array": np.array([Decimal(repr(float(v))) for v in w])}[kind]
    ref = GradientDescentLogisticRegressionCV(Cs=3, scoring=scoring).fit(X, y, sample_weight=w)
    search = GradientDescentLogisticRegressionCV(Cs=3, scoring=scoring).fit(
        X, y, sample_weight=given)
    for key in ("mean_test_score", "split0_test_score"):
        np.testing.assert_array_equal(search.cv_results_[key], ref.cv_results_[key])
    np.testing.assert_array_equal(search.coef_, ref.coef_)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("solver", ["bb", "gd", "nesterov", "backtracking", "lbfgs"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_unpenalized_coefficients_beyond_the_float_range_are_never_returned(
        solver, n_classes, fmt):
    """Features of scale 1e-310 (subnormal) and C=np.inf: the unpenalized optimum's
    weights are ~1e310, beyond the largest float. The descent runs in standardized
    coordinates, where they are ~100; without a penalty J never looked at the weights
    in the original coordinates, so lbfgs and nesterov stepped to where they overflow:
    coef_ inf, intercept_ -inf, predict_proba NaN (nesterov: "J rose from 0.6931 to
    nan; returning the best finite iterate"). A step to weights beyond the float range
    has J = inf now, as with a penalty, and is refused."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(50, 4))
    y = (X[:, 0] + rng.normal(size=50) > 0).astype(int) if n_classes == 2 else np.arange(50) % 3
    X = X * 1e-310
    X = X if fmt == "dense" else sp.csr_array(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = GradientDescentLogisticRegression(C=np.inf, solver=solver, max_iter=100).fit(X, y)
        proba = model.predict_proba(X)
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_).all()
    assert np.isfinite(proba).all()
    assert np.isfinite(model.loss_curve_).all()
    assert model.loss_curve_[-1] <= model.loss_curve_[0]


@pytest.mark.parametrize("solver", ["bb", "gd", "lbfgs", "nesterov"])
@pytest.mark.parametrize("Cs", [[np.inf], [1e-300, np.inf]])
def test_a_search_without_a_penalty_keeps_its_weights_in_the_float_range(solver, Cs):
    """The batched search's columns, as the single fits above: with lbfgs the C=np.inf
    columns on features ~1e-310 ended with inf weights, and ``neg_log_loss`` raised
    scikit-learn's "Input contains NaN" from their probabilities."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] + rng.normal(size=60) > 0).astype(int)
    X = X * 1e-310
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GradientDescentLogisticRegressionCV(
            Cs=Cs, solver=solver, max_iter=100, scoring="neg_log_loss").fit(X, y)
    assert np.isfinite(search.coefs_paths_[1]).all()
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert np.isfinite(search.coef_).all() and np.isfinite(search.predict_proba(X)).all()
