"""Review 80: the sparse batch path and the simplified attributes (8f08975..9b5fa76).

Checked and held (against the code at 8f08975, run side by side, and against GridSearchCV
over GradientDescentLogisticRegression on the same folds): CSR, CSC, COO and csr_array X
with explicit stored zeros, unsorted and duplicate indices, int64 or mixed index arrays,
float32 data, strided or read-only arrays, empty rows and columns, all-zero X, three
positives in 30,000 rows, n below one row block and a 3,000,000-row CSR over hundreds of
blocks; sample weights half zero, class_weight, l1_ratios with 1.0 (prox steps), solvers
"bb", "gd" and "lbfgs", warm_start_path, learning_rates, memory_budget of one column a
batch, refit False, binary (row-major Z) and multiclass (class-major): fold scores,
n_iter_, every loss curve and the final model bitwise equal to 8f08975's; fold scores and
models bitwise equal to GridSearchCV's; X never mutated. Peak traced memory of CSR searches
0.89-0.92 of 8f08975's (200,000 x 1,000, 10 a row; four grids and solvers). The simplified
attributes (use_legacy_attributes=False) matched LogisticRegressionCV(use_legacy_attributes=
False)'s shapes, dtypes and values (binary, multiclass, refit True/False, every grid shape),
pickled, cloned, rendered in HTML, and set SelectFromModel's threshold through ``penalty``.

Fixed: with array-API inputs the new ``scores_`` and ``coefs_paths_`` were numpy arrays,
so scikit-learn's own check_array_api_input failed on the search with
use_legacy_attributes=False (its legacy dicts are not inspected).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV


def _iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("binary", [False, True])
def test_new_array_attributes_live_in_the_namespace_of_x(binary):
    """scores_ and coefs_paths_ are fitted arrays of their own now: in X's namespace and on
    its device, as n_iter_, Cs_ and coef_ are (scores_ in the device's widest float, as the
    numpy search's float64; coefs_paths_ in X's dtype)."""
    xp = pytest.importorskip("array_api_strict")
    from sklearn import config_context

    X, y = _iris()
    y = (y == 1).astype(int) if binary else y
    params = dict(Cs=[0.1, 1.0], l1_ratios=[0.0, 0.5], cv=3, use_legacy_attributes=False)
    ref = GradientDescentLogisticRegressionCV(**params).fit(X, y)
    with config_context(array_api_dispatch=True):
        try:
            search = GradientDescentLogisticRegressionCV(**params).fit(xp.asarray(X),
                                                                       xp.asarray(y))
        except (ImportError, RuntimeError) as exc:  # no dispatch on this stack
            pytest.skip(str(exc))
    for name in ("scores_", "coefs_paths_"):
        got, want = getattr(search, name), getattr(ref, name)
        assert not isinstance(got, np.ndarray), name
        assert got.shape == want.shape and got.dtype == xp.float64, name
        np.testing.assert_allclose(np.asarray(got), want, atol=1e-9)


def test_sklearn_array_api_check_passes_with_the_new_attributes():
    """scikit-learn's check_array_api_input, which the legacy search passes (its dicts are
    not inspected), on the search with use_legacy_attributes=False."""
    pytest.importorskip("array_api_strict")
    from sklearn.utils.estimator_checks import check_array_api_input

    search = GradientDescentLogisticRegressionCV(Cs=2, cv=3, use_legacy_attributes=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            check_array_api_input("search", search, array_namespace="array_api_strict")
        except (ImportError, RuntimeError) as exc:  # no dispatch on this stack
            if "wrong namespace" in str(exc):
                raise
            pytest.skip(str(exc))


def _hostile_csr(n, d, seed=0):
    """Binary CSR of n rows: each row's entries stored twice (halved), in reverse column
    order, with an explicit zero; every 13th row and the last three columns empty; int64
    index arrays."""
    rng = np.random.default_rng(seed)
    cols = rng.integers(0, d - 3, (n, 3))
    vals = rng.standard_normal((n, 3))
    vals[::13] = 0.0
    y = (vals @ np.array([1.0, -1.0, 0.5]) + np.where(cols[:, 0] % 2, 0.7, -0.7)
         + 0.5 * rng.standard_normal(n) > 0).astype(int)
    cols = np.sort(cols, axis=1)[:, ::-1]
    indices = np.hstack([cols, cols, np.full((n, 1), d - 1)])
    data = np.hstack([vals / 2, vals / 2, np.zeros((n, 1))])
    keep = np.arange(n) % 13 != 0
    counts = np.where(keep, indices.shape[1], 0)
    X = sp.csr_matrix((data[keep].ravel(), indices[keep].ravel().astype(np.int64),
                       np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)), shape=(n, d))
    assert not X.has_canonical_format
    return X, y


@pytest.mark.slow
@pytest.mark.parametrize("params", [
    dict(),
    dict(l1_ratios=[0.0, 1.0], solver="bb"),
])
def test_hostile_csr_over_many_row_blocks_scores_as_grid_search(params):
    """The row-major batch summing Xᵀ r block by block (d8a9987) on non-canonical CSR over
    many row blocks, with half the sample weights zero: the fold scores, the chosen
    candidate and the refit model are GridSearchCV's over the single estimator, and each
    column's loss curve is its single fit's, to rounding."""
    X, y = _hostile_csr(100_000, 200)
    rng = np.random.default_rng(1)
    sw = np.where(rng.random(len(y)) < 0.5, 0.0, rng.exponential(size=len(y)))
    X0, sw0 = X.copy(), sw.copy()
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
    Cs = [0.01, 100.0]
    grid = {"C": Cs, **({"l1_ratio": params["l1_ratios"]} if "l1_ratios" in params else {})}
    single = {k: v for k, v in params.items() if k != "l1_ratios"}
    search = GradientDescentLogisticRegressionCV(Cs=Cs, cv=folds, **params).fit(
        X, y, sample_weight=sw)
    ref = GridSearchCV(GradientDescentLogisticRegression(**single), grid, cv=folds).fit(
        X, y, sample_weight=sw)
    order = [ref.cv_results_["params"].index(
        {("l1_ratio" if k == "l1_ratios" else k): v for k, v in p.items()})
        for p in search.cv_results_["params"]]
    for f in range(3):
        np.testing.assert_array_equal(search.cv_results_[f"split{f}_test_score"],
                                      ref.cv_results_[f"split{f}_test_score"][order])
    assert search.best_params_ == ref.best_params_
    np.testing.assert_allclose(search.coef_, ref.best_estimator_.coef_, rtol=1e-12)
    i = search.best_index_
    for f, (train, _) in enumerate(folds):
        fit = GradientDescentLogisticRegression(
            **single, **search.cv_results_["params"][i]).fit(X[train], y[train],
                                                              sample_weight=sw[train])
        np.testing.assert_allclose(search.loss_curves_[i * 3 + f], fit.loss_curve_, rtol=1e-12)
    assert (X != X0).nnz == 0 and np.array_equal(X.indices, X0.indices)
    np.testing.assert_array_equal(sw, sw0)
