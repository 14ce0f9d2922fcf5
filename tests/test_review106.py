"""Review 106: hostile input and drop-in parity, by a property-based fuzz and by hand.

(docstring completed below)
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV


def _toy(n=30, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    return X, (np.arange(n) % k)


# ----------------------------------------------------------------------------- defects

_NA_LABELS = {
    "string": lambda labels: pd.Series(labels, dtype="string"),
    "object": lambda labels: np.array([pd.NA if v is None else v for v in labels], dtype=object),
    "boolean": lambda labels: pd.Series(
        [None if v is None else v == "a" for v in labels], dtype="boolean"),
    "category": lambda labels: pd.Series(pd.Categorical(labels)),
}


@pytest.mark.parametrize("form", sorted(_NA_LABELS))
@pytest.mark.parametrize("search", [False, True], ids=["fit", "search"])
def test_labels_holding_pd_NA_get_a_clear_error(form, search):
    """pd.NA among the labels (a pandas "string", "boolean" or categorical Series, an object
    array) raised pandas' ``TypeError: boolean value of NA is ambiguous`` from the sort of
    the label checks; the same labels with None name the problem since review 86 (and
    "Int64"/"Float64"/"boolean"/categorical Series with pd.NA get scikit-learn's "Input y
    contains NaN")."""
    X, _ = _toy(12)
    y = _NA_LABELS[form](["a", "b", "c"] * 3 + ["a", "b", None])
    est = GradientDescentLogisticRegressionCV(Cs=2, cv=2) if search else (
        GradientDescentLogisticRegression())
    # "boolean" and categorical Series held: scikit-learn's NaN check names them
    with pytest.raises(ValueError, match="contains (NaN|None or pd.NA .a missing label)"):
        est.fit(X, y)


@pytest.mark.parametrize("search", [False, True], ids=["fit", "search"])
@pytest.mark.parametrize("labels", [[0.0, 1e300], [2.0**64, 1.0, 0.0]], ids=["1e300", "2**64"])
def test_integral_labels_past_int64_leak_no_runtime_warning(labels, search):
    """Float labels that are whole numbers beyond int64 (1e300, 2**64): scikit-learn's
    type_of_target casts them to int64 to see whether they are integral, and numpy's
    "invalid value encountered in cast" leaked as a RuntimeWarning (LogisticRegression's
    too) beside the ValueError "Unknown label type: continuous"."""
    X, idx = _toy(12)
    y = np.array(labels)[idx % len(labels)]
    est = GradientDescentLogisticRegressionCV(Cs=2, cv=2) if search else (
        GradientDescentLogisticRegression())
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="Unknown label type"):
            est.fit(X, y)
