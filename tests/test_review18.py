"""Review 18: the array-API (torch) and Dask paths against the numpy fit of the same data."""

import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import make_classification

from gdlogreg import GradientDescentLogisticRegression


def _data(n_classes, n_features, n=120, seed=0):
    return make_classification(
        n, n_features, n_informative=n_features, n_redundant=0, n_classes=n_classes,
        n_clusters_per_class=1, random_state=seed,
    )


@pytest.mark.parametrize(("n_classes", "n_features"), [(4, 3), (10, 5)])
def test_dask_multinomial_without_intercept_with_more_classes_than_features(
    n_classes, n_features
):
    """fit_intercept=False with K > d on Dask: the passes of another loss on the same Z
    (the curvature share of bb's whitening, J's value, the dual gap) called the
    backend without fit_intercept, whose default True read row d of a coef of d rows:
    IndexError in the tasks. The numpy fit's model."""
    da = pytest.importorskip("dask.array")
    X, y = _data(n_classes, n_features)
    params = {"fit_intercept": False}
    ref = GradientDescentLogisticRegression(**params).fit(X, y)
    model = GradientDescentLogisticRegression(**params).fit(da.from_array(X, chunks=(37, -1)), y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
    assert model.n_iter_[0] == ref.n_iter_[0]
    np.testing.assert_allclose(model.dual_gap_, ref.dual_gap_, rtol=1e-5, atol=1e-12)


def _torch_fits(X, y, **params):
    torch = pytest.importorskip("torch")
    pytest.importorskip("scipy", minversion="1.14")
    with config_context(array_api_dispatch=True):
        model = GradientDescentLogisticRegression(**params).fit(
            torch.asarray(X), torch.asarray(y)
        )
    return torch, model


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    ("fit_dtype", "predict_dtype"),
    [("float64", "int64"), ("float64", "bool"), ("float64", "float32"),
     ("float32", "float64"), ("float32", "int32")],
)
def test_torch_predictions_on_x_of_another_dtype_are_numpy_ones(
    n_classes, fit_dtype, predict_dtype
):
    """A torch model predicts int, bool or other-precision X as numpy's does (in the
    dtype numpy's product gives): the product X @ coef_ᵀ raised torch's RuntimeError
    "expected m1 and m2 to have the same dtype"."""
    X, y = _data(n_classes, 4)
    Xp = (X * 3).astype(predict_dtype)
    ref = GradientDescentLogisticRegression().fit(X.astype(fit_dtype), y)
    torch, model = _torch_fits(X.astype(fit_dtype), y)
    Xt = torch.asarray(Xp)
    with config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = model.decision_function(Xt)
        proba = model.predict_proba(Xt)
        pred = model.predict(Xt)
    expected = ref.decision_function(Xp)
    assert str(scores.dtype).removeprefix("torch.") == str(expected.dtype)
    tol = 1e-5 if "float32" in (fit_dtype, predict_dtype) else 1e-10
    np.testing.assert_allclose(scores.numpy(), expected, rtol=tol, atol=tol)
    np.testing.assert_allclose(proba.numpy(), ref.predict_proba(Xp), rtol=tol, atol=tol)
    np.testing.assert_array_equal(pred.numpy(), ref.predict(Xp))


@pytest.mark.parametrize("method", ["fit", "predict", "predict_proba", "decision_function"])
def test_complex_torch_x_is_refused_as_numpy_x_is(method):
    """Complex torch X: "Complex data not supported." as for numpy X; fit cast it to
    float with torch's UserWarning and fitted the real parts."""
    X, y = _data(2, 4)
    torch, model = _torch_fits(X, y)
    Xc = torch.asarray(X + 1j)
    with config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="Complex data not supported"):
            if method == "fit":
                model.fit(Xc, torch.asarray(y))
            else:
                getattr(model, method)(Xc)


@pytest.mark.parametrize(
    "labels",
    [["a", "b", "c"], ["a", "b", "c", "category"], [10, 20, 30, "category"], [0, 1, 2, "Int64"]],
    ids=["str", "str-category", "int-category", "Int64"],
)
def test_dask_series_of_pandas_extension_labels_are_the_numpy_fit(labels):
    """A Dask Series of labels of a pandas extension dtype (string, categorical,
    nullable Int64): the numpy fit of the pandas Series, with no warning. Dask's
    UserWarning ("limited support for converting pandas extension dtypes") leaked from
    every fit, and int categories or Int64 labels, objects once converted, were refused
    as "Unknown label type: unknown"."""
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y = _data(3, 4)
    dtype = labels.pop() if len(labels) == 4 else None
    series = pd.Series(np.asarray(labels)[y], dtype=dtype)
    frame = dd.from_pandas(pd.DataFrame(X, columns=list("abcd")), npartitions=3)
    ref = GradientDescentLogisticRegression().fit(pd.DataFrame(X, columns=list("abcd")), series)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = GradientDescentLogisticRegression().fit(
            frame, dd.from_pandas(series, npartitions=3)
        )
        pred = model.predict(frame).compute()
    np.testing.assert_array_equal(model.classes_, ref.classes_)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(pred, ref.predict(X))
