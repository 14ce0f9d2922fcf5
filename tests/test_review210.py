"""Review 210: one class holding all the rows' weight.

Where the rows of every class but one weigh nothing (sample_weight times class_weight
is 0) and the model has an intercept, J's infimum is 0 whatever the penalty: the weights
at 0 and that class's intercept without bound drive every loss and the penalty to 0, and
J has no minimum. The relative tests never pass there (J - J* is J itself), so such fits
ran to ``max_iter``: 1000 iterations on breast cancer, to an intercept of -728, where
LogisticRegression stops in 16. The "separated" stop (J within tol of its infimum 0 on
rows a margin classifies) now ends them too, with the warning that names the classes.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GCV


def _cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _fit(est, X, y, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y, **kw)
    return est, [str(w.message) for w in caught]


@pytest.mark.parametrize("how", ["sample_weight", "class_weight"])
@pytest.mark.parametrize("C", [1.0, 1e-3])
def test_two_classes_one_weightless_stop_near_the_infimum(how, C):
    X, y = _cancer()
    before = X.copy()
    sw = np.where(y == 1, 0.0, 1.0)
    if how == "sample_weight":
        model, messages = _fit(GD(C=C), X, y, sample_weight=sw)
    else:
        model, messages = _fit(GD(C=C, class_weight={0: 1.0, 1: 0.0}), X, y)
    assert model.stop_reason_ == "separated" and not model.converged_
    assert model.n_iter_[0] < 100
    J = model.loss_curve_[-1]
    assert 0.0 < J <= 1e-6 * np.log(2.0)
    assert len(messages) == 1
    assert "stopped after" in messages[0] and "weigh nothing" in messages[0]
    assert "class 1" in messages[0]
    assert np.all(model.predict(X) == 0)
    assert np.isfinite(model.intercept_).all() and model.intercept_[0] < -10
    np.testing.assert_array_equal(X, before)


def test_k_classes_all_weight_in_one_class():
    X, y = load_iris(return_X_y=True)
    model, messages = _fit(GD(), X, y, sample_weight=(y == 1).astype(float))
    assert model.stop_reason_ == "separated" and model.n_iter_[0] < 100
    assert "weigh nothing" in messages[0]
    assert np.all(model.predict(X) == 1)


def test_k_classes_one_weightless_keep_the_gradient_tests():
    """Two classes keep their weight: J's infimum is positive, not 0, and the fit stops
    as before (the weightless class's intercept falls till its share is below tol)."""
    X, y = load_iris(return_X_y=True)
    model, messages = _fit(GD(), StandardScaler().fit_transform(X), y,
                           sample_weight=(y != 2).astype(float))
    assert model.stop_reason_ == "converged"
    assert any("weigh nothing" in m for m in messages)


def test_penalised_separable_data_is_not_stopped_separated():
    """Both classes weigh: a large C on separable rows has a positive J*, and the stop
    is the penalised fit's (the separated stop asks for one class alone)."""
    X, y = _cancer()
    model, _ = _fit(GD(C=1e6), X, y)
    assert model.stop_reason_ != "separated"


@pytest.mark.parametrize("scoring", ["accuracy", "neg_log_loss"])
def test_search_folds_stop_as_the_single_fits(scoring):
    X, y = _cancer()
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    Cs = [0.01, 1.0, 100.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = GCV(Cs=Cs, cv=cv, class_weight={0: 1, 1: 0}, scoring=scoring).fit(X, y)
        grid = GridSearchCV(GD(class_weight={0: 1, 1: 0}), {"C": Cs}, cv=cv,
                            scoring=scoring).fit(X, y)
    assert np.max(ours.n_iter_) < 100
    for i in range(3):
        np.testing.assert_allclose(ours.cv_results_[f"split{i}_test_score"],
                                   grid.cv_results_[f"split{i}_test_score"],
                                   rtol=1e-9, atol=1e-12)


def test_dask_and_float32_stop_alike():
    da = pytest.importorskip("dask.array")
    X, y = _cancer()
    sw = np.where(y == 1, 0.0, 1.0)
    ref, _ = _fit(GD(), X, y, sample_weight=sw)
    for data, weights in ((X.astype(np.float32), sw),
                          (da.from_array(X, chunks=100), da.from_array(sw, chunks=100))):
        model, _ = _fit(GD(), data, y, sample_weight=weights)
        assert model.stop_reason_ == "separated" and model.n_iter_[0] < 100
        np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-3)
