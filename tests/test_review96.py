"""Review 96: memory of the paths that read X added since review 40 (tracemalloc peaks).

Found: a K-class fit at C = inf (no penalty, so the no-minimum test runs) peaked at 3.1
n x K arrays, LogisticRegression's at 2.06 and the same fit at C = 1 at 2.15 (40,000 x 20,
50 classes): the step rule kept its last point's raw prediction (n x K) alive through the
test, which made X W and X W + b at once (two more), then ``[keep]`` a third copy, and
``_lp_worth_it`` an n x K array of log-ratios. Fixed: 2.14 n x K. The peaks of the other
paths measured (benchmarks/README.md, "Memory of the paths added since review 40") held.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from test_review40 import _peak  # peak bytes traced while f() runs on one thread

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._backends._array import CHUNK
from gdlogreg._backends._separation import _lp_worth_it
from gdlogreg._estimator import _no_minimum


def _classes(n=20_000, d=20, K=30, dtype=np.float64, noise=0.0):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d))
    y = (X @ rng.standard_normal((d, K)) + noise * rng.standard_normal((n, K))).argmax(1)
    return X.astype(dtype), y


def _bound(X, buf):
    """Two n x K buffers (issue #16), 10 % of X, an n-vector of intp and a few blocks."""
    nbytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes if sp.issparse(X) else X.nbytes
    return 2 * buf + 0.1 * nbytes + X.shape[0] * 8 + 3 * CHUNK * 8


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sparse", [False, True])
def test_a_k_class_fit_at_c_inf_holds_what_the_same_fit_at_c_1_holds(dtype, sparse):
    """At C = inf the no-minimum test ran while the rule held the last raw prediction:
    dense 2.15 n x K before against 1.22 at C = 1 (five iterations); now 1.22 as well,
    and never above the two n x K buffers of issue #16."""
    X, y = _classes(dtype=dtype)
    X = sp.csr_matrix(X) if sparse else X
    buf = X.shape[0] * 30 * np.dtype(dtype).itemsize
    peaks = [_peak(lambda C=C: GradientDescentLogisticRegression(C=C, max_iter=5).fit(X, y))
             for C in (1.0, np.inf)]
    # (+ 1 MiB: the separated stop's scaling try passes over row blocks, whose temporaries
    # are a constant, not n x K: 0.64 MB at n = 20,000, 0.89 at 80,000)
    assert peaks[1] <= peaks[0] + 0.15 * buf + 2**20, [p / buf for p in peaks]
    assert peaks[1] <= _bound(X, buf), peaks[1] / buf


def test_the_no_minimum_test_holds_one_n_by_k_array():
    """``_no_minimum`` alone: X W + b made one n x K array, not three (2.0 before)."""
    X, y = _classes()
    model = GradientDescentLogisticRegression(C=np.inf, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    buf = X.shape[0] * 30 * 8
    peak = _peak(lambda: _no_minimum(model, True, X, lambda: y, None, converged=False))
    assert peak <= 1.2 * buf, peak / buf


def test_the_lp_test_of_a_converged_k_class_fit_makes_no_n_by_k_array():
    """``_lp_worth_it`` at a converged stop took the log-ratios as an n x K array (1.0
    n x K); a class at a time it holds a few n-vectors."""
    rng = np.random.default_rng(1)
    n, K = 20_000, 30
    z = rng.standard_normal((n, K))
    y = rng.integers(0, K, n)
    keep = np.ones(n, bool)
    peak = _peak(lambda: _lp_worth_it(np.zeros((n, 1)), keep, y, z, True))
    assert peak <= 0.2 * z.nbytes, peak / z.nbytes


def test_the_lp_test_answers_as_before():
    """The class-at-a-time minimum is the whole one: a pair below LP_RESIDUAL is found,
    none is not, and a NaN log-ratio (z of inf) is not asked."""
    y = np.array([0, 1, 2])
    keep = np.ones(3, bool)
    z = np.zeros((3, 3))
    assert not _lp_worth_it(np.zeros((3, 1)), keep, y, z, True)
    z[1, 1] = 20.0  # row 1: p_k / p_1 = e^-20 for k = 0 and 2
    assert _lp_worth_it(np.zeros((3, 1)), keep, y, z, True)
    z[2, :] = np.inf  # inf - inf: NaN
    assert not _lp_worth_it(np.zeros((3, 1)), keep, y, z, True)
