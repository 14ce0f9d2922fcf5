"""Review 24: an outside review of bb's low-rank metric for wide data (``LowRankMetric``:
H⁻¹ factored in the rows by Woodbury's identity, taken where p > rows/4 and few rows)."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV


def _wide(n, d=300, seed=0):
    X, y = make_classification(n, d, n_informative=20, random_state=seed)
    return X * np.logspace(-2, 2, d), y


def _same_path(a, b):
    assert len(a.loss_curve_) == len(b.loss_curve_), (len(a.loss_curve_), len(b.loss_curve_))
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-9)


@pytest.mark.slow
def test_rows_of_weight_zero_do_not_decide_whether_the_low_rank_metric_applies():
    """1000 rows of 4000 features and 100 rows of weight 0 (1100 > LOW_RANK_ROWS): the
    metric was refused, where the fit without those rows took it; now the same path."""
    X, y = _wide(1100, d=4000)
    sw = np.ones(len(y))
    sw[1000:] = 0.0
    weighted = GradientDescentLogisticRegression(C=0.01).fit(X, y, sample_weight=sw)
    _same_path(weighted, GradientDescentLogisticRegression(C=0.01).fit(X[:1000], y[:1000]))


def test_a_weight_of_two_counts_as_two_rows_for_the_low_rank_metric():
    """600 rows of weight 2 took the metric (22 iterations) where the same 600 rows twice
    (1200 > LOW_RANK_ROWS) did not (155): sample-weight equivalence, the same path."""
    X, y = _wide(600)
    twice = GradientDescentLogisticRegression().fit(np.vstack([X, X]), np.r_[y, y])
    weighted = GradientDescentLogisticRegression().fit(X, y, sample_weight=np.full(600, 2.0))
    _same_path(weighted, twice)


@pytest.mark.slow
@pytest.mark.parametrize("warm_start_path", [False, True])
def test_a_search_takes_the_low_rank_metric_as_its_single_fits_on_their_folds(
        warm_start_path):
    """1100 rows, two folds of 550 training rows and 2400 features: each single fit took the
    low-rank metric, the search, which holds all 1100 rows (the test rows of weight 0), did
    not: each column must keep its single fit's path."""
    X, y = _wide(1100, d=2400)
    cv, Cs = StratifiedKFold(2), [0.01]
    search = GradientDescentLogisticRegressionCV(
        Cs=Cs, cv=cv, warm_start_path=warm_start_path).fit(X, y)
    for f, (train, _) in enumerate(cv.split(X, y)):
        single = GradientDescentLogisticRegression(C=0.01).fit(X[train], y[train])
        curve = search.loss_curves_[f]
        assert len(curve) == len(single.loss_curve_), (f, len(curve), len(single.loss_curve_))
        np.testing.assert_allclose(curve, single.loss_curve_, rtol=1e-9)


@pytest.mark.parametrize("n, d, takes, first", [(1024, 600, False, None), (500, 500, True, 27),
                                                (200, 200, True, 10), (500, 2000, True, 10)])
def test_the_low_rank_metric_is_taken_only_where_it_pays(n, d, takes, first):
    """Where the rows are many and not a quarter of the coordinates, a take (n²·p + n³/3)
    and the products with P (2n·p + 2n² each) cost more than the iterations they saved:
    1024 × 600 fitted in 109 ms where the plain steps took 42, 500 × 500 in 38 ms for 18
    (interleaved medians, one thread); 200 × 200 (6.0 vs 7.3 ms) and 500 × 2000 raw (134
    vs 322 ms) gain. With more rows than coordinates (1024 × 600) it stays off; with at
    least as many coordinates its first take now waits until the iterations have cost what
    it does (``whitening_start``): 500 × 500 raw takes it at 27 (at 70 while the take's
    BLAS-3 flops were counted at the products' rate: 96 iterations in 46 ms), 50 iterations
    against the plain steps' 343 (49 against 83 ms, 2026-12-01). 1024 × 600 takes the wide
    p × p metric instead (2026-12-04) once its iterations have cost a take: 117 → 79
    iterations, 67 → 75 ms (tests/test_wide_sparse_metric.py)."""
    from test_whitened_steps import _objective

    from gdlogreg._objective import RENT, FactoredMetric, LowRankMetric

    X, y = _wide(n, d)
    obj = _objective(X, y)
    P = obj.whitening()
    assert isinstance(P, LowRankMetric) if takes else isinstance(P, FactoredMetric)
    if first is None:  # the wide metric's: once the iterations have cost one take
        first = max(10, -(-obj._wide_price() // RENT))
        assert first > 10
    assert obj.whitening_start(10) == first
