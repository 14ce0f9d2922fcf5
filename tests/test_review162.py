"""Review 162 (an outside audit of sample-weight equivalence, 2026-12-05).

Sparse X priced its metric's takes by rows counted once, not as :meth:`_rows` counts them
(a weight of 2 as a repeated row, a weight of 0 as no row): integer weights did not give
the repeated rows' path where dense X did.

1. K classes on sparse X: the class metric's take was priced from the stored entries of
   each row of positive weight, each counted once (400 × 150, 3 classes, weights 1..5: bb
   55 against 91 iterations, coef_ 8e-5 apart).
2. CSR X between the two metrics: the p × p take's price read X's density over all its
   stored rows (rows of weight 0 that store every entry: 79 against 68 iterations).
"""

import numpy as np
import pytest
import scipy.sparse as sp

from gdlogreg import GradientDescentLogisticRegression as GD


def _same_path(a, b):
    assert a.n_iter_[0] == b.n_iter_[0]
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=1e-9 * np.abs(b.coef_).max())


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
@pytest.mark.parametrize("fmt", [sp.csr_matrix, sp.csc_matrix])
def test_sparse_classes_weighted_as_repeated(solver, fmt):
    rng = np.random.default_rng(0)
    n, p, K = 400, 150, 3
    X = rng.standard_normal((n, p)) * np.logspace(-1, 1, p) + rng.standard_normal(p)
    y = np.argmax(X @ rng.standard_normal((p, K)) / np.sqrt(p) * 2 + rng.gumbel(size=(n, K)),
                  axis=1)
    w = np.random.default_rng(1).integers(1, 6, n)
    rep = np.repeat(np.arange(n), w)
    _same_path(GD(solver=solver).fit(fmt(X), y, sample_weight=w.astype(float)),
               GD(solver=solver).fit(fmt(X[rep]), y[rep]))


def _between():
    rng = np.random.default_rng(0)
    n, p = 500, 200
    X = rng.standard_normal((n, p)) * (rng.random((n, p)) < 0.1) * np.logspace(-1, 1, p)
    X[:, :5] = rng.standard_normal((n, 5)) * 3 + 1
    y = (X @ rng.standard_normal(p) + rng.logistic(size=n) > 0).astype(int)
    return rng, X, y


def test_csr_weightless_rows_as_removed():
    rng, X, y = _between()
    zero = np.zeros(len(y), bool)
    zero[rng.choice(len(y), 100, replace=False)] = True
    Xz = X.copy()
    Xz[zero] = rng.standard_normal((100, X.shape[1]))  # every entry stored, at weight 0
    kw = {"C": 100.0}
    _same_path(GD(**kw).fit(sp.csr_matrix(Xz), y, sample_weight=(~zero).astype(float)),
               GD(**kw).fit(sp.csr_matrix(X[~zero]), y[~zero]))


def test_csr_weights_as_repeated_rows():
    rng, X, y = _between()
    w = np.where(rng.random(len(y)) < 0.5, 1, 2)
    X[w == 2] = np.where(X[w == 2] == 0, 0.01, X[w == 2])  # the weight-2 rows dense
    rep = np.repeat(np.arange(len(y)), w)
    kw = {"C": 100.0}
    _same_path(GD(**kw).fit(sp.csr_matrix(X), y, sample_weight=w.astype(float)),
               GD(**kw).fit(sp.csr_matrix(X[rep]), y[rep]))
