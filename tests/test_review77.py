"""Review 77: drop-in parity with scikit-learn 1.8/1.9's API, and the containers of its users.

Run side by side against LogisticRegression(CV) 1.9.1 (and 1.7.0 on the oldest stack),
code written for the new API: no ``penalty`` or ``n_jobs``, ``l1_ratio(s)`` as the
penalty's spelling, ``C=np.inf`` / ``Cs=(np.inf,)`` for no penalty, ``scoring`` and
``use_legacy_attributes`` set (ed31ff2's ``False`` included, with ``refit`` True and
False, ``l1_ratios`` None, ``(0,)``, ``(1,)``, ``(0, 0.5)``, learning rates, warm starts,
lbfgs, several batches, CSR and Dask). Types, shapes and dtypes of every fitted attribute,
the warnings (none where scikit-learn gives none) and the error types on bad ``C``,
``l1_ratio(s)``, ``Cs``, ``max_iter``, ``tol``, ``class_weight``, ``refit`` agreed; the
old forms (dicts by class, scikit-learn 1.7) too. pandas 3.1 columns of Int64, Float64,
Float32, boolean, category (unused, ordered), string and pyarrow dtypes, and polars 2.1
frames and series of every dtype, fitted, predicted and scored as with
LogisticRegression (same ``classes_`` and prediction dtypes, same errors for missing
values).

Defects:

- an unknown ``scoring`` name was refused by ``check_scoring`` after the data were
  checked and split: "The 'scoring' parameter of check_scoring must be ...", a function
  the user never called, where ``LogisticRegressionCV`` names itself at its parameters'
  validation;
- with a polars DataFrame, the search's scorer got the validated numpy rows: a
  ``UserWarning`` "X does not have valid feature names" per candidate and fold (the
  candidate knows the frame's names) and no columns to read by name, where
  ``GridSearchCV`` hands its scorer the polars rows (as the search does for pandas);
- metadata routed to the scorer: ``LogisticRegressionCV.fit(X, y, **params)``
  and ``.score(X, y, **score_params)`` (scikit-learn 1.4) pass a scorer's requested
  metadata (``set_score_request(foo=True)``) to it under ``enable_metadata_routing``; the
  search's ``fit`` and ``score`` took none but ``sample_weight`` (and ``groups``), a
  ``TypeError`` (an xfail at first; fixed with the search's ``get_metadata_routing``,
  tests/test_search_routing.py).

Deliberate and documented (docs/reference.rst, docs/search.rst), left: ``penalty``,
``n_jobs``, ``dual``, ``random_state`` and ``intercept_scaling`` are not taken;
``l1_ratios=None`` is the L2 penalty without ``LogisticRegressionCV``'s FutureWarning,
and its ``l1_ratios_`` is ``[0.0]`` where scikit-learn's is ``[None]``; the hidden
``"warn"`` defaults of ``LogisticRegressionCV`` are not taken (``scoring=None`` is
accuracy); an unset ``sample_weight`` request under routing weighs the scores.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as CV


def _scaled(load):
    X, y = load(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _strict(fit, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fit(*args, **kwargs)


# ---------------------------------------------------------------- scoring's name
def test_an_unknown_scoring_name_is_refused_as_the_search_s_parameter():
    """Was: "The 'scoring' parameter of check_scoring must be ...", raised by the scorer's
    lookup; now the search's parameter validation names it, as LogisticRegressionCV's."""
    X, y = _scaled(load_iris)
    with pytest.raises(ValueError, match="'scoring' parameter of LogisticRegressionCV"):
        LogisticRegressionCV(Cs=2, cv=3, scoring="acuracy").fit(X, y)
    with pytest.raises(ValueError,
                       match="'scoring' parameter of GradientDescentLogisticRegressionCV"):
        CV(Cs=2, cv=3, scoring="acuracy").fit(X, y)
    with pytest.raises(TypeError, match="scoring"):  # a dict stays refused, by its type
        CV(Cs=2, cv=3, scoring={"a": "accuracy"}).fit(X, y)
    # the names scikit-learn knows, a callable and None still fit
    for scoring in ("neg_log_loss", "accuracy", make_scorer(accuracy_score), None):
        assert np.isfinite(CV(Cs=2, cv=3, scoring=scoring).fit(X, y).best_score_)


# ---------------------------------------------------------------- polars rows
def _polars_pair():
    pl = pytest.importorskip("polars")
    X, y = _scaled(load_iris)
    return pl, pl.DataFrame(X, schema=["a", "b", "c", "d"]), pl.Series("y", y)


@pytest.mark.parametrize("scoring", ["neg_log_loss", "roc_auc_ovr"])
def test_a_polars_frame_is_scored_without_a_feature_names_warning(scoring):
    """Was: one UserWarning "X does not have valid feature names" per candidate and
    fold; GridSearchCV over the same estimator gives none, and the same scores."""
    _, X, y = _polars_pair()
    search = _strict(CV(Cs=[0.1, 1.0], cv=3, scoring=scoring).fit, X, y)
    grid = _strict(GridSearchCV(GD(), {"C": [0.1, 1.0]}, cv=3, scoring=scoring).fit, X, y)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"],
                               grid.cv_results_["mean_test_score"], atol=1e-6)
    assert list(search.feature_names_in_) == ["a", "b", "c", "d"]


def test_a_scorer_reads_the_polars_rows_by_name_as_in_grid_search():
    """The scorer gets the rows of the user's polars frame and series (as GridSearchCV
    gives them, and as the search gives pandas'), so it may read a column by name."""
    pl, X, y = _polars_pair()
    seen = []

    def by_name(est, X_test, y_test):
        seen.append((type(X_test), type(y_test), len(X_test)))
        assert X_test["a"].len() == len(X_test)  # a polars column, read by its name
        return float(np.mean(np.asarray(est.predict(X_test)) == np.asarray(y_test)))

    search = _strict(CV(Cs=[0.1, 1.0], cv=3, scoring=by_name).fit, X, y)
    searched, seen[:] = list(seen), []
    grid = _strict(GridSearchCV(GD(), {"C": [0.1, 1.0]}, cv=3, scoring=by_name).fit, X, y)
    assert {s[:2] for s in searched} == {(pl.DataFrame, pl.Series)} == {s[:2] for s in seen}
    assert sorted(s[2] for s in searched) == sorted(s[2] for s in seen)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"],
                               grid.cv_results_["mean_test_score"], atol=1e-6)


# ---------------------------------------------------------------- routing (fixed)
def _needs_foo(y_true, y_pred, foo=None):
    assert foo is not None and len(foo) == len(y_true), "foo not routed, or not sliced"
    return accuracy_score(y_true, y_pred)


def test_metadata_a_scorer_requests_is_routed_to_it_as_logistic_regression_cv_does():
    X, y = _scaled(load_breast_cancer)
    foo = np.arange(len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_scorer(_needs_foo).set_score_request(foo=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            ref = LogisticRegressionCV(Cs=2, cv=3, scoring=scorer, max_iter=1000)
            ref.fit(X, y, foo=foo)
        assert ref.score(X, y, foo=foo) > 0.9
        ours = CV(Cs=2, cv=3, scoring=scorer).fit(X, y, foo=foo)
        assert ours.score(X, y, foo=foo) > 0.9


# ---------------------------------------------------------------- what held
@pytest.mark.parametrize("refit", [True, False])
@pytest.mark.parametrize("grid", [dict(l1_ratios=(0,), Cs=(1.0, np.inf)),
                                  dict(l1_ratios=(0,), Cs=3)], ids=["inf", "Cs=3"])
def test_the_new_spellings_give_logistic_regression_cv_s_kinds_of_attributes(grid, refit):
    """``l1_ratios=(0,)`` (the new spelling of the L2 penalty, from 1.10 the default)
    and ``Cs=(..., np.inf)``, both forms of the attributes: the same types, shapes and
    dtypes as LogisticRegressionCV's."""
    X, y = _scaled(load_iris)
    for legacy in (True, False):
        kw = dict(cv=3, scoring="accuracy", refit=refit, **grid)
        if "use_legacy_attributes" in LogisticRegressionCV().get_params():
            kw["use_legacy_attributes"] = legacy
        elif not legacy:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)
            ref = LogisticRegressionCV(max_iter=1000, **kw).fit(X, y)
            ours = CV(**{**kw, "use_legacy_attributes": legacy}).fit(X, y)
        for name in ("C_", "l1_ratio_", "Cs_", "scores_", "n_iter_", "coefs_paths_",
                     "coef_", "intercept_", "classes_"):
            a, b = getattr(ours, name), getattr(ref, name)
            assert type(a) is type(b), name
            if isinstance(a, dict):
                assert list(a) == list(b), name
                a, b = a[list(a)[0]], b[list(b)[0]]
            assert np.shape(a) == np.shape(b), name
            if isinstance(a, np.ndarray) and name != "l1_ratio_":  # ints given: int there
                assert a.dtype == b.dtype, name


@pytest.mark.parametrize("to_y", [
    lambda y, names: pd.Series(names[y]).astype("category"),
    lambda y, names: pd.Series(names[y], dtype="string[pyarrow]"),
    lambda y, names: pd.Series(y).astype("Int64"),
    lambda y, names: pd.Series(y == 1).astype("boolean"),
], ids=["category", "string[pyarrow]", "Int64", "boolean"])
def test_nullable_and_arrow_columns_fit_as_logistic_regression_fits_them(to_y):
    """Float64, Int64 and pyarrow columns, and nullable or categorical labels: the same
    classes_, prediction dtype and accuracy as LogisticRegression, and no warning."""
    pytest.importorskip("pyarrow")
    X, y = load_iris(return_X_y=True, as_frame=True)
    X = ((X - X.mean()) / X.std()).astype("Float64")
    X["d"] = (X.iloc[:, 3] * 10).round().astype("Int64")
    X["e"] = X.iloc[:, 0].astype("double[pyarrow]")
    labels = to_y(y.to_numpy(), np.array(["setosa", "versicolor", "virginica"]))
    ref = LogisticRegression(max_iter=1000).fit(X, labels)
    for ours in (_strict(GD().fit, X, labels), _strict(CV(Cs=2, cv=3).fit, X, labels)):
        assert ours.classes_.dtype == ref.classes_.dtype
        np.testing.assert_array_equal(ours.classes_, ref.classes_)
        assert ours.predict(X).dtype == ref.predict(X).dtype
        assert list(ours.feature_names_in_) == list(ref.feature_names_in_)
    assert GD().fit(X, labels).score(X, labels) == pytest.approx(ref.score(X, labels),
                                                                  abs=0.02)
