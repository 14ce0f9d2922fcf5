"""GradientDescentLogisticRegressionCV(use_legacy_attributes=False): LogisticRegressionCV's
simplified attributes (scikit-learn 1.8; its default from 1.10): ``C_`` and ``l1_ratio_``
floats, and ``scores_``, ``n_iter_`` (n_folds, n_l1_ratios, n_Cs) and ``coefs_paths_``
(n_folds, n_l1_ratios, n_Cs, n_classes, n_dof) arrays in place of dicts by class.

Each new attribute is checked entry by entry against the legacy one of the same search,
and against LogisticRegressionCV's own where the installed scikit-learn has the parameter.
"""

import inspect
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegressionCV
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegressionCV

HAS_NEW = "use_legacy_attributes" in inspect.signature(LogisticRegressionCV).parameters


def _scaled(load):
    X, y = load(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _pair(X, y, **params):
    """The same search with the legacy attributes and with the new ones."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old = GradientDescentLogisticRegressionCV(cv=3, **params).fit(X, y)
        new = GradientDescentLogisticRegressionCV(
            cv=3, use_legacy_attributes=False, **params).fit(X, y)
    return old, new


GRIDS = [
    dict(Cs=4),
    dict(Cs=[0.1, 1.0, 10.0], l1_ratios=[0.0, 0.5]),
    dict(Cs=[0.1, 1.0], learning_rates=[0.5, "auto"]),
    dict(Cs=[0.1, 1.0], l1_ratios=[0.0, 1.0], learning_rates=[0.5, "auto"]),
]


@pytest.mark.slow
@pytest.mark.parametrize("load", [load_breast_cancer, load_iris])
@pytest.mark.parametrize("grid", GRIDS)
@pytest.mark.parametrize("refit", [True, False])
def test_new_attributes_are_the_legacy_ones_rearranged(load, grid, refit):
    X, y = _scaled(load)
    old, new = _pair(X, y, refit=refit, **grid)
    keys = list(old.scores_)  # classes_[1:] for two classes, else every class
    F, n_C = old.n_splits_, len(old.Cs_)
    n_l1 = len(grid.get("l1_ratios", [0.0]))
    lr = (len(grid["learning_rates"]),) if "learning_rates" in grid else ()
    assert new.scores_.shape == (F, n_l1, n_C, *lr)
    assert new.n_iter_.shape == (F, n_l1, n_C, *lr) and new.n_iter_.dtype == np.int32
    assert new.coefs_paths_.shape == (F, n_l1, n_C, *lr, len(keys), X.shape[1] + 1)
    assert isinstance(new.C_, float) and isinstance(new.l1_ratio_, float)
    assert new.C_ == old.C_[0] and new.l1_ratio_ == old.l1_ratio_[0]
    legacy_scores = old.scores_[keys[0]]
    legacy_iter = old.n_iter_[0]
    for f in range(F):
        for j in range(n_l1):
            for i in range(n_C):
                at = (f, i, j) if "l1_ratios" in grid else (f, i)
                np.testing.assert_array_equal(new.scores_[f, j, i], legacy_scores[at])
                np.testing.assert_array_equal(new.n_iter_[f, j, i], legacy_iter[at])
                for k, c in enumerate(keys):
                    np.testing.assert_array_equal(new.coefs_paths_[f, j, i, ..., k, :],
                                                  old.coefs_paths_[c][at])
    # everything else is the legacy search's
    np.testing.assert_array_equal(new.coef_, old.coef_)
    np.testing.assert_array_equal(new.intercept_, old.intercept_)
    assert new.best_params_ == old.best_params_ and new.learning_rate_ == old.learning_rate_
    assert new.penalty == old.penalty
    for key, value in old.cv_results_.items():
        if key.endswith("time"):
            continue
        if key == "params":
            assert new.cv_results_[key] == value
        else:
            np.testing.assert_array_equal(new.cv_results_[key], value)


def test_the_new_attributes_follow_each_fit():
    """A refit with the other setting replaces the attributes' format (set_params, clone)."""
    X, y = _scaled(load_iris)
    search = GradientDescentLogisticRegressionCV(Cs=2, cv=3, use_legacy_attributes=False)
    search.fit(X, y)
    assert isinstance(search.scores_, np.ndarray) and isinstance(search.C_, float)
    search.set_params(use_legacy_attributes=True).fit(X, y)
    assert isinstance(search.scores_, dict) and search.C_.shape == (3,)
    twin = clone(search.set_params(use_legacy_attributes=False))
    assert twin.get_params()["use_legacy_attributes"] is False


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_use_legacy_attributes_must_be_a_bool(value):
    X, y = _scaled(load_iris)
    with pytest.raises(ValueError, match="use_legacy_attributes"):
        GradientDescentLogisticRegressionCV(Cs=2, use_legacy_attributes=value).fit(X, y)


@pytest.mark.skipif(not HAS_NEW, reason="LogisticRegressionCV without use_legacy_attributes")
@pytest.mark.parametrize("load", [load_breast_cancer, load_iris])
@pytest.mark.parametrize("refit", [True, False])
def test_as_logistic_regression_cv_gives_them(load, refit):
    """Same types and shapes as LogisticRegressionCV(use_legacy_attributes=False), and
    on these standardized sets the same chosen C and the same fold scores."""
    X, y = _scaled(load)
    ours = GradientDescentLogisticRegressionCV(
        Cs=4, cv=3, refit=refit, use_legacy_attributes=False).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LogisticRegressionCV(Cs=4, cv=3, refit=refit, use_legacy_attributes=False,
                                   max_iter=1000, tol=1e-8).fit(X, y)
    for name in ("scores_", "n_iter_", "coefs_paths_"):
        assert type(getattr(ours, name)) is type(getattr(ref, name)), name
        assert getattr(ours, name).shape == getattr(ref, name).shape, name
    assert type(ours.C_) is type(ref.C_) and type(ours.l1_ratio_) is type(ref.l1_ratio_)
    assert ours.C_ == pytest.approx(ref.C_) and ours.l1_ratio_ == ref.l1_ratio_
    np.testing.assert_allclose(ours.scores_, ref.scores_, atol=1e-6)
    # the same axes in the same order: the models agree where J is strongly convex (the
    # weak penalties' flat directions leave them 1 % apart at C = 1e4). At C = 0.046 the
    # penalty's curvature 1/(C·Σs) >= 0.05 bounds |w - w*| by √(2 (J - J*) / 0.05): 2e-3
    # at the 1e-6 relative gap that tol = 1e-5 promises (2.5e-4 on breast cancer's fold 0,
    # 9 iterations in the p × p metric, J 6e-8 above J*)
    np.testing.assert_allclose(ours.coefs_paths_[:, :, :2], ref.coefs_paths_[:, :, :2],
                               rtol=1e-3, atol=1e-3)


def test_array_api_strict_keeps_n_iter_in_the_namespace():
    xp = pytest.importorskip("array_api_strict")
    from sklearn import config_context

    X, y = _scaled(load_iris)
    ref = GradientDescentLogisticRegressionCV(Cs=[0.1, 1.0], cv=3,
                                              use_legacy_attributes=False).fit(X, y)
    with config_context(array_api_dispatch=True):
        try:
            search = GradientDescentLogisticRegressionCV(
                Cs=[0.1, 1.0], cv=3, use_legacy_attributes=False).fit(xp.asarray(X),
                                                                      xp.asarray(y))
        except (ImportError, RuntimeError) as exc:  # no dispatch on this stack
            pytest.skip(str(exc))
    assert not isinstance(search.n_iter_, np.ndarray) and search.n_iter_.shape == (3, 1, 2)
    np.testing.assert_array_equal(np.asarray(search.n_iter_), ref.n_iter_)
    assert search.C_ == ref.C_ and isinstance(search.C_, float)
    np.testing.assert_allclose(search.scores_, ref.scores_, atol=1e-9)
