"""Review 52: data frames and labels as a data scientist hands them over (vs LogisticRegression).

pandas inputs (nullable, pyarrow-backed, categorical, string, sparse and mixed columns,
odd column names), feature names on predict, set_output in a Pipeline, weights as a
Series of another index, labels of every kind (categorical with unused or reordered
categories, booleans, floats, tuples, None, a one-column frame, one class, NaN), the
search, the plots and pickling all behaved as LogisticRegression does. The defects were
outside the estimators:

- the command line read the labels "1_0" and "10" as one class (Python's float takes the
  underscore), and a column of whole numbers with missing labels ("NA", as pandas reads
  them) as a problem with the extra class "NA";
- DescentPathDisplay (and the CLI's objective) took y as a one-column frame to an
  IndexError, and named a valid label as unknown where y held a missing one (or raised
  "boolean value of NA is ambiguous" for pd.NA).

The controls after them pin what held and what a change could lose.
"""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import DataConversionWarning
from sklearn.linear_model import LogisticRegression

from gdlogreg import DescentPathDisplay
from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as CV
from gdlogreg._cli import load_data, main, objective

pd = pytest.importorskip("pandas")

RNG = np.random.default_rng(52)
X = RNG.normal(size=(40, 3))
Y = (X[:, 0] + 0.5 * RNG.normal(size=40) > 0).astype(int)
COLS = ["a", "b", "c"]


def _csv(tmp_path, header, labels, target_first=False):
    """A CSV of X's first two columns and ``labels`` (as text)."""
    lines = [header]
    for i, lab in enumerate(labels):
        feats = f"{X[i, 0]:.6f},{X[i, 1]:.6f}"
        lines.append(f"{lab},{feats}" if target_first else f"{feats},{lab}")
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


# ===================================================================== defects: CLI
def test_cli_labels_with_underscores_are_text_not_merged_numbers(tmp_path):
    """"1_0" is float 10.0 to Python: it merged with the label "10" into one class."""
    labels = [["1_0", "10", "2"][i % 3] for i in range(40)]
    _, y, _ = load_data(csv_path=_csv(tmp_path, "a,b,label", labels))
    assert sorted(np.unique(y).tolist()) == ["10", "1_0", "2"]
    assert np.array_equal(y, np.array(labels))


def test_cli_whole_number_labels_with_a_missing_one_are_refused(tmp_path, capsys):
    """pandas reads "NA" as a missing label (LogisticRegression then raises); the CLI fitted
    three classes, 0, 1 and "NA"."""
    labels = ["NA" if i in (7, 9) else str(v) for i, v in enumerate(Y)]
    path = _csv(tmp_path, "label,a,b", labels, target_first=True)
    status = main(["compare", "--csv", path, "--target", "label", "--test-size", "0"])
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "line 9" in err and "'NA'" in err and "missing" in err


def test_cli_text_labels_and_quoted_fields_still_read(tmp_path):
    """The controls of the fixes above: text labels with a comma in quotes, a label column
    that is not the last; labels that are all a marker stay text (no number to miss)."""
    labels = ['"yes, sir"' if v else "no" for v in Y]
    path = _csv(tmp_path, '"the label","x, one",b', labels, target_first=True)
    Xc, y, _ = load_data(csv_path=path, target="the label")
    assert set(y.tolist()) == {"yes, sir", "no"} and Xc.shape == (40, 2)
    _, y, _ = load_data(csv_path=_csv(tmp_path, "a,b,label", ["NA" if v else "none" for v in Y]))
    assert set(y.tolist()) == {"NA", "none"}


# ================================================================= defects: labels
def _path_model():
    frame = pd.DataFrame({"a": X[:, 0]})
    labels = pd.Series(pd.Categorical(np.where(Y, "b", "a"), categories=["z", "a", "b"]))
    return GD(keep_path=True).fit(frame, labels), frame, labels


def test_descent_path_takes_a_one_column_frame_of_labels_as_fit_does():
    """fit warns and ravels a column of labels; the display raised an IndexError."""
    model, frame, labels = _path_model()
    ref = DescentPathDisplay.from_estimator(model, frame, labels, grid_resolution=5)
    with pytest.warns(DataConversionWarning):
        got = DescentPathDisplay.from_estimator(model, frame, labels.to_frame(),
                                                grid_resolution=5)
    np.testing.assert_array_equal(got.J_grid, ref.J_grid)
    with pytest.warns(DataConversionWarning):
        assert objective(model, frame, labels.to_frame()) == objective(model, frame, labels)


@pytest.mark.parametrize(
    "missing",
    [lambda s: s.astype(object).mask(s.index == 3),
     lambda s: s.astype("string").mask(s.index == 3)],
    ids=["None", "pd.NA"],
)
@pytest.mark.parametrize("use", ["display", "objective"])
def test_a_missing_label_is_named_not_a_valid_one(missing, use):
    """y with a missing label: the error named 'b' (a class of the fit) as unknown, or
    raised pandas' "boolean value of NA is ambiguous"."""
    model, frame, labels = _path_model()
    y = missing(labels)
    with pytest.raises(ValueError, match="not fitted on") as info:
        if use == "display":
            DescentPathDisplay.from_estimator(model, frame, y, grid_resolution=5)
        else:
            objective(model, frame, y)
    assert "such as 'b'" not in str(info.value) and "such as 'a'" not in str(info.value)


# ====================================================================== controls
def _strict(fit, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fit(*args, **kwargs)


@pytest.mark.parametrize(
    "y",
    [pd.Series(pd.Categorical(np.where(Y, "b", "a"), categories=["b", "z", "a"], ordered=True)),
     pd.Series(Y.astype(bool), dtype="boolean"), pd.Series(Y + 1.0, dtype="Float64")],
    ids=["ordered-reversed", "boolean", "Float64"],
)
def test_labels_give_logistic_regressions_classes_and_columns(y):
    """classes_ are the labels seen, sorted as LogisticRegression sorts them (not in the
    categories' order), and predict_proba's columns follow them."""
    ref = LogisticRegression().fit(X, y)
    for est in (GD(), CV(Cs=[1.0], cv=2)):
        model = _strict(est.fit, X, y)
        np.testing.assert_array_equal(model.classes_, ref.classes_)
        assert model.classes_.dtype == ref.classes_.dtype
        np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=2e-3)


def test_a_column_of_labels_warns_as_logistic_regression_does():
    for est in (GD(), CV(Cs=[1.0], cv=2)):
        with pytest.warns(DataConversionWarning, match="column-vector y"):
            est.fit(X, pd.DataFrame({"t": Y}))


@pytest.mark.parametrize("change", ["reordered", "renamed", "missing", "extra"])
def test_feature_name_changes_on_predict_raise_as_logistic_regression(change):
    frame = pd.DataFrame(X, columns=COLS)
    other = {"reordered": frame[["b", "a", "c"]], "renamed": frame.rename(columns={"a": "z"}),
             "missing": frame[["a", "b"]], "extra": frame.assign(d=1.0)}[change]
    with pytest.raises(ValueError) as ref:
        LogisticRegression().fit(frame, Y).predict(other)
    for est in (GD(), CV(Cs=[1.0], cv=2)):
        model = est.fit(frame, Y)
        for method in (model.predict, model.predict_proba, model.decision_function):
            with pytest.raises(ValueError) as got:
                method(other)
            assert str(got.value) == str(ref.value)


def test_frames_of_other_dtypes_fit_the_numpy_model_and_pickle_with_names():
    """Sparse, nullable and mixed columns and weights as a Series of another index
    (taken by position, as LogisticRegression takes them) give the model of the arrays."""
    w = np.linspace(0.5, 2.0, 40)
    ref = GD(tol=1e-10).fit(X, Y, sample_weight=w)
    frame = pd.DataFrame(X, columns=COLS, index=np.arange(100, 140))
    weights = pd.Series(w, index=np.arange(40)[::-1])
    for given in (frame.astype(pd.SparseDtype("float64", 0.0)), frame.astype("Float64"),
                  frame.astype({"a": "float32", "b": "Float64"})):
        model = _strict(GD(tol=1e-10).fit, given, pd.Series(Y, index=given.index[::-1]),
                        sample_weight=weights)
        np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-6, atol=1e-9)
        again = pickle.loads(pickle.dumps(model))
        np.testing.assert_array_equal(again.feature_names_in_, COLS)
        np.testing.assert_array_equal(again.predict_proba(given), model.predict_proba(given))
