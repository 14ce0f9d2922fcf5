"""Review 182: an outside fuzz of hostile single fits and searches (about 10,000 trials).

It confirmed three defects fixed here:
- the search's columns fitted one by one (solvers without a batched form, sparse X wider
  than tall, folds short of a class) took a scalar ``sample_weight`` as an array: a bare
  IndexError from numpy, where the batch, the single fit and LogisticRegressionCV take it;
- C = inf on sparse X whose indices are unsorted or duplicated rewrote the caller's X
  (sorted its indices, summed its duplicates) in the test behind the "no minimum"
  warning: scipy's ``abs(X)`` canonicalises X in place (and raised on read-only arrays);
- a leaked "divide by zero" RuntimeWarning where K classes' blocks have no curvature and
  no penalty (``Objective._shift_steps``).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as CV


def _binary(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] + rng.normal(size=n) > 0).astype(int)


@pytest.mark.parametrize("case", ["nesterov", "backtracking", "wide sparse", "short fold"])
def test_the_search_takes_one_number_as_every_row_s_weight(case):
    """sample_weight=2 is C doubled (the loss's weighted mean is unchanged, the penalty
    halved): the search at C with weight 2 gives the search at 2C's fits and scores."""
    X, y = _binary()
    params = {"cv": 2}
    if case in ("nesterov", "backtracking"):
        params["solver"] = case
    elif case == "wide sparse":
        X = sp.random(12, 30, density=0.3, format="csr", random_state=0)
        y = np.arange(12) % 2
    else:  # a third class of one row: the fold that holds it out lacks it
        y = y.copy()
        y[5] = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weighted = CV(Cs=[0.5], refit=False, **params).fit(X, y, sample_weight=2.0)
        doubled = CV(Cs=[1.0], refit=False, **params).fit(X, y)
    assert weighted.coefs_paths_.keys() == doubled.coefs_paths_.keys()
    for key in weighted.coefs_paths_:
        np.testing.assert_allclose(weighted.coefs_paths_[key], doubled.coefs_paths_[key],
                                   rtol=1e-6, atol=1e-8)
        np.testing.assert_array_equal(weighted.scores_[key], doubled.scores_[key])


def _unsorted(M):
    """M with each row's (column's) stored entries reversed: unsorted indices."""
    M = M.copy()
    for i in range(len(M.indptr) - 1):
        a, b = M.indptr[i], M.indptr[i + 1]
        M.indices[a:b] = M.indices[a:b][::-1].copy()
        M.data[a:b] = M.data[a:b][::-1].copy()
    M.has_sorted_indices = False
    return M


def _nearly_separable(n=60, seed=0):
    """Separable along column 0 but for rows 0 and 1: the same x, the other labels."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, 3))
    X[:, 0] += 30 * (2 * y - 1)
    X[1] = X[0]
    return X, y


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("kind", ["unsorted", "duplicate", "read-only"])
def test_c_inf_leaves_the_caller_s_sparse_x_as_it_was(fmt, kind):
    from gdlogreg._backends import _separation

    X, y = _nearly_separable()
    M = _unsorted(getattr(sp, f"{fmt}_matrix")(X))
    if kind == "duplicate":  # the first stored entry stored again, as two halves
        M.data[0] /= 2.0
        M = type(M)((np.r_[M.data[:1], M.data], np.r_[M.indices[:1], M.indices],
                     np.r_[0, M.indptr[1:] + 1]), shape=M.shape)
        M.has_sorted_indices = False
        np.testing.assert_allclose(M.toarray(), X, rtol=1e-15, atol=0)
    before = (M.data.copy(), M.indices.copy(), M.indptr.copy(), M.nnz)
    if kind == "read-only":
        for a in (M.data, M.indices, M.indptr):
            a.flags.writeable = False
    called, tops = [], _separation._stored_tops
    try:
        _separation._stored_tops = lambda A: called.append(1) or tops(A)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = GD(C=np.inf).fit(M, y)
    finally:
        _separation._stored_tops = tops
    assert called  # the test behind the warning ran on the caller's X
    for new, old in zip((M.data, M.indices, M.indptr), before[:3], strict=True):
        np.testing.assert_array_equal(new, old)
    assert M.nnz == before[3] and not M.has_sorted_indices
    assert np.isfinite(model.coef_).all()


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_stored_tops_are_the_columns_largest_entries(fmt):
    from gdlogreg._backends._separation import _stored_tops

    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 8)) * (rng.random((30, 8)) < 0.4) * np.exp(rng.uniform(-5, 5, 8))
    X[:, 3] = 0.0  # a column of no entry
    M = _unsorted(getattr(sp, f"{fmt}_matrix")(X))
    np.testing.assert_array_equal(_stored_tops(M), np.abs(X).max(axis=0))


def test_no_curvature_and_no_penalty_give_the_plain_step_without_a_warning():
    from test_wide_sparse_metric import _objective

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 4)), np.arange(50) % 3
    obj = _objective(X, y, C=np.inf)
    keep = np.array([True, True, False, True, True])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        steps = obj._shift_steps(0.0, keep)
    np.testing.assert_array_equal(steps, np.ones(5))
    np.testing.assert_allclose(obj._shift_steps(2.0, keep)[keep], 5 / 2.0)  # 1/c, c = 2/5
