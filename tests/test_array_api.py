"""Fits on array-API arrays stay in their namespace and on their device.

array_api_strict has a second device, ``Device("device1")``: arrays there
cannot be mixed with arrays on the default device, so any array the fit makes
without ``device=`` (a class index, a vector of ones) fails, as it would on
CUDA. Every path is fitted there: binary and multinomial, weighted, with
class weights, L1, each solver.
"""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import make_classification

from gdlogreg import GradientDescentLogisticRegression

xp = pytest.importorskip("array_api_strict")
pytest.importorskip("scipy", minversion="1.14")  # sklearn's array-API dispatch needs it


def _host(a):
    return np.asarray(a.to_device(xp.Device("CPU_DEVICE")))


def _on_device(n_classes, seed=0):
    X, y = make_classification(
        150, 6, n_informative=4, n_classes=n_classes, random_state=seed
    )
    device = xp.Device("device1")
    return X, y, xp.asarray(X, device=device), xp.asarray(y, device=device), device


@pytest.mark.slow
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"solver": "gd"},
        {"solver": "nesterov"},
        {"solver": "backtracking", "l1_ratio": 0.5},
        {"class_weight": "balanced", "fit_intercept": False},
        {"solver": "gd", "learning_rate": 0.5, "max_iter": 50},
    ],
)
def test_fit_and_predict_on_a_second_device(n_classes, params):
    X, y, Xd, yd, device = _on_device(n_classes)
    sw = np.linspace(0.5, 2.0, len(y))
    with config_context(array_api_dispatch=True):
        model = GradientDescentLogisticRegression(**params).fit(
            Xd, yd, sample_weight=xp.asarray(sw, device=device)
        )
        for name in ("coef_", "intercept_", "loss_curve_", "n_iter_", "classes_"):
            assert getattr(model, name).device == device, name
        proba = model.predict_proba(Xd)
        assert proba.device == device
        pred = model.predict(Xd)
    ref = GradientDescentLogisticRegression(**params).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(_host(model.coef_), ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(_host(proba), ref.predict_proba(X), rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(_host(pred), ref.predict(X))


def test_classes_are_in_the_labels_namespace_as_logistic_regressions():
    """classes_ is an array of y's namespace and device (LogisticRegression's
    ``unique_values(y)``), so scikit-learn code that puts it beside the predictions
    works; numpy labels (of any kind) keep a numpy classes_."""
    from sklearn.metrics import log_loss

    X, y, Xd, yd, device = _on_device(3)
    with config_context(array_api_dispatch=True):
        model = GradientDescentLogisticRegression().fit(Xd, yd)
        assert model.classes_.device == device
        assert model.classes_.dtype == yd.dtype
        loss = log_loss(yd, model.predict_proba(Xd), labels=model.classes_)
        labels = np.array(["a", "b", "c"])[y]
        named = GradientDescentLogisticRegression().fit(Xd, labels)
        assert isinstance(named.classes_, np.ndarray)
        np.testing.assert_array_equal(named.classes_, ["a", "b", "c"])
    ref = GradientDescentLogisticRegression().fit(X, y)
    np.testing.assert_array_equal(_host(model.classes_), ref.classes_)
    assert float(loss) == pytest.approx(log_loss(y, ref.predict_proba(X)), rel=1e-6)


def test_scalar_sample_weight_is_one_weight_for_every_row():
    """A number as sample_weight, with array API dispatch: numpy's fit with that weight
    on every row, i.e. C times the number (it was moved to X's namespace as a 0-d
    array and failed)."""
    xp = pytest.importorskip("array_api_strict")
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    with config_context(array_api_dispatch=True):
        a = GradientDescentLogisticRegression().fit(xp.asarray(X), xp.asarray(y),
                                                    sample_weight=3.0)
    b = GradientDescentLogisticRegression(C=3.0).fit(X, y)
    np.testing.assert_allclose(np.asarray(a.coef_), b.coef_, rtol=1e-6, atol=1e-8)


@pytest.mark.slow
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_fit_allocates_no_copy_of_x(weighted, n_classes):
    """Peak memory of an array-API fit (array_api_strict's arrays are numpy's, which
    tracemalloc sees): a fraction of X. The column moments made X / scale and
    (X / scale - mean)² whole, two arrays of X's size, which a GPU that holds X
    may not have room for; they are now summed over row blocks of X."""
    import tracemalloc

    X, y = make_classification(40_000, 50, n_informative=10, n_classes=n_classes,
                               random_state=0)
    sw = xp.asarray(np.linspace(0.5, 2.0, len(y))) if weighted else None
    Xa, ya = xp.asarray(X), xp.asarray(y)
    with config_context(array_api_dispatch=True):
        tracemalloc.start()
        try:
            GradientDescentLogisticRegression(max_iter=20).fit(Xa, ya, sample_weight=sw)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 0.5 * X.nbytes, peak / X.nbytes
