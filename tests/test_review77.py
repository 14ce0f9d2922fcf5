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
- (xfail) metadata routed to the scorer: ``LogisticRegressionCV.fit(X, y, **params)``
  and ``.score(X, y, **score_params)`` (scikit-learn 1.4) pass a scorer's requested
  metadata (``set_score_request(foo=True)``) to it under ``enable_metadata_routing``; the
  search's ``fit`` and ``score`` take none but ``sample_weight`` (and ``groups``), a
  ``TypeError``.

Deliberate and documented (docs/reference.rst, docs/search.rst), left: ``penalty``,
``n_jobs``, ``dual``, ``random_state`` and ``intercept_scaling`` are not taken;
``l1_ratios=None`` is the L2 penalty without ``LogisticRegressionCV``'s FutureWarning,
and its ``l1_ratios_`` is ``[0.0]`` where scikit-learn's is ``[None]``; the hidden
``"warn"`` defaults of ``LogisticRegressionCV`` are not taken (``scoring=None`` is
accuracy); an unset ``sample_weight`` request under routing weighs the scores.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.preprocessing import StandardScaler

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
