"""Review 82: the Dask and array-API paths beyond the happy path, against the numpy fit.

Dask DataFrames of mixed, nullable and categorical columns, labels with missing values,
column-vector labels, 0-d weights and chunkings of every shape; torch tensors on the
"meta" device, strided and of int or bool dtype.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import DataConversionWarning

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV

da = pytest.importorskip("dask.array")


def _data(n_classes=2, n=120, d=3, seed=0):
    return make_classification(n, d, n_informative=d, n_redundant=0, n_classes=n_classes,
                               random_state=seed)


def _close(model, ref, tol=1e-9):
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=tol, atol=tol)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=tol, atol=tol)


def _frames(columns):
    """A pandas frame of the given column kinds and its Dask frame of four partitions."""
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y = _data()
    make = {
        "float": lambda: X[:, 0],
        "int": lambda: np.round(3 * X[:, 1]).astype(int),
        "bool": lambda: X[:, 2] > 0,
        "Int64": lambda: pd.array(np.round(3 * X[:, 1]).astype(int), dtype="Int64"),
        "boolean": lambda: pd.array(X[:, 2] > 0, dtype="boolean"),
        "category": lambda: pd.Categorical(np.where(X[:, 0] > 0, 1.5, 2.5)),
    }
    frame = pd.DataFrame({kind: make[kind]() for kind in columns})
    return frame, dd.from_pandas(frame, npartitions=4), y


@pytest.mark.parametrize(
    "columns",
    [("float", "int", "bool"), ("int", "bool"), ("float", "Int64"), ("float", "boolean"),
     ("float", "category", "int")],
)
@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
def test_predictions_on_a_dask_frame_of_mixed_column_dtypes(columns, method):
    """A Dask frame whose columns are of different dtypes (float and bool, a nullable Int64)
    has object values: the fit cast them to float, the lazy predictions did not and every
    chunk raised numpy's "ufunc 'isfinite' not supported" TypeError. The pandas frame's
    predictions, for a model that is the pandas fit's."""
    frame, dframe, y = _frames(columns)
    ref = GradientDescentLogisticRegression(tol=1e-8).fit(frame, y)
    model = GradientDescentLogisticRegression(tol=1e-8).fit(dframe, y)
    _close(model, ref)
    got = getattr(model, method)(dframe).compute()
    np.testing.assert_allclose(got, getattr(ref, method)(frame), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", ["Int64", "boolean"])
def test_missing_value_in_a_nullable_dask_column_is_the_nan_error(kind):
    """pd.NA in a nullable column: ``float(pd.NA)`` raised a TypeError from the cast in
    the tasks; a pandas frame's fit says ValueError "Input X contains NaN", and so does
    the Dask one now (the column read as float with NaN)."""
    pd = pytest.importorskip("pandas")
    frame, _, y = _frames(("float", kind))
    frame.loc[7, kind] = pd.NA
    dframe = pytest.importorskip("dask.dataframe").from_pandas(frame, npartitions=4)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        GradientDescentLogisticRegression().fit(frame, y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        GradientDescentLogisticRegression().fit(dframe, y)


@pytest.mark.parametrize("kind", ["Int64", "category", "object"])
def test_missing_label_in_a_dask_series_is_the_nan_error(kind):
    """A Dask Series of labels with a missing value (pd.NA of Int64, NaN of a categorical
    of strings, None among strings): the labels' unique sorted them and raised a TypeError
    ("boolean value of NA is ambiguous", "'<' not supported between 'float' and 'str'").
    ValueError "Input y contains NaN", as for the same pandas Series."""
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    frame, dframe, y = _frames(("float", "int"))
    if kind == "Int64":
        labels = pd.Series(pd.array(y, dtype="Int64"))
        labels[5] = pd.NA
    else:
        values = np.array(["no", "yes"], dtype=object)[y]
        values[5] = None
        labels = pd.Series(pd.Categorical(values) if kind == "category" else values)
    with pytest.raises(ValueError, match="Input (y )?contains NaN"):
        GradientDescentLogisticRegression().fit(frame, labels)
    # None among strings: named as numpy's object labels name it (review 195)
    with pytest.raises(ValueError, match="Input y contains (NaN|None or pd.NA)"):
        GradientDescentLogisticRegression().fit(dframe, dd.from_pandas(labels, npartitions=3))


def test_labels_of_a_categorical_dask_series_without_missing_values_still_fit():
    """The missing-label check passes object labels that are all present (a categorical of
    strings, chunked unlike X): the pandas fit's model and classes."""
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    frame, dframe, y = _frames(("float", "int"))
    labels = pd.Series(pd.Categorical(np.array(["no", "yes"])[y]))
    ref = GradientDescentLogisticRegression(tol=1e-8).fit(frame, labels)
    model = GradientDescentLogisticRegression(tol=1e-8).fit(
        dframe, dd.from_pandas(labels, npartitions=7))
    _close(model, ref)
    np.testing.assert_array_equal(model.classes_, ref.classes_)
    np.testing.assert_array_equal(model.predict(dframe).compute(), ref.predict(frame))


def test_column_vector_dask_labels_warn_as_numpy_ones():
    """y of shape (n, 1): the numpy fit warns DataConversionWarning (column_or_1d), the
    Dask fit ravelled it silently."""
    X, y = _data()
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        ref = GradientDescentLogisticRegression(tol=1e-8).fit(X, y[:, None])
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        model = GradientDescentLogisticRegression(tol=1e-8).fit(
            da.from_array(X, chunks=(25, 1)), da.from_array(y[:, None], chunks=(7, 1)))
    _close(model, ref)


def test_zero_dimensional_dask_weight_is_one_weight_for_every_row():
    """A 0-d numpy array of weight is a scalar; a 0-d Dask array was refused ("should be a
    1d array, got shape ()")."""
    X, y = _data()
    ref = GradientDescentLogisticRegression(tol=1e-8).fit(X, y, sample_weight=np.array(2.0))
    model = GradientDescentLogisticRegression(tol=1e-8).fit(
        da.from_array(X, chunks=(30, 3)), y, sample_weight=da.from_array(np.array(2.0)))
    _close(model, ref)


@pytest.mark.slow
@pytest.mark.parametrize(
    "chunks",
    [(1, 3), (3, 1), ((10, 0, 50, 0, 60), (1, 2)), ((1, 2, 3, 114), 3)],
    ids=["row-each", "3-rows-1-col", "empty-chunks", "uneven"],
)
def test_chunkings_of_every_shape_are_the_numpy_fit(chunks):
    """Hundreds of one-row chunks, one-column chunks, chunks with no rows, uneven ones, with
    weights of other row chunks given as a list, an L1 part and three classes: the numpy
    fit to rounding, no warning."""
    X, y = _data(n_classes=3)
    sw = np.random.default_rng(0).uniform(0.2, 3.0, len(y))
    params = {"tol": 1e-8, "l1_ratio": 0.5, "C": 0.5}
    ref = GradientDescentLogisticRegression(**params).fit(X, y, sample_weight=sw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = GradientDescentLogisticRegression(**params).fit(
            da.from_array(X, chunks=chunks), da.from_array(y, chunks=17), sample_weight=list(sw))
    _close(model, ref)


@pytest.mark.slow
def test_search_on_one_row_chunks_is_the_numpy_search():
    """GradientDescentLogisticRegressionCV on 120 chunks of one row: the numpy search."""
    X, y = _data()
    params = {"Cs": 2, "cv": 2, "tol": 1e-8}
    ref = GradientDescentLogisticRegressionCV(**params).fit(X, y)
    search = GradientDescentLogisticRegressionCV(**params).fit(da.from_array(X, chunks=(1, 3)), y)
    _close(search, ref)
    np.testing.assert_array_equal(search.C_, ref.C_)


# ----------------------------------------------------------------- array API: torch
@pytest.mark.parametrize("dispatch", [True, False])
@pytest.mark.parametrize("which", ["X", "y", "sample_weight"])
@pytest.mark.parametrize("search", [False, True])
def test_tensors_on_the_meta_device_are_refused_clearly(dispatch, which, search):
    """A tensor on torch's "meta" device has a shape and no values: the fit raised torch's
    RuntimeError "Tensor.item() cannot be called on meta tensors" (dispatch on: X), a
    NotImplementedError of a missing kernel (y) or a TypeError advising .cpu() (dispatch
    off), which raises too. A ValueError that names the argument."""
    torch = pytest.importorskip("torch")
    from sklearn import config_context

    if dispatch:
        pytest.importorskip("array_api_strict")  # conftest's SCIPY_ARRAY_API set-up
    X, y = _data()
    args = {"X": torch.asarray(X), "y": torch.asarray(y),
            "sample_weight": torch.ones(len(y), dtype=torch.float64)}
    args[which] = args[which].to("meta")
    model = (GradientDescentLogisticRegressionCV(Cs=2, cv=2) if search
             else GradientDescentLogisticRegression())
    try:
        context = config_context(array_api_dispatch=dispatch)
        context.__enter__()
    except RuntimeError as exc:  # scipy's array API support off in this process
        pytest.skip(str(exc))
    try:
        with pytest.raises(ValueError, match=f"{which} is a tensor on the 'meta' device"):
            model.fit(**args)
    finally:
        context.__exit__(None, None, None)


@pytest.mark.parametrize("search", [False, True])
def test_a_mask_that_empties_a_chunk_is_the_numpy_fit_of_the_kept_rows(search):
    """X[mask] (unknown chunk sizes) where the mask keeps no row of one chunk, three classes:
    the softmax's max over that chunk's rows raised numpy's "zero-size array to reduction
    operation maximum" ValueError inside the tasks. The numpy fit of the kept rows, and
    predictions (of the same chunks) that match it."""
    X, y = _data(n_classes=3)
    keep = np.ones(len(y), bool)
    keep[30:60] = False  # the whole second chunk
    Xd, yd = da.from_array(X, chunks=(30, 3)), da.from_array(y, chunks=30)
    mask = da.from_array(keep, chunks=30)
    make = ((lambda: GradientDescentLogisticRegressionCV(Cs=2, cv=2, tol=1e-8)) if search
            else (lambda: GradientDescentLogisticRegression(tol=1e-8)))
    ref = make().fit(X[keep], y[keep])
    model = make().fit(Xd[mask], yd[mask])
    _close(model, ref)
    proba = model.predict_proba(Xd[mask]).compute()
    np.testing.assert_allclose(proba, ref.predict_proba(X[keep]), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba",
                                    "decision_function", "score"])
def test_predicting_from_a_meta_tensor_says_what_is_wrong(method):
    """Review 87's suspicion: without dispatch, predictions from a meta tensor raised
    torch's TypeError advising .cpu(), which a meta tensor refuses too."""
    torch = pytest.importorskip("torch")
    X, y = _data()
    model = GradientDescentLogisticRegression().fit(X, y)
    Xm = torch.asarray(X).to("meta")
    args = (Xm, y) if method == "score" else (Xm,)
    with pytest.raises(ValueError, match="X is a tensor on the 'meta' device"):
        getattr(model, method)(*args)
